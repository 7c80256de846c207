// Fuzz target: the client's Server-Sent Events parser (what an organisation's
// feed client reads from the daemon - or from a hostile proxy in between).
// Besides not crashing, it checks an invariant: the events are the same
// whether the bytes arrive at once or split at any point.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "client/sse.h"

namespace {

std::vector<std::string> events_of(std::string_view a, std::string_view b) {
  std::vector<std::string> out;
  cw::client::SseParser p([&](const cw::client::SseEvent& e) {
    out.push_back(e.id + '\x1f' + e.event + '\x1f' + e.data);
    return true;
  });
  p.feed(a);
  p.feed(b);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t split = data[0] % size;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto whole = events_of(text, {});
  const auto parts = events_of(text.substr(0, split), text.substr(std::min(split, text.size())));
  if (whole != parts) std::abort();
  return 0;
}
