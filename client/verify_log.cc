#include "client/verify_log.h"

#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <ostream>
#include <sstream>

#include "client/context.h"
#include "client/daemon_keys.h"
#include "client/device_files.h"
#include "client/messages.h"
#include "client/receipts.h"
#include "client/rotation.h"
#include "client/submit.h"
#include "protocol/case_log.h"
#include "protocol/file_io.h"
#include "protocol/timefmt.h"

namespace json = boost::json;

namespace cw::client {
namespace {

// A head must verify under the daemon key that signed it - one this device
// trusted, at any time: never skipped because the daemon has a newer key.
Status verify_head(const TreeHead& h, const DaemonKeys& keys) {
  const PublicKey* k = keys.find(h.daemon_key_id);
  if (!k)
    return make_error(Errc::bad_tree_head, "a head signed by a key this device never trusted (" +
                                               key_id_hex(h.daemon_key_id) + ")");
  return verify_tree_head(h, *k);
}

Status verify_receipt_any(const Receipt& r, const DaemonKeys& keys) {
  const PublicKey* k = keys.find(r.daemon_key_id);
  if (!k) return make_error(Errc::bad_signature, "signed by a key this device never trusted");
  return verify_receipt(r, *k);
}

// The daemon's log, asked with signed requests (the answers are hashes and
// heads; every one is checked against a head the daemon signed).
class LogReader {
 public:
  LogReader(const ClientContext& ctx, const Identity& id, const DaemonKeys& keys)
      : ctx_(ctx), id_(id), keys_(keys) {}

  Result<TreeHead> head() {
    auto body = get("/v1/log/tree-head");
    if (!body) return body.error();
    auto h = tree_head_from_json(*body);
    if (!h) return h.error();
    CW_TRY(verify_head(*h, keys_));
    return *h;
  }

  // ok, or log_inconsistent saying how `older` and `newer` disagree.
  Status consistent(const TreeHead& older, const TreeHead& newer) {
    if (older.size == 0) return Status::Ok();
    if (older.size > newer.size)
      return make_error(Errc::log_inconsistent, "the log is smaller than before");
    auto proof = older.size == newer.size
                     ? Result<std::vector<merkle::Hash>>(std::vector<merkle::Hash>{})
                     : path("/v1/log/proof?from=" + std::to_string(older.size) +
                                "&size=" + std::to_string(newer.size),
                            "consistency");
    if (!proof) return proof.error();
    if (!merkle::verify_consistency(older.size, newer.size, older.root, newer.root, *proof))
      return make_error(Errc::log_inconsistent, "the log is not an extension of the earlier one");
    return Status::Ok();
  }

  Status includes(const ReceiptLogEntry& e, const TreeHead& h) {
    if (e.index >= h.size)
      return make_error(Errc::log_inconsistent, "the log is shorter than the receipt's place");
    auto proof =
        path("/v1/log/proof?index=" + std::to_string(e.index) + "&size=" + std::to_string(h.size),
             "inclusion");
    if (!proof) return proof.error();
    if (!merkle::verify_inclusion(e.leaf, e.index, h.size, *proof, h.root))
      return make_error(Errc::log_inconsistent, "the receipt's leaf is not in the log");
    return Status::Ok();
  }

  // A v3 receipt's leaf: its place among h's leaves, its inclusion checked;
  // nullopt while the daemon says it is not among them (yet).
  struct Placed {
    std::uint64_t index = 0;
    std::vector<merkle::Hash> inclusion;
  };
  Result<std::optional<Placed>> place_of(const merkle::Hash& leaf, const TreeHead& h) {
    if (h.size == 0) return std::optional<Placed>();  // nothing to ask about
    auto body = get("/v1/log/proof?leaf=" + to_hex(leaf) + "&size=" + std::to_string(h.size));
    if (!body && body.code() == Errc::not_found) return std::optional<Placed>();
    if (!body) return body.error();
    std::error_code ec;
    auto v = json::parse(*body, ec);
    const auto* o = !ec && v.is_object() ? &v.as_object() : nullptr;
    const auto* i = o ? o->if_contains("index") : nullptr;
    const auto* p = o ? o->if_contains("inclusion") : nullptr;
    std::uint64_t index = 0;
    if (i) index = i->to_number<std::uint64_t>(ec);
    if (!i || ec || !p) return make_error(Errc::bad_tree_head, "the daemon's proof is malformed");
    auto proof = proof_from_json(json::serialize(*p));
    if (!proof) return proof.error();
    if (index >= h.size || !merkle::verify_inclusion(leaf, index, h.size, *proof, h.root))
      return make_error(Errc::log_inconsistent, "the receipt's leaf is not where the daemon says");
    return std::optional<Placed>(Placed{index, std::move(*proof)});
  }

 private:
  Result<std::string> get(const std::string& target) {
    auto res = request_any(ctx_, signed_http_request(ctx_, id_, "GET", target, ""));
    if (!res) return res.error();
    if (res->status != 200) return error_from_body(res->status, res->body);
    return res->body;
  }

  Result<std::vector<merkle::Hash>> path(const std::string& target, const char* member) {
    auto body = get(target);
    if (!body) return body.error();
    std::error_code ec;
    auto v = json::parse(*body, ec);
    const auto* o = !ec && v.is_object() ? &v.as_object() : nullptr;
    const auto* p = o ? o->if_contains(member) : nullptr;
    if (!p) return make_error(Errc::bad_tree_head, "the daemon's proof is malformed");
    return proof_from_json(json::serialize(*p));
  }

  const ClientContext& ctx_;
  const Identity& id_;
  const DaemonKeys& keys_;
};

// A head from text: a bare head or `casewire verify-log --json` output
// holding one, verified under the daemon key that signed it.
Result<std::optional<TreeHead>> parse_head(std::string_view s, const DaemonKeys& daemon) {
  std::error_code ec;
  auto v = json::parse(s, ec);
  if (!ec && v.is_object())
    if (const auto* h = v.as_object().if_contains("tree_head")) {
      auto inner = json::serialize(*h);
      auto head = tree_head_from_json(inner);
      if (!head) return head.error();
      CW_TRY(verify_head(*head, daemon));
      return std::optional<TreeHead>(*head);
    }
  auto head = tree_head_from_json(s);
  if (!head) return head.error();
  CW_TRY(verify_head(*head, daemon));
  return std::optional<TreeHead>(*head);
}

// Another party's head, handed over as a plain file (--compare).
Result<std::optional<TreeHead>> read_head(const std::string& path, const DaemonKeys& daemon) {
  if (!file_exists(path)) return std::optional<TreeHead>();
  auto text = read_file(path, 64 << 10);
  if (!text) return text.error();
  return parse_head(as_chars(*text), daemon);
}

// This device's own kept heads: sealed (client/device_files.h) - a head's
// size and time date what the device checked, a handle into a seized
// server. One kept in clear by an older client is read, and sealed next time.
Result<std::optional<TreeHead>> read_own_head(const std::string& path, const DaemonKeys& daemon,
                                              const DeviceFiles& files) {
  if (!file_exists(path)) return std::optional<TreeHead>();
  auto plain = files.read(path);
  if (plain) return parse_head(as_chars(plain->view()), daemon);
  if (plain.code() != Errc::bad_key_file) return plain.error();
  return read_head(path, daemon);  // from before sealing; refused if it is neither
}

}  // namespace

void remember_head(const ClientHome& home, const Invite& invite, const Identity& id,
                   std::string_view head_json) {
  auto keys = DaemonKeys::load(home, invite);
  if (!keys) return;
  auto h = tree_head_from_json(head_json);
  if (!h || !verify_head(*h, *keys).ok()) return;
  const DeviceFiles files(id);
  auto kept = read_own_head(home.seen_head_path(), *keys, files);
  if (kept && *kept && (*kept)->size >= h->size) return;
  (void)files.write(home.seen_head_path(), tree_head_to_json(*h));
}

int cmd_verify_log(const Globals& g, const VerifyLogOptions& o, std::ostream& out,
                   std::ostream& err) {
  auto ctx = load_context(g);
  if (!ctx) return fail(err, ctx.error());
  auto id = load_identity(g, ctx->home, o.key);
  if (!id) return fail(err, id.error());
  // The daemon's keys first: after a rotation this device has not heard of,
  // the current head is signed by a key it learns along the chain. A chain
  // it cannot follow is a verdict of its own.
  {
    std::ostringstream quiet;
    bool applied = false;
    if (apply_invite_update(g, *ctx, *id, quiet, quiet, &applied) == kExitUntrusted)
      return fail(err,
                  make_error(Errc::bad_signature,
                             tr("the daemon offers new keys that the key this device trusts did "
                                "not sign: show this to the operator")),
                  kExitUntrusted);
  }
  auto keys = DaemonKeys::load(ctx->home, ctx->invite);
  if (!keys) return fail(err, keys.error());
  const DaemonKeys& daemon = *keys;
  LogReader log(*ctx, *id, daemon);
  auto head = log.head();
  if (!head)
    return fail(err, head.error(),
                head.code() == Errc::bad_tree_head ? kExitUntrusted : kExitQueued);
  std::vector<std::string> problems;
  // A transport failure in the middle is not a verdict on the log.
  std::optional<Error> unreachable;
  auto judge = [&](const Status& st, std::string problem) {
    if (st.ok()) return;
    if (st.code() == Errc::log_inconsistent || st.code() == Errc::bad_tree_head)
      problems.push_back(std::move(problem));
    else if (!unreachable)
      unreachable = st.error();
  };

  // 1. The log only grew since the head this device saw last, and since
  // the newest head the feed showed this organisation. A kept head that no
  // longer verifies under any key this device trusted is a problem in
  // itself: it was checked when it was kept.
  const std::string unreadable =
      tr("a log head kept on this device no longer verifies under any key the daemon had: it was "
         "replaced or the daemon's keys were");
  const DeviceFiles files(*id);
  auto last = read_own_head(ctx->home.log_head_path(), daemon, files);
  if (!last) {
    problems.push_back(unreadable);
    last = std::optional<TreeHead>();
  }
  if (*last)
    judge(log.consistent(**last, *head),
          trf("the daemon's log is not the one you were shown before ({1} events then): it has "
              "dropped or rewritten recorded events",
              {std::to_string((*last)->size)}));
  auto seen = read_own_head(ctx->home.seen_head_path(), daemon, files);
  if (!seen) problems.push_back(unreadable);
  if (seen && *seen)
    judge(log.consistent(**seen, *head),
          trf("the daemon's log is not the one you were shown before ({1} events then): it has "
              "dropped or rewritten recorded events",
              {std::to_string((*seen)->size)}));
  // ...and at every rotation this device followed, the log the replaced key
  // last signed: the new key's log must extend it.
  for (const auto& h : daemon.handover_heads())
    judge(log.consistent(h, *head),
          trf("the daemon's log after a key rotation is not an extension of the log before it "
              "({1} events then): it has dropped or rewritten recorded events",
              {std::to_string(h.size)}));

  // 2. Another party's head belongs to the same log.
  std::optional<TreeHead> other;
  if (!o.compare.empty()) {
    auto h = read_head(o.compare, daemon);
    if (!h) return fail(err, h.error(), kExitUntrusted);
    if (!*h) return fail(err, make_error(Errc::not_found, trf("no such file: {1}", {o.compare})));
    other = **h;
    // Every head the daemon signed before is at most as big as the one it
    // signs now: a bigger one means the log shrank (consistent() says so,
    // where asking the daemon for a proof up to that size would only be
    // refused as a bad request and read as a network failure).
    judge(log.consistent(*other, *head),
          trf("the other head ({1} events) is not from the same log: the daemon is showing "
              "different logs to different people",
              {std::to_string(other->size)}));
  }

  // 3. Every receipt on this device: in the log now, and in the head it
  // came with, which the current head extends.
  std::size_t checked = 0, before_log = 0, waiting = 0;
  const std::int64_t now = unix_now();  // one reading for every receipt's verdict
  std::int64_t waiting_until = 0;
  std::size_t unopened = 0;
  const ReceiptStore receipt_store(ctx->home.receipts_dir(), files);
  auto receipts = receipt_store.list(&unopened);
  if (!receipts) return fail(err, receipts.error());
  if (unopened)
    problems.push_back(
        trf("{1} receipt files on this device do not open with its key (altered, "
            "or not this device's)",
            {std::to_string(unopened)}));
  for (const auto& r : *receipts) {
    // Only a receipt without log evidence is from before the log; one whose
    // signature fails under every key this device trusted is a problem.
    if (!r.receipt.log && !r.receipt.promise) {
      ++before_log;
      continue;
    }
    if (!verify_receipt_any(r.receipt, daemon).ok()) {
      ++checked;
      problems.push_back(trf(
          "receipt {1}: its signature does not verify under any key the daemon had (altered, or "
          "not the daemon's)",
          {to_hex(r.receipt.alert_id)}));
      continue;
    }
    const std::string what =
        trf("receipt {1}: the alert is no longer in the daemon's log as it was recorded (dropped "
            "or rewritten)",
            {to_hex(r.receipt.alert_id)});
    if (r.receipt.promise && !r.place) {
      // A leaf waits for its mixing window (PROTOCOL §5b). The daemon signed
      // both the promise and the head: a head it signed after the promised
      // time without the leaf is its own word that the alert was dropped,
      // whatever this device's clock says.
      const auto& promise = *r.receipt.promise;
      auto place = log.place_of(promise.leaf, *head);
      if (!place) {
        judge(place.error(), what);
      } else if (*place) {
        ++checked;
        // Kept with the receipt: from now on the leaf must stay there.
        StoredReceipt placed = r;
        placed.place = (*place)->index;
        placed.log = LogEvidence{*head, (*place)->inclusion};
        (void)receipt_store.put(placed);
      } else if (const auto verdict = judge_promise(promise.include_by, head->timestamp, now);
                 verdict == PromiseVerdict::broken) {
        ++checked;
        problems.push_back(
            trf("receipt {1}: the daemon promised this alert would be in its log by {2}, and its "
                "log of {3} events (signed {4}) does not hold it: dropped or withheld",
                {to_hex(r.receipt.alert_id), format_rfc3339(promise.include_by),
                 std::to_string(head->size), format_rfc3339(head->timestamp)}));
      } else if (verdict == PromiseVerdict::overdue) {
        // Not the daemon's signed word, but a daemon that never signs a
        // newer head must not keep a dropped alert "waiting" for ever.
        ++checked;
        problems.push_back(
            trf("receipt {1}: the daemon promised this alert would be in its log by {2}; it is "
                "{3} on this device and the daemon still shows a log signed {4}, before its "
                "promise: it is holding its log back (or this device's clock is wrong)",
                {to_hex(r.receipt.alert_id), format_rfc3339(promise.include_by),
                 format_rfc3339(now), format_rfc3339(head->timestamp)}));
      } else {
        ++waiting;
        waiting_until = std::max(waiting_until, promise.include_by);
      }
      continue;
    }
    // A v2 receipt's place is in its signed bytes; a v3 one's is where this
    // device found its leaf before.
    const ReceiptLogEntry entry =
        r.receipt.log ? *r.receipt.log : ReceiptLogEntry{*r.place, r.receipt.promise->leaf};
    ++checked;
    if (r.log) {
      const PublicKey* k = daemon.find(r.log->head.daemon_key_id);
      judge(k ? verify_log_evidence(*r.log, entry, *k)
              : Status(make_error(Errc::bad_tree_head, "unknown key")),
            what);
      // A v2 receipt's head is the one it came with; a placed v3 one's is the
      // head of the check that placed it, which this device's kept head
      // already covers (above) - checked again here it would blame every
      // receipt for any one rewrite.
      if (r.receipt.log) judge(log.consistent(r.log->head, *head), what);
    }
    judge(log.includes(entry, *head), what);
  }

  if (unreachable && problems.empty()) return fail(err, *unreachable, kExitQueued);
  if (g.json) {
    json::object j;
    j["tree_head"] = json::parse(tree_head_to_json(*head));
    j["consistent"] = problems.empty();
    j["receipts_checked"] = checked;
    j["receipts_before_log"] = before_log;
    j["receipts_waiting"] = waiting;
    if (*last) j["previous_size"] = (*last)->size;
    if (other) j["compared_size"] = other->size;
    json::array p;
    for (const auto& s : problems) p.emplace_back(s);
    j["problems"] = std::move(p);
    out << json::serialize(j) << "\n";
  }
  if (!problems.empty()) {
    for (const auto& p : problems) err << p << "\n";
    // The last good head stays: every later check fails too.
    return fail(err,
                make_error(Errc::log_inconsistent,
                           tr("keep this output; show it to your organisation and the operator")),
                kExitUntrusted);
  }
  (void)files.write(ctx->home.log_head_path(), tree_head_to_json(*head));
  if (g.json) return kExitOk;
  out << trf("The daemon's log holds {1} events (head signed {2}, verified).",
             {std::to_string(head->size), format_rfc3339(head->timestamp)})
      << "\n";
  if (*last)
    out << trf("It only grew since you last checked ({1} events then).",
               {std::to_string((*last)->size)})
        << "\n";
  else
    out << tr("First check on this device: this head is kept for the next one.") << "\n";
  if (checked)
    out << trf("Every receipt on this device is in it ({1} checked).", {std::to_string(checked)})
        << "\n";
  if (waiting)
    out << trf("{1} receipts are waiting for their hour to end before they join the log (by {2} "
               "at the latest); check again after that.",
               {std::to_string(waiting), format_rfc3339(waiting_until)})
        << "\n";
  if (before_log)
    out << trf("{1} receipts are from before the daemon kept a log and cannot be checked.",
               {std::to_string(before_log)})
        << "\n";
  if (other)
    out << trf("The other head ({1} events) is from this same log.", {std::to_string(other->size)})
        << "\n";
  return kExitOk;
}

}  // namespace cw::client
