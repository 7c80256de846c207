// Claims about the running daemon's process and transport that only an
// outside look can check (issue 17: "every claim has a test"): no core dumps,
// secrets locked in memory, TLS 1.2 refused - seen by /proc and by an
// independent TLS client (openssl s_client), not by our own code.
#include <gtest/gtest.h>
#include <sodium.h>

#include <fstream>
#include <sstream>
#include <string>

#include "protocol/file_io.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace cw::test {
namespace {

std::string proc_file(pid_t pid, const char* name) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/" + name);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The value of a "Key:   N kB" line of /proc/PID/status, or -1.
[[maybe_unused]] long status_kb(const std::string& status, const std::string& key) {
  auto at = status.find("\n" + key + ":");
  if (at == std::string::npos) return -1;
  return std::stol(status.substr(at + key.size() + 2));
}

TEST(Hardening, NoCoreDumpsAndSecretsAreLockedInMemory) {
  Instance inst;
  inst.start();
  const auto limits = proc_file(inst.pid(), "limits");
  auto core = limits.find("Max core file size");
  ASSERT_NE(core, std::string::npos) << limits;
  std::istringstream line(limits.substr(core + std::string("Max core file size").size()));
  std::string soft, hard;
  line >> soft >> hard;
  EXPECT_EQ(soft, "0") << "a crash must not write the daemon's memory (keys, alerts) to disk";
  EXPECT_EQ(hard, "0");
  // sodium_malloc'd secrets are mlock'd: never swapped out. (AddressSanitizer
  // turns mlock into a no-op, so this half is checked in the normal build.)
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_GT(status_kb(proc_file(inst.pid(), "status"), "VmLck"), 0)
      << proc_file(inst.pid(), "status");
#endif
}

TEST(Hardening, TlsBelow13IsRefusedByTheApiListener) {
  Instance inst;
  inst.start();
  auto handshake = [&](const char* version) {
    return run({"/bin/sh", "-c",
                std::string("openssl s_client -connect 127.0.0.1:") + std::to_string(inst.port()) +
                    " " + version + " </dev/null 2>&1"});
  };
  auto v13 = handshake("-tls1_3");
  EXPECT_EQ(v13.status, 0) << v13.out;
  EXPECT_NE(v13.out.find("TLSv1.3"), std::string::npos) << v13.out;
  auto v12 = handshake("-tls1_2");
  EXPECT_NE(v12.status, 0) << "a TLS 1.2 handshake succeeded:\n" << v12.out;
  EXPECT_EQ(v12.out.find("Cipher is ECDHE"), std::string::npos) << v12.out;
}

// Secret key files people create are protected by Argon2id with libsodium's
// MODERATE limits (256 MiB, 3 passes), read back from the file's own header.
TEST(Hardening, CreatedKeyFilesUseArgon2idModerateLimits) {
  TempDir d;
  ASSERT_TRUE(write_file_atomic(d / "pass", as_bytes("a long passphrase for a test\n"), 0600,
                                Overwrite::yes)
                  .ok());
  auto made = run(
      {bin("casewire-keys"), "new-contact", "--out", d / "c.key", "--passphrase-file", d / "pass"});
  ASSERT_EQ(made.status, 0) << made.err;
  const std::string text = read_text(d / "c.key");
  const auto nl = text.find('\n');
  ASSERT_NE(nl, std::string::npos);
  auto line = text.substr(nl + 1);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  auto blob = from_base64(line);
  ASSERT_TRUE(blob && blob->size() > 23);
  auto be64 = [&](std::size_t at) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | (*blob)[at + i];
    return v;
  };
  EXPECT_EQ(std::string(blob->begin(), blob->begin() + 4), "CWSK");
  EXPECT_EQ((*blob)[6], 1) << "kdf 1 = Argon2id";
  EXPECT_EQ(be64(7), crypto_pwhash_OPSLIMIT_MODERATE);
  EXPECT_EQ(be64(15), crypto_pwhash_MEMLIMIT_MODERATE);
  EXPECT_EQ(crypto_pwhash_MEMLIMIT_MODERATE, 256u << 20) << "what the threat model states";
}

}  // namespace
}  // namespace cw::test
