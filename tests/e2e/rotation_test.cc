// Key rotation against a running daemon (docs/OPERATIONS.md, "Key
// rotation"): a new box and signing key carry contacts across by a signed
// invite update they apply by themselves; alerts sealed to the old box key
// are opened for the grace period and refused (retired_key) after it; a
// forged update is refused; a new TLS key is announced before it is used,
// so a client that heard the announcement follows the switch and one that
// did not is stopped by its pin.
#include <gtest/gtest.h>

#include "protocol/file_io.h"
#include "protocol/invite.h"
#include "protocol/invite_update.h"
#include "protocol/key_file.h"
#include "protocol/timefmt.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"

namespace cw::test {
namespace {

Invite home_invite(const Contact& c) {
  return *invite_from_json(as_chars(*read_file(c.home + "/invite.json")));
}

class Rotation : public ::testing::Test {
 protected:
  void SetUp() override {
    alice = inst.add_contact("alice");
    bob = inst.add_contact("bob");
    inst.start();
    inst.reinit_homes_on_start = false;  // clients keep the invite they have
  }
  RunResult rotate(std::vector<std::string> what) {
    std::vector<std::string> argv{bin("casewire-keys"), "rotate", "--dir",
                                  inst.keys_dir(),      "--url",  inst.url()};
    argv.insert(argv.end(), what.begin(), what.end());
    return run(argv);
  }
  RunResult send(const Contact& c) {
    return inst.client(c, {"send", "--people", "2", "--arrest-place", "CN-JL", "--urgency", "high",
                           "--consent", "private"});
  }
  void restart() {
    inst.stop();
    inst.start();
  }
  Instance inst;
  Contact alice, bob;
};

TEST_F(Rotation, NewBoxAndSigningKeysCarryContactsAcrossAndTheOldBoxKeyRetires) {
  ASSERT_EQ(send(alice).status, 0);
  const KeyId old_sign = home_invite(alice).daemon_sign.id();
  const KeyId old_box = home_invite(alice).daemon_box.id();
  auto r = rotate({"--box", "--sign", "--grace-days", "30"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("invite update 1"), std::string::npos) << r.out;
  restart();

  // Alice still seals to the old box key and trusts the old signing key:
  // her alert is opened under the grace period, the receipt (signed by the
  // new key) tells her client to fetch the update, signed by the old key.
  auto after = send(alice);
  ASSERT_EQ(after.status, 0) << after.out << after.err;
  const Invite now = home_invite(alice);
  EXPECT_EQ(now.sequence, 1u);
  EXPECT_NE(now.daemon_sign.id(), old_sign);
  EXPECT_NE(now.daemon_box.id(), old_box);
  EXPECT_EQ(now.daemon_sign.id(), inst.invite().daemon_sign.id()) << "the daemon's new key";
  EXPECT_EQ(inst.count_alerts(), 2u);
  ASSERT_EQ(send(alice).status, 0) << "now sealed to the new box key";
  auto places = inst.client(alice, {"gazetteer", "Tumen"});
  EXPECT_EQ(places.status, 0) << "the gazetteer signed by the new key: " << places.err;

  // The grace period ends (rotation.json says when): Bob, who never heard
  // of the update, is refused with a code that says what to do.
  const std::string path = inst.keys_dir() + "/rotation.json";
  std::string rot(as_chars(*read_file(path)));
  const auto at = rot.find("\"until\":");
  ASSERT_NE(at, std::string::npos);
  const auto end = rot.find_first_of(",}", at);
  rot.replace(at, end - at, "\"until\":" + std::to_string(unix_now() - 60));
  ASSERT_TRUE(write_file_atomic(path, as_bytes(rot), 0600, Overwrite::yes).ok());
  restart();
  auto refused = send(bob);
  EXPECT_EQ(refused.status, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("retired"), std::string::npos) << refused.err;
  EXPECT_NE(inst.log().find("code=retired_key"), std::string::npos);
  // ... and his client applied the announced update meanwhile: sent again,
  // the report is sealed to the new key and recorded.
  auto again = send(bob);
  EXPECT_EQ(again.status, 0) << again.out << again.err;
}

TEST_F(Rotation, AnUpdateNotSignedByTheTrustedKeyIsNeverServedNorApplied) {
  // Whoever can write the daemon's directory without its keys offers keys
  // of their own. The daemon checks the chain as clients would: it keeps
  // serving what it had, says so, and --check-config names the file.
  // (Clients refusing such a link: tests/protocol/invite_chain_test.cc.)
  const Identity mallory = Identity::generate(Role::daemon);
  InviteUpdate u;
  u.sequence = 1;
  u.issued_at = unix_now();
  u.urls = {inst.url()};
  u.tls_pins = {inst.invite().tls_pin};
  u.daemon_sign = mallory.sign.public_key();
  u.daemon_box = mallory.box->public_key();
  InviteChain forged;
  forged.genesis = inst.invite().daemon_sign;  // claims to start at the daemon's key
  forged.links = {sign_invite_update(u, mallory.sign)};
  ASSERT_TRUE(write_file_atomic(inst.keys_dir() + "/invite-update.json",
                                as_bytes(invite_chain_to_json(forged)), 0644, Overwrite::yes)
                  .ok());
  inst.sighup();
  EXPECT_NE(inst.log().find("event=invite_update_refused"), std::string::npos) << inst.log();
  const Invite before = home_invite(alice);
  auto r = inst.client(alice, {"update-invite"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("no invite update"), std::string::npos) << r.out;
  EXPECT_EQ(home_invite(alice).daemon_sign.id(), before.daemon_sign.id()) << "nothing changed";
  EXPECT_EQ(send(alice).status, 0);
  EXPECT_EQ(home_invite(alice).daemon_sign.id(), before.daemon_sign.id());
  auto check = run({bin("casewired"), "--config", inst.config_path(), "--check-config"});
  EXPECT_NE(check.status, 0);
  EXPECT_NE(check.err.find("invite-update.json"), std::string::npos) << check.err;
}

TEST_F(Rotation, TheDaemonRefusesAnUpdateNamingKeysItDoesNotHold) {
  // An operator restores daemon.key from before a rotation (or the rotation
  // never saved it): clients applying the update would seal to a box key
  // nobody holds. --check-config and the daemon refuse, naming the file.
  const std::string key = inst.keys_dir() + "/daemon.key";
  const Bytes old_key = *read_file(key);
  const Bytes old_pub = *read_file(inst.keys_dir() + "/daemon.pub");
  ASSERT_EQ(rotate({"--box", "--sign"}).status, 0);
  const Bytes new_key = *read_file(key);
  const Bytes new_pub = *read_file(inst.keys_dir() + "/daemon.pub");
  ASSERT_TRUE(write_file_atomic(key, old_key, 0600, Overwrite::yes).ok());
  ASSERT_TRUE(
      write_file_atomic(inst.keys_dir() + "/daemon.pub", old_pub, 0644, Overwrite::yes).ok());
  auto check = run({bin("casewired"), "--config", inst.config_path(), "--check-config"});
  EXPECT_NE(check.status, 0) << check.out;
  EXPECT_NE(check.err.find("invite-update.json announces keys this daemon does not hold"),
            std::string::npos)
      << check.err;
  inst.stop();
  auto started =
      run({bin("casewired"), "--config", inst.config_path()}, {}, std::chrono::seconds(20));
  EXPECT_NE(started.status, 0) << "the daemon must not start and serve it";
  EXPECT_NE(started.err.find("invite-update.json"), std::string::npos) << started.err;
  // Put right (the rotated key back), it starts and carries clients across.
  ASSERT_TRUE(write_file_atomic(key, new_key, 0600, Overwrite::yes).ok());
  ASSERT_TRUE(
      write_file_atomic(inst.keys_dir() + "/daemon.pub", new_pub, 0644, Overwrite::yes).ok());
  inst.start();
  EXPECT_EQ(send(alice).status, 0);
  EXPECT_EQ(home_invite(alice).sequence, 1u);
}

TEST_F(Rotation, AClientOutOfTouchAcrossThreeRotationsWalksTheChainAndSends) {
  // Bob never hears of three updates (box + signing key, signing key again,
  // a TLS key announced). Served only the newest, he could not verify it:
  // it is signed by a key he never trusted. Served the chain, he walks it.
  ASSERT_EQ(send(alice).status, 0);
  ASSERT_EQ(rotate({"--box", "--sign"}).status, 0);
  restart();
  ASSERT_EQ(send(alice).status, 0);
  EXPECT_EQ(home_invite(alice).sequence, 1u);
  auto second = rotate({"--sign"});
  ASSERT_EQ(second.status, 0) << second.err;
  restart();
  auto third = rotate({"--tls-next"});
  ASSERT_EQ(third.status, 0) << third.err;
  inst.sighup();
  EXPECT_EQ(home_invite(bob).sequence, 0u);
  auto b = send(bob);
  ASSERT_EQ(b.status, 0) << b.out << b.err;
  EXPECT_EQ(home_invite(bob).sequence, 3u);
  EXPECT_EQ(home_invite(bob).daemon_sign.id(), inst.invite().daemon_sign.id());
  EXPECT_EQ(home_invite(bob).extra_pins.size(), 1u) << "the announced TLS key";
  ASSERT_EQ(send(bob).status, 0) << "now sealed to the newest box key";
  // Alice, one update behind, walks from hers.
  ASSERT_EQ(send(alice).status, 0);
  EXPECT_EQ(home_invite(alice).sequence, 3u);
  // Both devices' receipts - signed by three different keys - still check.
  for (const Contact* c : {&alice, &bob}) {
    auto v = inst.client(*c, {"verify-log"});
    EXPECT_EQ(v.status, 0) << v.out << v.err;
    EXPECT_EQ(v.out.find("cannot be checked"), std::string::npos) << v.out;
  }
}

TEST_F(Rotation, AClientOutOfTouchPastEveryGracePeriodStillFindsTheNewKeys) {
  // The grace periods end: requests made for the old key id are refused on
  // every route but the chain's, so the device can still learn the new keys
  // (its old queued alert is refused, retired_key, and sent again).
  ASSERT_EQ(rotate({"--box", "--sign", "--grace-days", "1"}).status, 0);
  const std::string path = inst.keys_dir() + "/rotation.json";
  std::string rot(as_chars(*read_file(path)));
  for (std::size_t at = rot.find("\"until\":"); at != std::string::npos;
       at = rot.find("\"until\":", at + 1)) {
    const auto end = rot.find_first_of(",}", at);
    rot.replace(at, end - at, "\"until\":" + std::to_string(unix_now() - 60));
  }
  ASSERT_TRUE(write_file_atomic(path, as_bytes(rot), 0600, Overwrite::yes).ok());
  restart();
  auto status = inst.client(bob, {"gazetteer", "--update"});
  EXPECT_NE(status.status, 0) << "an ordinary signed request for the old key id is refused";
  auto refused = send(bob);
  EXPECT_EQ(refused.status, 2) << refused.out << refused.err;
  EXPECT_EQ(home_invite(bob).sequence, 1u) << "the chain was fetched all the same";
  auto again = send(bob);
  EXPECT_EQ(again.status, 0) << again.out << again.err;
}

TEST_F(Rotation, AnOrganisationAndAContactReadOnAcrossASigningKeyRotation) {
  // Notifications after the rotation are signed by the new key; the feed
  // follows the chain once instead of dropping them (or, pulling, asking for
  // the same page forever). Receipts from before it still read as verified.
  Org ngo = inst.add_org("ngo", OrgOptions{.cleared_private = true});
  inst.sighup();
  ASSERT_EQ(send(alice).status, 0);
  auto first = inst.client(ngo, {"--json", "feed", "--pull"});
  ASSERT_NE(first.out.find("\"id\":1"), std::string::npos) << first.out << first.err;
  ASSERT_EQ(rotate({"--sign"}).status, 0);
  restart();
  ASSERT_EQ(send(alice).status, 0);
  auto feed = inst.client(ngo, {"--json", "feed", "--pull"});
  EXPECT_EQ(feed.status, 0) << feed.out << feed.err;
  EXPECT_NE(feed.out.find("\"id\":2"), std::string::npos)
      << "out: " << feed.out << "err: " << feed.err;
  EXPECT_EQ(feed.err.find("does not verify"), std::string::npos) << feed.err;
  auto receipts = inst.client(alice, {"receipts"});
  EXPECT_EQ(receipts.out.find("INVALID"), std::string::npos) << receipts.out;
  EXPECT_NE(receipts.out.find("signature verified"), std::string::npos) << receipts.out;
}

TEST_F(Rotation, ANewTlsKeyIsAnnouncedBeforeItIsUsed) {
  auto announce = rotate({"--tls-next"});
  ASSERT_EQ(announce.status, 0) << announce.err;
  inst.sighup();  // the daemon serves the update; its TLS key is unchanged
  ASSERT_EQ(send(alice).status, 0);
  ASSERT_EQ(home_invite(alice).extra_pins.size(), 1u) << "alice heard the announcement";
  const std::string next_pin = home_invite(alice).extra_pins.front();

  auto activate = rotate({"--tls-activate"});
  ASSERT_EQ(activate.status, 0) << activate.err;
  // A reload is not enough: the daemon still presents the old key, so it
  // must not announce an update that lists only the new one.
  inst.sighup();
  EXPECT_NE(inst.log().find("event=invite_update_refused"), std::string::npos) << inst.log();
  ASSERT_EQ(send(bob).status, 0) << "bob, on the old pin, is still served";
  EXPECT_EQ(home_invite(bob).sequence, 1u) << "and was told of the announced key only";
  restart();
  auto a = send(alice);
  EXPECT_EQ(a.status, 0) << "the announced key is trusted: " << a.err;
  // The daemon's second update (pins: the new key only) was applied too.
  EXPECT_EQ(home_invite(alice).sequence, 2u);
  EXPECT_EQ(home_invite(alice).tls_pin, next_pin);
  EXPECT_TRUE(home_invite(alice).extra_pins.empty());
  auto b = send(bob);
  EXPECT_EQ(b.status, 0) << "bob heard the announcement before the switch: " << b.err;
}

TEST_F(Rotation, AClientThatNeverHeardOfTheNextTlsKeyIsStoppedByItsPin) {
  auto announce = rotate({"--tls-next"});
  ASSERT_EQ(announce.status, 0) << announce.err;
  inst.sighup();
  ASSERT_EQ(send(alice).status, 0);
  ASSERT_EQ(rotate({"--tls-activate"}).status, 0);
  restart();
  auto b = send(bob);
  EXPECT_EQ(b.status, 4) << "bob never heard of the new key: his pin stops him";
  EXPECT_NE(b.err.find("pin"), std::string::npos) << b.err;
  // A new invite, applied over the old one (OPERATIONS §9): his alert, kept
  // in the outbox, goes, and so do new ones.
  auto again = inst.client(bob, {"init", "--invite", inst.invite_path(), "--force"});
  ASSERT_EQ(again.status, 0) << again.err;
  auto flushed = inst.client(bob, {"outbox", "flush"});
  EXPECT_EQ(flushed.status, 0) << flushed.out << flushed.err;
  EXPECT_NE(flushed.out.find("1 delivered"), std::string::npos) << flushed.out;
  EXPECT_EQ(send(bob).status, 0);
}

TEST_F(Rotation, AChainThatBeganAsOneBareUpdateKeepsWorking) {
  // A daemon that rotated before chains has one bare signed update; the
  // next rotation must leave a chain it and its clients accept.
  ASSERT_EQ(rotate({"--sign"}).status, 0);
  const std::string path = inst.keys_dir() + "/invite-update.json";
  auto chain = invite_chain_from_json(as_chars(*read_file(path)));
  ASSERT_TRUE(chain.ok());
  ASSERT_TRUE(write_file_atomic(path, as_bytes(chain->links.front()), 0644, Overwrite::yes).ok());
  restart();
  ASSERT_EQ(send(alice).status, 0);
  EXPECT_EQ(home_invite(alice).sequence, 1u);
  auto second = rotate({"--box", "--sign"});
  ASSERT_EQ(second.status, 0) << second.err;
  auto check = run({bin("casewired"), "--config", inst.config_path(), "--check-config"});
  EXPECT_EQ(check.status, 0) << check.err;
  restart();
  EXPECT_EQ(send(alice).status, 0);
  EXPECT_EQ(home_invite(alice).sequence, 2u);
  EXPECT_EQ(send(bob).status, 0) << "bob walks from the bare first link";
  EXPECT_EQ(home_invite(bob).sequence, 2u);
}

}  // namespace
}  // namespace cw::test
