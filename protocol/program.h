// The edge of every casewire program: no exception leaves main().
//
// Expected failures travel as Result/Status values and are reported by the
// program itself. Anything else (an exception from a library we call, an
// allocation failure) must not end the process with SIGABRT and a core-less
// "terminate called..." line: guarded_main() catches it at the edge, prints one
// line, and exits with kExitInternal. Nothing from the alert ever reaches an
// exception message, but the text is still clipped and made printable.
#pragma once

#include <string>

namespace cw {

// Exit status of a program that met an unexpected internal failure
// (sysexits.h's EX_SOFTWARE). Documented in docs/OPERATOR.md and
// docs/FIELD_GUIDE.md.
inline constexpr int kExitInternal = 70;

int guarded_main(const char* program, int (*body)(int, char**), int argc, char** argv) noexcept;

// Makes a CLI11 app report option errors the way every other error is
// reported ("error: usage: ..."), so people and scripts find one prefix.
// A template so this header does not pull CLI11 into the protocol library.
template <class App>
void use_error_prefix(App& app) {
  app.failure_message([](const auto*, const auto& e) {
    return std::string("error: usage: ") + e.what() + "\nRun with --help for more information.\n";
  });
}

}  // namespace cw
