// Reading the fixed-size fields of the protocol's JSON objects (receipts,
// tree heads): exact lengths and non-negative integers, or false - never a
// partly written field.
#pragma once

#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <string_view>

#include "protocol/bytes.h"

namespace cw::json_fields {

// `v` is a string of exactly 2N hex digits; its bytes go into `out`.
template <std::size_t N>
bool hex_into(const boost::json::value* v, std::array<std::uint8_t, N>& out) {
  if (!v || !v->is_string()) return false;
  const auto& s = v->as_string();
  if (s.size() != 2 * N) return false;
  auto b = from_hex(std::string_view(s.data(), s.size()));
  if (!b) return false;
  std::copy(b->begin(), b->end(), out.begin());
  return true;
}

// `v` is an integer from 0 to 2^64 - 1.
inline bool u64_into(const boost::json::value* v, std::uint64_t& out) {
  if (!v) return false;
  if (v->is_uint64()) return out = v->as_uint64(), true;
  if (v->is_int64() && v->as_int64() >= 0)
    return out = static_cast<std::uint64_t>(v->as_int64()), true;
  return false;
}

}  // namespace cw::json_fields
