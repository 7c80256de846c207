#include "client/receipts.h"

#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>

#include "protocol/file_io.h"

namespace json = boost::json;

namespace cw::client {

namespace {

std::optional<StoredReceipt> parse(std::string_view text) {
  std::error_code jec;
  auto v = json::parse(text, jec);
  if (jec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  auto* rc = o.if_contains("receipt");
  auto* cr = o.if_contains("case_ref");
  if (!rc || !cr || !cr->is_string()) return std::nullopt;
  auto receipt = receipt_from_json(json::serialize(*rc));
  auto case_ref = parse_alert_id(std::string(cr->as_string()));
  if (!receipt || !case_ref) return std::nullopt;
  StoredReceipt s{*receipt, *case_ref, ""};
  if (auto* k = o.if_contains("kind"); k && k->is_string()) s.kind = std::string(k->as_string());
  if (auto* l = o.if_contains("log"))
    if (auto ev = log_evidence_from_json(json::serialize(*l))) s.log = std::move(*ev);
  if (auto* p = o.if_contains("place")) {
    std::error_code pec;
    const auto n = p->to_number<std::uint64_t>(pec);
    if (!pec) s.place = n;
  }
  return s;
}

}  // namespace

Status ReceiptStore::put(const StoredReceipt& r) const {
  CW_TRY(make_dirs(dir_, S_IRWXU));
  json::object o;
  o["case_ref"] = to_hex(r.case_ref);
  o["kind"] = r.kind;
  o["receipt"] = json::parse(receipt_to_json(r.receipt));
  if (r.log) o["log"] = json::parse(log_evidence_to_json(*r.log));
  if (r.place) o["place"] = *r.place;
  auto text = json::serialize(o);
  return files_.write(dir_ + "/" + files_.name_for(r.receipt.alert_id) + ".cwr", text);
}

Result<std::vector<StoredReceipt>> ReceiptStore::list(std::size_t* unreadable) const {
  if (unreadable) *unreadable = 0;
  std::vector<StoredReceipt> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) return out;
  std::vector<std::string> legacy;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    if (e.path().extension() == ".json") {
      legacy.push_back(e.path().string());
      continue;
    }
    if (e.path().extension() != ".cwr") continue;
    auto plain = files_.read(e.path().string());
    auto r = plain ? parse(as_chars(plain->view())) : std::nullopt;
    if (r)
      out.push_back(std::move(*r));
    else if (unreadable)
      ++*unreadable;  // another device's, or damaged: never shown as ours
  }
  // Kept in clear by an older client: sealed now, the clear copy shredded.
  for (const auto& path : legacy) {
    auto text = read_file(path, 16 << 10);
    if (!text) continue;
    auto r = parse(as_chars(*text));
    if (!r || !put(*r).ok()) continue;
    (void)shred_file(path);
    out.push_back(std::move(*r));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.receipt.sequence < b.receipt.sequence; });
  return out;
}

}  // namespace cw::client
