#include "daemon/store/batched_store.h"

#include <memory>
#include <optional>

#include "daemon/ledger/ledger.h"

namespace cw::daemon {

void BatchedStore::start_writer() {
  writer_ = std::thread([this] { writer_loop(); });
}

void BatchedStore::on_new_notifications(std::function<void()> listener) {
  std::lock_guard lock(mu_);
  listener_ = std::move(listener);
}

void BatchedStore::notify_listener() {
  std::function<void()> l;
  {
    std::lock_guard lock(mu_);
    l = listener_;
  }
  if (l) l();
}

void BatchedStore::close() {
  {
    std::lock_guard lock(mu_);
    if (closing_) return;
    closing_ = true;
    cv_.notify_all();
  }
  if (writer_.joinable()) writer_.join();
}

void BatchedStore::submit(Job job) {
  {
    std::lock_guard lock(mu_);
    if (!closing_) {
      queue_.push_back(std::move(job));
      cv_.notify_one();
      return;
    }
  }
  job.finish(false);
}

void BatchedStore::writer_loop() {
  std::vector<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing and drained
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit_batch(batch);
    batch.clear();
  }
}

void BatchedStore::record_alert(NewAlert alert, Callback<Recorded> done) {
  auto state = std::make_shared<std::pair<NewAlert, std::optional<Result<Recorded>>>>(
      std::move(alert), std::nullopt);
  submit(Job{[this, state] {
               auto r = ledger::record_alert(*this, keys_, state->first);
               if (!r.ok() && r.code() == Errc::store_unavailable) return Status(r.error());
               state->second = std::move(r);
               return Status::Ok();
             },
             [state, done = std::move(done)](bool committed) {
               if (!committed)
                 return done(make_error(Errc::store_unavailable, "the alert could not be stored"));
               done(std::move(*state->second));
             }});
}

void BatchedStore::record_ack(std::uint64_t seq, std::string org, Tag leaf_tag, UnixSeconds at,
                              std::vector<Recipient> orgs, Callback<AckResult> done) {
  auto out = std::make_shared<std::optional<Result<AckResult>>>();
  submit(Job{[this, out, seq, org = std::move(org), leaf_tag, now = seconds_of(at),
              orgs = std::move(orgs)] {
               auto r = ledger::acknowledge(*this, seq, org, leaf_tag, now, orgs);
               if (!r.ok() && r.code() == Errc::store_unavailable) return Status(r.error());
               *out = std::move(r);
               return Status::Ok();
             },
             [out, done = std::move(done)](bool committed) {
               if (!committed)
                 return done(make_error(Errc::store_unavailable,
                                        "the acknowledgement could not be stored"));
               done(std::move(**out));
             }});
}

void BatchedStore::record_answer(std::uint64_t seq, std::string org, OrgAnswer answer,
                                 UnixSeconds at, Callback<bool> done) {
  auto out = std::make_shared<std::optional<Status>>();
  submit(
      Job{[this, out, seq, org = std::move(org), answer = std::move(answer), now = seconds_of(at)] {
            auto st = ledger::answer(*this, seq, org, answer, now);
            if (!st.ok() && st.code() == Errc::store_unavailable) return st;
            *out = std::move(st);
            return Status::Ok();
          },
          [out, done = std::move(done)](bool committed) {
            if (!committed)
              return done(make_error(Errc::store_unavailable, "the answer could not be stored"));
            if (!out->value().ok()) return done(out->value().error());
            done(true);
          }});
}

void BatchedStore::escalate_due(UnixSeconds at, std::vector<Recipient> to,
                                std::vector<std::string> cleared, Callback<std::uint32_t> done) {
  auto count = std::make_shared<std::uint32_t>(0);
  submit(Job{[this, count, now = seconds_of(at), to = std::move(to), cleared = std::move(cleared)] {
               auto r = ledger::escalate(*this, now, to, cleared);
               if (!r) return Status(r.error());
               *count = *r;
               return Status::Ok();
             },
             [count, done = std::move(done)](bool committed) {
               if (!committed)
                 return done(make_error(Errc::store_unavailable, "escalation not stored"));
               done(*count);
             }});
}

void BatchedStore::run_rows(std::function<Status(ledger::Rows&)> fn, Callback<bool> done) {
  auto out = std::make_shared<Status>(Status::Ok());
  submit(Job{[this, out, fn = std::move(fn)] {
               *out = fn(*this);
               return *out;
             },
             [out, done = std::move(done)](bool committed) {
               if (!out->ok()) return done(out->error());
               if (!committed) return done(make_error(Errc::store_unavailable, "not stored"));
               done(true);
             }});
}

void BatchedStore::append_waiting_leaves(UnixSeconds at, Callback<std::uint32_t> done) {
  auto count = std::make_shared<std::uint32_t>(0);
  submit(Job{[this, count, now = seconds_of(at)] {
               auto r = write_waiting_leaves(now);
               if (!r) return Status(r.error());
               *count = *r;
               return Status::Ok();
             },
             [count, done = std::move(done)](bool committed) {
               if (!committed)
                 return done(make_error(Errc::store_unavailable, "waiting leaves not appended"));
               done(*count);
             }});
}

void BatchedStore::record_webhook_results(std::vector<WebhookResult> results, UnixSeconds at,
                                          Callback<bool> done) {
  submit(Job{[this, results = std::move(results), now = seconds_of(at)] {
               return ledger::record_webhook_results(*this, results, now);
             },
             [done = std::move(done)](bool committed) {
               if (!committed)
                 return done(make_error(Errc::store_unavailable, "webhook results not stored"));
               done(true);
             }});
}

void BatchedStore::revive_webhooks(std::vector<WebhookGeneration> current, UnixSeconds at,
                                   Callback<std::uint32_t> done) {
  auto count = std::make_shared<std::uint32_t>(0);
  submit(Job{[this, count, current = std::move(current), now = seconds_of(at)] {
               auto r = ledger::revive_webhooks(*this, current, now);
               if (!r) return Status(r.error());
               *count = *r;
               return Status::Ok();
             },
             [count, done = std::move(done)](bool committed) {
               if (!committed)
                 return done(make_error(Errc::store_unavailable, "webhook revival not stored"));
               done(*count);
             }});
}

void BatchedStore::append_audit(std::string entry_json, UnixSeconds when, Callback<AuditRow> done) {
  auto row = std::make_shared<AuditRow>();
  submit(Job{[this, row, entry = std::move(entry_json), at = seconds_of(when)]() -> Status {
               if (!keys_)
                 return make_error(Errc::store_unavailable, "the store was opened without keys");
               std::uint64_t last = 0;
               AuditLink prev{};
               CW_TRY(last_audit(last, prev));
               row->n = last + 1;
               row->at = at;
               row->sealed = keys_->seal_record(as_bytes(entry), audit_entry_ad(row->n));
               row->link = audit_link(prev, row->n, at, row->sealed);
               const auto sig = sign_audit_link(keys_->signing(), row->link);
               row->signature.assign(sig.begin(), sig.end());
               return insert_audit(*row);
             },
             [row, done = std::move(done)](bool committed) {
               if (!committed)
                 return done(make_error(Errc::store_unavailable, "the audit entry was not stored"));
               done(std::move(*row));
             }});
}

}  // namespace cw::daemon
