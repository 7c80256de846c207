// Child processes for end-to-end tests: the real casewired / casewire
// binaries, with stdout and stderr captured to files the test can read.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cw::test {

std::string read_text(const std::string& path);

class Process {
 public:
  // Starts `argv` with extra environment variables; output goes to
  // <log_prefix>.out / <log_prefix>.err.
  Process(std::vector<std::string> argv, const std::string& log_prefix,
          const std::map<std::string, std::string>& env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  std::string out() const { return read_text(out_path_); }
  std::string err() const { return read_text(err_path_); }
  // Waits until stdout contains `needle` (true) or the process exits/times out.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout);
  void signal(int sig) const;
  // Waits for exit; returns the exit status, or -signal, or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();

 private:
  pid_t pid_ = -1;
  std::string out_path_, err_path_;
  std::optional<int> status_;
};

struct RunResult {
  int status = -1;
  std::string out, err;
};
// Runs a command to completion (with a timeout that kills it).
RunResult run(std::vector<std::string> argv, const std::map<std::string, std::string>& env = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace cw::test
