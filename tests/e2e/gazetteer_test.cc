// The gazetteer as the operator's data (protocol/gazetteer.h) against a
// running daemon: the invite carries the daemon-signed gazetteer, contacts
// find places by name in their language, the operator adds a facility
// without recompiling and clients fetch it, a broken edit is refused while
// the daemon keeps serving the last good one, and a tampered copy on a
// device is never used.
#include <gtest/gtest.h>

#include "protocol/file_io.h"
#include "tests/support/db_reader.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"

namespace cw::test {
namespace {

class GazetteerE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    alice = inst.add_contact("alice");
    inst.start();
  }
  RunResult send_held_at(const std::string& code) {
    return inst.client(alice, {"send", "--people", "2", "--arrest-place", "CN-JL-222402",
                               "--held-place", code, "--urgency", "high", "--consent", "private"});
  }
  void edit_gazetteer(const std::string& from, const std::string& to) {
    const std::string path = inst.keys_dir() + "/gazetteer.json";
    std::string text(as_chars(*read_file(path)));
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    ASSERT_TRUE(write_file_atomic(path, as_bytes(text), 0600, Overwrite::yes).ok());
  }
  Instance inst;
  Contact alice;
};

TEST_F(GazetteerE2E, ContactsFindPlacesByNameInTheirLanguageFromTheInvite) {
  EXPECT_FALSE(inst.invite().gazetteer.empty()) << "the invite carries the signed gazetteer";
  auto ko = inst.client(alice, {"gazetteer", "투먼", "--lang", "ko"});
  ASSERT_EQ(ko.status, 0) << ko.err;
  EXPECT_NE(ko.out.find("투먼시  (CN-JL-222402)"), std::string::npos) << ko.out;
  EXPECT_NE(ko.out.find("투먼 변방 구류장  (CN-JL-F01, facility)"), std::string::npos) << ko.out;
  auto zh = inst.client(alice, {"gazetteer", "图们", "--lang", "zh"});
  EXPECT_NE(zh.out.find("图们市  (CN-JL-222402)"), std::string::npos) << zh.out;
  auto none = inst.client(alice, {"gazetteer", "Atlantis"});
  EXPECT_EQ(none.status, 1);

  // A division is kept sealed; organisations see its region only.
  auto sent = send_held_at("CN-JL-F01");
  ASSERT_EQ(sent.status, 0) << sent.err;
  DbReader db(inst.db_path());
  const std::string body = db.text("SELECT body FROM notifications");
  EXPECT_NE(body.find(R"("region":"CN-JL")"), std::string::npos) << body;
  EXPECT_EQ(body.find("222402"), std::string::npos) << body;
}

TEST_F(GazetteerE2E, TheOperatorAddsAFacilityWithoutRecompilingAndClientsFetchIt) {
  edit_gazetteer(R"("version": 1,)", R"("version": 2,)");
  edit_gazetteer(
      R"(    {"code": "TH-57-F01")",
      R"(    {"code": "CN-JL-F03", "kind": "facility", "parent": "CN-JL-222404", "names": {"en": "Hunchun border post", "zh": "珲春边防站", "ko": "훈춘 변방 초소"}},
    {"code": "TH-57-F01")");
  auto before = send_held_at("CN-JL-F03");
  EXPECT_EQ(before.status, 1) << "not a code this device knows yet: refused before sending";
  EXPECT_NE(before.err.find("gazetteer"), std::string::npos) << before.err;

  inst.sighup();
  auto updated = inst.client(alice, {"gazetteer", "--update", "Hunchun"});
  ASSERT_EQ(updated.status, 0) << updated.err;
  EXPECT_NE(updated.out.find("gazetteer version 2"), std::string::npos) << updated.out;
  EXPECT_NE(updated.out.find("Hunchun border post  (CN-JL-F03, facility)"), std::string::npos)
      << updated.out;
  auto after = send_held_at("CN-JL-F03");
  ASSERT_EQ(after.status, 0) << after.err;
  DbReader db(inst.db_path());
  EXPECT_NE(db.text("SELECT body FROM notifications").find(R"("held_at":"CN-JL-F03")"),
            std::string::npos);

  // A broken edit (a code listed twice) is refused; the daemon keeps serving
  // version 2, and says so in its log.
  edit_gazetteer(R"("version": 2,)", R"("version": 3,)");
  edit_gazetteer(R"({"code": "CN-JL-F03")", R"({"code": "CN-JL-F01")");
  inst.sighup();
  EXPECT_NE(inst.log().find("event=gazetteer_reload_failed code=bad_config"), std::string::npos);
  auto kept = inst.client(alice, {"gazetteer", "--update", "CN-JL-F03"});
  ASSERT_EQ(kept.status, 0) << kept.err;
  EXPECT_NE(kept.out.find("gazetteer version 2"), std::string::npos) << kept.out;
  auto check = run({bin("casewired"), "--config", inst.config_path(), "--check-config"});
  EXPECT_EQ(check.status, 1);
  EXPECT_NE(check.err.find("listed twice"), std::string::npos) << check.err;
}

TEST_F(GazetteerE2E, ATamperedGazetteerOnTheDeviceIsNeverUsed) {
  ASSERT_EQ(inst.client(alice, {"gazetteer", "--update"}).status, 0);
  const std::string stored = alice.home + "/gazetteer.json";
  std::string text(as_chars(*read_file(stored)));
  const auto at = text.find("Tumen border detention centre");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 5, "Tumem");  // an adversary renames a place on a seized phone
  ASSERT_TRUE(write_file_atomic(stored, as_bytes(text), 0600, Overwrite::yes).ok());
  auto r = inst.client(alice, {"gazetteer", "Tumem"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("not signed by your daemon"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("Tumem"), std::string::npos);
}

}  // namespace
}  // namespace cw::test
