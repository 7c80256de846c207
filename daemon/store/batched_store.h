// What every backend's writer shares: one thread takes queued writes in
// batches and runs each batch as ONE transaction (group commit); a write's
// callback runs only after the batch committed durably, or with
// store_unavailable after a rollback. Backends implement the transaction
// (commit_batch), the row primitives the ledger's rules run on
// (daemon/ledger/rows.h) and the writes that stay each backend's own (the
// case log's appends, the audit chain's rows); the queueing, the batching and the
// callbacks' contract live here once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "daemon/ledger/coarse_time.h"
#include "daemon/ledger/rows.h"
#include "daemon/store/audit_chain.h"
#include "daemon/store/store.h"

namespace cw::daemon {

// One unit of work for the writer. `apply` runs inside the batch transaction
// and returns an error only for a failure that must abort the whole batch;
// per-request refusals (duplicate, unknown case) are results, not errors.
// `finish(true)` runs after the commit is durable, `finish(false)` after a
// rollback.
struct Job {
  std::function<Status()> apply;
  std::function<void(bool committed)> finish;
};

class BatchedStore : public Store, protected ledger::Rows {
 public:
  void record_alert(NewAlert alert, Callback<Recorded> done) override;
  void record_ack(std::uint64_t seq, std::string org, Tag leaf_tag, UnixSeconds now,
                  std::vector<Recipient> orgs, Callback<AckResult> done) override;
  void record_answer(std::uint64_t seq, std::string org, OrgAnswer answer, UnixSeconds now,
                     Callback<bool> done) override;
  void escalate_due(UnixSeconds now, std::vector<Recipient> to, std::vector<std::string> cleared,
                    Callback<std::uint32_t> done) override;
  void record_webhook_results(std::vector<WebhookResult> results, UnixSeconds now,
                              Callback<bool> done) override;
  void revive_webhooks(std::vector<WebhookGeneration> current, UnixSeconds now,
                       Callback<std::uint32_t> done) override;
  void append_audit(std::string entry_json, UnixSeconds at, Callback<AuditRow> done) override;
  void append_waiting_leaves(UnixSeconds now, Callback<std::uint32_t> done) override;
  void on_new_notifications(std::function<void()> listener) override;
  void close() override;

  // Runs `fn` over this backend's row primitives inside one batch
  // transaction, like any write: the conformance suite tests each primitive
  // this way on every backend. done(true) once durable; an error from `fn`
  // rolls the batch back and is the answer.
  void run_rows(std::function<Status(ledger::Rows&)> fn, Callback<bool> done);

 protected:
  BatchedStore(std::uint32_t max_batch, const Keyring* keys) : max_batch_(max_batch), keys_(keys) {}
  // The derived constructor starts the writer once its connections are
  // ready; its destructor calls close() before they go.
  void start_writer();
  void submit(Job job);
  // Runs `batch` as one transaction and calls every job's finish.
  virtual void commit_batch(std::vector<Job>& batch) = 0;
  // Tells the listener (feeds, webhook workers) that notifications landed.
  void notify_listener();

  // Each write's statements, run inside the batch transaction. An error with
  // store_unavailable aborts the batch; any other is the request's answer.
  virtual Result<std::uint32_t> write_waiting_leaves(std::int64_t now) = 0;
  // The newest audit entry (n = 0 and zero link when there is none), and
  // appending one.
  virtual Status last_audit(std::uint64_t& n, AuditLink& link) = 0;
  virtual Status insert_audit(const AuditRow& row) = 0;

  const std::uint32_t max_batch_;
  const Keyring* keys_;  // seals case details, signs audit entries; may be null in unit tests

 private:
  void writer_loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool closing_ = false;
  std::function<void()> listener_;
  std::thread writer_;
};

}  // namespace cw::daemon
