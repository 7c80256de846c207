// JSON for decrypted alerts, without leaving plaintext in freed memory.
//
// Boost.JSON allocates through a memory resource; the one here wipes every
// block before giving it back, so the strings of a parsed alert (names,
// notes) do not linger in the heap after the value dies. The serializer
// writes into one buffer reserved up front - no reallocation leaves a stale
// copy behind - and the caller wipes that string when done (canonical_alert
// says so).
#pragma once

#include <boost/json/parse_options.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <system_error>

namespace cw {

// A process-wide resource that wipes each block it releases. Thread-safe.
boost::json::storage_ptr wiping_storage();

// Parses `text` with every allocation, including the parser's own scratch
// space, in wiping storage.
boost::json::value parse_json_wiping(std::string_view text, std::error_code& ec,
                                     const boost::json::parse_options& options);

// Serializes `v` into a string reserved for `expected_size` bytes; if it
// outgrows that, the old buffer is wiped before it is released.
std::string serialize_wiping(const boost::json::value& v, std::size_t expected_size);

// Wipes a std::string's whole buffer (not only its current length).
void wipe_string(std::string& s);

}  // namespace cw
