// The protocol checked by a second implementation: tests/independent/
// casewire_ref.py, written from docs/PROTOCOL.md with python3-nacl, not from
// our C++. It rebuilds the known-answer vectors byte for byte, seals an alert
// the real daemon must accept (with a key the real key tool enrolled from its
// public key line) and whose receipt it verifies, and opens an envelope the
// real client sealed. Where the two readings of the document disagree, one
// of them - or the document - is wrong.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocol/alert.h"
#include "protocol/file_io.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"

namespace json = boost::json;

namespace cw::test {
namespace {

RunResult ref(std::vector<std::string> args) {
  args.insert(args.begin(), {"/usr/bin/python3", std::string(CASEWIRE_SOURCE_DIR) +
                                                     "/tests/independent/casewire_ref.py"});
  return run(args);
}

TEST(Independent, RebuildsTheKnownAnswerVectorsByteForByte) {
  auto r = ref({"vectors", std::string(CASEWIRE_SOURCE_DIR) + "/tests/vectors/envelope_v1.json"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto checks = json::parse(r.out).as_object();
  EXPECT_GE(checks.size(), 9u);
  for (const auto& [name, ok] : checks) EXPECT_TRUE(ok.as_bool()) << name;
}

TEST(Independent, ItsEnvelopeIsAcceptedAndItVerifiesTheDaemonsReceipt) {
  Instance inst;
  const std::string prefix = inst.dir() + "/py";
  auto gen = ref({"keygen", prefix});
  ASSERT_EQ(gen.status, 0) << gen.err;
  // The real key tool parses the independent public key line (it recomputes
  // the key id and would refuse a mismatch).
  auto enrolled = run({bin("casewire-keys"), "enroll", "--dir", inst.keys_dir(), "--pub",
                       prefix + ".pub", "--label", "independent"});
  ASSERT_EQ(enrolled.status, 0) << enrolled.err;
  inst.start();
  // Free text in Korean and Chinese: both implementations must agree on the
  // canonical UTF-8 bytes, or the daemon refuses it as malformed.
  const std::string alert = R"({"notes":"가족이 연락함. 家人已联系。","kind":"new_case",
      "people":{"count":2,"children":1},"arrest_place":{"code":"CN-JL","detail":"역 앞"},
      "arrested_at":")" + format_rfc3339(unix_now() - 3600) +
                            R"(","urgency":"high","consent":"private","names":["김 하나"]})";
  ASSERT_TRUE(
      write_file_atomic(inst.dir() + "/py-alert.json", as_bytes(alert), 0600, Overwrite::yes).ok());
  auto sent = ref({"send", "--invite", inst.invite_path(), "--seed", prefix + ".seed", "--alert",
                   inst.dir() + "/py-alert.json"});
  ASSERT_EQ(sent.status, 0) << sent.out << sent.err;
  auto out = json::parse(sent.out).as_object();
  EXPECT_EQ(out.at("first").as_int64(), 201);
  EXPECT_EQ(out.at("repeat").as_int64(), 200);
  // ...and the Python checked the v3 receipt's signature over its leaf and
  // the time the leaf will be in the log by (PROTOCOL §4); no place yet.
  EXPECT_TRUE(out.at("receipt").as_object().contains("log_leaf"));
  EXPECT_TRUE(out.at("receipt").as_object().contains("log_include_by"));
  EXPECT_FALSE(out.at("receipt").as_object().contains("log_index"));
  EXPECT_EQ(inst.count_alerts(), 1u);
}

TEST(Independent, ItOpensAnEnvelopeTheRealClientSealed) {
  Instance inst;
  auto alice = inst.add_contact("alice");
  inst.start();
  const std::string alert_file = inst.dir() + "/alert.json", cwe = inst.dir() + "/carried.cwe";
  const std::string canonical = canonical_alert(sample_alert());
  ASSERT_TRUE(write_file_atomic(alert_file, as_bytes(canonical), 0600, Overwrite::yes).ok());
  auto exported = inst.client(alice, {"--json", "export", "--alert", alert_file, "-o", cwe});
  ASSERT_EQ(exported.status, 0) << exported.err;
  const std::string alert_id(json::parse(exported.out).as_object().at("alert_id").as_string());
  auto opened = ref({"open", "--daemon-key", inst.keys_dir() + "/daemon.key", "--sender-pub",
                     alice.key_path + ".pub", cwe});
  ASSERT_EQ(opened.status, 0) << opened.err;
  auto o = json::parse(opened.out).as_object();
  EXPECT_EQ(o.at("alert_id").as_string(), alert_id);
  EXPECT_EQ(o.at("alert").as_string(), canonical);
  EXPECT_NEAR(static_cast<double>(o.at("created_at").as_int64()), static_cast<double>(unix_now()),
              600.0);
}

}  // namespace
}  // namespace cw::test
