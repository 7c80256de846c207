// The case log's rows (protocol/case_log.h): appended with their events,
// rebuilt into the in-memory tree at start.
#include "daemon/store/sqlite/store_impl.h"

namespace cw::daemon {

std::vector<merkle::Hash> SqliteStore::log_inclusion(std::uint64_t index, std::uint64_t size) {
  return log_.inclusion(index, size);
}

std::vector<merkle::Hash> SqliteStore::log_consistency(std::uint64_t first, std::uint64_t second) {
  return log_.consistency(first, second);
}

void SqliteStore::load_log() {
  struct Row {
    Bytes tag, leaf;
  };
  std::vector<Row> rows;
  bool damaged = false;
  {
    Stmt s(wdb_, "SELECT idx, tag, leaf FROM case_log ORDER BY idx");
    while (s && s.step() == SQLITE_ROW) {
      damaged |= s.i64(0) != static_cast<std::int64_t>(rows.size());
      auto t = s.blob(1), l = s.blob(2);
      rows.push_back({Bytes(t.begin(), t.end()), Bytes(l.begin(), l.end())});
    }
  }
  for (const auto& r : rows) log_.stage(merkle::leaf_hash(r.leaf));
  log_.publish();
  {
    Stmt w(wdb_, "SELECT count(*) FROM log_waiting");
    if (w && w.step() == SQLITE_ROW) log_.set_waiting(static_cast<std::uint64_t>(w.i64(0)));
  }
  if (metrics_) metrics_->case_log_size = log_.size();
  if (!damaged) return;
  log_event("case_log_damaged", {LogField::code(Errc::log_inconsistent)});
  Status st = exec(wdb_, "BEGIN IMMEDIATE; DELETE FROM case_log");
  for (std::size_t i = 0; st.ok() && i < rows.size(); ++i) {
    Stmt ins(wdb_, "INSERT INTO case_log (idx, tag, leaf) VALUES (?, ?, ?)");
    ins.bind(1, static_cast<std::int64_t>(i)).bind(2, ByteView(rows[i].tag));
    ins.bind(3, ByteView(rows[i].leaf));
    st = run(wdb_, ins, "renumber case log");
  }
  (void)exec(wdb_, st.ok() ? "COMMIT" : "ROLLBACK");
}

Result<LeafRecord> SqliteStore::append_leaf(LeafKind kind, std::int64_t at, const Tag& tag) {
  const Bytes leaf = encode_leaf(kind, hour_of(at), tag);
  Stmt ins(wcache_, "INSERT INTO log_waiting (tag, leaf, due) VALUES (?, ?, ?)");
  ins.bind(1, ByteView(tag)).bind(2, ByteView(leaf)).bind(3, log_window_end(at, log_window_));
  CW_TRY(run(wdb_, ins, "insert waiting leaf"));
  log_.stage_waiting(+1);
  return LeafRecord{merkle::leaf_hash(leaf), std::nullopt};
}

Result<std::optional<LeafRecord>> SqliteStore::find_leaf(const Tag& tag) {
  for (const char* sql : {"SELECT idx, leaf FROM case_log WHERE tag = ?",
                          "SELECT NULL, leaf FROM log_waiting WHERE tag = ?"}) {
    Stmt s(wcache_, sql);
    if (!s) return db_error(wdb_, "prepare case log lookup");
    s.bind(1, ByteView(tag));
    const int rc = s.step();
    if (rc == SQLITE_DONE) continue;
    if (rc != SQLITE_ROW) return db_error(wdb_, "case log lookup");
    LeafRecord r{merkle::leaf_hash(s.blob(1)), std::nullopt};
    if (!s.is_null(0)) r.index = static_cast<std::uint64_t>(s.i64(0));
    return std::optional<LeafRecord>(r);
  }
  return std::optional<LeafRecord>();
}

Result<std::uint32_t> SqliteStore::write_waiting_leaves(std::int64_t now) {
  std::vector<WaitingLeaf> due;
  {
    Stmt s(wcache_, "SELECT tag, leaf, due FROM log_waiting WHERE due <= ?");
    if (!s) return db_error(wdb_, "prepare waiting leaves");
    s.bind(1, now);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      auto t = s.blob(0), l = s.blob(1);
      due.push_back({Bytes(t.begin(), t.end()), Bytes(l.begin(), l.end()), s.i64(2)});
    }
    if (rc != SQLITE_DONE) return db_error(wdb_, "read waiting leaves");
  }
  order_for_log(due);
  for (const auto& w : due) {
    Stmt ins(wcache_, "INSERT INTO case_log (idx, tag, leaf) VALUES (?, ?, ?)");
    ins.bind(1, static_cast<std::int64_t>(log_.next_index()))
        .bind(2, ByteView(w.tag))
        .bind(3, ByteView(w.leaf));
    CW_TRY(run(wdb_, ins, "append case log leaf"));
    Stmt del(wcache_, "DELETE FROM log_waiting WHERE tag = ?");
    del.bind(1, ByteView(w.tag));
    CW_TRY(run(wdb_, del, "drop waiting leaf"));
    log_.stage(merkle::leaf_hash(w.leaf));
    log_.stage_waiting(-1);
  }
  return static_cast<std::uint32_t>(due.size());
}

}  // namespace cw::daemon
