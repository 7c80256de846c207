// Daemon metrics, rendered in Prometheus text format on the admin listener.
//
// Privacy rule: labels are only ever stable error codes, route names or
// delivery states - never a key id, alert id, address, label or any value
// from an alert. Everything here is lock-free atomics, cheap on the hot path.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/error.h"

namespace cw::daemon {

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  void render(std::string& out, const std::string& name, const std::string& help) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> counts_;  // one per bound, plus +Inf
  std::atomic<std::uint64_t> sum_micro_{0};
  std::atomic<std::uint64_t> total_{0};
};

struct Metrics {
  Metrics();

  std::atomic<std::uint64_t> alerts_accepted{0};
  std::atomic<std::uint64_t> alerts_duplicate{0};
  std::array<std::atomic<std::uint64_t>, kErrcCount> alerts_rejected{};
  std::atomic<std::uint64_t> signature_verifications{0};
  std::atomic<std::int64_t> open_connections{0};
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> connections_refused{0};  // over the cap, or over the per-address cap
  std::atomic<std::uint64_t> connections_shed{0};     // closed before a request, to make room
  std::atomic<std::uint64_t> trust_reloads{0};
  std::atomic<std::uint64_t> store_failures{0};
  std::atomic<std::uint64_t> notifications_created{0};
  std::atomic<std::uint64_t> notification_signatures{0};  // Ed25519, once per notification
  std::atomic<std::uint64_t> notifications_sealed{0};     // one per sealed copy sent
  std::atomic<std::uint64_t> case_log_size{0};            // leaves committed (gauge)
  std::atomic<std::uint64_t> case_log_waiting{0};         // leaves waiting for their window (gauge)
  std::atomic<std::uint64_t> revocations{0};        // entries in the revocation journal (gauge)
  std::atomic<std::uint64_t> tree_heads_signed{0};  // once per log size (or hourly)
  std::atomic<std::uint64_t> deliveries_queued{0};
  std::atomic<std::uint64_t> webhook_delivered{0};
  std::atomic<std::uint64_t> webhook_failed_attempts{0};
  std::atomic<std::uint64_t> webhooks_disabled{0};
  std::atomic<std::uint64_t> webhooks_revived{0};
  std::atomic<std::uint64_t> webhook_targets_refused{0};
  std::atomic<std::uint64_t> webhook_pin_mismatches{0};  // resolved only to internal addresses
  std::atomic<std::int64_t> webhook_orgs_failing{0};
  std::atomic<std::uint64_t> escalations{0};
  std::atomic<std::uint64_t> case_keys_purged{0};  // retention: case keys destroyed
  // 1 while a purge's residual (copies of destroyed keys in the WAL) remains.
  std::atomic<std::uint64_t> purge_residual_pending{0};
  std::atomic<std::uint64_t> acks{0};
  std::atomic<std::int64_t> feed_streams{0};
  std::atomic<std::uint64_t> internal_errors{0};  // exceptions caught at the event loop
  // Connections that ended on an unexpected error, by stage.
  enum class ConnectionStage : std::size_t { handshake, read, write, count_ };
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(ConnectionStage::count_)>
      connection_errors{};
  // Connections cut at a deadline (handshake, head or body, write): a slow
  // client, a bad network, or someone holding sockets on purpose.
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(ConnectionStage::count_)>
      connection_deadlines{};
  Histogram ingest_seconds;        // request body received -> response queued
  Histogram store_commit_seconds;  // one group commit
  Histogram store_batch_size;

  void reject(Errc code) {
    alerts_rejected[static_cast<std::size_t>(code)].fetch_add(1, std::memory_order_relaxed);
  }
  std::string render() const;
};

}  // namespace cw::daemon
