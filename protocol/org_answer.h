// What an organisation can answer about a case besides "we are acting" (an
// acknowledgement): that it cannot act, or that it needs one more fact. A
// fixed list of codes and no free text, so nothing identifying can travel
// through an answer - in either direction. The reporting contact sees the
// answers to their own case (`casewire status`); a follow-up they send
// clears the requests for information.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "protocol/error.h"

namespace cw {

enum class AnswerKind { cannot_act, need_information };

struct OrgAnswer {
  AnswerKind kind = AnswerKind::cannot_act;
  std::string reason;  // one of answer_reasons(kind)
};

std::string_view answer_kind_name(AnswerKind kind);  // "cannot_act" | "need_information"
// cannot_act: outside_region, outside_mandate, no_capacity.
// need_information: expected_transfer, held_place, arrested_at, people.
std::span<const std::string_view> answer_reasons(AnswerKind kind);
// bad_request for anything not on the lists.
Result<OrgAnswer> parse_org_answer(std::string_view kind, std::string_view reason);
// The reason in plain words, for the contact ("the expected transfer date").
std::string_view reason_in_words(std::string_view reason);

}  // namespace cw
