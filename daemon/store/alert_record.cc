#include "daemon/store/alert_record.h"

#include <cstring>
#include <limits>
#include <string_view>

#include "daemon/store/store.h"

namespace cw::daemon {

WipedBytes encode_alert_record(const KeyId& sender, const AlertId& alert_id,
                               std::int64_t created_at, ByteView canonical) {
  // Sized once and written in place: no growing buffer leaves copies.
  Bytes out(1 + sender.size() + alert_id.size() + 8 + 4 + canonical.size());
  std::uint8_t* p = out.data();
  *p++ = 1;
  p = std::copy(sender.begin(), sender.end(), p);
  p = std::copy(alert_id.begin(), alert_id.end(), p);
  const auto t = static_cast<std::uint64_t>(created_at);
  for (int i = 7; i >= 0; --i) *p++ = static_cast<std::uint8_t>(t >> (8 * i));
  const auto n = static_cast<std::uint32_t>(canonical.size());
  for (int i = 3; i >= 0; --i) *p++ = static_cast<std::uint8_t>(n >> (8 * i));
  if (!canonical.empty()) std::memcpy(p, canonical.data(), canonical.size());
  return WipedBytes(std::move(out));
}

Result<AlertRecord> decode_alert_record(ByteView plaintext) {
  ByteReader r(plaintext);
  AlertRecord rec;
  const auto version = r.u8();
  rec.sender = r.fixed<kKeyIdSize>();
  rec.alert_id = r.fixed<16>();
  rec.created_at = static_cast<std::int64_t>(r.u64());
  const auto n = r.u32();
  rec.canonical = r.raw(n);
  if (!r.ok() || version != 1 || r.remaining() != 0)
    return make_error(Errc::internal_error, "a stored alert record is damaged");
  return rec;
}

Result<Alert> parse_recorded_alert(const AlertRecord& record) {
  // Far in the future, yet far from overflowing when validation adds skew.
  constexpr std::int64_t kLater = std::numeric_limits<std::int64_t>::max() / 4;
  auto a = parse_canonical_alert(record.canonical, kLater);
  if (!a) return make_error(Errc::internal_error, "a stored alert record is damaged");
  return a;
}

Bytes case_detail_ad(const Tag& case_tag, std::uint32_t n) {
  static constexpr std::string_view kDomain{"casewire-case-detail-v1\0", 24};
  ByteWriter w;
  w.raw(as_bytes(kDomain)).raw(case_tag).u32(n);
  return w.take();
}

}  // namespace cw::daemon
