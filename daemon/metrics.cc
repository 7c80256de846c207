#include "daemon/metrics.h"

#include <cstdio>

namespace cw::daemon {
namespace {

void line(std::string& out, const std::string& name, const std::string& help, const char* type,
          std::uint64_t value) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  out += name + " " + std::to_string(value) + "\n";
}

std::string fmt_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1) {}

void Histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  total_.fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<std::uint64_t>(value * 1e6), std::memory_order_relaxed);
}

void Histogram::render(std::string& out, const std::string& name, const std::string& help) const {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out += name + "_bucket{le=\"" + fmt_double(bounds_[i]) + "\"} " + std::to_string(cumulative) +
           "\n";
  }
  cumulative += counts_.back().load(std::memory_order_relaxed);
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  out += name + "_sum " + fmt_double(static_cast<double>(sum_micro_.load()) / 1e6) + "\n";
  out += name + "_count " + std::to_string(total_.load()) + "\n";
}

Metrics::Metrics()
    : ingest_seconds({0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}),
      store_commit_seconds({0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}),
      store_batch_size({1, 2, 4, 8, 16, 32, 64, 128, 256, 1024}) {}

std::string Metrics::render() const {
  std::string out;
  line(out, "casewire_alerts_accepted_total", "Alerts recorded (first time).", "counter",
       alerts_accepted);
  line(out, "casewire_alerts_duplicate_total", "Repeats of an already recorded alert id.",
       "counter", alerts_duplicate);
  out += "# HELP casewire_alerts_rejected_total Alerts refused, by stable error code.\n";
  out += "# TYPE casewire_alerts_rejected_total counter\n";
  for (std::size_t i = 1; i < kErrcCount; ++i) {
    auto v = alerts_rejected[i].load(std::memory_order_relaxed);
    if (v == 0) continue;
    out += "casewire_alerts_rejected_total{code=\"" + std::string(code_name(static_cast<Errc>(i))) +
           "\"} " + std::to_string(v) + "\n";
  }
  line(out, "casewire_signature_verifications_total",
       "Ed25519 verifications attempted on envelopes (cheap checks come first).", "counter",
       signature_verifications);
  line(out, "casewire_open_connections", "Client connections open now.", "gauge",
       static_cast<std::uint64_t>(std::max<std::int64_t>(0, open_connections.load())));
  line(out, "casewire_connections_total", "Client connections accepted.", "counter",
       connections_total);
  line(out, "casewire_connections_refused_total",
       "Connections closed at once: over the cap or the per-address cap.", "counter",
       connections_refused);
  line(out, "casewire_connections_shed_total",
       "Connections without a request closed to make room for new ones.", "counter",
       connections_shed);
  line(out, "casewire_trust_reloads_total", "Trust store reloads (SIGHUP).", "counter",
       trust_reloads);
  line(out, "casewire_store_failures_total", "Store transactions that failed.", "counter",
       store_failures);
  line(out, "casewire_notifications_created_total", "Anonymised case events created.", "counter",
       notifications_created);
  line(out, "casewire_notification_signatures_total",
       "Notification signatures made (once per notification, however many receive it).", "counter",
       notification_signatures);
  line(out, "casewire_notifications_sealed_total",
       "Notification copies sealed to an organisation's key (feed, pull and webhook).", "counter",
       notifications_sealed);
  line(out, "casewire_revocations",
       "Revocations in the signed revocation journal (it only grows; a drop means it was cut).",
       "gauge", revocations);
  line(out, "casewire_case_log_size",
       "Events in the tamper-evident case log (committed leaves; it only grows).", "gauge",
       case_log_size);
  line(out, "casewire_case_log_waiting",
       "Leaves recorded and waiting for their mixing window to end before they join the case log.",
       "gauge", case_log_waiting);
  line(out, "casewire_tree_heads_signed_total",
       "Case-log tree heads signed (once per log size, and hourly when quiet).", "counter",
       tree_heads_signed);
  line(out, "casewire_deliveries_queued_total",
       "Delivery rows written (one per organisation per event).", "counter", deliveries_queued);
  line(out, "casewire_webhook_delivered_total", "Webhook deliveries answered 2xx.", "counter",
       webhook_delivered);
  line(out, "casewire_webhook_failed_attempts_total",
       "Webhook attempts that failed (will be retried).", "counter", webhook_failed_attempts);
  line(out, "casewire_webhooks_disabled_total", "Webhook endpoints disabled by a 410 answer.",
       "counter", webhooks_disabled);
  line(out, "casewire_webhook_targets_refused_total",
       "Webhook attempts refused: the target resolved only to loopback/private/link-local "
       "addresses.",
       "counter", webhook_targets_refused);
  line(out, "casewire_webhook_pin_mismatches_total",
       "Webhook attempts refused because a pinned receiver presented another key.", "counter",
       webhook_pin_mismatches);
  line(out, "casewire_webhooks_revived_total",
       "Webhook endpoints revived after casewire-keys set-org changed them.", "counter",
       webhooks_revived);
  line(out, "casewire_webhook_orgs_failing", "Organisations whose webhook keeps failing.", "gauge",
       static_cast<std::uint64_t>(std::max<std::int64_t>(0, webhook_orgs_failing.load())));
  line(out, "casewire_escalations_total", "Cases escalated for lack of acknowledgement.", "counter",
       escalations);
  line(out, "casewire_case_keys_purged_total",
       "Case keys destroyed by the retention purge (their sealed details with them).", "counter",
       case_keys_purged);
  line(out, "casewire_purge_residual_pending",
       "1 while copies of purged case keys remain in the database's write-ahead log (a reader "
       "holds an old snapshot).",
       "gauge", purge_residual_pending);
  line(out, "casewire_acks_total", "Acknowledgements recorded.", "counter", acks);
  line(out, "casewire_feed_streams", "Open feed (SSE) streams.", "gauge",
       static_cast<std::uint64_t>(std::max<std::int64_t>(0, feed_streams.load())));
  {
    static constexpr const char* kStages[] = {"handshake", "read", "write"};
    static_assert(std::size(kStages) == static_cast<std::size_t>(ConnectionStage::count_));
    out +=
        "# HELP casewire_connection_errors_total Connections ended by an unexpected error, by "
        "stage.\n"
        "# TYPE casewire_connection_errors_total counter\n";
    for (std::size_t i = 0; i < std::size(kStages); ++i)
      out += "casewire_connection_errors_total{stage=\"" + std::string(kStages[i]) + "\"} " +
             std::to_string(connection_errors[i].load()) + "\n";
    out +=
        "# HELP casewire_connection_deadlines_total Connections cut at a deadline, by stage.\n"
        "# TYPE casewire_connection_deadlines_total counter\n";
    for (std::size_t i = 0; i < std::size(kStages); ++i)
      out += "casewire_connection_deadlines_total{stage=\"" + std::string(kStages[i]) + "\"} " +
             std::to_string(connection_deadlines[i].load()) + "\n";
  }
  line(out, "casewire_internal_errors_total",
       "Exceptions caught at the event loop (a bug: report it).", "counter", internal_errors);
  ingest_seconds.render(out, "casewire_ingest_seconds", "Time from request body to response.");
  store_commit_seconds.render(out, "casewire_store_commit_seconds",
                              "Duration of one group commit.");
  store_batch_size.render(out, "casewire_store_batch_size", "Alerts per group commit.");
  return out;
}

}  // namespace cw::daemon
