#include "client/dashboard/case_board.h"

#include <boost/json.hpp>

#include "protocol/gazetteer.h"

namespace cw::client {
namespace json = boost::json;
namespace {

json::object names_of(const std::string& code) {
  json::object o;
  if (code.empty()) return o;
  if (auto p = find_place(code)) {
    o["en"] = p->names.en;
    o["ko"] = p->names.in("ko");
    o["zh"] = p->names.in("zh");
  }
  return o;
}

}  // namespace

void CaseBoard::apply(const Notification& n) {
  std::unique_lock lock(mu_);
  if (!seen_.emplace(n.id, true).second) return;
  history_.push_back(n);
  Case& c = cases_[n.case_id];
  if (c.first_seen.empty()) c.first_seen = n.issued_at;
  // Notifications can arrive out of order only across a reconnect; the
  // facts of the newest one stand.
  const bool newest = c.timeline.empty() || n.id > c.timeline.back().id;
  if (newest) {
    c.facts = n.facts;
    c.acks = n.acks;
    if (n.event == "new_case") c.state = "open";
    if (n.event == "update") c.state = "updated";
    if (n.event == "resolved") c.state = "resolved";
    if (n.event == "retraction") c.state = "retracted";
  }
  Entry e{n.id, n.event, n.issued_at};
  auto at = c.timeline.begin();
  while (at != c.timeline.end() && at->id < n.id) ++at;
  c.timeline.insert(at, e);
  changed(lock);
}

void CaseBoard::acknowledged(const std::string& case_id, std::uint32_t acks) {
  std::unique_lock lock(mu_);
  auto it = cases_.find(case_id);
  if (it == cases_.end()) return;
  it->second.ours = true;
  it->second.answer.clear();  // acting replaces an answer, as at the daemon
  it->second.acks = std::max(it->second.acks, acks);
  changed(lock);
}

void CaseBoard::daemon_state(const std::string& case_id, std::uint32_t acks, bool acting,
                             std::string answer) {
  std::unique_lock lock(mu_);
  auto it = cases_.find(case_id);
  if (it == cases_.end()) return;  // a case the feed has not shown: nothing to show it with
  Case& c = it->second;
  if (c.acks == acks && c.ours == acting && c.answer == answer) return;
  c.acks = acks;
  c.ours = acting;
  c.answer = std::move(answer);
  changed(lock);
}

void CaseBoard::set_identity(std::string org_key_id, std::string daemon_key_id) {
  std::unique_lock lock(mu_);
  org_key_id_ = std::move(org_key_id);
  daemon_key_id_ = std::move(daemon_key_id);
  changed(lock);
}

void CaseBoard::set_feed_state(std::string state) {
  std::unique_lock lock(mu_);
  if (feed_state_ == state) return;
  feed_state_ = std::move(state);
  changed(lock);
}

std::optional<std::uint64_t> CaseBoard::latest_notification(const std::string& case_id) const {
  std::lock_guard lock(mu_);
  auto it = cases_.find(case_id);
  if (it == cases_.end() || it->second.timeline.empty()) return std::nullopt;
  return it->second.timeline.back().id;
}

std::string CaseBoard::snapshot_json() const {
  std::lock_guard lock(mu_);
  json::array cases;
  std::map<std::pair<std::string, std::string>, std::uint64_t> by_month;
  for (const auto& [id, c] : cases_) {
    json::object o;
    o["case"] = id;
    o["state"] = c.state;
    for (const auto& f : case_fact_fields()) o[f.key] = c.facts.*(f.member);
    o["region_names"] = names_of(c.facts.region);
    o["held_names"] = names_of(c.facts.held_at);
    o["acks"] = c.acks;
    o["acknowledged_by_us"] = c.ours;
    o["our_answer"] = c.answer;
    o["first_seen"] = c.first_seen;
    json::array tl;
    for (const auto& e : c.timeline) {
      // Only notifications whose signature verified ever reach the board.
      tl.push_back(json::object{
          {"id", e.id}, {"event", e.event}, {"issued_at", e.issued_at}, {"verified", true}});
      if (e.event == "new_case") {
        // The month of the arrest where the contact said it, else of the
        // notification: both hour-truncated already.
        const std::string& when = c.facts.arrested_at.empty() ? e.issued_at : c.facts.arrested_at;
        by_month[{when.substr(0, 7), c.facts.region}]++;
      }
    }
    o["timeline"] = std::move(tl);
    cases.push_back(std::move(o));
  }
  json::array history;
  for (const auto& [key, count] : by_month)
    history.push_back(json::object{{"month", key.first},
                                   {"region", key.second},
                                   {"region_names", names_of(key.second)},
                                   {"count", count}});
  json::object root;
  root["version"] = version_;
  root["feed"] = feed_state_;
  root["org_key_id"] = org_key_id_;
  root["daemon_key_id"] = daemon_key_id_;
  root["cases"] = std::move(cases);
  root["history"] = std::move(history);
  return json::serialize(root);
}

std::vector<Notification> CaseBoard::history() const {
  std::lock_guard lock(mu_);
  return history_;
}

std::uint64_t CaseBoard::version() const {
  std::lock_guard lock(mu_);
  return version_;
}

void CaseBoard::on_change(std::function<void()> f) {
  std::lock_guard lock(mu_);
  on_change_ = std::move(f);
}

void CaseBoard::changed(std::unique_lock<std::mutex>& lock) {
  ++version_;
  auto f = on_change_;
  lock.unlock();  // the callback may take a snapshot
  if (f) f();
}

}  // namespace cw::client
