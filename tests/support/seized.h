// What an adversary who seizes a running server finds, and the check that an
// identifying value is not in it - raw or written out.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "protocol/bytes.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"

namespace cw::test {

// The database, its WAL and WAL index as they are on disk NOW, and the log.
// Call it while the daemon runs: a clean stop checkpoints the WAL into the
// database and deletes it, so a test that reads only after stopping never
// sees what the WAL held.
inline std::string seized_files(const Instance& inst) {
  return read_text(inst.db_path()) + read_text(inst.db_path() + "-wal") +
         read_text(inst.db_path() + "-shm") + inst.log();
}

// `needle` must appear neither as raw bytes nor as lower- or upper-case hex.
inline void expect_absent(const std::string& haystack, ByteView needle, const std::string& what) {
  ASSERT_FALSE(needle.empty());
  const std::string raw(as_chars(needle));
  std::string hex = to_hex(needle), upper = hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(haystack.find(raw), std::string::npos) << what << " (raw bytes) is there";
  EXPECT_EQ(haystack.find(hex), std::string::npos) << what << " (hex) is there";
  EXPECT_EQ(haystack.find(upper), std::string::npos) << what << " (HEX) is there";
}

}  // namespace cw::test
