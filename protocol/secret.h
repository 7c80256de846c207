// Memory for key material and passphrases.
//
// Threat: a seized or imaged server/phone, a core dump, or a stray log line.
// SecretBytes lives in sodium_malloc'd memory (guard pages, mlock'd so it is
// not swapped out) and is wiped when freed. It is move-only and deliberately
// has no operator==, no operator<<, and no conversion to std::string or Bytes:
// the only ways out are data()/size() for passing to libsodium/OpenSSL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

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

// Constant-time equality for tags, MACs and anything derived from a secret.
// Lengths are not secret: different lengths compare unequal immediately.
bool ct_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

// Wipes a buffer that held sensitive plaintext (decrypted alerts, passphrases
// on their way into SecretBytes).
void wipe(void* data, std::size_t size);

}  // namespace cw
