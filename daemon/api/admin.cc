#include "daemon/api/admin.h"

namespace cw::daemon {

std::optional<Response> AdminHandler::precheck(const RequestHeader& head, const RequestContext&) {
  const auto path = target_path(head.target());
  if (path != "/healthz" && path != "/metrics")
    return error_response(Errc::not_found, "no such endpoint", head.version());
  if (head.method() != http::verb::get)
    return error_response(Errc::method_not_allowed, "use GET", head.version());
  return std::nullopt;
}

void AdminHandler::handle(Request&& req, const RequestContext&, Reply reply) {
  if (target_path(req.target()) == "/healthz") {
    // A store that refuses writes means alerts cannot be acknowledged: an
    // operator's monitoring must see that, not a green light.
    if (!store_.healthy())
      return reply.send(json_response(http::status::service_unavailable,
                                      R"({"status":"store_unavailable"})", req.version()));
    return reply.send(json_response(http::status::ok, R"({"status":"ok"})", req.version()));
  }
  Response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/plain; version=0.0.4");
  // Read live: a gauge the mixing timer alone set would lag every new leaf.
  metrics_.case_log_waiting = store_.log_waiting();
  res.body() = metrics_.render();
  // The same verdict as /healthz, for alerting rules (deploy/prometheus/).
  res.body() +=
      "# HELP casewire_store_healthy 1 while the store accepts writes, 0 while it refuses them.\n"
      "# TYPE casewire_store_healthy gauge\n"
      "casewire_store_healthy " +
      std::string(store_.healthy() ? "1" : "0") + "\n";
  // Kept by Prometheus, off this server: an audit trail cut short shows as
  // this number going down (deploy/prometheus/casewire-rules.yml).
  if (auto n = store_.count_audit())
    res.body() +=
        "# HELP casewire_audit_entries Entries in the audit trail of sealed-detail access.\n"
        "# TYPE casewire_audit_entries gauge\n"
        "casewire_audit_entries " +
        std::to_string(*n) + "\n";
  res.prepare_payload();
  reply.send(std::move(res));
}

}  // namespace cw::daemon
