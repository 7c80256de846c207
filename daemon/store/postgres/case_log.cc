// The case log's rows: a window's waiting leaves appended together, in the
// order of their hashes, under the writer lock (so one daemon appends each
// window, whichever it is), and the in-memory tree brought up to what is
// committed.
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

Result<LeafRecord> PostgresStore::append_leaf(LeafKind kind, std::int64_t at, const Tag& tag) {
  const Bytes leaf = encode_leaf(kind, hour_of(at), tag);
  auto ins =
      pg::exec(w(), "INSERT INTO log_waiting (tag, leaf, due) VALUES ($1, $2, $3)",
               pg::Params().add_bytes(tag).add_bytes(leaf).add(log_window_end(at, log_window_)),
               "insert waiting leaf");
  if (!ins) return ins.error();
  waiting_changed_ = true;
  return LeafRecord{merkle::leaf_hash(leaf), std::nullopt};
}

Result<std::optional<LeafRecord>> PostgresStore::find_leaf(const Tag& tag) {
  auto r = pg::exec(w(), "SELECT idx, leaf FROM case_log WHERE tag = $1",
                    pg::Params().add_bytes(tag), "case log lookup");
  if (!r) return r.error();
  if (r->size() == 1) {
    const auto index = static_cast<std::uint64_t>(r->i64(0, 0));
    // Appended through another daemon moments ago: this daemon's tree may
    // not have it yet, and a repeat's receipt comes with its proof.
    if (index >= log_.size()) sync_before_answers_ = true;
    return std::optional<LeafRecord>(LeafRecord{merkle::leaf_hash(r->bytes(0, 1)), index});
  }
  r = pg::exec(w(), "SELECT leaf FROM log_waiting WHERE tag = $1", pg::Params().add_bytes(tag),
               "waiting leaf lookup");
  if (!r) return r.error();
  if (r->size() == 0) return std::optional<LeafRecord>();
  return std::optional<LeafRecord>(LeafRecord{merkle::leaf_hash(r->bytes(0, 0)), std::nullopt});
}

// Under the writer lock, so two daemons never append the same window twice
// or number two leaves alike; the rows are deleted as they are appended.
Result<std::uint32_t> PostgresStore::write_waiting_leaves(std::int64_t now) {
  auto rows = pg::exec(w(), "SELECT tag, leaf, due FROM log_waiting WHERE due <= $1",
                       pg::Params().add(now), "read waiting leaves");
  if (!rows) return rows.error();
  // Counted again after every tick's commit, found leaves or not: another
  // daemon may have appended (or recorded) since this one last wrote.
  waiting_changed_ = true;
  if (rows->size() == 0) return 0u;
  std::vector<WaitingLeaf> due;
  for (int i = 0; i < rows->size(); ++i) {
    auto t = rows->bytes(i, 0), l = rows->bytes(i, 1);
    due.push_back({Bytes(t.begin(), t.end()), Bytes(l.begin(), l.end()), rows->i64(i, 2)});
  }
  order_for_log(due);
  auto n = pg::exec(w(), "SELECT coalesce(max(idx) + 1, 0) FROM case_log", {}, "next leaf");
  if (!n) return n.error();
  auto next = static_cast<std::uint64_t>(n->i64(0, 0));
  for (const auto& l : due) {
    auto ins = pg::exec(w(), "INSERT INTO case_log (idx, tag, leaf) VALUES ($1, $2, $3)",
                        pg::Params().add(next++).add_bytes(l.tag).add_bytes(l.leaf),
                        "append case log leaf");
    if (!ins) return ins.error();
    auto del = pg::exec(w(), "DELETE FROM log_waiting WHERE tag = $1",
                        pg::Params().add_bytes(l.tag), "drop waiting leaf");
    if (!del) return del.error();
  }
  new_leaves_ = waiting_changed_ = true;
  return static_cast<std::uint32_t>(due.size());
}

void PostgresStore::count_waiting(PGconn* c) {
  auto n = pg::exec(c, "SELECT count(*) FROM log_waiting", {}, "count waiting leaves");
  if (n) waiting_.store(static_cast<std::uint64_t>(n->i64(0, 0)));
}

}  // namespace cw::daemon
