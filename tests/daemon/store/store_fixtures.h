// What the store's tests share: alerts to record, and waiting for a
// store callback.
#pragma once

#include <future>

#include "daemon/store/store.h"

namespace cw::daemon::test_store {

// A new-case alert whose tags are all derived from `tag` (one byte), sent by
// `sender`.
inline NewAlert alert_with(std::uint8_t tag, std::uint8_t sender = 1) {
  NewAlert a;
  a.alert_tag.fill(tag);
  a.leaf_tag.fill(static_cast<std::uint8_t>(tag ^ 0xc3));
  a.sender_tag.fill(sender);
  a.received_at = unix_seconds(1795000000 + tag);
  a.receipt = Bytes(60, static_cast<std::uint8_t>(tag + 1));  // stands for the sealed receipt facts
  a.event.case_tag.fill(static_cast<std::uint8_t>(tag ^ 0x5a));  // each case its own tag
  return a;
}

// Runs one store call and waits for its callback.
template <class T, class F>
Result<T> wait_for(F start) {
  std::promise<Result<T>> p;
  auto f = p.get_future();
  start([&](Result<T> r) { p.set_value(std::move(r)); });
  return f.get();
}

inline Result<Recorded> record(Store& s, NewAlert a) {
  return wait_for<Recorded>([&](auto cb) { s.record_alert(std::move(a), cb); });
}

// Appends every leaf waiting for its window (protocol/case_log.h): by
// default at a time when alert_with's windows are long over.
inline std::uint32_t append_waiting(Store& s, std::int64_t now = 1795000000 + 86400) {
  auto n =
      wait_for<std::uint32_t>([&](auto cb) { s.append_waiting_leaves(unix_seconds(now), cb); });
  return n ? *n : 0;
}

}  // namespace cw::daemon::test_store
