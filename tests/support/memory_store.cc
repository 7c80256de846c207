#include "tests/support/memory_store.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "daemon/ledger/ledger.h"
#include "daemon/store/batched_store.h"
#include "daemon/store/committed_log.h"
#include "protocol/case_log.h"
#include "protocol/notification.h"
#include "protocol/secret.h"
#include "protocol/timefmt.h"

namespace cw::test {
namespace {

using namespace cw::daemon;

struct CaseRow {
  Tag tag{}, owner{};
  std::string pseudonym;
  CaseFacts facts;
  CaseState state = CaseState::open;
  std::int64_t opened_at = 0, escalate_at = 0;
  bool escalated = false;
  std::set<std::string> orgs;
  std::set<std::string> acks;
  std::map<std::string, std::pair<std::string, std::string>> answers;  // org -> (kind, reason)
};
struct DeliveryRow {
  std::string state;
  std::uint32_t attempts = 0;
  std::int64_t next_attempt_at = 0;
  int last_status = 0;
};
struct HealthRow {
  WebhookState state = WebhookState::ok;
  std::uint32_t failures = 0;
  std::uint32_t generation = 0;
};
struct KeyRow {
  Bytes wrapped;
  std::int64_t last_event_at = 0;
};

// Everything the database would hold. A batch works on the live state and
// puts back a copy taken before it if it fails: a rollback.
struct State {
  std::map<Tag, std::pair<Tag, Bytes>> alerts;  // alert tag -> (sender tag, receipt)
  std::map<std::int64_t, CaseRow> cases;
  std::map<std::uint64_t, std::pair<std::int64_t, std::string>> notifications;  // case, body
  std::map<std::pair<std::uint64_t, std::string>, DeliveryRow> deliveries;
  std::map<std::string, HealthRow> health;
  std::map<Tag, KeyRow> case_keys;
  std::map<Tag, std::map<std::uint32_t, Bytes>> details;
  std::vector<AuditRow> audit;
  std::map<Tag, std::uint64_t> leaves;  // tag -> index
  std::vector<Bytes> leaf_bytes;
  std::map<Tag, std::pair<Bytes, std::int64_t>> waiting;  // tag -> leaf, due
};

}  // namespace

struct MemoryDisk {
  std::mutex mu;  // the state: one writer's batch, or a reader
  State state;
};

namespace {

class Memory final : public BatchedStore {
 public:
  Memory(std::shared_ptr<MemoryDisk> disk, const Keyring* keys, std::uint32_t max_batch)
      : BatchedStore(max_batch, keys), disk_(std::move(disk)) {
    for (const auto& leaf : st_.leaf_bytes) log_.stage(merkle::leaf_hash(leaf));
    log_.publish();
    start_writer();
  }
  ~Memory() override { close(); }
  std::atomic<bool> failing{false};

  void purge_case_keys(UnixSeconds before, bool dry_run, Callback<PurgeCounts> done) override {
    auto counts = std::make_shared<PurgeCounts>();
    submit(Job{[this, counts, cutoff = seconds_of(before), dry_run] {
                 std::vector<Tag> due;
                 for (const auto& [tag, k] : st_.case_keys)
                   if (k.last_event_at < cutoff) due.push_back(tag);
                 counts->cases = static_cast<std::uint32_t>(due.size());
                 for (const auto& t : due)
                   if (auto d = st_.details.find(t); d != st_.details.end())
                     counts->records += static_cast<std::uint32_t>(d->second.size());
                 if (!dry_run)
                   for (const auto& t : due) st_.case_keys.erase(t), st_.details.erase(t);
                 return Status::Ok();
               },
               [counts, done = std::move(done)](bool committed) {
                 if (!committed)
                   return done(make_error(Errc::store_unavailable, "the purge was not stored"));
                 done(*counts);
               }});
  }

  Result<std::optional<CaseRecord>> case_record(const std::string& pseudonym) override {
    std::lock_guard lock(state_mu_);
    for (const auto& [id, c] : st_.cases) {
      if (c.pseudonym != pseudonym) continue;
      CaseRecord r;
      r.case_tag = c.tag;
      r.state = c.state;
      r.facts = c.facts;
      r.orgs.assign(c.orgs.begin(), c.orgs.end());
      if (auto k = st_.case_keys.find(c.tag); k != st_.case_keys.end())
        r.wrapped_key = k->second.wrapped;
      if (auto d = st_.details.find(c.tag); d != st_.details.end())
        for (const auto& [n, sealed] : d->second) r.details.push_back({n, sealed});
      return std::optional<CaseRecord>(std::move(r));
    }
    return std::optional<CaseRecord>();
  }
  Result<std::vector<std::string>> case_ids_starting(const std::string& prefix,
                                                     std::size_t limit) override {
    std::lock_guard lock(state_mu_);
    std::vector<std::string> out;
    for (const auto& [id, c] : st_.cases)
      if (c.pseudonym.starts_with(prefix) && out.size() < limit) out.push_back(c.pseudonym);
    return out;
  }
  Result<std::vector<SentNotification>> sent_notifications() override {
    std::lock_guard lock(state_mu_);
    std::vector<SentNotification> out;
    for (const auto& [seq, n] : st_.notifications) {
      SentNotification s{n.second, {}};
      for (const auto& [key, d] : st_.deliveries)
        if (key.first == seq) s.to.push_back(key.second);
      out.push_back(std::move(s));
    }
    return out;
  }
  Result<std::vector<AuditRow>> audit_rows() override {
    std::lock_guard lock(state_mu_);
    return st_.audit;
  }
  Result<std::uint64_t> count_audit() override {
    std::lock_guard lock(state_mu_);
    return static_cast<std::uint64_t>(st_.audit.size());
  }
  Result<std::vector<FeedItem>> feed(const std::string& org, std::uint64_t after,
                                     std::size_t limit) override {
    std::lock_guard lock(state_mu_);
    std::vector<FeedItem> out;
    for (const auto& [key, d] : st_.deliveries) {
      if (out.size() >= limit) break;
      if (key.second == org && key.first > after)
        out.push_back({key.first, st_.notifications.at(key.first).second});
    }
    return out;
  }
  Result<std::vector<DueWebhook>> due_webhooks(UnixMillis now, std::size_t limit,
                                               const std::vector<std::string>& paused) override {
    std::lock_guard lock(state_mu_);
    std::vector<DueWebhook> out;
    for (const auto& [key, d] : st_.deliveries) {
      if (out.size() >= limit) break;
      if (d.state != "pending" || d.next_attempt_at > millis_of(now)) continue;
      if (std::find(paused.begin(), paused.end(), key.second) != paused.end()) continue;
      out.push_back({key.first, key.second, d.attempts, st_.notifications.at(key.first).second});
    }
    return out;
  }
  Result<bool> claim_webhook(std::uint64_t, const std::string&, UnixMillis) override {
    return true;  // one process: the dispatcher's own bookkeeping suffices
  }
  Result<bool> claim_nonce(const Tag&, std::chrono::seconds) override {
    return true;  // one daemon
  }
  Result<std::optional<CaseStatusInfo>> case_status(const Tag& case_tag) override {
    std::lock_guard lock(state_mu_);
    const CaseRow* c = case_by_tag(case_tag);
    if (!c) return std::optional<CaseStatusInfo>();
    CaseStatusInfo s{c->pseudonym,
                     c->state,
                     static_cast<std::uint32_t>(c->acks.size()),
                     c->escalated,
                     c->owner,
                     0,
                     {}};
    std::set<std::string> needs;
    for (const auto& [org, a] : c->answers) {
      if (a.first == "cannot_act")
        ++s.cannot_act;
      else
        needs.insert(a.second);
    }
    s.needs.assign(needs.begin(), needs.end());
    return std::optional<CaseStatusInfo>(s);
  }
  Result<std::vector<OrgCaseView>> org_cases(const std::string& org, const std::string& after,
                                             std::size_t limit) override {
    std::lock_guard lock(state_mu_);
    std::map<std::string, OrgCaseView> by_pseudonym;
    for (const auto& [id, c] : st_.cases) {
      if (!c.orgs.count(org) || c.pseudonym <= after) continue;
      auto a = c.answers.find(org);
      by_pseudonym[c.pseudonym] = {c.pseudonym, static_cast<std::uint32_t>(c.acks.size()),
                                   c.acks.count(org) > 0,
                                   a == c.answers.end() ? "" : a->second.first};
    }
    std::vector<OrgCaseView> out;
    for (auto& [p, v] : by_pseudonym) {
      if (out.size() >= limit) break;
      out.push_back(std::move(v));
    }
    return out;
  }
  Result<std::vector<WebhookHealth>> webhook_health() override {
    std::lock_guard lock(state_mu_);
    std::vector<WebhookHealth> out;
    for (const auto& [org, h] : st_.health) out.push_back({org, h.state, h.failures});
    return out;
  }
  Result<std::uint64_t> count_alerts() override {
    std::lock_guard lock(state_mu_);
    return static_cast<std::uint64_t>(st_.alerts.size());
  }
  Result<bool> has_alert(const Tag& alert_tag) override {
    std::lock_guard lock(state_mu_);
    return st_.alerts.count(alert_tag) > 0;
  }
  std::uint64_t log_size() override { return log_.size(); }
  merkle::Hash log_root(std::uint64_t size) override { return log_.root(size); }
  std::vector<merkle::Hash> log_inclusion(std::uint64_t index, std::uint64_t size) override {
    return log_.inclusion(index, size);
  }
  std::vector<merkle::Hash> log_consistency(std::uint64_t first, std::uint64_t second) override {
    return log_.consistency(first, second);
  }
  std::optional<std::uint64_t> log_index_of(const merkle::Hash& leaf) override {
    return log_.index_of(leaf);
  }
  std::uint64_t log_waiting() override {
    std::lock_guard lock(state_mu_);
    return st_.waiting.size();
  }
  bool healthy() const override { return !failing.load(); }

 private:
  void commit_batch(std::vector<Job>& batch) override {
    bool ok = !failing.load();
    {
      std::lock_guard lock(state_mu_);
      const State before = st_;  // the rollback
      new_notifications_ = false;
      for (std::size_t i = 0; ok && i < batch.size(); ++i) ok = batch[i].apply().ok();
      if (!ok) {
        st_ = before;
        log_.discard();
      } else {
        log_.publish();
      }
    }
    for (auto& j : batch) j.finish(ok);
    if (ok && new_notifications_) notify_listener();
  }

  CaseRow* case_by_tag(const Tag& tag) {
    for (auto& [id, c] : st_.cases)
      if (c.tag == tag) return &c;
    return nullptr;
  }

  Result<LeafRecord> append_leaf(LeafKind kind, std::int64_t at, const Tag& tag) override {
    Bytes leaf = encode_leaf(kind, hour_of(at), tag);
    LeafRecord r{merkle::leaf_hash(leaf), std::nullopt};
    st_.waiting[tag] = {std::move(leaf), log_window_end(at, kLogWindowSeconds)};
    return r;
  }
  Result<std::optional<LeafRecord>> find_leaf(const Tag& tag) override {
    if (auto it = st_.leaves.find(tag); it != st_.leaves.end())
      return std::optional<LeafRecord>(
          LeafRecord{merkle::leaf_hash(st_.leaf_bytes[it->second]), it->second});
    if (auto it = st_.waiting.find(tag); it != st_.waiting.end())
      return std::optional<LeafRecord>(
          LeafRecord{merkle::leaf_hash(it->second.first), std::nullopt});
    return std::optional<LeafRecord>();
  }
  Result<std::uint32_t> write_waiting_leaves(std::int64_t now) override {
    std::vector<WaitingLeaf> due;
    for (const auto& [tag, w] : st_.waiting)
      if (w.second <= now) due.push_back({Bytes(tag.begin(), tag.end()), w.first, w.second});
    order_for_log(due);
    for (const auto& l : due) {
      Tag tag{};
      std::copy(l.tag.begin(), l.tag.end(), tag.begin());
      st_.waiting.erase(tag);
      st_.leaves[tag] = st_.leaf_bytes.size();
      st_.leaf_bytes.push_back(l.leaf);
      log_.stage(l.hash);
    }
    return static_cast<std::uint32_t>(due.size());
  }

  // ---- the ledger's row primitives (daemon/ledger/rows.h) -----------------
  static ledger::CaseRow case_row(std::int64_t id, const CaseRow& c) {
    return {id, c.pseudonym, c.facts, c.escalate_at, c.escalated};
  }
  Result<std::optional<ledger::NotifiedCase>> notified_case(std::uint64_t seq,
                                                            const std::string& org) override {
    auto n = st_.notifications.find(seq);
    if (n == st_.notifications.end()) return std::optional<ledger::NotifiedCase>();
    const std::int64_t id = n->second.first;
    return std::optional<ledger::NotifiedCase>(
        ledger::NotifiedCase{case_row(id, st_.cases.at(id)), st_.deliveries.count({seq, org}) > 0});
  }
  Result<std::vector<ledger::CaseRow>> cases_due_escalation(std::int64_t now) override {
    std::vector<ledger::CaseRow> due;
    for (const auto& [id, c] : st_.cases)
      if (c.state == CaseState::open && !c.escalated && c.escalate_at > 0 && c.escalate_at <= now &&
          c.acks.empty())
        due.push_back(case_row(id, c));
    return due;
  }
  Status update_escalation(std::int64_t id, std::int64_t escalate_at, bool escalated) override {
    auto& c = st_.cases.at(id);
    c.escalate_at = escalate_at;
    c.escalated = escalated;
    return Status::Ok();
  }
  Result<bool> insert_ack(std::int64_t id, const std::string& org, std::int64_t) override {
    return st_.cases.at(id).acks.insert(org).second;
  }
  Status delete_ack(std::int64_t id, const std::string& org) override {
    st_.cases.at(id).acks.erase(org);
    return Status::Ok();
  }
  Result<std::uint32_t> count_acks(std::int64_t id) override {
    return static_cast<std::uint32_t>(st_.cases.at(id).acks.size());
  }
  Status put_answer(std::int64_t id, const std::string& org, std::string_view kind,
                    const std::string& reason, std::int64_t) override {
    st_.cases.at(id).answers[org] = {std::string(kind), reason};
    return Status::Ok();
  }
  Status delete_answer(std::int64_t id, const std::string& org) override {
    st_.cases.at(id).answers.erase(org);
    return Status::Ok();
  }
  Result<std::uint64_t> next_notification_seq() override {
    return st_.notifications.empty() ? 1 : st_.notifications.rbegin()->first + 1;
  }
  Status insert_notification(std::uint64_t seq, std::int64_t id, std::string_view,
                             const std::string& body, std::int64_t) override {
    if (!st_.notifications.emplace(seq, std::make_pair(id, body)).second)
      return make_error(Errc::store_unavailable, "notification number taken");
    return Status::Ok();
  }
  Status insert_delivery(std::uint64_t seq, const std::string& org,
                         ledger::DeliveryState state) override {
    if (!st_.deliveries
             .emplace(std::make_pair(seq, org),
                      DeliveryRow{std::string(ledger::delivery_state_name(state))})
             .second)
      return make_error(Errc::store_unavailable, "delivery row exists");
    return Status::Ok();
  }
  Status add_case_org(std::int64_t id, const std::string& org) override {
    st_.cases.at(id).orgs.insert(org);
    return Status::Ok();
  }
  Result<std::set<std::string>> orgs_on_case(std::int64_t id) override {
    return st_.cases.at(id).orgs;
  }
  void notification_added(std::uint64_t, std::string, std::vector<std::string>) override {
    new_notifications_ = true;
  }

  Result<std::optional<ledger::StoredAlert>> find_alert(const Tag& alert_tag) override {
    auto it = st_.alerts.find(alert_tag);
    if (it == st_.alerts.end()) return std::optional<ledger::StoredAlert>();
    return std::optional<ledger::StoredAlert>(ledger::StoredAlert{
        Bytes(it->second.first.begin(), it->second.first.end()), it->second.second});
  }
  Status insert_alert(const Tag& alert_tag, const Tag& sender_tag, AlertKind, std::int64_t,
                      ByteView receipt) override {
    if (!st_.alerts
             .emplace(alert_tag, std::make_pair(sender_tag, Bytes(receipt.begin(), receipt.end())))
             .second)
      return make_error(Errc::store_unavailable, "alert tag taken");
    return Status::Ok();
  }
  Result<std::optional<ledger::StoredCase>> find_case(const Tag& case_tag) override {
    for (const auto& [id, c] : st_.cases)
      if (c.tag == case_tag)
        return std::optional<ledger::StoredCase>(
            ledger::StoredCase{case_row(id, c), c.state, c.owner});
    return std::optional<ledger::StoredCase>();
  }
  Result<std::int64_t> insert_case(const Tag& case_tag, const std::string& pseudonym,
                                   const CaseFacts& facts, std::int64_t opened_hour,
                                   std::int64_t escalate_at, const Tag& owner) override {
    const std::int64_t id = st_.cases.empty() ? 1 : st_.cases.rbegin()->first + 1;
    CaseRow c;
    c.tag = case_tag;
    c.owner = owner;
    c.pseudonym = pseudonym;
    c.facts = facts;
    c.opened_at = opened_hour;
    c.escalate_at = escalate_at;
    st_.cases[id] = std::move(c);
    return id;
  }
  Status update_case(std::int64_t id, const CaseFacts& facts, CaseState state) override {
    auto& c = st_.cases.at(id);
    c.facts = facts;
    c.state = state;
    return Status::Ok();
  }
  Status delete_answers(std::int64_t id, std::string_view kind) override {
    std::erase_if(st_.cases.at(id).answers,
                  [&](const auto& kv) { return kv.second.first == kind; });
    return Status::Ok();
  }
  Result<std::optional<Bytes>> find_case_key(const Tag& case_tag) override {
    auto k = st_.case_keys.find(case_tag);
    if (k == st_.case_keys.end()) return std::optional<Bytes>();
    return std::optional<Bytes>(k->second.wrapped);
  }
  Status insert_case_key(const Tag& case_tag, ByteView wrapped) override {
    if (!st_.case_keys.emplace(case_tag, KeyRow{Bytes(wrapped.begin(), wrapped.end()), 0}).second)
      return make_error(Errc::store_unavailable, "case key exists");
    return Status::Ok();
  }
  Status touch_case_key(const Tag& case_tag, std::int64_t last_event_hour) override {
    if (auto k = st_.case_keys.find(case_tag); k != st_.case_keys.end())
      k->second.last_event_at = last_event_hour;
    return Status::Ok();
  }
  Result<std::uint32_t> next_detail_number(const Tag& case_tag) override {
    auto d = st_.details.find(case_tag);
    return d == st_.details.end() || d->second.empty() ? 1u : d->second.rbegin()->first + 1;
  }
  Status insert_detail(const Tag& case_tag, std::uint32_t n, ByteView sealed) override {
    if (!st_.details[case_tag].emplace(n, Bytes(sealed.begin(), sealed.end())).second)
      return make_error(Errc::store_unavailable, "case detail exists");
    return Status::Ok();
  }

  Result<std::optional<ledger::DeliveryState>> delivery_state(std::uint64_t seq,
                                                              const std::string& org) override {
    auto d = st_.deliveries.find({seq, org});
    if (d == st_.deliveries.end()) return std::optional<ledger::DeliveryState>();
    return std::optional<ledger::DeliveryState>(ledger::parse_delivery_state(d->second.state));
  }
  Status record_attempt(std::uint64_t seq, const std::string& org, ledger::DeliveryState state,
                        std::int64_t next_attempt_at_ms, int http_status) override {
    auto& d = st_.deliveries.at({seq, org});
    d.state = std::string(ledger::delivery_state_name(state));
    ++d.attempts;
    d.next_attempt_at = next_attempt_at_ms;
    d.last_status = http_status;
    return Status::Ok();
  }
  Result<std::optional<ledger::HealthRow>> webhook_health_of(const std::string& org_id) override {
    auto h = st_.health.find(org_id);
    if (h == st_.health.end()) return std::optional<ledger::HealthRow>();
    return std::optional<ledger::HealthRow>(
        ledger::HealthRow{h->second.state, h->second.failures, h->second.generation});
  }
  Status put_webhook_health(const std::string& org_id, const ledger::HealthRow& h,
                            std::int64_t) override {
    st_.health[org_id] = {h.state, h.failures, h.generation};
    return Status::Ok();
  }
  Result<std::uint32_t> requeue_dead_deliveries(const std::string& org) override {
    std::uint32_t n = 0;
    for (auto& [key, d] : st_.deliveries)
      if (key.second == org && d.state == "dead") d = DeliveryRow{"pending"}, ++n;
    return n;
  }

  Status last_audit(std::uint64_t& n, AuditLink& link) override {
    n = st_.audit.empty() ? 0 : st_.audit.back().n;
    link = st_.audit.empty() ? AuditLink{} : st_.audit.back().link;
    return Status::Ok();
  }
  Status insert_audit(const AuditRow& row) override {
    st_.audit.push_back(row);
    return Status::Ok();
  }

  std::shared_ptr<MemoryDisk> disk_;
  std::mutex& state_mu_ = disk_->mu;
  State& st_ = disk_->state;
  bool new_notifications_ = false;  // writer thread only
  CommittedLog log_;
};

}  // namespace

std::shared_ptr<MemoryDisk> new_memory_disk() {
  return std::make_shared<MemoryDisk>();
}

MemoryStoreHandle make_memory_store(std::shared_ptr<MemoryDisk> disk, const daemon::Keyring* keys,
                                    std::uint32_t max_batch) {
  auto m = std::make_unique<Memory>(std::move(disk), keys, max_batch);
  Memory* raw = m.get();
  return {std::move(m), [raw](bool on) { raw->failing = on; }};
}

}  // namespace cw::test
