// Event log: one line per event, "<time> event=<name> key=value ...".
//
// Privacy by construction: a field can only be built from an error code, a
// number, a sender pseudonym, or a compile-time string literal. Alert ids,
// receipt sequences and notification numbers are deliberately not loggable:
// with a seized phone's receipts they would tie the phone to log lines.
// There is deliberately no way to log an arbitrary runtime std::string, so no
// name, note, label, key id or address can slip into a log line.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "protocol/alert.h"
#include "protocol/error.h"

namespace cw::daemon {

// A keyed sender pseudonym (Keyring::log_pseudonym), the only sender
// identifier that may be logged.
struct SenderPseudonym {
  std::string value;
};

class LogField {
 public:
  static LogField code(Errc code);
  static LogField num(const char* key, std::uint64_t v);
  static LogField sender(const SenderPseudonym& p);
  // For compile-time constants only (route names, states).
  template <std::size_t N>
  static LogField text(const char* key, const char (&literal)[N]) {
    return LogField(key, std::string(literal, N - 1));
  }

  const char* key() const { return key_; }
  const std::string& value() const { return value_; }

 private:
  LogField(const char* key, std::string value) : key_(key), value_(std::move(value)) {}
  const char* key_;
  std::string value_;
};

// Writes one line to stderr (journald adds its own timestamp; ours is UTC).
void log_event(const char* event, std::initializer_list<LogField> fields = {});

}  // namespace cw::daemon
