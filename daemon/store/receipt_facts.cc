#include "daemon/store/receipt_facts.h"

#include <sodium.h>

namespace cw::daemon {

Bytes encode_receipt_facts(const ReceiptFacts& f) {
  ByteWriter w;
  w.u8(f.include_by ? 2 : 1).u64(f.sequence).u64(static_cast<std::uint64_t>(f.received_at));
  w.raw(f.envelope_hash);
  if (f.include_by) w.u64(static_cast<std::uint64_t>(f.include_by));
  return w.take();
}

Result<ReceiptFacts> decode_receipt_facts(ByteView plaintext) {
  ByteReader r(plaintext);
  ReceiptFacts f;
  const auto version = r.u8();
  f.sequence = r.u64();
  f.received_at = static_cast<std::int64_t>(r.u64());
  auto h = r.raw(32);
  if (version == 2) f.include_by = static_cast<std::int64_t>(r.u64());
  if (!r.ok() || (version != 1 && version != 2) || (version == 2 && f.include_by <= 0) ||
      r.remaining() != 0)
    return make_error(Errc::internal_error, "stored receipt is damaged");
  std::copy(h.begin(), h.end(), f.envelope_hash.begin());
  return f;
}

std::uint64_t random_receipt_number() {
  std::uint64_t n = 0;
  while (n == 0) {
    randombytes_buf(&n, sizeof n);
    n &= 0x7fffffffffffffffULL;
  }
  return n;
}

}  // namespace cw::daemon
