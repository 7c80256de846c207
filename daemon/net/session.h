// Internal to the listener: what a connection shares with its server, and
// the two ways to start one. The Session template lives in session_impl.h and
// is instantiated once per stream type in its own translation unit (they are
// the heaviest to compile, and build in parallel that way).
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "daemon/net/server.h"

namespace cw::daemon {

struct ListenerStats;

// What sessions share with the server: limits, metrics, the drain flag and a
// registry of live sessions so drain() can reach idle ones.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void drain() = 0;  // thread-safe: posts to the session's strand
  // Closes the connection now, whatever it is doing; thread-safe.
  virtual void shed() = 0;

  // Read by the listener at accept to choose whom to shed when full.
  const ListenerStats* listener = nullptr;
  std::chrono::steady_clock::time_point accepted_at{};
  // Set once a request head has arrived: a connection that never got this
  // far (idle TCP, slow or never-finished TLS handshake) is shed first.
  std::atomic<bool> proven{false};
  std::atomic<bool> shedding{false};
};

struct Server::State {
  net::io_context& ioc;
  Limits limits;
  Metrics& metrics;
  std::atomic<bool> draining{false};
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::mutex mu;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;

  State(net::io_context& io, const Limits& l, Metrics& m) : ioc(io), limits(l), metrics(m) {}

  void add(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard lock(mu);
    sessions[s.get()] = s;
  }
  void remove(SessionBase* s) {
    std::lock_guard lock(mu);
    sessions.erase(s);
  }
  std::size_t live() {
    std::lock_guard lock(mu);
    return sessions.size();
  }
};

// Per-listener connection accounting: the cap applies to each listener on its
// own (a flood on the API cannot lock the operator out of /metrics), and only
// the public API's connections appear in the connection metrics.
struct ListenerStats {
  std::atomic<std::int64_t> open{0};
  std::atomic<std::int64_t> shedding{0};  // open, but being closed to make room
  bool public_api = false;

  // Concurrent connections per remote address. admit() is called at accept;
  // release() by the session's destructor for every admitted connection.
  bool admit(const net::ip::address& a, std::uint32_t cap) {
    std::lock_guard lock(mu);
    auto& n = per_address[a];
    if (cap > 0 && n >= cap) return false;  // n >= 1 here: the entry is live
    ++n;
    return true;
  }
  void release(const net::ip::address& a) {
    std::lock_guard lock(mu);
    auto it = per_address.find(a);
    if (it != per_address.end() && --it->second == 0) per_address.erase(it);
  }

 private:
  std::mutex mu;
  std::map<net::ip::address, std::uint32_t> per_address;
};

void start_tls_session(tcp::socket&& socket, ssl::context& tls,
                       std::shared_ptr<Server::State> state, std::shared_ptr<Handler> handler,
                       std::shared_ptr<ListenerStats> stats);
void start_plain_session(tcp::socket&& socket, std::shared_ptr<Server::State> state,
                         std::shared_ptr<Handler> handler, std::shared_ptr<ListenerStats> stats);

}  // namespace cw::daemon
