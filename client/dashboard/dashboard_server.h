// The dashboard's web server: plain HTTP on loopback (or behind the
// organisation's own TLS proxy), one object per connection as in
// Boost.Beast's examples, every read under a deadline. It serves the page
// (compiled into the binary), the board as JSON, a Server-Sent Events
// stream that pushes the board whenever it changes, and one action,
// acknowledge. Every request passes DashboardAccess first; every answer
// carries a strict Content-Security-Policy.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace cw::client {

class CaseBoard;
class DashboardAccess;

class DashboardServer {
 public:
  // Acknowledge `case_id` on the daemon; call `done(http_status, json)`
  // from any thread when the daemon has answered.
  using AckFn = std::function<void(const std::string& case_id,
                                   std::function<void(unsigned, std::string)> done)>;

  DashboardServer(boost::asio::io_context& ioc, const DashboardAccess& access, CaseBoard& board,
                  AckFn ack);
  ~DashboardServer();

  // Binds `host`:`port` (port 0: a free one). False with `error` set when
  // it cannot.
  bool listen(const std::string& host, std::uint16_t port, std::string& error);
  std::uint16_t port() const;

  // Thread-safe: the board changed; push it to every open page.
  void board_changed();

  struct Impl;  // the connections' shared state (dashboard_server.cc only)

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace cw::client
