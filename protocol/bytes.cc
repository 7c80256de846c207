#include "protocol/bytes.h"

#include <sodium.h>

#include <algorithm>

namespace cw {

std::string to_hex(ByteView b) {
  std::string out(b.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), b.data(), b.size());
  out.pop_back();
  return out;
}

std::optional<Bytes> from_hex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  // An empty vector's data() is null, which sodium_hex2bin must not get
  // (found by UBSan; regression test Hex.EmptyInputIsEmptyOutput).
  if (s.empty()) return Bytes{};
  Bytes out(s.size() / 2);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(out.data(), out.size(), s.data(), s.size(), nullptr, &len, &end) != 0 ||
      len != out.size() || end != s.data() + s.size())
    return std::nullopt;
  return out;
}

std::string to_base64(ByteView b) {
  const auto variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(b.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), b.data(), b.size(), variant);
  out.pop_back();  // the encoder's NUL
  return out;
}

std::optional<Bytes> from_base64(std::string_view s) {
  Bytes out(s.size() / 4 * 3 + 3);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), s.data(), s.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != s.data() + s.size())
    return std::nullopt;
  out.resize(len);
  // Reject non-canonical encodings (unused low bits set): one text, one value.
  if (to_base64(out) != s) return std::nullopt;
  return out;
}

Bytes blake2b(ByteView data, std::size_t out_len) {
  Bytes out(out_len);
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

ByteWriter& ByteWriter::u8(std::uint8_t v) {
  out_.push_back(v);
  return *this;
}
ByteWriter& ByteWriter::u16(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
  return *this;
}
ByteWriter& ByteWriter::u32(std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out_.push_back(static_cast<std::uint8_t>(v >> s));
  return *this;
}
ByteWriter& ByteWriter::u64(std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out_.push_back(static_cast<std::uint8_t>(v >> s));
  return *this;
}
ByteWriter& ByteWriter::raw(ByteView b) {
  out_.insert(out_.end(), b.begin(), b.end());
  return *this;
}

ByteView ByteReader::raw(std::size_t n) {
  if (!ok_ || in_.size() - pos_ < n) {
    ok_ = false;
    return {};
  }
  auto v = in_.subspan(pos_, n);
  pos_ += n;
  return v;
}
std::uint8_t ByteReader::u8() {
  auto v = raw(1);
  return ok_ ? v[0] : 0;
}
std::uint16_t ByteReader::u16() {
  auto v = raw(2);
  return ok_ ? static_cast<std::uint16_t>(v[0] << 8 | v[1]) : 0;
}
std::uint32_t ByteReader::u32() {
  auto v = raw(4);
  std::uint32_t r = 0;
  if (ok_)
    for (auto c : v) r = r << 8 | c;
  return r;
}
std::uint64_t ByteReader::u64() {
  auto v = raw(8);
  std::uint64_t r = 0;
  if (ok_)
    for (auto c : v) r = r << 8 | c;
  return r;
}

}  // namespace cw
