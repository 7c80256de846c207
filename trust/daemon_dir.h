// The files of a daemon instance directory, as created by casewire-keys init,
// and the daemon's default addresses: one home for both, shared by the key
// tool (which writes the starter config) and the daemon (which reads it).
#pragma once

#include <string>

namespace cw {

// Loopback by default: exposing the API is the operator's decision.
inline constexpr const char* kDefaultListen = "127.0.0.1:8443";
inline constexpr const char* kDefaultAdminListen = "127.0.0.1:9443";

struct DaemonDir {
  std::string dir;

  std::string identity() const { return dir + "/daemon.key"; }  // secret, 0600
  std::string public_keys() const { return dir + "/daemon.pub"; }
  std::string tls_cert() const { return dir + "/tls.crt"; }
  std::string tls_key() const { return dir + "/tls.key"; }   // secret, 0600
  std::string trust() const { return dir + "/trust.json"; }  // 0600 (webhook secrets)
  std::string config() const { return dir + "/casewired.toml"; }
  std::string database() const { return dir + "/casewired.db"; }
  // The operator's gazetteer (protocol/gazetteer.h), and the daemon's signed
  // copy of the one it loaded, for invites (written by the daemon at start).
  std::string gazetteer() const { return dir + "/gazetteer.json"; }
  std::string gazetteer_signed() const { return dir + "/gazetteer.signed.json"; }
  // Key rotation (casewire-keys rotate): what the daemon still honours for a
  // grace period, the signed invite update it serves, the next TLS key.
  std::string rotation() const { return dir + "/rotation.json"; }
  std::string invite_update() const { return dir + "/invite-update.json"; }
  std::string tls_next_cert() const { return dir + "/tls.next.crt"; }
  std::string tls_next_key() const { return dir + "/tls.next.key"; }
  // A rotation replaces its files as one transaction (trust/dir_transaction.h),
  // staged in DIR/rotation.pending/ until it is complete.
  static constexpr const char* kRotation = "rotation";
  // Every revocation, signed and append-only (trust/revocation_journal.h):
  // re-applied over trust.json, and kept off the server too.
  std::string revocations() const { return dir + "/revocations.journal"; }
};

}  // namespace cw
