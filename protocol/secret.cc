#include "protocol/secret.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace cw {

void init_crypto() {
  static const int rc = sodium_init();
  if (rc < 0) {
    std::fputs("fatal: libsodium could not be initialised\n", stderr);
    std::abort();
  }
}

SecretBytes::SecretBytes(std::size_t size) : size_(size) {
  init_crypto();
  if (size == 0) return;
  data_ = static_cast<std::uint8_t*>(sodium_malloc(size));
  if (data_ == nullptr) throw std::bad_alloc();
  sodium_memzero(data_, size);
}

SecretBytes SecretBytes::random(std::size_t size) {
  SecretBytes s(size);
  if (size) randombytes_buf(s.data_, size);
  return s;
}

SecretBytes SecretBytes::copy_of(std::span<const std::uint8_t> src) {
  SecretBytes s(src.size());
  if (s.data_ != nullptr && !src.empty()) std::memcpy(s.data_, src.data(), src.size());
  return s;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBytes::~SecretBytes() {
  release();
}

void SecretBytes::truncate(std::size_t size) {
  if (size < size_) {
    sodium_memzero(data_ + size, size_ - size);
    size_ = size;
  }
}

void SecretBytes::release() {
  // sodium_free wipes the whole allocation before unmapping it.
  if (data_ != nullptr) sodium_free(data_);
  data_ = nullptr;
  size_ = 0;
}

bool ct_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

void wipe(void* data, std::size_t size) {
  if (data != nullptr && size != 0) sodium_memzero(data, size);
}

}  // namespace cw
