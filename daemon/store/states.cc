#include "daemon/store/store.h"

namespace cw::daemon {

std::string_view case_state_name(CaseState s) {
  switch (s) {
    case CaseState::resolved:
      return "resolved";
    case CaseState::retracted:
      return "retracted";
    case CaseState::open:
      break;
  }
  return "open";
}

std::string_view webhook_state_name(WebhookState s) {
  switch (s) {
    case WebhookState::failing:
      return "failing";
    case WebhookState::disabled:
      return "disabled";
    case WebhookState::ok:
      break;
  }
  return "ok";
}

CaseState parse_case_state(std::string_view s) {
  if (s == "resolved") return CaseState::resolved;
  if (s == "retracted") return CaseState::retracted;
  return CaseState::open;
}

WebhookState parse_webhook_state(std::string_view s) {
  if (s == "ok") return WebhookState::ok;
  if (s == "disabled") return WebhookState::disabled;
  return WebhookState::failing;
}

}  // namespace cw::daemon
