#include "protocol/receipt.h"

#include <boost/json.hpp>

#include "protocol/case_log.h"
#include "protocol/json_fields.h"

namespace json = boost::json;

namespace cw {
namespace {

using json_fields::hex_into;
using json_fields::u64_into;

constexpr std::string_view kDomain{"casewire-receipt-v1\0", 20};
constexpr std::string_view kDomainV2{"casewire-receipt-v2\0", 20};
constexpr std::string_view kDomainV3{"casewire-receipt-v3\0", 20};

Error bad(std::string m) {
  return make_error(Errc::bad_receipt, std::move(m));
}

}  // namespace

Bytes receipt_signed_bytes(const Receipt& r) {
  ByteWriter w;
  // A receipt is one version: a promise wins over a place (receipt_from_json
  // refuses one that claims both).
  w.raw(r.promise ? kDomainV3 : r.log ? kDomainV2 : kDomain).raw(r.alert_id).raw(r.envelope_hash);
  w.u64(static_cast<std::uint64_t>(r.received_at)).u64(r.sequence);
  if (r.promise)
    w.raw(r.promise->leaf).u64(static_cast<std::uint64_t>(r.promise->include_by));
  else if (r.log)
    w.u64(r.log->index).raw(r.log->leaf);
  return w.take();
}

Receipt sign_receipt(const SigningKey& daemon, const AlertId& alert_id,
                     const std::array<std::uint8_t, 32>& envelope_hash, std::int64_t received_at,
                     std::uint64_t sequence, std::optional<ReceiptLogEntry> log,
                     std::optional<ReceiptLogPromise> promise) {
  Receipt r;
  if (promise)
    r.promise = promise;
  else
    r.log = log;
  r.alert_id = alert_id;
  r.envelope_hash = envelope_hash;
  r.received_at = received_at;
  r.sequence = sequence;
  r.daemon_key_id = daemon.id();
  r.signature = daemon.sign(receipt_signed_bytes(r));
  return r;
}

Status verify_receipt(const Receipt& r, const PublicKey& daemon_sign_pk) {
  if (r.daemon_key_id != daemon_sign_pk.id())
    return bad("receipt was signed by another daemon key");
  if (!verify_signature(daemon_sign_pk, receipt_signed_bytes(r), r.signature))
    return bad("receipt signature does not verify");
  // A signed promise is still the daemon's word only within the protocol's
  // bound: a hostile or seized daemon promising "by next year" would keep a
  // device reporting "waiting" instead of "withheld" until then.
  if (r.promise && (r.promise->include_by <= r.received_at ||
                    r.promise->include_by > r.received_at + kLogMaxPromiseSeconds))
    return bad("receipt promises its log entry outside the protocol's window");
  return Status::Ok();
}

std::string receipt_to_json(const Receipt& r) {
  json::object o;
  o["alert_id"] = to_hex(r.alert_id);
  o["sequence"] = r.sequence;
  o["received_at"] = r.received_at;
  o["envelope_hash"] = to_hex(r.envelope_hash);
  if (r.promise) {
    o["log_leaf"] = to_hex(r.promise->leaf);
    o["log_include_by"] = r.promise->include_by;
  } else if (r.log) {
    o["log_index"] = r.log->index;
    o["log_leaf"] = to_hex(r.log->leaf);
  }
  o["daemon_key_id"] = key_id_hex(r.daemon_key_id);
  o["signature"] = to_base64(r.signature);
  return json::serialize(o);
}

Result<Receipt> receipt_from_json(std::string_view text) {
  std::error_code ec;
  json::parse_options opts;
  opts.max_depth = 4;  // the answer's "log" member: {"tree_head": {...}, "inclusion": [...]}
  auto v = json::parse(json::string_view(text.data(), text.size()), ec, {}, opts);
  if (ec || !v.is_object()) return bad("receipt is not a JSON object");
  const auto& o = v.as_object();
  Receipt r;
  if (!hex_into(o.if_contains("alert_id"), r.alert_id)) return bad("receipt alert_id is invalid");
  if (!hex_into(o.if_contains("envelope_hash"), r.envelope_hash))
    return bad("receipt envelope_hash is invalid");
  if (!hex_into(o.if_contains("daemon_key_id"), r.daemon_key_id))
    return bad("receipt daemon_key_id is invalid");
  auto* at = o.if_contains("received_at");
  if (!u64_into(o.if_contains("sequence"), r.sequence)) return bad("receipt sequence is invalid");
  if (!at || !at->is_int64()) return bad("receipt received_at is invalid");
  r.received_at = at->as_int64();
  const auto* li = o.if_contains("log_index");
  const auto* ll = o.if_contains("log_leaf");
  const auto* lb = o.if_contains("log_include_by");
  if (lb) {
    if (li) return bad("receipt has both a log_index and a log_include_by");
    ReceiptLogPromise p;
    if (!hex_into(ll, p.leaf)) return bad("receipt log_leaf is invalid");
    if (!lb->is_int64() || lb->as_int64() <= 0) return bad("receipt log_include_by is invalid");
    p.include_by = lb->as_int64();
    r.promise = p;
  } else if (li || ll) {
    ReceiptLogEntry e;
    if (!u64_into(li, e.index)) return bad("receipt log_index is invalid");
    if (!hex_into(ll, e.leaf)) return bad("receipt log_leaf is invalid");
    r.log = e;
  }
  auto* sig = o.if_contains("signature");
  if (!sig || !sig->is_string()) return bad("receipt signature is missing");
  auto raw = from_base64(std::string_view(sig->as_string().data(), sig->as_string().size()));
  if (!raw || raw->size() != kSignatureSize) return bad("receipt signature is invalid");
  std::copy(raw->begin(), raw->end(), r.signature.begin());
  return r;
}

}  // namespace cw
