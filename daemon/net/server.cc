#include "daemon/net/server.h"

#include <openssl/ssl.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>

#include "daemon/net/session.h"

namespace cw::daemon {

namespace beast = boost::beast;
using namespace std::chrono_literals;

Result<std::shared_ptr<ssl::context>> make_tls_context(const std::string& cert_file,
                                                       const std::string& key_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  // TLS 1.3 only: forward secrecy always, no legacy negotiation to downgrade.
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(ctx->native_handle(), TLS1_3_VERSION);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                   SSL_OP_NO_TICKET);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) return make_error(Errc::tls_error, "cannot load TLS certificate " + cert_file);
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return make_error(Errc::tls_error, "cannot load TLS key " + key_file);
  return ctx;
}

namespace {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(std::shared_ptr<Server::State> state, std::shared_ptr<tcp::acceptor> acceptor,
           std::shared_ptr<Handler> handler, std::shared_ptr<ssl::context> tls)
      : state_(std::move(state)),
        acceptor_(std::move(acceptor)),
        handler_(std::move(handler)),
        tls_(std::move(tls)),
        stats_(std::make_shared<ListenerStats>()) {
    stats_->public_api = tls_ != nullptr;
  }

  void accept() {
    acceptor_->async_accept(net::make_strand(state_->ioc),
                            beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

 private:
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_->is_open()) return;  // closed by drain
    if (!ec) {
      beast::error_code rec;
      const auto remote = socket.remote_endpoint(rec).address();
      const std::uint32_t per_ip = stats_->public_api ? state_->limits.max_connections_per_ip : 0;
      auto refuse = [&] {
        // Close at once, before any TLS work is spent on it.
        if (stats_->public_api) state_->metrics.connections_refused.fetch_add(1);
        beast::error_code ignore;
        socket.close(ignore);
      };
      if (rec || state_->draining || !room_for_one_more()) {
        refuse();
      } else if (!stats_->admit(remote, per_ip)) {
        // One address holding many sockets (one host trying to fill the
        // daemon) gets no more; everyone else still gets in.
        refuse();
      } else if (tls_) {
        // Without this, an answer written right after the handshake's last
        // small records waits for their ACK, which a client delays ~40 ms:
        // every new connection (every contact over Tor) paid that.
        socket.set_option(tcp::no_delay(true), rec);
        start_tls_session(std::move(socket), *tls_, state_, handler_, stats_);
      } else {
        start_plain_session(std::move(socket), state_, handler_, stats_);
      }
    }
    accept();
  }

  // At the connection cap, makes room by shedding this listener's oldest
  // connection that has not yet sent a request (idle TCP, an unfinished TLS
  // handshake): those are what a flood holds, while a contact mid-request is
  // kept. Returns false when every connection is busy with real work.
  bool room_for_one_more() {
    const auto cap = static_cast<std::int64_t>(state_->limits.max_connections);
    if (stats_->open.load() - stats_->shedding.load() < cap) return true;
    std::shared_ptr<SessionBase> oldest;
    {
      std::lock_guard lock(state_->mu);
      for (auto& [p, w] : state_->sessions) {
        auto s = w.lock();
        if (!s || s->listener != stats_.get() || s->proven.load() || s->shedding.load()) continue;
        if (!oldest || s->accepted_at < oldest->accepted_at) oldest = std::move(s);
      }
    }
    if (!oldest) return false;
    oldest->shedding = true;
    stats_->shedding.fetch_add(1);
    if (stats_->public_api) state_->metrics.connections_shed.fetch_add(1);
    oldest->shed();
    return true;
  }

  std::shared_ptr<Server::State> state_;
  std::shared_ptr<tcp::acceptor> acceptor_;
  std::shared_ptr<Handler> handler_;
  std::shared_ptr<ssl::context> tls_;
  std::shared_ptr<ListenerStats> stats_;
};

// Polls until the last session is gone or the deadline passes, then calls back.
class DrainWaiter : public std::enable_shared_from_this<DrainWaiter> {
 public:
  DrainWaiter(std::shared_ptr<Server::State> st, std::chrono::milliseconds deadline,
              std::function<void()> done)
      : st_(std::move(st)),
        timer_(st_->ioc),
        until_(std::chrono::steady_clock::now() + deadline),
        done_(std::move(done)) {}
  void check() {
    if (st_->live() == 0 || std::chrono::steady_clock::now() >= until_) return done_();
    timer_.expires_after(20ms);
    timer_.async_wait([self = shared_from_this()](beast::error_code) { self->check(); });
  }

 private:
  std::shared_ptr<Server::State> st_;
  net::steady_timer timer_;
  std::chrono::steady_clock::time_point until_;
  std::function<void()> done_;
};

}  // namespace

Server::Server(net::io_context& ioc, const Limits& limits, Metrics& metrics)
    : state_(std::make_shared<State>(ioc, limits, metrics)) {}

Server::~Server() = default;

Result<tcp::endpoint> Server::listen(const HostPort& where, std::shared_ptr<Handler> handler,
                                     std::shared_ptr<ssl::context> tls) {
  beast::error_code ec;
  auto addr = net::ip::make_address(where.host, ec);
  if (ec)
    return make_error(Errc::bad_config, "listen address must be an IP address: " + where.host);
  tcp::endpoint ep(addr, where.port);
  auto acceptor = std::make_shared<tcp::acceptor>(net::make_strand(state_->ioc));
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(Errc::io_error, "cannot listen on " + where.host + ":" +
                                          std::to_string(where.port) + ": " + ec.message());
  auto bound = acceptor->local_endpoint(ec);
  state_->acceptors.push_back(acceptor);
  std::make_shared<Listener>(state_, acceptor, std::move(handler), std::move(tls))->accept();
  return bound;
}

void Server::drain(std::chrono::milliseconds deadline, std::function<void()> on_drained) {
  auto st = state_;
  st->draining = true;
  for (auto& a : st->acceptors)
    net::post(a->get_executor(), [a] {
      beast::error_code ec;
      a->close(ec);
    });
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(st->mu);
    for (auto& [p, w] : st->sessions)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->drain();
  live.clear();
  std::make_shared<DrainWaiter>(st, deadline, std::move(on_drained))->check();
}

}  // namespace cw::daemon
