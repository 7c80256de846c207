// The admin listener (plain HTTP, loopback by default): /healthz for
// monitoring, /metrics in Prometheus text format. Nothing here identifies
// anyone (daemon/metrics.h states the rule).
#pragma once

#include "daemon/metrics.h"
#include "daemon/net/http.h"
#include "daemon/store/store.h"

namespace cw::daemon {

class AdminHandler final : public Handler {
 public:
  AdminHandler(Metrics& metrics, Store& store) : metrics_(metrics), store_(store) {}
  std::optional<Response> precheck(const RequestHeader& head, const RequestContext& ctx) override;
  void handle(Request&& req, const RequestContext& ctx, Reply reply) override;

 private:
  Metrics& metrics_;
  Store& store_;  // reads only
};

}  // namespace cw::daemon
