#include "protocol/program.h"

#include <cstdio>
#include <exception>
#include <string>

namespace cw {
namespace {

std::string clip(const char* what) {
  std::string out;
  for (const char* p = what; p && *p && out.size() < 200; ++p)
    out += (*p >= 0x20 && *p < 0x7f) ? *p : '?';
  return out;
}

void report(const char* program, const std::string& what) noexcept {
  std::fprintf(stderr, "%s: error: internal: %s (exit %d)\n", program, what.c_str(), kExitInternal);
}

}  // namespace

int guarded_main(const char* program, int (*body)(int, char**), int argc, char** argv) noexcept {
  try {
    return body(argc, argv);
  } catch (const std::exception& e) {
    try {
      report(program, clip(e.what()));
    } catch (...) {
    }
  } catch (...) {
    report(program, "unknown exception");
  }
  return kExitInternal;
}

}  // namespace cw
