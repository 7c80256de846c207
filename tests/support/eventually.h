// Waiting for a condition in end-to-end tests: poll, never sleep a guessed
// time (a guess is either slow or flaky on a shared 2-core machine).
#pragma once

#include <chrono>
#include <thread>

namespace cw::test {

// True as soon as `pred` holds; false if it still does not after `timeout`.
template <class F>
bool eventually(F pred, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace cw::test
