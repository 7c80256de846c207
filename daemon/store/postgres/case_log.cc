// The case log's rows: appended with their events under the writer lock (so
// indices follow commit order across daemons), and the in-memory tree
// brought up to what is committed.
#include "daemon/store/postgres/store_impl.h"

namespace cw::daemon {

std::vector<merkle::Hash> PostgresStore::log_inclusion(std::uint64_t index, std::uint64_t size) {
  return log_.inclusion(index, size);
}

std::vector<merkle::Hash> PostgresStore::log_consistency(std::uint64_t first,
                                                         std::uint64_t second) {
  return log_.consistency(first, second);
}

void PostgresStore::sync_log(PGconn* c) {
  std::lock_guard lock(log_mu_);
  auto rows = pg::exec(c, "SELECT idx, leaf FROM case_log WHERE idx >= $1 ORDER BY idx",
                       pg::Params().add(log_.size()), "read case log");
  if (!rows) return;
  if (rows->size() == 0 && log_.size() > 0) {
    auto n = pg::exec(c, "SELECT count(*) FROM case_log", {}, "count case log");
    if (!n || static_cast<std::uint64_t>(n->i64(0, 0)) >= log_.size()) return;
    // Shorter than what this daemon already proved to people.
    log_event("case_log_damaged", {LogField::code(Errc::log_inconsistent)});
    log_.reset();
    rows = pg::exec(c, "SELECT idx, leaf FROM case_log ORDER BY idx", {}, "read case log");
    if (!rows) return;
  }
  std::uint64_t expected = log_.size();
  for (int i = 0; i < rows->size(); ++i, ++expected) {
    // Commits are serialised, so what is visible is a prefix; a gap is a
    // damaged table, and the tree stops before it rather than renumber.
    if (static_cast<std::uint64_t>(rows->i64(i, 0)) != expected) break;
    log_.stage(merkle::leaf_hash(rows->bytes(i, 1)));
  }
  log_.publish();
  if (metrics_) metrics_->case_log_size = log_.size();
}

Result<ReceiptLogEntry> PostgresStore::append_leaf(LeafKind kind, std::int64_t at, const Tag& tag) {
  if (!leaves_known_) {
    auto n = pg::exec(w(), "SELECT coalesce(max(idx) + 1, 0) FROM case_log", {}, "next leaf");
    if (!n) return n.error();
    next_leaf_ = static_cast<std::uint64_t>(n->i64(0, 0));
    leaves_known_ = true;
  }
  const Bytes leaf = encode_leaf(kind, hour_of(at), tag);
  ReceiptLogEntry e{next_leaf_, merkle::leaf_hash(leaf)};
  auto ins =
      pg::exec(w(), "INSERT INTO case_log (idx, tag, leaf) VALUES ($1, $2, $3)",
               pg::Params().add(e.index).add_bytes(tag).add_bytes(leaf), "insert case log leaf");
  if (!ins) return ins.error();
  ++next_leaf_;
  new_leaves_ = true;
  return e;
}

Result<std::optional<ReceiptLogEntry>> PostgresStore::find_leaf(const Tag& tag) {
  auto r = pg::exec(w(), "SELECT idx, leaf FROM case_log WHERE tag = $1",
                    pg::Params().add_bytes(tag), "case log lookup");
  if (!r) return r.error();
  if (r->size() == 0) return std::optional<ReceiptLogEntry>();
  return std::optional<ReceiptLogEntry>(
      ReceiptLogEntry{static_cast<std::uint64_t>(r->i64(0, 0)), merkle::leaf_hash(r->bytes(0, 1))});
}

}  // namespace cw::daemon
