// Listeners and connections: TLS 1.3 for the API, plain HTTP for the admin
// endpoint (loopback by default). One session object per connection, kept
// alive by shared_from_this and run on its own strand; every read and write
// has a deadline, and the connection cap is enforced at accept.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <memory>

#include "daemon/config.h"
#include "daemon/metrics.h"
#include "daemon/net/http.h"

namespace cw::daemon {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

// A TLS 1.3-only server context with the daemon's certificate.
Result<std::shared_ptr<ssl::context>> make_tls_context(const std::string& cert_file,
                                                       const std::string& key_file);

class Server {
 public:
  Server(net::io_context& ioc, const Limits& limits, Metrics& metrics);
  ~Server();

  // Binds and starts accepting; returns the bound endpoint (port 0 = any).
  Result<tcp::endpoint> listen(const HostPort& where, std::shared_ptr<Handler> handler,
                               std::shared_ptr<ssl::context> tls /* null = plain */);

  // Stops accepting, closes idle connections, lets in-flight requests finish.
  // `on_drained` runs (on an io thread) once no connection is left or when
  // `deadline` passes, whichever comes first.
  void drain(std::chrono::milliseconds deadline, std::function<void()> on_drained);

  struct State;  // shared with the sessions; defined in session.h

 private:
  std::shared_ptr<State> state_;
};

}  // namespace cw::daemon
