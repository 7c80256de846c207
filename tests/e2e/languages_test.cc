// Every message a contact reads, in their language: the outbox list and
// flush, status, wipe, doctor and errors, run against a real daemon in
// Korean and Chinese (by --lang, typed anywhere, and by the locale), with
// English unchanged for the scripts that parse it. The catalogues' coverage
// is checked separately (tests/i18n/check_catalogues.sh); these tests show
// the words reach the screen.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tests/support/instance.h"
#include "tests/support/process.h"

namespace cw::test {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class Languages : public ::testing::Test {
 protected:
  void SetUp() override {
    alice = inst.add_contact("alice");
    inst.start();
    inst.reinit_homes_on_start = false;
  }
  RunResult client(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    return inst.client(alice, std::move(args), std::move(env));
  }
  std::vector<std::string> new_case(std::vector<std::string> extra = {}) {
    std::vector<std::string> a{"send",    "--people",     "2",         "--arrest-place",
                               "CN-JL",   "--urgency",    "immediate", "--consent",
                               "private", "--held-place", "CN-JL-F01"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  Instance inst;
  Contact alice;
};

TEST_F(Languages, AQueuedAlertTheOutboxAndTheFlushSpeakTheContactsLanguage) {
  inst.stop();
  auto sent = client(new_case({"--lang", "ko"}));
  ASSERT_EQ(sent.status, 3) << sent.err;
  EXPECT_TRUE(has(sent.err, "보낼 편지함")) << sent.err;  // "kept in the outbox"
  EXPECT_TRUE(has(sent.err, "데몬에 연결할 수 없었습니다")) << sent.err;
  EXPECT_FALSE(has(sent.err, "the alert is kept")) << sent.err;

  auto ko = client({"outbox", "list", "--lang", "ko"});
  EXPECT_TRUE(has(ko.out, "새 사건") && has(ko.out, "시도=1") &&
              has(ko.out, "마지막_오류=unreachable"))
      << ko.out;
  auto zh = client({"--lang", "zh", "outbox", "list"});
  EXPECT_TRUE(has(zh.out, "新案件") && has(zh.out, "尝试=1")) << zh.out;
  auto en = client({"outbox", "list"});  // scripts read these keys
  EXPECT_TRUE(has(en.out, "new_case") && has(en.out, "attempts=1") &&
              has(en.out, "last_error=unreachable"))
      << en.out;

  inst.start();
  auto flushed = client({"outbox", "flush"}, {{"LANG", "zh_CN.UTF-8"}});  // by the locale
  EXPECT_EQ(flushed.status, 0) << flushed.err;
  EXPECT_TRUE(has(flushed.out, "已送达 1 条，仍有 0 条在发件箱中")) << flushed.out;
  EXPECT_FALSE(has(flushed.out, "still in the outbox")) << flushed.out;
}

TEST_F(Languages, StatusOfOnesOwnCaseInKoreanAndChinese) {
  auto sent = client(new_case({"--json"}));
  ASSERT_EQ(sent.status, 0) << sent.err;
  const auto id = boost::json::value_to<std::string>(
      boost::json::parse(sent.out.substr(0, sent.out.find('\n'))).at("alert_id"));
  auto ko = client({"status", id, "--lang", "ko"});
  ASSERT_EQ(ko.status, 0) << ko.err;
  EXPECT_TRUE(has(ko.out, "사건 " + id) && has(ko.out, "상태        진행 중") &&
              has(ko.out, "확인        아직") && has(ko.out, "데몬이 서명한 응답, 확인됨"))
      << ko.out;
  EXPECT_FALSE(has(ko.out, "state") || has(ko.out, "acknowledged")) << ko.out;
  auto zh = client({"status", id, "--lang", "zh"});
  EXPECT_TRUE(has(zh.out, "状态        进行中") && has(zh.out, "0 个组织正在行动")) << zh.out;
  auto en = client({"status", id});
  EXPECT_TRUE(has(en.out, "  state         open") &&
              has(en.out, "not yet (0 organisation(s) acting)"))
      << en.out;
}

TEST_F(Languages, ErrorsLeadWithASentenceInTheContactsLanguageAndKeepTheCode) {
  auto ko = client(new_case({"--status", "gone", "--lang", "ko"}));
  EXPECT_EQ(ko.status, 1);
  EXPECT_TRUE(has(ko.err, "오류 (invalid_alert): 알림이 불완전하거나 올바르지 않습니다")) << ko.err;
  EXPECT_TRUE(
      has(ko.err,
          "자세한 내용: --status 는 detained, transferred, released, returned 중 하나여야 합니다"))
      << ko.err;
  auto en = client(new_case({"--status", "gone"}));
  EXPECT_TRUE(has(
      en.err, "error: invalid_alert: --status must be detained, transferred, released or returned"))
      << en.err;
  // A device that is not set up, in Chinese.
  auto none =
      run({bin("casewire"), "--home", inst.dir() + "/nowhere", "outbox", "list", "--lang", "zh"});
  EXPECT_EQ(none.status, 1);
  EXPECT_TRUE(has(none.err, "错误（not_found）：casewire 需要的东西不存在")) << none.err;
  EXPECT_TRUE(has(none.err, "本设备还没有设置")) << none.err;
}

TEST_F(Languages, HelpAndUsageErrorsToo) {
  auto ko = client({"send", "--help", "--lang", "ko"});
  EXPECT_EQ(ko.status, 0);
  EXPECT_TRUE(has(ko.out, "사용법:") && has(ko.out, "봉인하고 보내고 서명된 수령증을 받습니다") &&
              has(ko.out, "체포된 사람 수"))
      << ko.out;
  EXPECT_FALSE(has(ko.out, "number of people arrested")) << ko.out;
  auto zh = client({"--lang=zh", "send", "--people", "many"});
  EXPECT_EQ(zh.status, 1);
  EXPECT_TRUE(has(zh.err, "错误（usage）：命令行不正确") && has(zh.err, "加上 --help 运行"))
      << zh.err;
  auto en = client({"send", "--people", "many"});
  EXPECT_TRUE(has(en.err, "error: usage: ") && has(en.err, "Run with --help")) << en.err;
}

// The case-log check in the contact's words - when all is well, and when the
// daemon's log no longer holds an alert (the danger sentence first, the
// stable code kept for the operator).
TEST_F(Languages, VerifyLogSpeaksKoreanAndChineseAndSaysDangerInThem) {
  ASSERT_EQ(client(new_case()).status, 0);
  ASSERT_TRUE(inst.wait_for_log());
  auto ko = client({"verify-log", "--lang", "ko"});
  ASSERT_EQ(ko.status, 0) << ko.err;
  EXPECT_TRUE(has(ko.out, "데몬의 로그에 1건이 있습니다")) << ko.out;
  EXPECT_TRUE(has(ko.out, "영수증 1개가 모두 로그에 있습니다")) << ko.out;
  auto zh = client({"--lang", "zh", "verify-log"});
  ASSERT_EQ(zh.status, 0) << zh.err;
  EXPECT_TRUE(has(zh.out, "守护进程的日志共有 1 条事件")) << zh.out;
  // The daemon loses its log (here: the table emptied while it was stopped).
  inst.stop();
  ASSERT_EQ(run({"/usr/bin/sqlite3", inst.db_path(), "DELETE FROM case_log"}).status, 0);
  inst.start();
  auto danger = client({"verify-log", "--lang", "ko"});
  EXPECT_EQ(danger.status, 4) << danger.out << danger.err;
  EXPECT_TRUE(has(danger.err, "위험")) << danger.err;
  EXPECT_TRUE(has(danger.err, "log_inconsistent")) << danger.err;
  auto en = client({"verify-log"});
  EXPECT_TRUE(has(en.err, "error: log_inconsistent")) << en.err;
}

TEST_F(Languages, DoctorExplainsInKorean) {
  auto ko = client({"doctor", "--lang", "ko"});
  EXPECT_EQ(ko.status, 1) << ko.out;  // test keys have no passphrase
  EXPECT_TRUE(has(ko.out, "문제  당신의 키에 암호가 없습니다")) << ko.out;
  EXPECT_TRUE(has(ko.out, "이 기기의 시계가 데몬과 맞습니다")) << ko.out;
  EXPECT_TRUE(has(ko.out, "문제 1개를 찾았습니다.")) << ko.out;
  EXPECT_FALSE(has(ko.out, "PROBLEM") || has(ko.out, "passphrase")) << ko.out;
}

TEST_F(Languages, WipeSaysWhatItDestroyedAndWhatIsLeftInChinese) {
  ASSERT_EQ(client(new_case()).status, 0);
  auto zh = client({"wipe", "--yes", "--lang", "zh"});
  ASSERT_EQ(zh.status, 0) << zh.err;
  EXPECT_TRUE(has(zh.out, "已清除") && has(zh.out, "密钥文件 1 个") && has(zh.out, "回执 1 条"))
      << zh.out;
  EXPECT_TRUE(has(zh.out, "你的命令行历史")) << zh.out;
  EXPECT_FALSE(has(zh.out, "shell history")) << zh.out;
}

}  // namespace
}  // namespace cw::test
