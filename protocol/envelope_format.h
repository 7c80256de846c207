// Envelope v1 wire format: the constants, with the layout they describe.
// docs/PROTOCOL.md explains the why of each part; keep the two in step.
//
//   wire (8253 bytes, always):
//     off  len   field
//       0    4   magic "CWEN"
//       4    1   version = 0x01
//       5    8   recipient key id (the daemon's box key id)
//      13 8240   crypto_box_seal(daemon box pk, P)        (48 + 8192 bytes)
//
//   P = sodium_pad(M || sig, 8192), exactly 8192 bytes (ISO/IEC 7816-4 padding)
//
//   M (signed message):
//       0   18   domain "casewire-alert-v1\0"
//      18    1   version = 0x01                 (repeats the outer header:
//      19    8   recipient key id                a sealed box has no associated
//      27   32   daemon box public key           data, so the header is bound here)
//      59    8   sender key id (contact's Ed25519 key id)
//      67   16   alert id (random, chosen by the client)
//      83    8   created_at, Unix seconds, big-endian
//      91    2   schema version = 1
//      93    4   length L of the canonical alert
//      97    L   canonical alert bytes (alert.h)
//   sig = Ed25519(contact signing key, M), 64 bytes
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cw::envelope {

inline constexpr std::string_view kMagic = "CWEN";
inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::size_t kOuterHeaderSize = 4 + 1 + 8;
inline constexpr std::size_t kSealOverhead = 48;  // crypto_box_SEALBYTES
// One bucket: every valid alert pads to it, so size says nothing about content.
inline constexpr std::size_t kBucket = 8192;
inline constexpr std::size_t kWireSize = kOuterHeaderSize + kSealOverhead + kBucket;

inline constexpr std::string_view kDomain{"casewire-alert-v1\0", 18};
inline constexpr std::size_t kInnerHeaderSize = 18 + 1 + 8 + 32 + 8 + 16 + 8 + 2 + 4;

// How far in the future created_at may lie (clock skew of a phone).
inline constexpr std::int64_t kMaxFutureSkew = std::int64_t{15} * 60;

}  // namespace cw::envelope
