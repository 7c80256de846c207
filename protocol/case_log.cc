#include "protocol/case_log.h"

#include <algorithm>

#include <boost/json.hpp>

#include "protocol/json_fields.h"

namespace json = boost::json;

namespace cw {
namespace {

using json_fields::hex_into;
using json_fields::u64_into;

constexpr std::string_view kHeadDomain{"casewire-tree-head-v1\0", 22};

Error bad(std::string m) {
  return make_error(Errc::bad_tree_head, std::move(m));
}

Result<json::value> parse(std::string_view text, int depth) {
  std::error_code ec;
  json::parse_options opts;
  opts.max_depth = depth;
  auto v = json::parse(json::string_view(text.data(), text.size()), ec, {}, opts);
  if (ec) return bad("not JSON");
  return v;
}

json::object head_object(const TreeHead& h) {
  json::object o;
  o["size"] = h.size;
  o["root"] = to_hex(h.root);
  o["timestamp"] = h.timestamp;
  o["daemon_key_id"] = key_id_hex(h.daemon_key_id);
  o["signature"] = to_base64(h.signature);
  return o;
}

Result<TreeHead> head_from(const json::value& v) {
  if (!v.is_object()) return bad("tree head is not a JSON object");
  const auto& o = v.as_object();
  TreeHead h;
  if (!u64_into(o.if_contains("size"), h.size)) return bad("tree head size is invalid");
  if (!hex_into(o.if_contains("root"), h.root)) return bad("tree head root is invalid");
  const auto* t = o.if_contains("timestamp");
  if (!t || !t->is_int64()) return bad("tree head timestamp is invalid");
  h.timestamp = t->as_int64();
  if (!hex_into(o.if_contains("daemon_key_id"), h.daemon_key_id))
    return bad("tree head daemon_key_id is invalid");
  const auto* sig = o.if_contains("signature");
  if (!sig || !sig->is_string()) return bad("tree head signature is missing");
  auto raw = from_base64(std::string_view(sig->as_string().data(), sig->as_string().size()));
  if (!raw || raw->size() != kSignatureSize) return bad("tree head signature is invalid");
  std::copy(raw->begin(), raw->end(), h.signature.begin());
  return h;
}

json::array proof_array(const std::vector<merkle::Hash>& path) {
  json::array a;
  for (const auto& h : path) a.emplace_back(to_hex(h));
  return a;
}

Result<std::vector<merkle::Hash>> proof_from(const json::value* v) {
  if (!v || !v->is_array()) return bad("proof is not a JSON array");
  const auto& a = v->as_array();
  if (a.size() > kMaxProofHashes) return bad("proof is too long");
  std::vector<merkle::Hash> out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!hex_into(&a[i], out[i])) return bad("proof hash is invalid");
  return out;
}

}  // namespace

std::int64_t log_window_end(std::int64_t at, std::int64_t window) {
  return (at / window + 1) * window;
}

std::int64_t log_include_by(std::int64_t at, std::int64_t window) {
  // At least a few seconds past the window's end even for a window of a
  // second (tests): the daemon appends on a timer, which a busy machine can
  // run a little late, and a late tick must not read as a broken promise.
  return log_window_end(at, window) + std::max<std::int64_t>(window, 10);
}

PromiseVerdict judge_promise(std::int64_t include_by, std::int64_t head_signed_at,
                             std::int64_t device_now) {
  if (head_signed_at > include_by) return PromiseVerdict::broken;
  if (device_now > include_by + kLogPromiseClockSlackSeconds) return PromiseVerdict::overdue;
  return PromiseVerdict::waiting;
}

Bytes encode_leaf(LeafKind kind, std::int64_t hour, const std::array<std::uint8_t, 32>& tag) {
  ByteWriter w;
  w.u8(1).u8(static_cast<std::uint8_t>(kind)).u64(static_cast<std::uint64_t>(hour - hour % 3600));
  w.raw(tag);
  return w.take();
}

Bytes tree_head_signed_bytes(const TreeHead& h) {
  ByteWriter w;
  w.raw(kHeadDomain).raw(h.daemon_key_id).u64(h.size).raw(h.root);
  w.u64(static_cast<std::uint64_t>(h.timestamp));
  return w.take();
}

TreeHead sign_tree_head(const SigningKey& daemon, std::uint64_t size, const merkle::Hash& root,
                        std::int64_t timestamp) {
  TreeHead h;
  h.size = size;
  h.root = root;
  h.timestamp = timestamp;
  h.daemon_key_id = daemon.id();
  h.signature = daemon.sign(tree_head_signed_bytes(h));
  return h;
}

Status verify_tree_head(const TreeHead& h, const PublicKey& daemon_sign_pk) {
  if (h.daemon_key_id != daemon_sign_pk.id()) return bad("tree head was signed by another key");
  if (!verify_signature(daemon_sign_pk, tree_head_signed_bytes(h), h.signature))
    return bad("tree head signature does not verify");
  return Status::Ok();
}

std::string tree_head_to_json(const TreeHead& h) {
  return json::serialize(head_object(h));
}

Result<TreeHead> tree_head_from_json(std::string_view text) {
  auto v = parse(text, 2);
  if (!v) return v.error();
  return head_from(*v);
}

std::string proof_to_json(const std::vector<merkle::Hash>& path) {
  return json::serialize(proof_array(path));
}

Result<std::vector<merkle::Hash>> proof_from_json(std::string_view text) {
  auto v = parse(text, 2);
  if (!v) return v.error();
  return proof_from(&*v);
}

std::string log_evidence_to_json(const LogEvidence& e) {
  json::object o;
  o["tree_head"] = head_object(e.head);
  o["inclusion"] = proof_array(e.inclusion);
  return json::serialize(o);
}

Result<LogEvidence> log_evidence_from_json(std::string_view text) {
  auto v = parse(text, 3);
  if (!v) return v.error();
  if (!v->is_object()) return bad("log evidence is not a JSON object");
  const auto& o = v->as_object();
  const auto* head = o.if_contains("tree_head");
  if (!head) return bad("log evidence has no tree head");
  LogEvidence e;
  auto h = head_from(*head);
  if (!h) return h.error();
  e.head = *h;
  auto p = proof_from(o.if_contains("inclusion"));
  if (!p) return p.error();
  e.inclusion = std::move(*p);
  return e;
}

Result<std::optional<LogEvidence>> log_evidence_in_answer(std::string_view answer) {
  auto v = parse(answer, 4);
  if (!v) return v.error();
  const auto* o = v->is_object() ? &v->as_object() : nullptr;
  const auto* log = o ? o->if_contains("log") : nullptr;
  if (!log) return std::optional<LogEvidence>();
  auto e = log_evidence_from_json(json::serialize(*log));
  if (!e) return e.error();
  return std::optional<LogEvidence>(std::move(*e));
}

Status verify_log_evidence(const LogEvidence& e, const ReceiptLogEntry& entry,
                           const PublicKey& daemon_sign_pk) {
  CW_TRY(verify_tree_head(e.head, daemon_sign_pk));
  if (!merkle::verify_inclusion(entry.leaf, entry.index, e.head.size, e.inclusion, e.head.root))
    return make_error(Errc::log_inconsistent, "the receipt's leaf is not in the tree head given");
  return Status::Ok();
}

}  // namespace cw
