// Issue 9 §10: decrypted alert content must not survive in freed memory.
//
// This binary replaces the global operator delete: while `g_watch` is set,
// every block released is scanned for the canary values of a sample alert
// before it goes back to the allocator. The test then runs the daemon's real
// ingest (decrypt, verify, parse, re-encode, anonymise, seal, store) on an
// envelope full of canaries and asserts that no released block held one.
#include <gtest/gtest.h>
#include <malloc.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>

#include "daemon/ingest/ingest.h"
#include "daemon/store/sqlite_store.h"
#include "lib/casewire.h"
#include "protocol/alert.h"
#include "protocol/envelope.h"
#include "protocol/wiping_json.h"
#include "tests/support/fixtures.h"
#include "tests/support/temp_dir.h"

namespace {

std::atomic<bool> g_watch{false};
std::atomic<int> g_hits{0};
std::atomic<std::size_t> g_hit_size{0};
// One more value to look for (a test's own canary, e.g. a case reference).
std::atomic<const char*> g_extra{nullptr};

void scan_and_free(void* p) noexcept {
  if (p && g_watch.load(std::memory_order_relaxed)) {
    const std::size_t n = malloc_usable_size(p);
    const auto* bytes = static_cast<const char*>(p);
    bool hit = false;
    for (const char* canary : cw::test::kAllCanaries)
      hit = hit || memmem(bytes, n, canary, std::strlen(canary)) != nullptr;
    if (const char* extra = g_extra.load(); extra && !hit)
      hit = memmem(bytes, n, extra, std::strlen(extra)) != nullptr;
    if (hit) {
      g_hits.fetch_add(1);
      g_hit_size.store(n);
    }
  }
  std::free(p);
}

}  // namespace

// libstdc++'s operator new uses malloc (and aligned_alloc for over-aligned
// types), so std::free releases either.
void operator delete(void* p) noexcept {
  scan_and_free(p);
}
void operator delete[](void* p) noexcept {
  scan_and_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  scan_and_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  scan_and_free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  scan_and_free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  scan_and_free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  scan_and_free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  scan_and_free(p);
}

namespace cw::daemon {
namespace {

TEST(PlaintextAfterUse, NoReleasedBlockHoldsAnAlertsRestrictedContent) {
  test::TempDir dir;
  Keyring keys(Identity::generate(Role::daemon));
  auto contact = SigningKey::generate();
  TrustStore ts = TrustStore::empty();
  ASSERT_TRUE(
      ts.enroll_contact({contact.public_key(), "c", {}, 1000, false, 0, 0, std::nullopt}).ok());
  TrustHolder trust(std::make_shared<const TrustView>(std::move(ts)));
  Metrics metrics;
  auto store = open_sqlite_store({dir / "t.db", 16, &metrics, &keys});
  ASSERT_TRUE(store.ok());
  TreeHeads heads(**store, keys);
  Ingest ingest(keys, trust, **store, heads, metrics, 0);

  // Sealed before watching: the client side is not what is measured here.
  const auto now = unix_now();
  auto wire = seal_envelope(test::sample_alert(now), random_alert_id(), now, contact,
                            keys.box().public_key());
  ASSERT_TRUE(wire.ok());
  const std::string body(as_chars(*wire));

  boost::asio::io_context ioc;
  std::optional<IngestOutcome> outcome;
  g_hits = 0;
  g_watch = true;
  ingest.submit(body, ioc.get_executor(), [&](IngestOutcome o) { outcome = std::move(o); });
  // The answer comes back from the store's writer thread, posted to `ioc`.
  auto guard = boost::asio::make_work_guard(ioc);
  for (int i = 0; i < 500 && !outcome; ++i) ioc.run_one_for(std::chrono::milliseconds(10));
  (*store)->close();
  g_watch = false;
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->code, Errc::ok) << outcome->message;
  EXPECT_FALSE(outcome->repeat);
  EXPECT_EQ(g_hits.load(), 0) << "a released heap block of " << g_hit_size.load()
                              << " bytes still held restricted alert content";
}

// Runs `fn` while every released block is scanned; returns the blocks that
// still held a canary.
template <class F>
int hits_while(F fn) {
  g_hits = 0;
  g_watch = true;
  fn();
  g_watch = false;
  return g_hits.load();
}

// The error paths: an alert refused after it was read - by the schema, by
// validation, by the canonical-form check, or by libcasewire - is dropped
// wiped, like an accepted one once used (issue 35).
TEST(PlaintextAfterUse, ARefusedAlertLeavesNoRestrictedContentInFreedMemory) {
  const auto now = unix_now();
  const std::string good = canonical_alert(test::sample_alert(now));
  // Read whole, then refused by validation: a month ago its arrest lay in the future.
  EXPECT_EQ(hits_while([&] {
              auto a = parse_alert_json(good, now - 30 * 86400);
              EXPECT_EQ(a.code(), Errc::invalid_alert);
            }),
            0)
      << "validation";
  // Read whole, then refused as not canonical (one space added).
  const std::string spaced = good.substr(0, 1) + " " + good.substr(1);
  EXPECT_EQ(hits_while([&] {
              auto a = parse_canonical_alert(as_bytes(spaced), now);
              EXPECT_FALSE(a.ok());
            }),
            0)
      << "canonical form";
  // Refused half way through reading it: its last field is out of the schema.
  std::string bad_tail = good;
  bad_tail.insert(bad_tail.size() - 1, R"(,"urgency":"whenever")");
  EXPECT_EQ(hits_while([&] {
              auto a = parse_alert_json(bad_tail, now);
              EXPECT_FALSE(a.ok());
            }),
            0)
      << "schema";
  // A place refused for an unknown key, half read: its exact detail.
  std::string odd_place = good;
  const auto detail_at = odd_place.find("\"detail\":");
  ASSERT_NE(detail_at, std::string::npos);
  odd_place.insert(detail_at, R"("zz":1,)");
  EXPECT_EQ(hits_while([&] { EXPECT_FALSE(parse_alert_json(odd_place, now).ok()); }), 0)
      << "a refused place";
  // Too many names (a vector that grew would free its old block with the
  // short names inline in it).
  const char* const kShortName = "NMCANARY-q7";  // short enough to be stored inline
  Alert crowded = test::sample_alert(now);
  crowded.names.assign(25, kShortName);
  const std::string crowd = canonical_alert(crowded);
  g_extra = kShortName;
  EXPECT_EQ(hits_while([&] { EXPECT_FALSE(parse_alert_json(crowd, now).ok()); }), 0)
      << "too many names";
  g_extra = nullptr;
  // A follow-up's case reference, accepted and refused: restricted too.
  Alert update;
  update.kind = AlertKind::update;
  update.status = CaseStatus::detained;
  AlertId ref{};
  ref.fill(0xc4);
  update.case_ref = ref;
  const std::string ref_hex = to_hex(ref);
  const std::string update_json = canonical_alert(update);
  g_extra = ref_hex.c_str();
  EXPECT_EQ(hits_while([&] {
              auto a = parse_alert_json(update_json, now);
              ASSERT_TRUE(a.ok()) << a.error().message;
              std::string again = canonical_alert(*a);
              wipe_string(again);
              wipe_alert(*a);
            }),
            0)
      << "an accepted case reference";
  std::string refused_update = update_json;
  refused_update.insert(refused_update.size() - 1, R"(,"urgency":"whenever")");
  EXPECT_EQ(hits_while([&] { EXPECT_FALSE(parse_alert_json(refused_update, now).ok()); }), 0)
      << "a refused case reference";
  g_extra = nullptr;
  // Through the C API an app calls.
  ASSERT_EQ(cw_init(), CW_OK);
  EXPECT_EQ(hits_while([&] {
              cw_alert* out = nullptr;
              EXPECT_NE(cw_alert_from_json(good.data(), good.size(), now - 30 * 86400, &out),
                        CW_OK);
              EXPECT_EQ(out, nullptr);
            }),
            0)
      << "libcasewire";
  // And an accepted one, freed by the app.
  EXPECT_EQ(hits_while([&] {
              cw_alert* out = nullptr;
              ASSERT_EQ(cw_alert_from_json(good.data(), good.size(), now, &out), CW_OK);
              cw_alert_free(out);
            }),
            0)
      << "libcasewire, freed";
}

}  // namespace
}  // namespace cw::daemon
