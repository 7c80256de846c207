// One writer at a time in an instance directory.
//
// Why: every key-tool command that changes the instance reads a file,
// changes it and writes it back (trust.json, the revocation journal, a
// rotation). Two at once - two operators, a script and a person - lost all
// but one of six revocations run together, each told "revoked". An exclusive
// flock on the directory serialises them; the daemon only reads and never
// takes it.
#pragma once

#include <string>

#include "protocol/error.h"

namespace cw {

class InstanceLock {
 public:
  // Waits for the lock (another command's read-modify-write is short).
  static Result<InstanceLock> acquire(const std::string& dir);
  InstanceLock(InstanceLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  InstanceLock& operator=(InstanceLock&&) = delete;
  InstanceLock(const InstanceLock&) = delete;
  ~InstanceLock();

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace cw
