// A deliberately low-level HTTP(S) client for end-to-end tests: it can send
// anything (half a request, one byte a second, plain HTTP to the TLS port),
// which the real client never would. Blocking sockets with receive timeouts.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace cw::test {

struct HttpReply {
  int status = 0;
  std::string head;
  std::string body;
  std::string header(const std::string& name) const;  // case-insensitive
};

class RawClient {
 public:
  // TLS 1.3 without certificate checks (tests check pins elsewhere).
  // `source`: a local IPv4 address to connect from (any of 127.0.0.0/8 is
  // this machine), so one test can play several hosts. `receive_buffer`
  // (bytes, 0 = the system's) plays a reader on a narrow link.
  static std::unique_ptr<RawClient> connect(
      std::uint16_t port, bool tls, std::chrono::milliseconds timeout = std::chrono::seconds(5),
      const char* source = nullptr, int receive_buffer = 0);
  // A TCP connection that never starts TLS or sends anything.
  static std::unique_ptr<RawClient> idle(std::uint16_t port, const char* source = nullptr);
  ~RawClient();
  bool handshake_ok() const { return handshake_ok_; }
  bool send(const std::string& bytes);
  // Reads one HTTP response (head + Content-Length body); nullopt on close/timeout.
  std::optional<HttpReply> read_reply();
  // Whatever arrives next (after any bytes read_reply() left over): for
  // streams such as Server-Sent Events. nullopt on close or timeout.
  std::optional<std::string> read_chunk();
  // True when the peer closes the connection within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout);

 private:
  int read_some(char* buf, int n);
  int fd_ = -1;
  void* ssl_ = nullptr;
  void* ctx_ = nullptr;
  bool handshake_ok_ = false;
  std::string pending_;
};

std::string http_request(const std::string& method, const std::string& target,
                         const std::string& body, const std::string& extra_headers = "");

// One request on a fresh TLS connection.
std::optional<HttpReply> post_alert(std::uint16_t port, const std::string& envelope,
                                    const char* source = nullptr);
// The receipt in an answer to POST /v1/alerts, without the case log's
// evidence beside it: the receipt of a repeat is byte for byte the first,
// while the head that comes with it is the newest (signed afresh).
std::string receipt_of(const std::string& answer_body);
// GET on the plain admin listener.
std::optional<HttpReply> admin_get(std::uint16_t port, const std::string& target);

}  // namespace cw::test
