// The per-connection session: one object per connection, kept alive by
// shared_from_this, run on its own strand, every read and write under a
// deadline (Boost.Beast's own server examples are the model). Included only
// by session_tls.cc and session_plain.cc.
#pragma once

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "daemon/net/session.h"

namespace cw::daemon::detail {

namespace beast = boost::beast;
using namespace std::chrono_literals;

template <class Stream>
constexpr bool kIsTls = std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>;

// Why an ignored error is ignored: a peer that times out, resets or sends
// garbage is expected on the open internet; the session simply ends.
inline bool expected_end(beast::error_code ec) {
  return ec == net::error::operation_aborted || ec == beast::error::timeout ||
         ec == net::error::eof || ec == net::ssl::error::stream_truncated ||
         ec == net::error::connection_reset || ec == http::error::end_of_stream;
}

template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(tcp::socket&& socket, ssl::context* tls, std::shared_ptr<Server::State> state,
          std::shared_ptr<Handler> handler, std::shared_ptr<ListenerStats> stats)
      : stream_(make_stream(std::move(socket), tls)),
        state_(std::move(state)),
        handler_(std::move(handler)),
        stats_(std::move(stats)) {
    beast::error_code ec;
    ctx_.remote = lowest().socket().remote_endpoint(ec).address();
    listener = stats_.get();
    accepted_at = std::chrono::steady_clock::now();
    stats_->open.fetch_add(1);
    if (stats_->public_api) {
      state_->metrics.open_connections.fetch_add(1);
      state_->metrics.connections_total.fetch_add(1);
    }
  }
  ~Session() override {
    if (source_) source_->cancel();
    stats_->open.fetch_sub(1);
    if (shedding.load()) stats_->shedding.fetch_sub(1);
    stats_->release(ctx_.remote);
    if (stats_->public_api) state_->metrics.open_connections.fetch_sub(1);
    state_->remove(this);
  }

  void run() {
    state_->add(this->shared_from_this());
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->start(); });
  }

  void shed() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close_now(); });
  }

  void drain() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      // Idle (waiting for a request head): close now. Busy: the request
      // finishes and the connection closes after its response.
      if (self->phase_ == Phase::head) self->close_now();
      // A stream ends itself: its source delivers the end once cancelled.
      if (self->phase_ == Phase::streaming && self->source_) self->source_->cancel();
    });
  }

 private:
  enum class Phase { handshake, head, body, processing, writing, streaming, closing };

  static Stream make_stream(tcp::socket&& s, ssl::context* tls) {
    if constexpr (kIsTls<Stream>)
      return Stream(std::move(s), *tls);
    else
      return Stream(std::move(s));
  }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  auto self() { return this->shared_from_this(); }
  std::chrono::milliseconds ms(std::uint32_t v) const { return std::chrono::milliseconds(v); }
  const Limits& limits() const { return state_->limits; }

  void start() {
    if constexpr (kIsTls<Stream>) {
      phase_ = Phase::handshake;
      lowest().expires_after(ms(limits().handshake_timeout_ms));
      stream_.async_handshake(ssl::stream_base::server,
                              beast::bind_front_handler(&Session::on_handshake, self()));
    } else {
      do_read();
    }
  }

  // Every error ends this connection only. Deadlines are counted by stage
  // (casewire_connection_deadlines_total); other expected ends (above) are
  // not; any other error is counted by stage
  // (casewire_connection_errors_total) - never logged with detail, which
  // could carry an address.
  void fail(beast::error_code ec, Metrics::ConnectionStage stage) {
    const auto i = static_cast<std::size_t>(stage);
    if (ec == beast::error::timeout) state_->metrics.connection_deadlines[i].fetch_add(1);
    if (!expected_end(ec)) state_->metrics.connection_errors[i].fetch_add(1);
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail(ec, Metrics::ConnectionStage::handshake);
    do_read();
  }

  void do_read() {
    if (state_->draining) return do_close();
    phase_ = Phase::head;
    pad_to_ = 0;
    parser_.emplace();
    parser_->header_limit(limits().max_header_bytes);
    parser_->body_limit(limits().max_body_bytes);
    // One deadline for waiting for and reading the whole head: a client
    // dribbling a byte a second is cut off here (slow-loris).
    lowest().expires_after(ms(limits().header_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_head, self()));
  }

  void on_head(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_close();
    // Decided as soon as the head is known - before the body-limit check, so
    // a 413 is padded like every other answer to that route.
    // (A body_limit error means the head was parsed up to Content-Length.)
    if (!ec || ec == http::error::body_limit)
      pad_to_ = handler_->answer_size(parser_->get().base());
    if (ec == http::error::header_limit) {
      state_->metrics.reject(Errc::headers_too_large);
      return send_final(error_response(Errc::headers_too_large, "request head is too large"));
    }
    if (ec == http::error::body_limit) {
      state_->metrics.reject(Errc::body_too_large);
      return send_final(error_response(Errc::body_too_large, "request body is too large"));
    }
    if (ec) return fail(ec, Metrics::ConnectionStage::read);
    proven = true;
    keep_alive_ = parser_->get().keep_alive();
    if (auto early = handler_->precheck(parser_->get().base(), ctx_)) {
      // Refused before reading the body: answer and close, the unread body
      // stays unread.
      return send_final(std::move(*early));
    }
    phase_ = Phase::body;
    lowest().expires_after(ms(limits().body_timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_body, self()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit) {
      state_->metrics.reject(Errc::body_too_large);
      return send_final(error_response(Errc::body_too_large, "request body is too large"));
    }
    if (ec) return fail(ec, Metrics::ConnectionStage::read);
    lowest().expires_never();
    phase_ = Phase::processing;
    auto ex = stream_.get_executor();
    Reply reply;
    reply.send = [self = self(), ex](Response res) {
      net::post(ex, [self, res = std::move(res)]() mutable { self->send(std::move(res)); });
    };
    reply.stream = [self = self(), ex](Response head, std::shared_ptr<StreamSource> src) {
      net::post(ex, [self, head = std::move(head), src = std::move(src)]() mutable {
        self->start_stream(std::move(head), std::move(src));
      });
    };
    handler_->handle(parser_->release(), ctx_, std::move(reply));
  }

  // ---- streamed responses (the SSE feed) ----

  void start_stream(const Response& head, std::shared_ptr<StreamSource> src) {
    phase_ = Phase::streaming;
    source_ = std::move(src);
    stream_head_ =
        std::make_unique<http::response<http::empty_body>>(head.result(), head.version());
    for (const auto& f : head) stream_head_->set(f.name_string(), f.value());
    stream_head_->set(http::field::date, http_date(std::time(nullptr)));
    stream_head_->chunked(true);
    stream_head_->keep_alive(false);
    stream_sr_ = std::make_unique<http::response_serializer<http::empty_body>>(*stream_head_);
    lowest().expires_after(ms(limits().write_timeout_ms));
    http::async_write_header(stream_, *stream_sr_,
                             beast::bind_front_handler(&Session::on_stream_write, self()));
  }

  void on_stream_write(beast::error_code ec, std::size_t) {
    if (ec) {
      // A subscriber too slow to take a piece within the write deadline is
      // dropped; it resumes later with Last-Event-ID and misses nothing.
      if (source_) source_->cancel();
      return fail(ec, Metrics::ConnectionStage::write);
    }
    lowest().expires_never();
    auto ex = stream_.get_executor();
    source_->next([self = self(), ex](std::optional<std::string> piece) {
      net::post(ex,
                [self, piece = std::move(piece)]() mutable { self->on_piece(std::move(piece)); });
    });
  }

  void on_piece(std::optional<std::string> piece) {
    lowest().expires_after(ms(limits().write_timeout_ms));
    if (!piece) {
      net::async_write(stream_, http::make_chunk_last(),
                       [self = self()](beast::error_code, std::size_t) { self->do_close(); });
      return;
    }
    piece_ = std::move(*piece);
    net::async_write(stream_, http::make_chunk(net::buffer(piece_)),
                     beast::bind_front_handler(&Session::on_stream_write, self()));
  }

  void send_final(Response res) {
    keep_alive_ = false;
    send(std::move(res));
  }

  void send(Response res) {
    phase_ = Phase::writing;
    res.keep_alive(keep_alive_ && !state_->draining);
    res.set(http::field::date, http_date(std::time(nullptr)));
    res.prepare_payload();
    if (pad_to_) pad_response(res, pad_to_);
    res_ = std::make_unique<Response>(std::move(res));
    lowest().expires_after(ms(limits().write_timeout_ms));
    http::async_write(stream_, *res_,
                      beast::bind_front_handler(&Session::on_write, self(), res_->need_eof()));
  }

  void on_write(bool close, beast::error_code ec, std::size_t) {
    if (ec) return fail(ec, Metrics::ConnectionStage::write);
    res_.reset();
    if (close) return do_close();
    do_read();
  }

  void do_close() {
    phase_ = Phase::closing;
    if constexpr (kIsTls<Stream>) {
      lowest().expires_after(1s);
      stream_.async_shutdown([self = self()](beast::error_code) { self->close_now(); });
    } else {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  void close_now() {
    phase_ = Phase::closing;
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  Stream stream_;
  std::shared_ptr<Server::State> state_;
  std::shared_ptr<Handler> handler_;
  std::shared_ptr<ListenerStats> stats_;
  RequestContext ctx_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::unique_ptr<Response> res_;
  std::shared_ptr<StreamSource> source_;
  std::unique_ptr<http::response<http::empty_body>> stream_head_;
  std::unique_ptr<http::response_serializer<http::empty_body>> stream_sr_;
  std::string piece_;
  bool keep_alive_ = true;
  std::size_t pad_to_ = 0;  // this request's answers are padded to this size (Handler::answer_size)
  Phase phase_ = Phase::handshake;
};

}  // namespace cw::daemon::detail
