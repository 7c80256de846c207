// What the store's tests share: alerts to record, cases to escalate, and waiting for a
// store callback.
#pragma once

#include <gtest/gtest.h>

#include <future>
#include <string>

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

// Three open cases with deadlines off the hour: one due and escalated at
// 1795001000, one acknowledged first, one still pending (due 1795999800).
// What a backend stores of each deadline is for its own test to read.
inline void escalate_one_ack_one_leave_one(Store& s) {
  const std::string org(32, 'r');
  auto open_case = [&](std::uint8_t tag, std::int64_t due) {
    auto n = alert_with(tag);
    n.event.escalate_at = unix_seconds(due);
    n.event.recipients = {{org, false, false}};
    auto r = record(s, std::move(n));
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->notification : 0;
  };
  open_case(20, 1795000500);
  const auto acked = open_case(21, 1795000500);
  open_case(22, 1795999800);
  Tag leaf{};
  leaf.fill(0x21);
  EXPECT_TRUE(wait_for<AckResult>([&](auto cb) {
                s.record_ack(acked, org, leaf, unix_seconds(1795000100), {{org, false, false}}, cb);
              }).ok());
  auto n = wait_for<std::uint32_t>([&](auto cb) {
    s.escalate_due(unix_seconds(1795001000), {{org, false, false}}, {}, cb);
  });
  EXPECT_TRUE(n.ok() && *n == 1u) << "the acknowledged and the pending case are not escalated";
}

}  // namespace cw::daemon::test_store
