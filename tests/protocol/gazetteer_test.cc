#include "protocol/gazetteer.h"

#include <gtest/gtest.h>

#include "protocol/key_file.h"

namespace cw {
namespace {

std::string with_places(const std::string& places, int version = 1) {
  return R"({"casewire_gazetteer":1,"version":)" + std::to_string(version) + R"(,"places":[)" +
         places + "]}";
}
const std::string kJilin = R"({"code":"CN-JL","kind":"region","names":{"en":"Jilin"}})";

TEST(Gazetteer, TheBuiltInOneHasTheBorderDivisionsInThreeLanguages) {
  const auto& g = Gazetteer::builtin();
  for (const char* code :
       {"CN-LN-210600", "CN-LN-210624", "CN-JL-220582", "CN-JL-220681", "CN-JL-220623",
        "CN-JL-222406", "CN-JL-222405", "CN-JL-222402", "CN-JL-222404", "CN-JL-222401"}) {
    const auto* e = g.find(code);
    ASSERT_NE(e, nullptr) << code;
    EXPECT_EQ(e->kind, PlaceKind::division);
    EXPECT_FALSE(e->names.zh.empty()) << code;
    EXPECT_FALSE(e->names.ko.empty()) << code;
  }
  // A contact types the name as they know it.
  for (const char* name : {"Tumen", "tumen", "图们", "투먼"}) {
    auto found = g.search(name);
    ASSERT_FALSE(found.empty()) << name;
    EXPECT_EQ(found.front()->code, "CN-JL-222402") << name;
  }
  const auto* tumen = g.find("CN-JL-222402");
  EXPECT_EQ(tumen->names.in("ko"), "투먼시");
  EXPECT_EQ(tumen->names.in("zh"), "图们市");
  EXPECT_EQ(tumen->region, "CN-JL");
  EXPECT_EQ(g.find("CN-JL-F01")->parent, "CN-JL-222402") << "a facility lies in its city";
  // The canonical form parses back to the same places.
  auto again = Gazetteer::from_json(g.to_json());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->to_json(), g.to_json());
}

TEST(Gazetteer, MistakesAreRefusedNamingThePlace) {
  struct Case {
    std::string places, expect;
  };
  const Case cases[] = {
      {kJilin + "," + kJilin, "listed twice"},
      {R"({"code":"CN-JL-222402","kind":"division","parent":"CN-JL","names":{"en":"Tumen"}},)" +
           kJilin,
       "listed before it"},
      {kJilin + R"(,{"code":"CN-LN-210600","kind":"division","parent":"CN-JL","names":{"en":"x"}})",
       "must start with its region"},
      {kJilin + R"(,{"code":"CN-JL-X1","kind":"facility","parent":"CN-JL","names":{"en":"x"}})",
       "REGION-Fnn"},
      {kJilin + R"(,{"code":"CN-JL-F01","kind":"facility","parent":"CN-JL","names":{"zh":"x"}})",
       "English name"},
      {kJilin + R"(,{"code":"CN-JL-F01","kind":"facility","parent":"CN-JL","names":{"en":"a\nb"}})",
       "control characters"},
      {kJilin +
           R"(,{"code":"CN-JL-F01","kind":"facility","parent":"CN-JL","names":{"en":"x"},"gps":"1,2"})",
       "unknown field"},
      {R"({"code":"Jilin","kind":"region","names":{"en":"Jilin"}})", "ISO 3166-2"},
  };
  for (const auto& c : cases) {
    auto g = Gazetteer::from_json(with_places(c.places));
    ASSERT_FALSE(g.ok()) << c.places;
    EXPECT_EQ(g.code(), Errc::bad_config);
    EXPECT_NE(g.error().message.find(c.expect), std::string::npos) << g.error().message;
  }
  EXPECT_FALSE(Gazetteer::from_json(R"({"casewire_gazetteer":1,"version":0,"places":[]})").ok());
  EXPECT_FALSE(Gazetteer::from_json("[]").ok());
}

TEST(Gazetteer, OnlyTheDaemonsSignatureIsAccepted) {
  const Identity daemon = Identity::generate(Role::daemon);
  const Identity other = Identity::generate(Role::daemon);
  auto g = Gazetteer::from_json(with_places(kJilin, 7));
  ASSERT_TRUE(g.ok());
  const std::string signed_json = g->sign(daemon.sign);
  auto opened = Gazetteer::open_signed(signed_json, daemon.sign.public_key());
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->version(), 7u);
  EXPECT_EQ(Gazetteer::open_signed(signed_json, other.sign.public_key()).code(),
            Errc::bad_signature);
  std::string tampered = signed_json;
  tampered.replace(tampered.find("Jilin"), 5, "Jilim");
  EXPECT_EQ(Gazetteer::open_signed(tampered, daemon.sign.public_key()).code(), Errc::bad_signature);
}

TEST(Gazetteer, TheActiveOneDecidesWhichCodesAnAlertMayCarry) {
  EXPECT_TRUE(find_place("CN-JL-F01").has_value());
  auto mine = Gazetteer::from_json(with_places(
      kJilin + R"(,{"code":"CN-JL-F09","kind":"facility","parent":"CN-JL","names":{"en":"New"}})"));
  ASSERT_TRUE(mine.ok());
  set_active_gazetteer(std::make_shared<const Gazetteer>(std::move(*mine)));
  EXPECT_TRUE(find_place("CN-JL-F09").has_value());
  EXPECT_FALSE(find_place("CN-JL-F01").has_value());
  set_active_gazetteer(nullptr);  // back to the built-in one
  EXPECT_TRUE(find_place("CN-JL-F01").has_value());
  EXPECT_FALSE(find_place("CN-JL-F09").has_value());
}

}  // namespace
}  // namespace cw
