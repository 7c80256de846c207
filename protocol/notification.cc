#include "protocol/notification.h"

#include <boost/json.hpp>
#include <utility>
#include <vector>

namespace json = boost::json;

namespace cw {
namespace {

bool safe(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == ':' || c == '+' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return s.size() <= 64;
}

// The string fields by wire name, in wire order: event and case, then the
// case facts in their table's order (protocol/case_facts.h).
template <typename N>  // Notification or const Notification
auto string_fields(N& n) {
  std::vector<std::pair<std::string_view, decltype(&n.event)>> v;
  v.reserve(2 + case_fact_fields().size());
  v.emplace_back("event", &n.event);
  v.emplace_back("case", &n.case_id);
  for (const auto& f : case_fact_fields()) v.emplace_back(f.key, &(n.facts.*(f.member)));
  return v;
}

}  // namespace

Result<std::string> encode_notification(const Notification& n) {
  json::object o;
  o["v"] = 1;
  o["id"] = n.id;
  for (const auto& [key, value] : string_fields(n)) {
    if (!safe(*value))
      return make_error(Errc::internal_error,
                        "notification field " + std::string(key) + " is not a code");
    o[key] = *value;
  }
  o["acks"] = n.acks;
  if (!safe(n.issued_at))
    return make_error(Errc::internal_error, "notification issued_at is not a code");
  o["issued_at"] = n.issued_at;
  o["pad"] = "";
  std::string s = json::serialize(o);
  if (s.size() > kNotificationBodySize)
    return make_error(Errc::internal_error, "notification too large");
  // Grow the pad (the last value, just before the closing quote and brace).
  s.insert(s.size() - 2, kNotificationBodySize - s.size(), '0');
  return s;
}

Result<Notification> decode_notification(std::string_view body) {
  auto bad = [](const char* m) { return make_error(Errc::bad_notification, m); };
  if (body.size() != kNotificationBodySize) return bad("notification has the wrong size");
  std::error_code ec;
  auto v = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec || !v.is_object()) return bad("notification is not a JSON object");
  const auto& o = v.as_object();
  auto* ver = o.if_contains("v");
  if (!ver || !ver->is_int64() || ver->as_int64() != 1)
    return bad("unsupported notification version");
  Notification n;
  auto* id = o.if_contains("id");
  auto* acks = o.if_contains("acks");
  if (!id || !(id->is_uint64() || id->is_int64()) || !acks || !acks->is_int64())
    return bad("notification lacks id or acks");
  n.id = id->is_uint64() ? id->as_uint64() : static_cast<std::uint64_t>(id->as_int64());
  n.acks = static_cast<std::uint32_t>(acks->as_int64());
  for (const auto& [key, value] : string_fields(n)) {
    auto* s = o.if_contains(key);
    if (!s || !s->is_string()) return bad("notification lacks a field");
    *value = std::string(s->as_string());
  }
  auto* issued = o.if_contains("issued_at");
  if (!issued || !issued->is_string()) return bad("notification lacks issued_at");
  n.issued_at = std::string(issued->as_string());
  return n;
}

}  // namespace cw
