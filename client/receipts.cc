#include "client/receipts.h"

#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>

#include "protocol/file_io.h"

namespace json = boost::json;

namespace cw::client {

Status ReceiptStore::put(const StoredReceipt& r) {
  CW_TRY(make_dirs(dir_, S_IRWXU));
  json::object o;
  o["case_ref"] = to_hex(r.case_ref);
  o["kind"] = r.kind;
  o["receipt"] = json::parse(receipt_to_json(r.receipt));
  if (r.log) o["log"] = json::parse(log_evidence_to_json(*r.log));
  auto text = json::serialize(o);
  return write_file_atomic(dir_ + "/" + to_hex(r.receipt.alert_id) + ".json", as_bytes(text),
                           S_IRUSR | S_IWUSR, Overwrite::yes);
}

Result<std::vector<StoredReceipt>> ReceiptStore::list() const {
  std::vector<StoredReceipt> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    if (e.path().extension() != ".json") continue;
    auto text = read_file(e.path().string(), 16 << 10);
    if (!text) continue;
    std::error_code jec;
    auto v = json::parse(as_chars(*text), jec);
    if (jec || !v.is_object()) continue;
    const auto& o = v.as_object();
    auto* rc = o.if_contains("receipt");
    auto* cr = o.if_contains("case_ref");
    if (!rc || !cr || !cr->is_string()) continue;
    auto receipt = receipt_from_json(json::serialize(*rc));
    auto case_ref = parse_alert_id(std::string(cr->as_string()));
    if (!receipt || !case_ref) continue;
    StoredReceipt s{*receipt, *case_ref, ""};
    if (auto* k = o.if_contains("kind"); k && k->is_string()) s.kind = std::string(k->as_string());
    if (auto* l = o.if_contains("log"))
      if (auto ev = log_evidence_from_json(json::serialize(*l))) s.log = std::move(*ev);
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.receipt.sequence < b.receipt.sequence; });
  return out;
}

}  // namespace cw::client
