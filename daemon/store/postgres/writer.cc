// Connections, the batch transaction (group commit under the writer lock),
// reconnecting after a failover, and listening for other daemons' commits.
#include <poll.h>

#include "daemon/store/postgres/store_impl.h"

namespace cw::daemon {

bool is_postgres_uri(std::string_view db) {
  return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

int postgres_schema_version() {
  return pg_schema_version_impl();
}

Result<std::unique_ptr<Store>> open_postgres_store(const PostgresOptions& o) {
  auto c = pg::connect(o.uri);
  if (!c) return c.error();
  CW_TRY(pg_migrate(c->get()));
  // Said once at start: without a synchronous standby, a receipt means the
  // primary alone has the alert (docs/OPERATIONS.md).
  if (auto s = pg::exec(c->get(), "SELECT current_setting('synchronous_standby_names')", {},
                        "read settings");
      s && s->size() == 1 && s->text(0, 0).empty()) {
    static std::atomic<bool> said{false};  // once per process (tests open many stores)
    if (!said.exchange(true)) log_event("store_no_synchronous_standby");
  }
  return std::unique_ptr<Store>(new PostgresStore(std::move(*c), o));
}

Result<std::string> probe_postgres_store(const std::string& uri) {
  auto c = pg::connect(uri);
  if (!c) return c.error();
  CW_TRY(pg::run(c->get(), "BEGIN READ ONLY", "begin read-only check"));
  auto v = pg::exec(c->get(),
                    "SELECT CASE WHEN to_regclass('casewire_schema') IS NULL THEN 0 "
                    "ELSE (SELECT coalesce(max(version), 0) FROM casewire_schema) END",
                    {}, "read schema version");
  (void)pg::run(c->get(), "ROLLBACK", "end read-only check");
  if (!v) return v.error();
  const int version = static_cast<int>(v->i64(0, 0));
  const int current = pg_schema_version_impl();
  if (version > current)
    return make_error(Errc::store_unavailable,
                      "this database was written by a newer casewired (schema " +
                          std::to_string(version) + "); this one knows up to " +
                          std::to_string(current));
  if (version == 0) return std::string("PostgreSQL reachable; its tables are made at first start");
  return "PostgreSQL reachable, schema version " + std::to_string(version) +
         (version < current ? " (migrated to " + std::to_string(current) + " at the next start)"
                            : std::string());
}

Result<std::unique_ptr<ConnPool::Lease>> ConnPool::take() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty() || free_ > 0; });
  pg::Conn c;
  if (!idle_.empty()) {
    c = std::move(idle_.back());
    idle_.pop_back();
  } else {
    --free_;
  }
  lock.unlock();
  if (!pg::alive(c.get())) {
    auto fresh = pg::connect(uri_);
    if (!fresh) {
      give_back(nullptr);
      return fresh.error();
    }
    c = std::move(*fresh);
  }
  return std::make_unique<Lease>(*this, std::move(c));
}

void ConnPool::give_back(pg::Conn c) {
  std::lock_guard lock(mu_);
  if (c)
    idle_.push_back(std::move(c));
  else
    ++free_;
  cv_.notify_one();
}

PostgresStore::PostgresStore(pg::Conn writer, const PostgresOptions& o)
    : BatchedStore(o.max_batch, o.keys),
      uri_(o.uri),
      lease_(o.claim_lease),
      metrics_(o.metrics),
      wconn_(std::move(writer)),
      readers_(o.uri, 4),
      log_window_(o.log_window_s) {
  sync_log(w());
  count_waiting(w());
  start_writer();
  listener_ = std::thread([this] { listen_loop(); });
}

PostgresStore::~PostgresStore() {
  close();
}

void PostgresStore::close() {
  BatchedStore::close();
  stop_listening_ = true;
  if (listener_.joinable()) listener_.join();
}

bool PostgresStore::reconnect() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_reconnect_) return false;
  next_reconnect_ = now + std::chrono::seconds(1);
  auto c = pg::connect(uri_);
  if (!c) return false;
  wconn_ = std::move(*c);
  log_event("store_reconnected");
  return true;
}

void PostgresStore::commit_batch(std::vector<Job>& batch) {
  if (!pg::alive(w()) && !reconnect()) {
    failed_ = true;
    for (auto& j : batch) j.finish(false);
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  next_seq_ = 0;
  new_notifications_ = new_leaves_ = sync_before_answers_ = waiting_changed_ = false;
  Status st = pg::run(w(), "BEGIN", "begin");
  if (st.ok())
    if (auto l = pg::exec(w(), "SELECT pg_advisory_xact_lock($1)", pg::Params().add(kWriterLock),
                          "take the writer lock");
        !l)
      st = l.error();
  try {
    for (std::size_t i = 0; st.ok() && i < batch.size(); ++i) st = batch[i].apply();
  } catch (...) {
    if (metrics_) metrics_->internal_errors.fetch_add(1);
    st = make_error(Errc::store_unavailable, "internal error in a store job");
  }
  // Delivered to every LISTENing daemon when (and only if) this commits.
  if (st.ok() && new_notifications_) st = pg::run(w(), "NOTIFY casewire_feed", "notify feeds");
  if (st.ok() && new_leaves_) st = pg::run(w(), "NOTIFY casewire_log", "notify case log");
  // COMMIT returns once the commit is flushed here and, with a synchronous
  // standby configured, there. A COMMIT whose answer is lost (the server
  // died) may or may not have happened: nobody is told it did, and a repeat
  // of the alert finds it if it did.
  if (st.ok()) st = pg::run(w(), "COMMIT", "commit");
  if (!st.ok()) {
    (void)pg::run(w(), "ROLLBACK", "roll back");
    failed_ = !pg::alive(w());
    if (metrics_) metrics_->store_failures.fetch_add(1);
    log_event("store_commit_failed", {LogField::code(Errc::store_unavailable)});
    for (auto& j : batch) j.finish(false);
    return;
  }
  failed_ = false;
  if (metrics_) {
    metrics_->store_commit_seconds.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    metrics_->store_batch_size.observe(static_cast<double>(batch.size()));
  }
  // Before any callback: a receipt's proof needs its leaf in the tree.
  if (new_leaves_ || sync_before_answers_) sync_log(w());
  if (waiting_changed_) count_waiting(w());
  for (auto& j : batch) j.finish(true);
  if (new_notifications_) notify_listener();
}

void PostgresStore::listen_loop() {
  pg::Conn c;
  auto last_sync = std::chrono::steady_clock::now();
  while (!stop_listening_) {
    if (!pg::alive(c.get())) {
      auto fresh = pg::connect(uri_);
      if (!fresh ||
          !pg::run(fresh->get(), "LISTEN casewire_feed; LISTEN casewire_log", "listen").ok()) {
        for (int i = 0; i < 10 && !stop_listening_; ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      c = std::move(*fresh);
      // Whatever happened while we were not listening.
      sync_log(c.get());
      notify_listener();
    }
    pollfd p{PQsocket(c.get()), POLLIN, 0};
    ::poll(&p, 1, 200);
    if (PQconsumeInput(c.get()) == 0) {
      c.reset();
      continue;
    }
    bool feed = false, log = false;
    while (PGnotify* n = PQnotifies(c.get())) {
      const std::string_view channel(n->relname);
      feed |= channel == "casewire_feed";
      log |= channel == "casewire_log";
      PQfreemem(n);
    }
    const auto now = std::chrono::steady_clock::now();
    if (log || now - last_sync > std::chrono::seconds(1)) {
      sync_log(c.get());
      last_sync = now;
    }
    if (feed) notify_listener();
  }
}

}  // namespace cw::daemon
