// Memory for key material and passphrases.
//
// Threat: a seized or imaged server/phone, a core dump, or a stray log line.
// SecretBytes lives in sodium_malloc'd memory (guard pages, mlock'd so it is
// not swapped out) and is wiped when freed. It is move-only and deliberately
// has no operator==, no operator<<, and no conversion to std::string or Bytes:
// the only ways out are data()/size() for passing to libsodium/OpenSSL.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cw {

// Initialises libsodium; safe to call many times from any thread. Aborts the
// process if the library cannot be initialised (no safe way to continue).
void init_crypto();

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size);  // zero-filled
  static SecretBytes random(std::size_t size);
  static SecretBytes copy_of(std::span<const std::uint8_t> src);

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const std::uint8_t> view() const { return {data_, size_}; }

  // Shrinks the logical size (e.g. a passphrase read into a larger buffer).
  // The tail stays inside the wiped allocation.
  void truncate(std::size_t size);

 private:
  void release();
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Wipes a buffer that held sensitive plaintext (decrypted alerts, passphrases
// on their way into SecretBytes).
void wipe(void* data, std::size_t size);

// A short-lived key of fixed size held inline (on the stack, in an object):
// wiped on destruction like SecretBytes, but not in guarded, locked pages.
// Those cost several system calls to allocate and free (mmap, mprotect,
// mlock, and TLB shootdowns on every core), which is right for keys that
// live for the whole process and too dear for a key that lives for one
// transaction (a case key: bench/RESULTS.md).
template <std::size_t N>
class InlineSecret {
 public:
  InlineSecret() = default;
  InlineSecret(const InlineSecret&) = delete;
  InlineSecret& operator=(const InlineSecret&) = delete;
  ~InlineSecret() { wipe(bytes_.data(), N); }
  std::uint8_t* data() { return bytes_.data(); }
  std::span<const std::uint8_t> view() const { return {bytes_.data(), N}; }
  static constexpr std::size_t size() { return N; }

 private:
  std::array<std::uint8_t, N> bytes_{};
};

// Personal data (an alert's names and notes) in ordinary heap memory, wiped
// when it is freed. Move-only.
class WipedBytes {
 public:
  WipedBytes() = default;
  explicit WipedBytes(std::vector<std::uint8_t> b) : b_(std::move(b)) {}
  WipedBytes(WipedBytes&& o) noexcept : b_(std::move(o.b_)) { o.b_.clear(); }
  WipedBytes& operator=(WipedBytes&& o) noexcept {
    if (this != &o) {
      wipe(b_.data(), b_.size());
      b_ = std::move(o.b_);
      o.b_.clear();
    }
    return *this;
  }
  WipedBytes(const WipedBytes&) = delete;
  WipedBytes& operator=(const WipedBytes&) = delete;
  ~WipedBytes() { wipe(b_.data(), b_.size()); }
  std::span<const std::uint8_t> view() const { return b_; }
  bool empty() const { return b_.empty(); }

 private:
  std::vector<std::uint8_t> b_;
};

// Constant-time equality for tags, MACs and anything derived from a secret.
// Lengths are not secret: different lengths compare unequal immediately.
bool ct_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

}  // namespace cw
