// The files of a daemon instance directory, as created by casewire-keys init.
#pragma once

#include <string>

namespace cw {

struct DaemonDir {
  std::string dir;

  std::string identity() const { return dir + "/daemon.key"; }  // secret, 0600
  std::string public_keys() const { return dir + "/daemon.pub"; }
  std::string tls_cert() const { return dir + "/tls.crt"; }
  std::string tls_key() const { return dir + "/tls.key"; }   // secret, 0600
  std::string trust() const { return dir + "/trust.json"; }  // 0600 (webhook secrets)
  std::string config() const { return dir + "/casewired.toml"; }
  std::string database() const { return dir + "/casewired.db"; }
};

}  // namespace cw
