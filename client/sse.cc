#include "client/sse.h"

namespace cw::client {

bool SseParser::feed(std::string_view bytes) {
  buf_.append(bytes);
  // Bound the buffer: a notification line is about 1.2 KB.
  if (buf_.size() > kMaxEventBytes) buf_.clear();
  std::size_t start = 0;
  for (;;) {
    auto nl = buf_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string_view l(buf_.data() + start, nl - start);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    start = nl + 1;
    if (!line(l)) {
      buf_.erase(0, start);
      return false;
    }
  }
  buf_.erase(0, start);
  return true;
}

bool SseParser::line(std::string_view l) {
  if (l.empty()) {  // dispatch
    bool go_on = true;
    if (has_data_) go_on = on_event_(cur_);
    cur_ = SseEvent{};
    has_data_ = false;
    return go_on;
  }
  if (l.front() == ':') return true;  // comment / keep-alive
  auto colon = l.find(':');
  std::string_view field = l.substr(0, colon), value;
  if (colon != std::string_view::npos) {
    value = l.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    // Bounded too: many data lines must not grow one event without limit
    // (a hostile proxy in front of the daemon). An oversized event is dropped.
    if (cur_.data.size() + value.size() + 1 > kMaxEventBytes) {
      cur_ = SseEvent{};
      has_data_ = false;
      return true;
    }
    if (has_data_) cur_.data += '\n';
    cur_.data.append(value);
    has_data_ = true;
  } else if (field == "id") {
    cur_.id = value;
  } else if (field == "event") {
    cur_.event = value;
  }
  return true;
}

}  // namespace cw::client
