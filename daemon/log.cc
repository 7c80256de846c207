#include "daemon/log.h"

#include <cstdio>
#include <mutex>

#include "protocol/timefmt.h"

namespace cw::daemon {

LogField LogField::code(Errc c) {
  return LogField("code", std::string(code_name(c)));
}
LogField LogField::num(const char* key, std::uint64_t v) {
  return LogField(key, std::to_string(v));
}
LogField LogField::sender(const SenderPseudonym& p) {
  return LogField("sender", "s:" + p.value);
}

void log_event(const char* event, std::initializer_list<LogField> fields) {
  std::string line = format_rfc3339(unix_now());
  line += " event=";
  line += event;
  for (const auto& f : fields) {
    line += ' ';
    line += f.key();
    line += '=';
    line += f.value();
  }
  line += '\n';
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace cw::daemon
