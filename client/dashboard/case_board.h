// The organisation's cases as its dashboard shows them, built only from
// notifications whose daemon signature the client verified (nothing else
// feeds it, so nothing restricted can reach the page: a notification carries
// codes, buckets and hour-truncated times, protocol/notification.h).
//
// Thread-safe: the feed thread applies notifications, the web server takes
// snapshots. Every change bumps version() and calls the change callback.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "protocol/notification.h"

namespace cw::client {

class CaseBoard {
 public:
  // Applies one verified notification; a repeat (same id) changes nothing.
  void apply(const Notification& n);
  // This organisation acknowledged the case (the daemon's signed answer).
  void acknowledged(const std::string& case_id, std::uint32_t acks);
  // The daemon's signed word on this organisation's part in a case (GET
  // /v1/org/cases): how many act, whether it does - whichever of its clients
  // acknowledged - and its own answer. It replaces what the board had, so a
  // restarted dashboard, or one beside `casewire ack`, shows the truth.
  void daemon_state(const std::string& case_id, std::uint32_t acks, bool acting,
                    std::string answer);
  // Who this board is (for the print view): key ids only.
  void set_identity(std::string org_key_id, std::string daemon_key_id);
  void set_feed_state(std::string state);  // "connecting" | "live" | "reconnecting"

  // The id of the newest notification of `case_id` (what an ack names).
  std::optional<std::uint64_t> latest_notification(const std::string& case_id) const;

  // The whole board as JSON (docs/ORGANISATIONS.md, "The dashboard"): every
  // case with its facts, place names in en/ko/zh from the signed gazetteer,
  // state, organisations acting, timeline; and counts of new cases by month
  // and region for the chart.
  std::string snapshot_json() const;
  // Every notification applied, as statistics count them (stats/report.h).
  std::vector<Notification> history() const;
  std::uint64_t version() const;

  void on_change(std::function<void()> f);

 private:
  struct Entry {
    std::uint64_t id = 0;
    std::string event, issued_at;
  };
  struct Case {
    std::string state = "open";  // open | updated | resolved | retracted
    CaseFacts facts;
    std::uint32_t acks = 0;
    bool ours = false;   // this organisation acknowledged it
    std::string answer;  // its answer instead ("cannot_act", "need_information")
    std::string first_seen;
    std::vector<Entry> timeline;
  };
  void changed(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mu_;
  std::map<std::string, Case> cases_;
  std::map<std::uint64_t, bool> seen_;
  std::vector<Notification> history_;
  std::string feed_state_ = "connecting";
  std::string org_key_id_, daemon_key_id_;
  std::uint64_t version_ = 0;
  std::function<void()> on_change_;
};

}  // namespace cw::client
