// A small Server-Sent Events parser (WHATWG HTML "event stream" format): the
// feed is read with it. Feed it bytes as they arrive; it calls back once per
// complete event.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace cw::client {

struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
};

class SseParser {
 public:
  // No line and no event is kept beyond this (a notification is ~1.5 KB).
  static constexpr std::size_t kMaxEventBytes = std::size_t{1} << 20;

  // Return false from the callback to stop; feed() then returns false too.
  explicit SseParser(std::function<bool(const SseEvent&)> on_event)
      : on_event_(std::move(on_event)) {}
  bool feed(std::string_view bytes);

 private:
  bool line(std::string_view l);
  std::function<bool(const SseEvent&)> on_event_;
  std::string buf_;
  SseEvent cur_;
  bool has_data_ = false;
};

}  // namespace cw::client
