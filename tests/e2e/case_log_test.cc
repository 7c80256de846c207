// The tamper-evident case log end to end (docs/THREAT_MODEL.md, "The case
// log"): receipts carry their leaf, a head and a proof; a contact's and an
// organisation's `casewire verify-log` pass on an honest log and both catch
// an operator who rewrites or deletes a recorded row in the database
// directly; and an organisation that compares heads with another catches a
// log that was rewritten before the other ever looked.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <csignal>
#include <filesystem>

#include "protocol/case_log.h"
#include "protocol/file_io.h"
#include "protocol/invite.h"
#include "protocol/key_file.h"
#include "protocol/merkle.h"
#include "protocol/receipt.h"
#include "protocol/timefmt.h"
#include "tests/support/eventually.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"

namespace cw::test {
namespace {

namespace json = boost::json;

// What a hostile operator (or whoever holds the server) can do with the
// file: any SQL at all, the daemon stopped.
void tamper(const std::string& db, const char* sql) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  char* e = nullptr;
  const int rc = sqlite3_exec(h, sql, nullptr, nullptr, &e);
  const std::string why = e ? e : "";
  sqlite3_free(e);
  sqlite3_close(h);
  ASSERT_EQ(rc, SQLITE_OK) << why;
}

// Flips one bit of the tag inside leaf `idx`: an event rewritten in place.
void rewrite_leaf(const std::string& db, int idx) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  sqlite3_stmt* get = nullptr;
  sqlite3_prepare_v2(h, "SELECT leaf FROM case_log WHERE idx = ?", -1, &get, nullptr);
  sqlite3_bind_int(get, 1, idx);
  ASSERT_EQ(sqlite3_step(get), SQLITE_ROW);
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(get, 0));
  Bytes leaf(p, p + sqlite3_column_bytes(get, 0));
  sqlite3_finalize(get);
  leaf.back() ^= 1;
  sqlite3_stmt* put = nullptr;
  sqlite3_prepare_v2(h, "UPDATE case_log SET leaf = ? WHERE idx = ?", -1, &put, nullptr);
  sqlite3_bind_blob(put, 1, leaf.data(), static_cast<int>(leaf.size()), SQLITE_STATIC);
  sqlite3_bind_int(put, 2, idx);
  EXPECT_EQ(sqlite3_step(put), SQLITE_DONE);
  sqlite3_finalize(put);
  sqlite3_close(h);
}

// The place of the leaf whose hash a receipt gave (hex): -1 if not in the
// log. Found as whoever holds the file would: by hashing every leaf.
int idx_of(const std::string& db, const std::string& leaf_hex) {
  sqlite3* h = nullptr;
  if (sqlite3_open(db.c_str(), &h) != SQLITE_OK) return -1;
  sqlite3_stmt* get = nullptr;
  sqlite3_prepare_v2(h, "SELECT idx, leaf FROM case_log", -1, &get, nullptr);
  int found = -1;
  while (sqlite3_step(get) == SQLITE_ROW) {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(get, 1));
    const Bytes leaf(p, p + sqlite3_column_bytes(get, 1));
    if (to_hex(merkle::leaf_hash(leaf)) == leaf_hex) found = sqlite3_column_int(get, 0);
  }
  sqlite3_finalize(get);
  sqlite3_close(h);
  return found;
}

struct Sent {
  std::string alert_id;
  std::string leaf;  // hex
  std::int64_t received_at = 0, include_by = 0;
};

Sent send(Instance& inst, const Contact& c) {
  auto r = inst.client(c, {"--json", "send", "--people", "2", "--arrest-place", "CN-JL",
                           "--urgency", "high", "--consent", "advocacy"});
  EXPECT_EQ(r.status, 0) << r.err;
  if (r.status != 0) return {};
  auto o = json::parse(r.out.substr(0, r.out.find('\n'))).as_object();
  // The receipt names the leaf its alert will be in the log as, and the time
  // it will be there by: its place is not known until its window is over.
  EXPECT_FALSE(o.contains("log_index")) << r.out;
  EXPECT_TRUE(o.contains("log_leaf") && o.contains("log_include_by")) << r.out;
  if (!o.contains("log_leaf") || !o.contains("log_include_by")) return {};
  return {std::string(o.at("alert_id").as_string()), std::string(o.at("log_leaf").as_string()),
          o.at("received_at").to_number<std::int64_t>(),
          o.at("log_include_by").to_number<std::int64_t>()};
}

TEST(CaseLog, ContactsAndOrganisationsCatchARewrittenRow) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  Org ngo = inst.add_org("ngo", OrgOptions{});
  Org reader = inst.add_org("reader", OrgOptions{});
  inst.start();
  std::vector<Sent> sent;
  for (int i = 0; i < 3; ++i) sent.push_back(send(inst, alice));
  ASSERT_EQ(inst.client(ngo, {"ack", "1"}).status, 0);  // an acknowledgement is a leaf too
  ASSERT_TRUE(inst.wait_for_log());
  EXPECT_EQ(inst.metric("casewire_case_log_size"), 4u);
  // One head per size at most (the hourly re-signing aside): not one per request.
  EXPECT_LE(inst.metric("casewire_tree_heads_signed_total"), 4u);

  auto contact = inst.client(alice, {"verify-log"});
  ASSERT_EQ(contact.status, 0) << contact.err;
  EXPECT_NE(contact.out.find("holds 4 events"), std::string::npos) << contact.out;
  EXPECT_NE(contact.out.find("Every receipt on this device is in it (3 checked)"),
            std::string::npos)
      << contact.out;
  auto org = inst.client(ngo, {"verify-log"});
  ASSERT_EQ(org.status, 0) << org.err;
  EXPECT_NE(org.out.find("First check"), std::string::npos) << org.out;
  // A second look at an unchanged log: it only grew (by nothing).
  org = inst.client(ngo, {"verify-log"});
  ASSERT_EQ(org.status, 0) << org.err;
  EXPECT_NE(org.out.find("only grew"), std::string::npos) << org.out;

  // An organisation that only reads its feed keeps the heads the feed shows.
  auto pulled = inst.client(reader, {"feed", "--pull"});
  ASSERT_EQ(pulled.status, 0) << pulled.err;

  // The operator rewrites the second alert's leaf (one bit of its tag).
  inst.stop();
  const int second = idx_of(inst.db_path(), sent[1].leaf);
  ASSERT_GE(second, 0);
  rewrite_leaf(inst.db_path(), second);
  inst.start();

  contact = inst.client(alice, {"verify-log"});
  EXPECT_EQ(contact.status, 4) << contact.out << contact.err;
  EXPECT_NE(contact.err.find("log_inconsistent"), std::string::npos) << contact.err;
  EXPECT_NE(contact.err.find("receipt " + sent[1].alert_id), std::string::npos) << contact.err;
  EXPECT_EQ(contact.err.find("receipt " + sent[0].alert_id), std::string::npos)
      << "the untouched alerts still check out: " << contact.err;
  org = inst.client(ngo, {"verify-log"});
  EXPECT_EQ(org.status, 4) << org.out << org.err;
  EXPECT_NE(org.err.find("not the one you were shown before (4 events then)"), std::string::npos)
      << org.err;
  // And it keeps saying so: the last good head was kept.
  EXPECT_EQ(inst.client(ngo, {"verify-log"}).status, 4);
  // The reader never ran verify-log before; the head its feed showed it is
  // enough.
  auto read = inst.client(reader, {"verify-log"});
  EXPECT_EQ(read.status, 4) << read.out << read.err;
  EXPECT_NE(read.err.find("not the one you were shown before (4 events then)"), std::string::npos)
      << read.err;
}

TEST(CaseLog, ADeletedRowIsCaughtAndTheDaemonGoesOnRecording) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  Org reader = inst.add_org("reader", OrgOptions{});
  inst.start();
  const std::vector<Sent> sent{send(inst, alice), send(inst, alice)};
  ASSERT_TRUE(inst.wait_for_log());
  ASSERT_EQ(inst.client(alice, {"verify-log"}).status, 0);
  // The leaf at the log's start: its deletion leaves a gap.
  const Sent& first = idx_of(inst.db_path(), sent[0].leaf) == 0 ? sent[0] : sent[1];
  // An organisation that only read its feed, before the deletion: the head
  // it was shown (2 events) is bigger than the log right after it.
  ASSERT_EQ(inst.client(reader, {"feed", "--pull"}).status, 0);

  inst.stop();
  tamper(inst.db_path(), "DELETE FROM case_log WHERE idx = 0");
  inst.start();
  EXPECT_NE(inst.log().find("case_log_damaged"), std::string::npos) << inst.log();
  // The log is now smaller than the head the reader's feed showed it: a
  // verdict, not a network error.
  auto org = inst.client(reader, {"verify-log"});
  EXPECT_EQ(org.status, 4) << org.out << org.err;
  EXPECT_NE(org.err.find("log_inconsistent"), std::string::npos) << org.err;
  // Alerts are still recorded (a damaged log must not silence the daemon)...
  send(inst, alice);
  // ...but the contact is told that its first alert was dropped.
  auto r = inst.client(alice, {"verify-log"});
  EXPECT_EQ(r.status, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("receipt " + first.alert_id), std::string::npos) << r.err;
}

// A receipted alert's leaf deleted by whoever holds the server, then a
// signing key rotation and a restart: the rotation must not become a fresh
// start. Every receipt and saved head is checked against the key that
// signed it (the device's key history), the old key's last head rides in
// the invite update, and a receipt that verifies under no key is a problem.
class CaseLogRotation : public ::testing::TestWithParam<bool> {};

TEST_P(CaseLogRotation, ADeletionIsCaughtWithOrWithoutASigningKeyRotation) {
  const bool rotate = GetParam();
  Instance inst;
  Contact alice = inst.add_contact("alice");
  Org ngo = inst.add_org("ngo", OrgOptions{});
  Org reader = inst.add_org("reader", OrgOptions{});
  inst.start();
  inst.reinit_homes_on_start = false;  // the devices keep what they had
  std::vector<Sent> sent;
  for (int i = 0; i < 3; ++i) sent.push_back(send(inst, alice));
  ASSERT_TRUE(inst.wait_for_log());
  // The contact's device finds its leaves in the log and keeps where: a v3
  // receipt carries no place of its own (PROTOCOL §5b).
  ASSERT_EQ(inst.client(alice, {"verify-log"}).status, 0);
  ASSERT_EQ(inst.client(ngo, {"verify-log"}).status, 0);
  ASSERT_EQ(inst.client(reader, {"feed", "--pull"}).status, 0);

  inst.stop();
  const int second = idx_of(inst.db_path(), sent[1].leaf);
  ASSERT_GE(second, 0);
  tamper(inst.db_path(), ("DELETE FROM case_log WHERE idx = " + std::to_string(second)).c_str());
  if (rotate) {
    auto r = run({bin("casewire-keys"), "rotate", "--dir", inst.keys_dir(), "--url", inst.url(),
                  "--sign", "--box"});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  inst.start();

  auto contact = inst.client(alice, {"verify-log"});
  EXPECT_EQ(contact.status, 4) << contact.out << contact.err;
  EXPECT_NE(contact.err.find("receipt " + sent[1].alert_id), std::string::npos) << contact.err;
  EXPECT_EQ(contact.out.find("First check"), std::string::npos) << contact.out;
  for (const Org* o : {&ngo, &reader}) {
    auto org = inst.client(*o, {"verify-log"});
    EXPECT_EQ(org.status, 4) << org.out << org.err;
    EXPECT_NE(org.err.find("log_inconsistent"), std::string::npos) << org.err;
  }
  if (rotate) {
    // The devices did follow the rotation (their keys are the new ones).
    auto inv = invite_from_json(as_chars(*read_file(alice.home + "/invite.json")));
    EXPECT_EQ(inv->daemon_sign.id(), inst.invite().daemon_sign.id());
  }
}

INSTANTIATE_TEST_SUITE_P(Both, CaseLogRotation, ::testing::Bool(),
                         [](const auto& p) { return p.param ? "Rotated" : "NotRotated"; });

TEST(CaseLog, AReceiptNoKeyOfTheDaemonSignedIsAProblemNotBeforeTheLog) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  inst.start();
  const Sent s = send(inst, alice);
  ASSERT_EQ(inst.client(alice, {"verify-log"}).status, 0);
  // A sealed receipt altered on the device (storage damage, or a plant):
  // it does not open, and says so.
  std::filesystem::path sealed;
  for (const auto& e : std::filesystem::directory_iterator(alice.home + "/receipts"))
    sealed = e.path();
  ASSERT_EQ(sealed.extension(), ".cwr") << "receipts are kept sealed";
  std::string text(as_chars(*read_file(sealed.string())));
  text[text.size() / 2] = text[text.size() / 2] == 'A' ? 'B' : 'A';
  ASSERT_TRUE(write_file_atomic(sealed.string(), as_bytes(text), 0600, Overwrite::yes).ok());
  auto r = inst.client(alice, {"verify-log"});
  EXPECT_EQ(r.status, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("1 receipt files on this device do not open"), std::string::npos) << r.err;
  // A receipt in an older client's clear format with a signature no key of
  // the daemon made: read (and sealed), and reported - never counted as
  // "before the log".
  std::filesystem::remove(sealed);
  const std::string forged =
      R"({"case_ref":")" + s.alert_id + R"(","kind":"new_case","receipt":{"alert_id":")" +
      s.alert_id + R"(","sequence":1,"received_at":1795000000,"envelope_hash":")" +
      std::string(64, 'a') + R"(","log_index":0,"log_leaf":")" + std::string(64, 'b') +
      R"(","daemon_key_id":")" + key_id_hex(inst.invite().daemon_sign.id()) + R"(","signature":")" +
      std::string(86, 'A') + R"(=="}})";
  ASSERT_TRUE(write_file_atomic(alice.home + "/receipts/" + s.alert_id + ".json", as_bytes(forged),
                                0600, Overwrite::no)
                  .ok());
  r = inst.client(alice, {"verify-log"});
  EXPECT_EQ(r.status, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("receipt " + s.alert_id + ": its signature does not verify"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("before the daemon kept a log"), std::string::npos) << r.out;
  EXPECT_FALSE(file_exists(alice.home + "/receipts/" + s.alert_id + ".json"))
      << "the clear copy is gone: sealed, then shredded";
}

// What the log does not prove (docs/THREAT_MODEL.md, "A seized phone and a
// seized server"): a leaf commits to the event, not to the rows it made.
// Deleting an alert's row and keeping its leaf passes verify-log - this test
// keeps that sentence of the threat model true, and will fail the day a leaf
// commits to more.
TEST(CaseLog, DeletingAnAlertsRowsButNotItsLeafIsNotCaughtByTheLog) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  inst.start();
  send(inst, alice);
  send(inst, alice);
  ASSERT_TRUE(inst.wait_for_log());
  ASSERT_EQ(inst.client(alice, {"verify-log"}).status, 0);
  inst.stop();
  tamper(inst.db_path(),
         "DELETE FROM alerts WHERE alert_tag = (SELECT alert_tag FROM alerts LIMIT 1)");
  inst.start();
  auto r = inst.client(alice, {"verify-log"});
  EXPECT_EQ(r.status, 0) << "the log still holds both events: " << r.out << r.err;
}

TEST(CaseLog, ComparingHeadsCatchesALogRewrittenBeforeTheOtherLooked) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  Org early = inst.add_org("early", OrgOptions{});
  Org late = inst.add_org("late", OrgOptions{});
  inst.start();
  send(inst, alice);
  send(inst, alice);
  ASSERT_TRUE(inst.wait_for_log());
  auto seen = inst.client(early, {"--json", "verify-log"});
  ASSERT_EQ(seen.status, 0) << seen.err;
  const std::string head_file = inst.dir() + "/early-head.json";
  ASSERT_TRUE(write_file_atomic(head_file, as_bytes(seen.out), 0600, Overwrite::yes).ok());
  auto honest = inst.client(late, {"verify-log", "--compare", head_file});
  ASSERT_EQ(honest.status, 0) << honest.err;
  EXPECT_NE(honest.out.find("from this same log"), std::string::npos) << honest.out;

  // Rewritten; an organisation with no earlier head of its own would see
  // nothing wrong - but the head it got from another organisation does.
  inst.stop();
  rewrite_leaf(inst.db_path(), 0);
  inst.start();
  Org newcomer = inst.add_org("newcomer", OrgOptions{});
  inst.sighup();
  EXPECT_EQ(inst.client(newcomer, {"verify-log"}).status, 0);
  auto compared = inst.client(newcomer, {"verify-log", "--compare", head_file});
  EXPECT_EQ(compared.status, 4) << compared.out << compared.err;
  EXPECT_NE(compared.err.find("different logs to different people"), std::string::npos)
      << compared.err;
  // A head that was not signed by this daemon is refused outright.
  std::string forged = seen.out;
  forged[forged.find("\"root\":\"") + 8] ^= 1;
  ASSERT_TRUE(write_file_atomic(head_file, as_bytes(forged), 0600, Overwrite::yes).ok());
  auto refused = inst.client(newcomer, {"verify-log", "--compare", head_file});
  EXPECT_EQ(refused.status, 4) << refused.err;
  EXPECT_NE(refused.err.find("bad_tree_head"), std::string::npos) << refused.err;
}

// Webhooks carry the log's current head in a header of its own (their body
// is signed once, before that head exists); a webhook-only organisation keeps
// it and checks it with verify-log --compare.
TEST(CaseLog, AWebhookCarriesTheHeadAndItsReceiverChecksIt) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  Receiver rx(inst.dir(), "hook", "");
  rx.start();
  Org hooked = inst.add_org("hooked", OrgOptions{.webhook_url = rx.url()});
  inst.start();
  send(inst, alice);
  ASSERT_TRUE(eventually([&] { return !rx.lines().empty(); }, std::chrono::seconds(20)));
  std::string head;
  const auto received = json::parse(rx.lines()[0]);
  for (const auto& h : received.as_object().at("headers").as_array()) {
    std::string name(h.as_array()[0].as_string());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (name == "casewire-tree-head") head = std::string(h.as_array()[1].as_string());
  }
  ASSERT_FALSE(head.empty()) << rx.lines()[0];
  auto parsed = tree_head_from_json(head);
  ASSERT_TRUE(parsed.ok()) << head;
  EXPECT_TRUE(verify_tree_head(*parsed, inst.invite().daemon_sign).ok());
  // Delivered at once, before the alert's window is over: its leaf may not
  // be in the log yet.
  EXPECT_LE(parsed->size, 1u);
  const std::string file = inst.dir() + "/webhook-head.json";
  ASSERT_TRUE(write_file_atomic(file, as_bytes(head), 0600, Overwrite::yes).ok());
  auto checked = inst.client(hooked, {"verify-log", "--compare", file});
  EXPECT_EQ(checked.status, 0) << checked.err;
  EXPECT_NE(checked.out.find("from this same log"), std::string::npos) << checked.out;
}

// A receipt from a mixed log (PROTOCOL §5b) promises its leaf by a time. On
// an hour's window the honest daemon's leaf is still waiting: verify-log says
// so and passes. A receipt the daemon signed whose promised time has passed
// while a head the daemon signed since does not hold the leaf is the
// daemon's own word that it dropped (or withholds) the alert - whatever the
// device's clock says.
TEST(CaseLog, AReceiptWaitsForItsWindowAndABrokenPromiseIsCaught) {
  Instance inst("", "[case_log]\nmix_seconds = 3600\n");
  Contact alice = inst.add_contact("alice");
  inst.start();
  const Sent s = send(inst, alice);
  ASSERT_FALSE(s.leaf.empty());
  EXPECT_EQ(s.include_by, log_include_by(s.received_at, 3600));
  EXPECT_EQ(inst.metric("casewire_case_log_waiting"), 1u);
  EXPECT_EQ(inst.metric("casewire_case_log_size"), 0u);
  // Unless the hour ended just now, the leaf is still waiting.
  if (log_window_end(s.received_at, 3600) - unix_now() > 5) {
    auto r = inst.client(alice, {"--json", "verify-log"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto o = json::parse(r.out).as_object();
    EXPECT_EQ(o.at("receipts_waiting").to_number<int>(), 1) << r.out;
    EXPECT_EQ(o.at("receipts_checked").to_number<int>(), 0) << r.out;
    r = inst.client(alice, {"verify-log"});
    EXPECT_NE(r.out.find("1 receipts are waiting for their hour to end"), std::string::npos)
        << r.out;
  }

  // The daemon's key signs a receipt whose promised time is past, for a leaf
  // it never appended (what a daemon that drops an alert after receipting it
  // would have given). Planted in the device's receipts as an older client
  // kept them.
  auto key = read_file(inst.keys_dir() + "/daemon.key");
  ASSERT_TRUE(key.ok());
  auto daemon = open_identity(as_chars(*key), [] { return Result<SecretBytes>(SecretBytes{}); });
  ASSERT_TRUE(daemon.ok()) << daemon.error().message;
  AlertId dropped{};
  dropped.fill(0x5d);
  ReceiptLogPromise promise;
  promise.leaf.fill(0x42);
  promise.include_by = unix_now() - 60;
  const auto forged = sign_receipt(daemon->sign, dropped, std::array<std::uint8_t, 32>{},
                                   unix_now() - 7200, 99, std::nullopt, promise);
  const std::string file = R"({"case_ref":")" + to_hex(dropped) +
                           R"(","kind":"new_case","receipt":)" + receipt_to_json(forged) + "}";
  ASSERT_TRUE(write_file_atomic(alice.home + "/receipts/" + to_hex(dropped) + ".json",
                                as_bytes(file), 0600, Overwrite::no)
                  .ok());
  auto r = inst.client(alice, {"verify-log"});
  EXPECT_EQ(r.status, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("receipt " + to_hex(dropped) + ": the daemon promised"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("dropped or withheld"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("receipt " + s.alert_id), std::string::npos)
      << "the honest receipt is not blamed: " << r.err;
}

// Claim (verify-log checks the live head's signature): a hostile server
// holding the daemon's TLS certificate and key - so the pin matches - but not
// its signing key serves a head the daemon never signed: the same size and
// key id, another root (a log without the contact's alert). verify-log refuses
// it (exit 4) rather than reading the log it describes. Were the signature
// not checked, the receipt's leaf would read as "waiting" and pass.
TEST(CaseLog, AHeadTheDaemonNeverSignedIsRefused) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  Contact bob = inst.add_contact("bob");
  inst.start();
  const Sent s = send(inst, alice);
  ASSERT_FALSE(s.leaf.empty());
  ASSERT_TRUE(inst.wait_for_log());
  auto real = inst.client(bob, {"--json", "verify-log"});
  ASSERT_EQ(real.status, 0) << real.err;
  auto head = json::parse(real.out).as_object().at("tree_head").as_object();
  head["root"] = std::string(64, 'e');
  head["timestamp"] = s.received_at;  // before the promise: only a signature can tell
  const std::string head_file = inst.keys_dir() + "/../forged-head.json";
  ASSERT_TRUE(
      write_file_atomic(head_file, as_bytes(json::serialize(head)), 0600, Overwrite::yes).ok());
  const auto port = inst.port();
  inst.stop();
  Process hostile({"/usr/bin/python3",
                   std::string(CASEWIRE_SOURCE_DIR) + "/tests/support/hostile_log_server.py",
                   "--port", std::to_string(port), "--tls-cert", inst.keys_dir() + "/tls.crt",
                   "--tls-key", inst.keys_dir() + "/tls.key", "--head-file", head_file},
                  inst.keys_dir() + "/../hostile");
  ASSERT_TRUE(hostile.wait_for_output("listening on", std::chrono::seconds(10))) << hostile.err();
  auto r = inst.client(alice, {"verify-log"});
  EXPECT_EQ(r.status, 4) << r.out << r.err;
  EXPECT_EQ(r.out.find("verified"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("waiting"), std::string::npos) << r.out;
  hostile.signal(SIGKILL);
  hostile.wait(std::chrono::seconds(5));
}

}  // namespace
}  // namespace cw::test
