#include "protocol/case_facts.h"

#include <array>
#include <boost/json.hpp>

namespace json = boost::json;

namespace cw {
namespace {

constexpr std::array kFields = {
    CaseFactField{"status", &CaseFacts::status},
    CaseFactField{"people", &CaseFacts::people},
    CaseFactField{"children", &CaseFacts::children},
    CaseFactField{"elderly", &CaseFacts::elderly},
    CaseFactField{"sick", &CaseFacts::sick},
    CaseFactField{"region", &CaseFacts::region},
    CaseFactField{"held_at", &CaseFacts::held_at},
    CaseFactField{"arrested_at", &CaseFacts::arrested_at},
    CaseFactField{"expected_transfer", &CaseFacts::expected_transfer},
    CaseFactField{"urgency", &CaseFacts::urgency},
    CaseFactField{"consent", &CaseFacts::consent},
};
// A forgotten row would silently drop a fact from storage and notifications.
static_assert(sizeof(CaseFacts) == kFields.size() * sizeof(std::string),
              "every CaseFacts member needs a row in kFields");

}  // namespace

std::span<const CaseFactField> case_fact_fields() {
  return kFields;
}

void CaseFacts::merge_from(const CaseFacts& u) {
  for (const auto& f : kFields)
    if (!(u.*(f.member)).empty()) this->*(f.member) = u.*(f.member);
}

std::string CaseFacts::to_json() const {
  json::object o;
  for (const auto& f : kFields) o[f.key] = this->*(f.member);
  return json::serialize(o);
}

Result<CaseFacts> CaseFacts::from_json(std::string_view text) {
  const auto damaged = make_error(Errc::store_unavailable, "stored case facts are damaged");
  CaseFacts c;
  std::error_code ec;
  auto v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !v.is_object()) return damaged;
  for (const auto& f : kFields) {
    auto* s = v.as_object().if_contains(f.key);
    if (!s) continue;  // a fact the case never had
    if (!s->is_string()) return damaged;
    c.*(f.member) = std::string(s->as_string());
  }
  return c;
}

}  // namespace cw
