// Fuzz target: alert JSON parsing, schema validation and canonical encoding.
// Invariant checked: whatever parses re-encodes canonically and round-trips.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "protocol/alert.h"

using namespace cw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto a = parse_alert_json(text, 1795000000);
  if (a) {
    auto canon = canonical_alert(*a);
    auto back = parse_canonical_alert(as_bytes(canon), 1795000000);
    if (!back || !(*back == *a)) std::abort();  // canonical form must round-trip
  }
  (void)parse_canonical_alert(ByteView(data, size), 1795000000);
  return 0;
}
