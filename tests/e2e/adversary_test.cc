// Attacks from docs/THREAT_MODEL.md's claims table, each performed for real
// against a running daemon: an enrolled contact turned hostile (a seized
// phone), one host holding sockets, a hostile operator of another daemon.
// Each test is named after the claim it would break.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "keys/commands.h"
#include "protocol/file_io.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/raw_client.h"

namespace json = boost::json;

namespace cw::test {
namespace {

using namespace std::chrono_literals;

std::string str(const Bytes& b) { return std::string(as_chars(b)); }

Alert follow_up(AlertKind kind, const AlertId& case_ref) {
  Alert a;
  a.kind = kind;
  a.case_ref = case_ref;
  if (kind != AlertKind::retraction) a.status = CaseStatus::released;
  return a;
}

class Adversary : public ::testing::Test {
 protected:
  void SetUp() override {
    inst = std::make_unique<Instance>("", "[delivery]\npoll_interval_ms = 100\n");
    inst->start();
    alice = inst->add_contact("alice");
    mallory = inst->add_contact("mallory");  // enrolled, but a seized or turned phone
    org = inst->add_org("ngo", OrgOptions{.regions = {"CN-JL"}});
    inst->sighup();
    wait_reloaded(1);
  }
  void wait_reloaded(std::uint64_t n) {
    for (int i = 0; i < 200 && inst->metric("casewire_trust_reloads_total") < n; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_GE(inst->metric("casewire_trust_reloads_total"), n);
  }
  std::optional<HttpReply> post(const Contact& c, const Alert& a, const AlertId& id = random_alert_id()) {
    return post_alert(inst->port(), str(inst->seal(c, a, id, unix_now())));
  }
  std::size_t notifications() {
    auto r = inst->client(org, {"--json", "feed", "--pull", "--from-start"});
    EXPECT_EQ(r.status, 0) << r.err;
    return static_cast<std::size_t>(std::count(r.out.begin(), r.out.end(), '\n'));
  }

  std::unique_ptr<Instance> inst;
  Contact alice, mallory;
  Org org;
};

// Claim: only the contact that reported a case can follow it up; anyone else
// gets exactly the answer for a case that does not exist.
TEST_F(Adversary, AnotherEnrolledContactCannotRetractResolveOrRewriteACase) {
  const auto case_ref = random_alert_id();
  auto first = post(alice, sample_alert(), case_ref);
  ASSERT_TRUE(first && first->status == 201);
  ASSERT_EQ(notifications(), 1u);

  // Mallory knows the reference (from a receipt, an outbox file name...).
  const auto nonexistent = post(mallory, follow_up(AlertKind::retraction, random_alert_id()));
  ASSERT_TRUE(nonexistent);
  EXPECT_EQ(nonexistent->status, 422);
  for (auto kind : {AlertKind::retraction, AlertKind::resolved, AlertKind::update}) {
    auto r = post(mallory, follow_up(kind, case_ref));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, nonexistent->status) << to_string(kind);
    EXPECT_EQ(r->body, nonexistent->body) << "no oracle: someone else's case looks like no case";
  }
  EXPECT_EQ(notifications(), 1u) << "nothing reached the organisations";

  // The reporter can; and a retraction is final.
  auto upd = post(alice, follow_up(AlertKind::update, case_ref));
  ASSERT_TRUE(upd);
  EXPECT_EQ(upd->status, 201) << upd->body;
  auto retract = post(alice, follow_up(AlertKind::retraction, case_ref));
  ASSERT_TRUE(retract);
  EXPECT_EQ(retract->status, 201) << retract->body;
  auto reopen = post(alice, follow_up(AlertKind::update, case_ref));
  ASSERT_TRUE(reopen);
  EXPECT_EQ(reopen->status, 409);
  EXPECT_NE(reopen->body.find("case_retracted"), std::string::npos) << reopen->body;
  EXPECT_EQ(notifications(), 3u);

  // The status endpoint draws the same line.
  auto nosy = inst->client(mallory, {"status", to_hex(case_ref)});
  EXPECT_NE(nosy.status, 0);
  EXPECT_NE(nosy.err.find("unknown_case"), std::string::npos) << nosy.err;
}

// Claim: a contact's cases pass to a new key only when the operator says so
// (casewire-keys enroll --replaces), and the old key stops working.
TEST_F(Adversary, ANewKeyTakesOverCasesOnlyThroughEnrollReplaces) {
  const auto case_ref = random_alert_id();
  ASSERT_EQ(post(alice, sample_alert(), case_ref)->status, 201);
  // A new key the operator did not link to Alice's is just another contact.
  auto stranger = inst->add_contact("alice-new-phone-unlinked");
  inst->sighup();
  wait_reloaded(2);
  EXPECT_EQ(post(stranger, follow_up(AlertKind::update, case_ref))->status, 422);

  auto alice2 = inst->add_contact("alice-new-phone", 1000, {}, key_id_hex(alice.id));
  inst->sighup();
  wait_reloaded(3);
  auto r = post(alice2, follow_up(AlertKind::update, case_ref));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  auto status = inst->client(alice2, {"status", to_hex(case_ref)});
  EXPECT_EQ(status.status, 0) << status.err;
  auto old = post(alice, follow_up(AlertKind::update, case_ref));
  EXPECT_EQ(old->status, 403) << "the replaced key is revoked";
  // One successor only: a second key cannot also claim Alice's old key.
  std::ostringstream sink;
  keys::SecretFileOptions o;
  o.insecure_no_passphrase = true;
  ASSERT_TRUE(keys::new_identity(Role::contact, inst->dir() + "/thief.key", o, sink).ok());
  auto st = keys::enroll({inst->keys_dir(), inst->dir() + "/thief.key.pub", "thief", {}, 60, key_id_hex(alice.id)}, sink);
  EXPECT_EQ(st.code(), Errc::already_exists);
}

// Claim: replaying a contact's envelope (a courier's .cwe, a seized outbox)
// returns its receipt and does not use up the contact's budget for new alerts.
TEST_F(Adversary, ReplayingAnEnvelopeDoesNotLockTheContactOut) {
  auto carol = inst->add_contact("carol", 3);  // three new alerts an hour
  inst->sighup();
  wait_reloaded(2);
  const auto wire = str(inst->seal(carol, sample_alert(), random_alert_id(), unix_now()));
  auto first = post_alert(inst->port(), wire);
  ASSERT_TRUE(first && first->status == 201);
  for (int i = 0; i < 20; ++i) {
    auto r = post_alert(inst->port(), wire);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << "replay " << i << ": " << r->body;
    EXPECT_EQ(r->body, first->body) << "the same receipt, byte for byte";
  }
  // Carol's own budget is intact: two more new alerts, then the limit.
  EXPECT_EQ(post(carol, sample_alert())->status, 201);
  EXPECT_EQ(post(carol, sample_alert())->status, 201);
  EXPECT_EQ(post(carol, sample_alert())->status, 429) << "the budget for new alerts still holds";
}

}  // namespace
}  // namespace cw::test
