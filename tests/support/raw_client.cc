#include "tests/support/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <thread>
#include <utility>

namespace cw::test {

std::string HttpReply::header(const std::string& name) const {
  std::string lower_head = head, lower_name = name + ":";
  std::transform(lower_head.begin(), lower_head.end(), lower_head.begin(), ::tolower);
  std::transform(lower_name.begin(), lower_name.end(), lower_name.begin(), ::tolower);
  auto pos = lower_head.find("\r\n" + lower_name);
  if (pos == std::string::npos) return "";
  pos += 2 + lower_name.size();
  auto end = head.find("\r\n", pos);
  std::string v = head.substr(pos, end - pos);
  while (!v.empty() && v.front() == ' ') v.erase(v.begin());
  return v;
}

namespace {

// A TCP socket, bound to the local address `source` when given (any of
// 127.0.0.0/8 is this machine, so one test can play several hosts).
int tcp_socket_from(const char* source) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (source) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &local.sin_addr);
    ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local);
  }
  return fd;
}

}  // namespace

std::unique_ptr<RawClient> RawClient::idle(std::uint16_t port, const char* source) {
  auto c = std::unique_ptr<RawClient>(new RawClient());
  c->fd_ = tcp_socket_from(source);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  c->handshake_ok_ = ::connect(c->fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  return c;
}

std::unique_ptr<RawClient> RawClient::connect(std::uint16_t port, bool tls,
                                              std::chrono::milliseconds timeout, const char* source,
                                              int receive_buffer) {
  auto c = std::unique_ptr<RawClient>(new RawClient());
  c->fd_ = tcp_socket_from(source);
  // Before connect, so the window the daemon sees is small from the start.
  if (receive_buffer > 0)
    ::setsockopt(c->fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(c->fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(c->fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(c->fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(c->fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return c;
  if (tls) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, c->fd_);
    c->ctx_ = ctx;
    c->ssl_ = ssl;
    c->handshake_ok_ = SSL_connect(ssl) == 1;
  } else {
    c->handshake_ok_ = true;
  }
  return c;
}

RawClient::~RawClient() {
  if (ssl_) SSL_free(static_cast<SSL*>(ssl_));
  if (ctx_) SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
  if (fd_ >= 0) ::close(fd_);
}

bool RawClient::send(const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    int n =
        ssl_ ? SSL_write(static_cast<SSL*>(ssl_), bytes.data() + off,
                         static_cast<int>(bytes.size() - off))
             : static_cast<int>(::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL));
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

int RawClient::read_some(char* buf, int n) {
  if (ssl_) return SSL_read(static_cast<SSL*>(ssl_), buf, n);
  return static_cast<int>(::recv(fd_, buf, static_cast<std::size_t>(n), 0));
}

std::optional<HttpReply> RawClient::read_reply() {
  char buf[8192];
  std::size_t head_end;
  while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos) {
    int n = read_some(buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    pending_.append(buf, static_cast<std::size_t>(n));
  }
  HttpReply r;
  r.head = pending_.substr(0, head_end + 2);
  if (r.head.size() > 12) r.status = std::atoi(r.head.substr(9, 3).c_str());
  std::size_t len = 0;
  if (auto cl = r.header("content-length"); !cl.empty()) len = std::stoul(cl);
  std::size_t have = pending_.size() - head_end - 4;
  while (have < len) {
    int n = read_some(buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    pending_.append(buf, static_cast<std::size_t>(n));
    have += static_cast<std::size_t>(n);
  }
  r.body = pending_.substr(head_end + 4, len);
  pending_.erase(0, head_end + 4 + len);
  return r;
}

std::optional<std::string> RawClient::read_chunk() {
  if (!pending_.empty()) return std::exchange(pending_, std::string());
  char buf[16384];
  const int n = read_some(buf, sizeof buf);
  if (n <= 0) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

bool RawClient::closed_within(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  char buf[256];
  while (std::chrono::steady_clock::now() < until) {
    int n = read_some(buf, sizeof buf);
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return true;  // reset or TLS close: closed
    }
  }
  return false;
}

std::string http_request(const std::string& method, const std::string& target,
                         const std::string& body, const std::string& extra_headers) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: test\r\n";
  if (!body.empty() || method == "POST")
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  r += extra_headers;
  r += "\r\n";
  r += body;
  return r;
}

std::optional<HttpReply> post_alert(std::uint16_t port, const std::string& envelope,
                                    const char* source) {
  auto c = RawClient::connect(port, true, std::chrono::seconds(5), source);
  if (!c->handshake_ok()) return std::nullopt;
  if (!c->send(http_request("POST", "/v1/alerts", envelope))) return std::nullopt;
  return c->read_reply();
}

std::string receipt_of(const std::string& answer_body) {
  std::error_code ec;
  auto v = boost::json::parse(answer_body, ec);
  if (ec || !v.is_object()) return answer_body;
  v.as_object().erase("log");
  return boost::json::serialize(v);
}

std::optional<HttpReply> admin_get(std::uint16_t port, const std::string& target) {
  auto c = RawClient::connect(port, false);
  if (!c->send(http_request("GET", target, ""))) return std::nullopt;
  return c->read_reply();
}

}  // namespace cw::test
