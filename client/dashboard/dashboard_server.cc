#include "client/dashboard/dashboard_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <vector>

#include "client/dashboard/access.h"
#include "client/dashboard/case_board.h"
#include "client/dashboard/web_assets.h"
#include "protocol/timefmt.h"
#include "stats/report.h"

namespace cw::client {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto kReadDeadline = 30s;
constexpr auto kHeartbeat = 15s;
constexpr std::size_t kMaxStreams = 32;

// The page may load only itself: no inline script or style, no other
// origin for anything, no framing, no form posts.
constexpr std::string_view kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

template <class Fields>
void harden(Fields& f) {
  f.set("Content-Security-Policy", kCsp);
  f.set("X-Content-Type-Options", "nosniff");
  f.set("X-Frame-Options", "DENY");
  f.set("Referrer-Policy", "no-referrer");
  f.set("Cross-Origin-Opener-Policy", "same-origin");
  f.set("Cross-Origin-Resource-Policy", "same-origin");
  f.set(http::field::cache_control, "no-store");
}

http::response<http::string_body> respond(unsigned version, http::status status,
                                          std::string_view type, std::string body) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::content_type, type);
  harden(res);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

http::response<http::string_body> json_error(unsigned version, http::status status,
                                             std::string_view code) {
  return respond(version, status, "application/json",
                 boost::json::serialize(boost::json::object{{"error", code}}));
}

// ?from=YYYY-MM&to=YYYY-MM, defaulting to the last twelve months.
std::pair<std::string, std::string> report_range(std::string_view target) {
  auto param = [&](std::string_view name) -> std::string {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return {};
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
      const auto amp = rest.find('&');
      const auto kv = rest.substr(0, amp);
      if (kv.substr(0, name.size() + 1) == std::string(name) + "=")
        return std::string(kv.substr(name.size() + 1));
      if (amp == std::string_view::npos) break;
      rest.remove_prefix(amp + 1);
    }
    return {};
  };
  std::string from = param("from"), to = param("to");
  if (to.empty()) to = format_rfc3339(unix_now()).substr(0, 7);
  if (from.empty() && to.size() == 7) {
    int y = std::atoi(to.substr(0, 4).c_str()), m = std::atoi(to.substr(5, 2).c_str()) - 11;
    if (m < 1) {
      m += 12;
      --y;
    }
    from = std::to_string(y) + (m < 10 ? "-0" : "-") + std::to_string(m);
  }
  return {from, to};
}

bool is_case_id(std::string_view s) {
  return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

class SseStream;

struct DashboardServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::io_context& io, const DashboardAccess& a, CaseBoard& b, AckFn f)
      : ioc(io), access(a), board(b), ack(std::move(f)), acceptor(io) {}
  void accept();
  void push();  // on the io_context's thread only

  net::io_context& ioc;
  const DashboardAccess& access;
  CaseBoard& board;
  AckFn ack;
  tcp::acceptor acceptor;
  std::vector<std::weak_ptr<SseStream>> streams;
};

// One open page's event stream. The board is sent whole on every change
// (it is small: codes and counts); a change during a write is coalesced
// into one more write of the newest board.
class SseStream : public std::enable_shared_from_this<SseStream> {
 public:
  SseStream(beast::tcp_stream stream, std::shared_ptr<DashboardServer::Impl> srv)
      : stream_(std::move(stream)), heartbeat_(stream_.get_executor()), srv_(std::move(srv)) {}

  void start() {
    stream_.expires_never();
    http::response<http::empty_body> head{http::status::ok, 11};
    head.set(http::field::content_type, "text/event-stream");
    harden(head);
    std::ostringstream h;
    h << head.base();
    out_ = h.str();
    out_ += board_event();
    write();
    watch_close();
    beat();
  }

  void push() {
    if (closed_) return;
    if (writing_) {
      pending_ = true;
      return;
    }
    out_ = board_event();
    write();
  }

  bool open() const { return !closed_; }

 private:
  std::string board_event() const {
    return "event: board\ndata: " + srv_->board.snapshot_json() + "\n\n";
  }

  void write() {
    writing_ = true;
    net::async_write(stream_, net::buffer(out_),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->writing_ = false;
                       if (ec) return self->close();
                       if (self->pending_) {
                         self->pending_ = false;
                         self->push();
                       }
                     });
  }

  // The browser sends nothing on an event stream; a read completes only
  // when it goes away.
  void watch_close() {
    stream_.async_read_some(net::buffer(sink_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->watch_close();
                            });
  }

  void beat() {
    heartbeat_.expires_after(kHeartbeat);
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      if (!self->writing_) {
        self->out_ = ": keep-alive\n\n";
        self->write();
      }
      self->beat();
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    heartbeat_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  net::steady_timer heartbeat_;
  std::shared_ptr<DashboardServer::Impl> srv_;
  std::string out_;
  char sink_[256];
  bool writing_ = false, pending_ = false, closed_ = false;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, std::shared_ptr<DashboardServer::Impl> srv)
      : stream_(std::move(socket)), srv_(std::move(srv)) {}

  void read() {
    parser_.emplace();
    parser_->header_limit(8 * 1024);
    parser_->body_limit(std::uint64_t{4} * 1024);
    stream_.expires_after(kReadDeadline);
    http::async_read(stream_, buf_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->handle(self->parser_->release());
                     });
  }

 private:
  void handle(const http::request<http::string_body>& req) {
    const unsigned v = req.version();
    const auto verdict =
        srv_->access.check(req.method_string(), req.target(), req[http::field::host],
                           req[http::field::origin], req[http::field::authorization]);
    switch (verdict) {
      case DashboardAccess::Verdict::refuse_host:
        return send(json_error(v, http::status::forbidden, "wrong_host"), false);
      case DashboardAccess::Verdict::refuse_origin:
        return send(json_error(v, http::status::forbidden, "foreign_origin"), false);
      case DashboardAccess::Verdict::refuse_token:
        return send(json_error(v, http::status::forbidden, "no_token"), false);
      case DashboardAccess::Verdict::allow:
        break;
    }
    const std::string_view path = req.target().substr(0, req.target().find('?'));
    if (req.method() == http::verb::get) {
      if (path == "/api/events") return stream();
      if (path == "/api/report.svg") {
        // The publishable chart: the same privacy floor as casewired report.
        const auto [from, to] = report_range(req.target());
        auto r = stats::build_report(srv_->board.history(), {from, to, 5, ""});
        if (!r) return send(json_error(v, http::status::bad_request, "bad_request"), false);
        return send(respond(v, http::status::ok, "image/svg+xml", stats::report_svg(*r)),
                    req.keep_alive());
      }
      if (path == "/api/board")
        return send(respond(v, http::status::ok, "application/json", srv_->board.snapshot_json()),
                    req.keep_alive());
      std::string_view type;
      const std::string_view name = path == "/" ? "index.html" : path.substr(1);
      if (auto body = dashboard_asset(name, &type))
        return send(respond(v, http::status::ok, type, std::string(*body)), req.keep_alive());
      return send(json_error(v, http::status::not_found, "not_found"), req.keep_alive());
    }
    if (req.method() == http::verb::post && path == "/api/ack") return acknowledge(req);
    return send(json_error(v, http::status::method_not_allowed, "method_not_allowed"), false);
  }

  void acknowledge(const http::request<http::string_body>& req) {
    const unsigned v = req.version();
    std::error_code ec;
    auto body = boost::json::parse(req.body(), ec);
    const auto* o = !ec && body.is_object() ? &body.as_object() : nullptr;
    const auto* c = o ? o->if_contains("case") : nullptr;
    if (!c || !c->is_string() || !is_case_id(c->as_string()))
      return send(json_error(v, http::status::bad_request, "bad_request"), false);
    // The daemon is asked on another thread; the answer comes back here.
    stream_.expires_never();
    srv_->ack(std::string(c->as_string()), [self = shared_from_this(), v, keep = req.keep_alive()](
                                               unsigned status, std::string json) {
      net::post(self->stream_.get_executor(), [self, v, keep, status, j = std::move(json)] {
        self->send(respond(v, static_cast<http::status>(status), "application/json", j), keep);
      });
    });
  }

  void stream() {
    auto& streams = srv_->streams;
    std::erase_if(streams, [](const std::weak_ptr<SseStream>& w) {
      auto s = w.lock();
      return !s || !s->open();
    });
    if (streams.size() >= kMaxStreams)
      return send(json_error(11, http::status::service_unavailable, "too_many_pages"), false);
    auto s = std::make_shared<SseStream>(std::move(stream_), srv_);
    streams.push_back(s);
    s->start();
  }

  void send(http::response<http::string_body> res, bool keep_alive) {
    res.keep_alive(keep_alive);
    auto sp = std::make_shared<http::response<http::string_body>>(std::move(res));
    http::async_write(
        stream_, *sp,
        [self = shared_from_this(), sp, keep_alive](beast::error_code ec, std::size_t) {
          if (ec || !keep_alive) return self->close();
          self->read();
        });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<DashboardServer::Impl> srv_;
};

void DashboardServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (!ec) std::make_shared<HttpSession>(std::move(socket), self)->read();
    self->accept();
  });
}

void DashboardServer::Impl::push() {
  for (auto& w : streams)
    if (auto s = w.lock()) s->push();
}

DashboardServer::DashboardServer(net::io_context& ioc, const DashboardAccess& access,
                                 CaseBoard& board, AckFn ack)
    : impl_(std::make_shared<Impl>(ioc, access, board, std::move(ack))) {}

DashboardServer::~DashboardServer() {
  beast::error_code ec;
  impl_->acceptor.close(ec);
}

bool DashboardServer::listen(const std::string& host, std::uint16_t port, std::string& error) {
  beast::error_code ec;
  const auto addr = net::ip::make_address(host, ec);
  if (ec) {
    error = "not an IP address: " + host;
    return false;
  }
  const tcp::endpoint ep(addr, port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    error = ec.message();
    return false;
  }
  impl_->accept();
  return true;
}

std::uint16_t DashboardServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void DashboardServer::board_changed() {
  net::post(impl_->ioc, [w = std::weak_ptr<Impl>(impl_)] {
    if (auto impl = w.lock()) impl->push();
  });
}

}  // namespace cw::client
