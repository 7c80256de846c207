// Byte strings, their text forms, and big-endian framing.
//
// Public material only: secrets live in SecretBytes (secret.h), which has no
// conversion to any of these.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cw {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Lower-case hex. from_hex accepts only an even number of hex digits.
std::string to_hex(ByteView b);
std::optional<Bytes> from_hex(std::string_view s);

// Standard base64 with padding (RFC 4648 section 4); strict on input: no
// whitespace, no missing padding, no non-canonical trailing bits.
std::string to_base64(ByteView b);
std::optional<Bytes> from_base64(std::string_view s);

// BLAKE2b with a caller-chosen output length (16..64 bytes).
Bytes blake2b(ByteView data, std::size_t out_len = 32);

// Appends big-endian integers and raw bytes; used to build every signed or
// framed message so the layout in docs/PROTOCOL.md is visible in one place.
class ByteWriter {
 public:
  ByteWriter& u8(std::uint8_t v);
  ByteWriter& u16(std::uint16_t v);
  ByteWriter& u32(std::uint32_t v);
  ByteWriter& u64(std::uint64_t v);
  ByteWriter& raw(ByteView b);
  ByteWriter& raw(std::string_view s) { return raw(as_bytes(s)); }
  // Reserve what a writer of sensitive bytes will need, so growing never
  // releases a buffer with a partial copy in it.
  ByteWriter& reserve(std::size_t n) {
    out_.reserve(n);
    return *this;
  }
  Bytes& bytes() { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

// Reads what ByteWriter wrote. Every read is bounds-checked; after the first
// short read the reader is failed and every later read fails too, so callers
// can read a whole header and check ok() once.
class ByteReader {
 public:
  explicit ByteReader(ByteView in) : in_(in) {}
  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::uint64_t u64();
  ByteView raw(std::size_t n);
  template <std::size_t N>
  std::array<std::uint8_t, N> fixed() {
    std::array<std::uint8_t, N> a{};
    auto v = raw(N);
    if (ok_) std::copy(v.begin(), v.end(), a.begin());
    return a;
  }
  bool ok() const { return ok_; }
  std::size_t remaining() const { return ok_ ? in_.size() - pos_ : 0; }
  ByteView rest() const { return ok_ ? in_.subspan(pos_) : ByteView{}; }

 private:
  ByteView in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace cw
