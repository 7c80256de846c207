// The audit trail of who opened sealed case details: every reading,
// disclosure and purge is an entry the operator's tools append before they
// act, chained and signed so it cannot be rewritten silently.
//
//   entry n (from 1):  at (unix seconds), sealed (what was done, as JSON,
//                      sealed under the storage key with audit_entry_ad(n))
//   link_0 = 32 zero bytes
//   link_n = BLAKE2b-256(key = none, "casewire-audit-v1" 0x00 || link_{n-1} ||
//                        n u64 || at i64 || sealed)      (integers big-endian)
//   signature_n = Ed25519(daemon signing key, "casewire-audit-v1" 0x00 || link_n)
//
// Editing or removing an entry breaks every later link; forging one needs the
// daemon's signing key. Cutting entries off the end leaves a shorter valid
// chain: that is caught from outside, by the entry count the daemon exports
// (casewire_audit_entries) and the head each tool prints (docs/OPERATIONS.md).
#pragma once

#include <array>
#include <cstdint>

#include "protocol/bytes.h"
#include "protocol/keys.h"

namespace cw::daemon {

using AuditLink = std::array<std::uint8_t, 32>;

AuditLink audit_link(const AuditLink& prev, std::uint64_t n, std::int64_t at, ByteView sealed);
Bytes audit_entry_ad(std::uint64_t n);
Signature sign_audit_link(const SigningKey& key, const AuditLink& link);
bool verify_audit_link(const PublicKey& key, const AuditLink& link, ByteView signature);

}  // namespace cw::daemon
