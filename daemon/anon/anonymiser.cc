#include "daemon/anon/anonymiser.h"

#include <array>

#include "daemon/ledger/coarse_time.h"
#include "protocol/gazetteer.h"
#include "protocol/timefmt.h"

namespace cw::daemon {
namespace {

using Rule = void (*)(const Alert&, CaseFacts&);

struct RuleEntry {
  std::string_view path;
  Rule apply;
};

std::string region_of(const std::optional<Place>& p) {
  if (!p) return "";
  auto e = find_place(p->code);
  return e ? std::string(e->region) : "";
}

// One rule per public/generalised schema field. Public fields pass as codes;
// generalised ones are coarsened here; restricted ones are absent by design.
constexpr std::array kRules = {
    RuleEntry{"kind", [](const Alert&, CaseFacts&) { /* carried as the event name */ }},
    RuleEntry{"status",
              [](const Alert& a, CaseFacts& f) {
                if (a.status) f.status = to_string(*a.status);
              }},
    RuleEntry{"people.count",
              [](const Alert& a, CaseFacts& f) {
                if (a.people) f.people = count_bucket(a.people->count);
              }},
    RuleEntry{"people.children",
              [](const Alert& a, CaseFacts& f) {
                if (a.people) f.children = count_bucket(a.people->children);
              }},
    RuleEntry{"people.elderly",
              [](const Alert& a, CaseFacts& f) {
                if (a.people) f.elderly = count_bucket(a.people->elderly);
              }},
    RuleEntry{"people.sick",
              [](const Alert& a, CaseFacts& f) {
                if (a.people) f.sick = count_bucket(a.people->sick);
              }},
    // The place of arrest can reveal a route or a safe house: region only.
    RuleEntry{"arrest_place.code",
              [](const Alert& a, CaseFacts& f) { f.region = region_of(a.arrest_place); }},
    // Where people are held is what organisations act on: a facility code is
    // kept (facilities are known institutions), anything else becomes a region.
    RuleEntry{"held_place.code",
              [](const Alert& a, CaseFacts& f) {
                if (!a.held_place) return;
                auto e = find_place(a.held_place->code);
                if (!e) return;
                f.held_at =
                    e->kind == PlaceKind::facility ? std::string(e->code) : std::string(e->region);
              }},
    RuleEntry{"arrested_at",
              [](const Alert& a, CaseFacts& f) {
                if (a.arrested_at) f.arrested_at = to_hour(*a.arrested_at);
              }},
    RuleEntry{"expected_transfer",
              [](const Alert& a, CaseFacts& f) {
                if (a.expected_transfer) f.expected_transfer = to_hour(*a.expected_transfer);
              }},
    RuleEntry{"urgency",
              [](const Alert& a, CaseFacts& f) {
                if (a.urgency) f.urgency = to_string(*a.urgency);
              }},
    RuleEntry{"consent",
              [](const Alert& a, CaseFacts& f) {
                if (a.consent) f.consent = to_string(*a.consent);
              }},
};

constexpr auto kRulePaths = [] {
  std::array<std::string_view, kRules.size()> p{};
  for (std::size_t i = 0; i < kRules.size(); ++i) p[i] = kRules[i].path;
  return p;
}();

}  // namespace

std::string count_bucket(std::uint32_t n) {
  if (n <= 1) return std::to_string(n);
  if (n <= 4) return "2-4";
  if (n <= 9) return "5-9";
  return "10+";
}

std::string to_hour(std::int64_t t) {
  return format_rfc3339(hour_of(t));
}

CaseFacts anonymise(const Alert& alert) {
  CaseFacts f;
  for (const auto& r : kRules) r.apply(alert, f);
  return f;
}

std::span<const std::string_view> anonymiser_rule_paths() {
  return kRulePaths;
}

Notification make_notification(const CaseFacts& f, std::string_view event, std::uint64_t id,
                               std::string_view case_id, std::uint32_t acks, std::int64_t now) {
  Notification n;
  n.id = id;
  n.event = event;
  n.case_id = case_id;
  n.facts = f;
  n.acks = acks;
  n.issued_at = to_hour(now);
  return n;
}

}  // namespace cw::daemon
