// casewire for organisations (feed, ack) and for contacts asking about a
// case they reported (status). Each request is signed with the caller's key
// (protocol/signed_request.h); each answer is verified against the daemon's
// key from the invite before anything is printed.
#pragma once

#include <iosfwd>
#include <string>

#include "client/commands.h"

namespace cw::client {

struct FeedOptions {
  std::string key;          // identity file (default: the home's)
  std::size_t count = 0;    // stop after this many notifications (0 = stream forever)
  bool pull = false;        // page through /v1/notifications once instead of streaming
  bool from_start = false;  // ignore the saved cursor
};

int cmd_feed(const Globals& g, const FeedOptions& o, std::ostream& out, std::ostream& err);
// Opens a webhook secret the operator sealed to this organisation's key
// (protocol/sealed_secret.h) and prints it (whsec_...) for the receiver's
// configuration. Needs only the key file, not a set-up home.
int cmd_webhook_secret(const Globals& g, const std::string& key, const std::string& file,
                       std::ostream& out, std::ostream& err);

// open-disclosure: opens a case's details the operator disclosed to this
// organisation (protocol/disclosure.h), checks the daemon's signature, and
// prints them. Never writes them anywhere.
int cmd_open_disclosure(const Globals& g, const std::string& key, const std::string& file,
                        std::ostream& out, std::ostream& err);
// Organisations: answer "cannot_act" or "need_information" with a reason
// code (protocol/org_answer.h) instead of acknowledging.
int cmd_answer(const Globals& g, const std::string& key, std::uint64_t id, const std::string& kind,
               const std::string& reason, std::ostream& out, std::ostream& err);
int cmd_ack(const Globals& g, const std::string& key, std::uint64_t id, std::ostream& out,
            std::ostream& err);
int cmd_status(const Globals& g, const std::string& key, const std::string& case_ref,
               std::ostream& out, std::ostream& err);

}  // namespace cw::client
