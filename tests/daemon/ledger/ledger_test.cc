// The ledger's rules (daemon/ledger/ledger.h), each tested once, over the
// memory store's rows: whichever backend a rule runs on, it is this code.
// The conformance suite (tests/daemon/store/) checks that every backend's
// row primitives behave alike, which is what lets one test here stand for
// all three.
#include "daemon/ledger/ledger.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "daemon/keyring.h"
#include "daemon/ledger/coarse_time.h"
#include "daemon/store/batched_store.h"
#include "protocol/notification.h"
#include "tests/daemon/store/store_fixtures.h"
#include "tests/support/memory_store.h"

namespace cw::daemon {
namespace {

using test_store::alert_with;
using test_store::record;
using test_store::wait_for;

constexpr std::int64_t kNow = 1795003999;  // not on the hour
const std::string kA(32, 'a'), kB(32, 'b'), kStranger(32, 'e');

class LedgerTest : public ::testing::Test {
 protected:
  LedgerTest() : handle_(test::make_memory_store(test::new_memory_disk(), &keys_)) {}

  Store& store() { return *handle_.store; }

  // Runs `fn` over the rows in one committed transaction.
  void in_transaction(const std::function<void(ledger::Rows&)>& fn) {
    auto* batched = dynamic_cast<BatchedStore*>(handle_.store.get());
    ASSERT_NE(batched, nullptr);
    auto r = wait_for<bool>([&](auto cb) {
      batched->run_rows(
          [&](ledger::Rows& rows) {
            fn(rows);
            return Status::Ok();
          },
          cb);
    });
    ASSERT_TRUE(r.ok());
  }

  // A new case told to `to`; returns its notification.
  std::uint64_t open_case(std::uint8_t tag, std::vector<Recipient> to, bool make_private = false,
                          std::int64_t escalate_at = 0) {
    auto n = alert_with(tag);
    n.event.case_id = std::string(31, '0') + static_cast<char>('a' + tag % 6);
    n.event.recipients = std::move(to);
    if (make_private) n.event.facts.consent = "private";
    if (escalate_at) n.event.escalate_at = unix_seconds(escalate_at);
    auto r = record(store(), std::move(n));
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->notification : 0;
  }

  ledger::CaseRow case_of(std::uint64_t seq) {
    ledger::CaseRow c;
    in_transaction([&](ledger::Rows& rows) {
      auto n = rows.notified_case(seq, kA);
      ASSERT_TRUE(n.ok() && *n);
      c = (*n)->c;
    });
    return c;
  }

  std::size_t feed_size(const std::string& org, std::uint64_t after) {
    auto f = store().feed(org, after, 100);
    EXPECT_TRUE(f.ok());
    return f.ok() ? f->size() : 0;
  }

  Keyring keys_{Identity::generate(Role::daemon)};
  test::MemoryStoreHandle handle_;
};

std::int64_t case_of_rows(ledger::Rows& rows, std::uint64_t seq) {
  auto n = rows.notified_case(seq, kA);
  return n.ok() && *n ? (*n)->c.id : -1;
}

Tag leaf_tag(std::uint8_t b) {
  Tag t{};
  t.fill(b);
  return t;
}

TEST_F(LedgerTest, ARefusedAcknowledgementOrAnswerChangesNothing) {
  const auto seq = open_case(1, {{kA, false, false}});
  in_transaction([&](ledger::Rows& rows) {
    const auto next = *rows.next_notification_seq();
    EXPECT_EQ(ledger::acknowledge(rows, seq + 9, kA, leaf_tag(1), kNow, {}).code(),
              Errc::not_found);
    EXPECT_EQ(ledger::acknowledge(rows, seq, kStranger, leaf_tag(1), kNow, {}).code(),
              Errc::forbidden);
    const OrgAnswer cannot{AnswerKind::cannot_act, "no_capacity"};
    EXPECT_EQ(ledger::answer(rows, seq + 9, kA, cannot, kNow).code(), Errc::not_found);
    EXPECT_EQ(ledger::answer(rows, seq, kStranger, cannot, kNow).code(), Errc::forbidden);
    EXPECT_EQ(*rows.count_acks(case_of_rows(rows, seq)), 0u);
    EXPECT_EQ(*rows.next_notification_seq(), next) << "no event";
    auto leaf = rows.find_leaf(leaf_tag(1));
    EXPECT_TRUE(leaf.ok() && !*leaf) << "no leaf";
  });
  auto status = store().case_status(alert_with(1).event.case_tag);
  ASSERT_TRUE(status.ok() && *status);
  EXPECT_EQ((*status)->cannot_act, 0u);
}

TEST_F(LedgerTest, AFirstAcknowledgementCutsTheDeadlineAddsOneLeafAndTellsThoseOnTheCase) {
  const std::int64_t due = 1795009877;  // five-minute precision while pending
  const auto seq = open_case(2, {{kA, false, false}, {kB, false, false}}, false, due);
  EXPECT_EQ(case_of(seq).escalate_at, due) << "kept as given while pending";
  const std::vector<Recipient> active = {
      {kA, false, false}, {kB, false, false}, {kStranger, false, false}};
  AckResult first{}, again{};
  in_transaction([&](ledger::Rows& rows) {
    auto r = ledger::acknowledge(rows, seq, kA, leaf_tag(2), kNow, active);
    ASSERT_TRUE(r.ok());
    first = *r;
  });
  EXPECT_TRUE(first.first_time);
  EXPECT_EQ(first.acks, 1u);
  EXPECT_EQ(case_of(seq).escalate_at, due - due % 3600) << "no longer pending: to the hour";
  EXPECT_EQ(store().log_waiting(), 2u) << "the case's leaf and the acknowledgement's";
  EXPECT_EQ(feed_size(kA, seq), 1u) << "the acting organisation's other clients hear too";
  EXPECT_EQ(feed_size(kB, seq), 1u);
  EXPECT_EQ(feed_size(kStranger, 0), 0u) << "active, but not on the case";
  auto body = store().feed(kB, seq, 1);
  ASSERT_TRUE(body.ok() && body->size() == 1);
  auto told = decode_notification((*body)[0].body);
  ASSERT_TRUE(told.ok());
  EXPECT_EQ(told->event, "acknowledged");
  EXPECT_EQ(told->acks, 1u) << "counted as the event commits";
  EXPECT_EQ(told->issued_at, "2026-11-18T12:00:00Z");

  in_transaction([&](ledger::Rows& rows) {
    auto r = ledger::acknowledge(rows, seq, kA, leaf_tag(2), kNow + 60, active);
    ASSERT_TRUE(r.ok());
    again = *r;
  });
  EXPECT_FALSE(again.first_time);
  EXPECT_EQ(again.acks, 1u);
  EXPECT_EQ(store().log_waiting(), 2u) << "no second leaf";
  EXPECT_EQ(feed_size(kB, seq), 1u) << "no second event";
}

TEST_F(LedgerTest, TheLatestOfActingAndAnsweringStandsAndTheFirstLeafStands) {
  const auto seq = open_case(3, {{kA, false, false}, {kB, false, false}});
  const std::vector<Recipient> active = {{kA, false, false}, {kB, false, false}};
  in_transaction([&](ledger::Rows& rows) {
    ASSERT_TRUE(ledger::acknowledge(rows, seq, kA, leaf_tag(3), kNow, active).ok());
    ASSERT_TRUE(ledger::answer(rows, seq, kA, {AnswerKind::need_information, "place"}, kNow).ok());
    EXPECT_EQ(*rows.count_acks(case_of_rows(rows, seq)), 0u) << "the answer withdrew the ack";
  });
  auto status = store().case_status(alert_with(3).event.case_tag);
  ASSERT_TRUE(status.ok() && *status);
  EXPECT_EQ((*status)->needs, std::vector<std::string>{"place"});
  const auto waiting = store().log_waiting();
  in_transaction([&](ledger::Rows& rows) {
    auto r = ledger::acknowledge(rows, seq, kA, leaf_tag(3), kNow + 3600, active);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->first_time) << "acting again after withdrawing";
  });
  EXPECT_EQ(store().log_waiting(), waiting) << "its first leaf stands: no second one";
  status = store().case_status(alert_with(3).event.case_tag);
  ASSERT_TRUE(status.ok() && *status);
  EXPECT_TRUE((*status)->needs.empty()) << "acting replaced the answer";
  EXPECT_EQ((*status)->acks, 1u);
}

TEST_F(LedgerTest, APrivateCasesAcknowledgementReachesOnlyClearedOrganisationsOnIt) {
  const auto seq = open_case(4, {{kA, false, true}, {kB, false, true}}, true);
  // kB lost its clearance since the case opened: the trust store says so now.
  const std::vector<Recipient> active = {{kA, false, true}, {kB, false, false}};
  in_transaction([&](ledger::Rows& rows) {
    ASSERT_TRUE(ledger::acknowledge(rows, seq, kA, leaf_tag(4), kNow, active).ok());
  });
  EXPECT_EQ(feed_size(kA, seq), 1u);
  EXPECT_EQ(feed_size(kB, seq), 0u) << "no longer cleared for private cases";
}

TEST_F(LedgerTest, AnEscalationGoesOnceToTheRightContactsAndCutsTheDeadline) {
  const std::int64_t due = 1795000777;
  const auto ordinary = open_case(5, {{kA, false, false}}, false, due);
  const auto hidden = open_case(6, {{kA, false, false}}, true, due);
  const std::vector<Recipient> contacts = {{kB, true, false}, {kStranger, false, true}};
  in_transaction([&](ledger::Rows& rows) {
    auto n = ledger::escalate(rows, due - 1, contacts, {kStranger});
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0u) << "not due yet";
    n = ledger::escalate(rows, due, contacts, {kStranger});
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 2u);
    n = ledger::escalate(rows, due + 3600, contacts, {kStranger});
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0u) << "once";
  });
  EXPECT_EQ(feed_size(kB, 0), 1u) << "the ordinary case only: kB is not cleared";
  EXPECT_EQ(feed_size(kStranger, 0), 2u);
  for (auto seq : {ordinary, hidden}) {
    const auto c = case_of(seq);
    EXPECT_TRUE(c.escalated);
    EXPECT_EQ(c.escalate_at, due - due % 3600) << "no longer pending: to the hour";
  }
  auto pushes = store().due_webhooks(unix_millis(0), 10, {});
  ASSERT_TRUE(pushes.ok());
  ASSERT_EQ(pushes->size(), 1u) << "kB takes webhooks; kStranger reads its feed";
  EXPECT_EQ((*pushes)[0].org, kB);
}

TEST_F(LedgerTest, AWebhookIsFailingAfterThreeFailuresInARowAndOkAgainAfterADelivery) {
  const std::string org_id(32, 'k');
  const auto seq = open_case(7, {{kA, true, false}});
  auto attempt = [&](WebhookOutcome outcome, std::uint32_t generation) {
    in_transaction([&](ledger::Rows& rows) {
      ASSERT_TRUE(ledger::record_webhook_results(
                      rows, {{seq, kA, org_id, outcome, unix_millis(0), 500, generation}}, kNow)
                      .ok());
    });
    auto h = store().webhook_health();
    EXPECT_TRUE(h.ok() && h->size() == 1);
    return h.ok() && h->size() == 1 ? (*h)[0] : WebhookHealth{};
  };
  EXPECT_EQ(attempt(WebhookOutcome::retry, 0).state, WebhookState::ok) << "one failure";
  EXPECT_EQ(attempt(WebhookOutcome::retry, 0).state, WebhookState::ok) << "two";
  const auto third = attempt(WebhookOutcome::retry, 0);
  EXPECT_EQ(third.state, WebhookState::failing);
  EXPECT_EQ(third.consecutive_failures, ledger::kFailingAfter);
  const auto ok = attempt(WebhookOutcome::delivered, 0);
  EXPECT_EQ(ok.state, WebhookState::ok);
  EXPECT_EQ(ok.consecutive_failures, 0u);
  EXPECT_EQ(attempt(WebhookOutcome::gone, 0).state, WebhookState::disabled);
  EXPECT_EQ(attempt(WebhookOutcome::retry, 0).state, WebhookState::disabled)
      << "a failure does not undo a 410";
}

TEST_F(LedgerTest, ADeliveredNotificationStaysDeliveredAndALateAttemptCannotDisableAFixedEndpoint) {
  const std::string org_id(32, 'k');
  const auto seq = open_case(8, {{kA, true, false}});
  in_transaction([&](ledger::Rows& rows) {
    // Two workers held the row one after the other (a lease ran out): the
    // first to finish delivered it; the slow one's failure comes after.
    ASSERT_TRUE(
        ledger::record_webhook_results(
            rows, {{seq, kA, org_id, WebhookOutcome::delivered, unix_millis(0), 200, 1}}, kNow)
            .ok());
    ASSERT_TRUE(ledger::record_webhook_results(
                    rows,
                    {{seq, kA, org_id, WebhookOutcome::failed_for_good, unix_millis(0), 500, 1}},
                    kNow)
                    .ok());
    auto st = rows.delivery_state(seq, kA);
    ASSERT_TRUE(st.ok() && *st);
    EXPECT_EQ(**st, ledger::DeliveryState::delivered);
    // The operator fixed the endpoint (generation 2); a 410 from an attempt
    // made under generation 1 arrives afterwards.
    auto revived = ledger::revive_webhooks(rows, {{org_id, kA, 2}}, kNow);
    ASSERT_TRUE(revived.ok());
    EXPECT_EQ(*revived, 0u) << "it was healthy and nothing had run out: nothing brought back";
    ASSERT_TRUE(ledger::record_webhook_results(
                    rows, {{seq, kA, org_id, WebhookOutcome::gone, unix_millis(0), 410, 1}}, kNow)
                    .ok());
    auto h = rows.webhook_health_of(org_id);
    ASSERT_TRUE(h.ok() && *h);
    EXPECT_EQ((*h)->state, WebhookState::ok);
    EXPECT_EQ((*h)->generation, 2u);
  });
}

TEST(CoarseTime, HoursAndDaysFloorEvenBeforeTheEpoch) {
  EXPECT_EQ(hour_of(1795003999), 1795003200);
  EXPECT_EQ(hour_of(1795003200), 1795003200);
  EXPECT_EQ(hour_of(-1), -3600);
  EXPECT_EQ(day_of(86399), 0);
  EXPECT_EQ(day_of(86400), 1);
  EXPECT_EQ(day_of(-1), -1);
}

}  // namespace
}  // namespace cw::daemon
