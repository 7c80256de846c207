#include "protocol/org_answer.h"

#include <algorithm>
#include <array>

namespace cw {
namespace {

constexpr std::array<std::string_view, 3> kCannot = {"outside_region", "outside_mandate",
                                                     "no_capacity"};
constexpr std::array<std::string_view, 4> kNeed = {"expected_transfer", "held_place", "arrested_at",
                                                   "people"};

struct Words {
  std::string_view code, words;
};
constexpr std::array<Words, 7> kWords = {{
    {"outside_region", "the region is outside theirs"},
    {"outside_mandate", "the case is outside their mandate"},
    {"no_capacity", "they have no capacity now"},
    {"expected_transfer", "the expected transfer date"},
    {"held_place", "where the people are held"},
    {"arrested_at", "when the arrest happened"},
    {"people", "how many people, and who among them is a child, elderly or sick"},
}};

}  // namespace

std::string_view answer_kind_name(AnswerKind kind) {
  return kind == AnswerKind::cannot_act ? "cannot_act" : "need_information";
}

std::span<const std::string_view> answer_reasons(AnswerKind kind) {
  if (kind == AnswerKind::cannot_act) return kCannot;
  return kNeed;
}

Result<OrgAnswer> parse_org_answer(std::string_view kind, std::string_view reason) {
  OrgAnswer a;
  if (kind == "cannot_act")
    a.kind = AnswerKind::cannot_act;
  else if (kind == "need_information")
    a.kind = AnswerKind::need_information;
  else
    return make_error(Errc::bad_request, "answer must be cannot_act or need_information");
  const auto reasons = answer_reasons(a.kind);
  if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end())
    return make_error(Errc::bad_request, "unknown reason for this answer (see docs/PROTOCOL.md)");
  a.reason = std::string(reason);
  return a;
}

std::string_view reason_in_words(std::string_view reason) {
  for (const auto& w : kWords)
    if (w.code == reason) return w.words;
  return reason;
}

}  // namespace cw
