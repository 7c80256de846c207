#include "daemon/store/audit_chain.h"

#include <sodium.h>

#include <string_view>

namespace cw::daemon {
namespace {

constexpr std::string_view kDomain{"casewire-audit-v1\0", 18};

Bytes signed_bytes(const AuditLink& link) {
  ByteWriter w;
  w.raw(kDomain).raw(link);
  return w.take();
}

}  // namespace

AuditLink audit_link(const AuditLink& prev, std::uint64_t n, std::int64_t at, ByteView sealed) {
  ByteWriter w;
  w.raw(as_bytes(kDomain)).raw(prev).u64(n).u64(static_cast<std::uint64_t>(at)).raw(sealed);
  const Bytes m = w.take();
  AuditLink out{};
  crypto_generichash(out.data(), out.size(), m.data(), m.size(), nullptr, 0);
  return out;
}

Bytes audit_entry_ad(std::uint64_t n) {
  ByteWriter w;
  w.raw(as_bytes(kDomain)).u64(n);
  return w.take();
}

Signature sign_audit_link(const SigningKey& key, const AuditLink& link) {
  return key.sign(signed_bytes(link));
}

bool verify_audit_link(const PublicKey& key, const AuditLink& link, ByteView signature) {
  return verify_signature(key, signed_bytes(link), signature);
}

}  // namespace cw::daemon
