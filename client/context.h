// What every networked command needs: the home, its invite, and transport
// options (proxy, timeouts) from client.toml and the command line.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "client/commands.h"
#include "client/home.h"
#include "client/transport.h"

namespace cw::client {

struct ClientContext {
  ClientHome home;
  Invite invite;
  TransportOptions transport;
};

Result<ClientContext> load_context(const Globals& g);

// The client's one failover loop: tries `urls` in order; `attempt(url)`
// returns true when that outcome is final (an answer to keep, or an error not
// to fail over from, such as a pin mismatch), false to try the next URL.
// Returns whether some attempt was final.
bool try_each_url(const std::vector<std::string>& urls,
                  const std::function<bool(const std::string&)>& attempt);

// Sends `req` to the invite's URLs in order and returns the first answer
// (any HTTP status); a transport error only when no URL answered.
Result<HttpResult> request_any(const ClientContext& ctx, const HttpRequest& req);

// A request signed by `id` for this invite's daemon (docs/PROTOCOL.md §6).
HttpRequest signed_http_request(const ClientContext& ctx, const Identity& id,
                                const std::string& method, const std::string& target,
                                std::string body);

// A signed request whose answer the daemon signs with its status key: the
// verified payload, or the error (written to `err`, with the exit status to
// return in *exit_status). What ack, answer, status and the dashboard share.
Result<std::string> signed_call(const ClientContext& ctx, const Identity& id,
                                const std::string& method, const std::string& target,
                                std::string body, std::ostream& err, int* exit_status);

// Loads the identity from `key_file`, else from the home.
Result<Identity> load_identity(const Globals& g, const ClientHome& home,
                               const std::string& key_file);

// The daemon's error answer ({"error": code, "message": text}) as an Error;
// anything else (not JSON, wrong types) as bad_response / internal_error by
// HTTP status. Never throws.
Error error_from_body(unsigned status, const std::string& body);

// Prints the error in the contact's language (error_words.h) and returns
// `status`.
int fail(std::ostream& err, const Error& e, int status = 1);

}  // namespace cw::client
