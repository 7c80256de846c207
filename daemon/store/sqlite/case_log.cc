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

Result<ReceiptLogEntry> SqliteStore::append_leaf(LeafKind kind, std::int64_t at, const Tag& tag) {
  const Bytes leaf = encode_leaf(kind, hour_of(at), tag);
  ReceiptLogEntry e{log_.next_index(), merkle::leaf_hash(leaf)};
  Stmt ins(wcache_, "INSERT INTO case_log (idx, tag, leaf) VALUES (?, ?, ?)");
  ins.bind(1, static_cast<std::int64_t>(e.index)).bind(2, ByteView(tag)).bind(3, ByteView(leaf));
  CW_TRY(run(wdb_, ins, "insert case log leaf"));
  log_.stage(e.leaf);
  return e;
}

Result<std::optional<ReceiptLogEntry>> SqliteStore::find_leaf(const Tag& tag) {
  Stmt s(wcache_, "SELECT idx, leaf FROM case_log WHERE tag = ?");
  if (!s) return db_error(wdb_, "prepare case log lookup");
  s.bind(1, ByteView(tag));
  const int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<ReceiptLogEntry>();
  if (rc != SQLITE_ROW) return db_error(wdb_, "case log lookup");
  return std::optional<ReceiptLogEntry>(
      ReceiptLogEntry{static_cast<std::uint64_t>(s.i64(0)), merkle::leaf_hash(s.blob(1))});
}

}  // namespace cw::daemon
