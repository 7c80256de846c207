// What a benchmark reads of the daemon process from outside: its CPU time
// and its memory, from /proc (Linux). Shared by the bench programs.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace cw::bench {

// utime + stime of a process, in microseconds.
inline double cpu_us(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);
  return ticks * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// A /proc/PID/status memory field in KiB: "VmRSS:" now, "VmHWM:" the peak.
inline long status_kb(pid_t pid, const char* field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  return 0;
}

}  // namespace cw::bench
