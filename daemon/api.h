// Request routing: the public API (TLS listener) and the admin endpoints
// (/healthz, /metrics; plain HTTP, loopback by default).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "daemon/config.h"
#include "daemon/ingest/ingest.h"
#include "daemon/metrics.h"
#include "daemon/net/http.h"
#include "daemon/rate_limit.h"

namespace cw::daemon {

struct AddressHash {
  std::size_t operator()(const boost::asio::ip::address& a) const {
    return std::hash<std::string>()(a.to_string());
  }
};

class ApiHandler final : public Handler {
 public:
  ApiHandler(const Limits& limits, Metrics& metrics, Ingest& ingest, boost::asio::any_io_executor ex);
  std::optional<Response> precheck(const RequestHeader& head, const RequestContext& ctx) override;
  void handle(Request&& req, const RequestContext& ctx, std::function<void(Response)> respond) override;

 private:
  Limits limits_;
  Metrics& metrics_;
  Ingest& ingest_;
  boost::asio::any_io_executor ex_;
  TokenBuckets<boost::asio::ip::address, AddressHash> ip_buckets_;
};

class AdminHandler final : public Handler {
 public:
  explicit AdminHandler(Metrics& metrics) : metrics_(metrics) {}
  std::optional<Response> precheck(const RequestHeader& head, const RequestContext& ctx) override;
  void handle(Request&& req, const RequestContext& ctx, std::function<void(Response)> respond) override;

 private:
  Metrics& metrics_;
};

}  // namespace cw::daemon
