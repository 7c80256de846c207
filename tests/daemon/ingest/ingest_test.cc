// The ingest pipeline on the in-memory store (tests/support/memory_store.h):
// what ingest promises about the store beneath it, without a file or a
// server - a receipt only for a committed alert, nothing kept and no receipt
// when the commit fails, the stored receipt for a repeat.
#include "daemon/ingest/ingest.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "protocol/envelope.h"
#include "protocol/receipt.h"
#include "tests/support/fixtures.h"
#include "tests/support/memory_store.h"

namespace cw::daemon {
namespace {

namespace json = boost::json;

class IngestOnMemory : public ::testing::Test {
 protected:
  static std::shared_ptr<const TrustView> enrolled(const SigningKey& contact) {
    TrustStore ts = TrustStore::empty();
    EXPECT_TRUE(
        ts.enroll_contact({contact.public_key(), "c", {}, 1000, false, 0, 0, std::nullopt}).ok());
    return std::make_shared<const TrustView>(std::move(ts));
  }
  ~IngestOnMemory() override { mem.store->close(); }

  std::string envelope() {
    const auto now = unix_now();
    auto wire = seal_envelope(test::sample_alert(now), random_alert_id(), now, contact,
                              keys.box().public_key());
    EXPECT_TRUE(wire.ok());
    return std::string(as_chars(*wire));
  }
  IngestOutcome submit(const std::string& body) {
    boost::asio::io_context ioc;
    std::optional<IngestOutcome> outcome;
    ingest.submit(body, ioc.get_executor(), [&](IngestOutcome o) { outcome = std::move(o); });
    auto guard = boost::asio::make_work_guard(ioc);
    for (int i = 0; i < 500 && !outcome; ++i) ioc.run_one_for(std::chrono::milliseconds(10));
    EXPECT_TRUE(outcome) << "ingest never answered";
    return outcome.value_or(IngestOutcome{Errc::internal_error, "no answer", {}, false, {}});
  }
  // The receipt without the log evidence beside it (whose head is signed
  // afresh for every answer).
  static std::string receipt(const IngestOutcome& o) {
    auto v = json::parse(o.receipt_json).as_object();
    v.erase("log");
    return json::serialize(v);
  }

  Keyring keys{Identity::generate(Role::daemon)};
  SigningKey contact = SigningKey::generate();
  TrustHolder trust{enrolled(contact)};
  Metrics metrics;
  test::MemoryStoreHandle mem = test::make_memory_store(test::new_memory_disk(), &keys);
  TreeHeads heads{*mem.store, keys};
  Ingest ingest{keys, trust, *mem.store, heads, metrics, 0};
};

TEST_F(IngestOnMemory, ARecordedAlertIsReceiptedWithTheLeafItsLogWillHoldAndWhen) {
  auto o = submit(envelope());
  ASSERT_EQ(o.code, Errc::ok) << o.message;
  EXPECT_FALSE(o.repeat);
  auto v = json::parse(o.receipt_json).as_object();
  EXPECT_TRUE(v.contains("signature"));
  // The leaf waits for its mixing window to end: the receipt names it and the
  // time it will be in the log by, and no place (which would be commit order).
  EXPECT_FALSE(v.contains("log_index"));
  EXPECT_FALSE(v.contains("log")) << "no proof before the leaf is in the log";
  ASSERT_TRUE(v.contains("log_leaf"));
  auto r = receipt_from_json(o.receipt_json);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->promise.has_value());
  EXPECT_EQ(r->promise->include_by, log_include_by(r->received_at, kLogWindowSeconds));
  EXPECT_TRUE(verify_receipt(*r, keys.signing().public_key()).ok());
  EXPECT_EQ(*mem.store->count_alerts(), 1u);
  EXPECT_EQ(mem.store->log_size(), 0u);
  EXPECT_EQ(mem.store->log_waiting(), 1u);
}

TEST_F(IngestOnMemory, WhenTheCommitFailsThereIsNoReceiptAndNothingIsKept) {
  const auto body = envelope();
  mem.fail_commits(true);
  auto refused = submit(body);
  EXPECT_EQ(refused.code, Errc::store_unavailable);
  EXPECT_TRUE(refused.receipt_json.empty()) << "no receipt for what was not committed";
  EXPECT_EQ(*mem.store->count_alerts(), 0u);
  EXPECT_EQ(mem.store->log_size(), 0u) << "no leaf for a rolled-back alert";
  // The contact's client sends the same alert again once the store is back:
  // it is new (nothing of the failed attempt remained), and receipted.
  mem.fail_commits(false);
  auto again = submit(body);
  ASSERT_EQ(again.code, Errc::ok) << again.message;
  EXPECT_FALSE(again.repeat);
  EXPECT_EQ(*mem.store->count_alerts(), 1u);
}

TEST_F(IngestOnMemory, ARepeatGetsTheStoredReceiptByteForByte) {
  const auto body = envelope();
  auto first = submit(body);
  auto second = submit(body);
  ASSERT_EQ(first.code, Errc::ok);
  ASSERT_EQ(second.code, Errc::ok);
  EXPECT_FALSE(first.repeat);
  EXPECT_TRUE(second.repeat);
  EXPECT_EQ(receipt(second), receipt(first));
  EXPECT_EQ(*mem.store->count_alerts(), 1u);
}

}  // namespace
}  // namespace cw::daemon
