// Who hears of a case (daemon/routing/routing.h), from the trust store as it
// stands: each filter of a subscription, clearance for private cases, and a
// revoked or unreachable organisation, checked one at a time. The end-to-end
// tests (tests/e2e/delivery_test.cc, adversary_test.cc) check the same rules
// through a running daemon; these need nothing else in the way.
#include "daemon/routing/routing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>

namespace cw::daemon {
namespace {

class RoutingTest : public ::testing::Test {
 protected:
  // Adds an organisation named `name` (its tag in the recipients).
  void add(const std::string& name, Subscription sub, bool revoked = false) {
    OrgEntry o;
    o.key = SigningKey::generate().public_key();
    o.name = name;
    o.sub = std::move(sub);
    const KeyId id = o.key.id();
    names_[id] = name;
    ASSERT_TRUE(store_.add_org(std::move(o)).ok());
    if (revoked) {
      ASSERT_TRUE(store_.revoke(id, 1).ok());
    }
  }
  // The trust store as the daemon sees it, once every organisation is added.
  const TrustView& view() {
    if (!view_) view_ = std::make_unique<TrustView>(std::move(store_));
    return *view_;
  }
  std::vector<std::string> names(const std::vector<Recipient>& r) {
    std::vector<std::string> out;
    for (const auto& x : r) out.push_back(x.org);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::string> new_case(const CaseFacts& f) {
    return names(route_new_case(view(), namer(), f));
  }
  std::vector<std::string> follow_up(AlertKind k, const CaseFacts& f) {
    return names(route_follow_up(view(), namer(), k, f));
  }
  OrgNamer namer() {
    return [this](const KeyId& id) { return names_.at(id); };
  }
  static CaseFacts facts(std::string region, std::string urgency, std::string consent) {
    CaseFacts f;
    f.region = std::move(region);
    f.urgency = std::move(urgency);
    f.consent = std::move(consent);
    return f;
  }

  TrustStore store_ = TrustStore::empty();
  std::unique_ptr<TrustView> view_;
  std::map<KeyId, std::string> names_;
};

TEST_F(RoutingTest, APrivateNewCaseReachesOnlyClearedOrganisations) {
  Subscription cleared;
  cleared.cleared_private = true;
  add("cleared", std::move(cleared));
  add("plain", {});
  EXPECT_EQ(new_case(facts("CN-JL", "high", "private")), std::vector<std::string>{"cleared"});
  EXPECT_EQ(new_case(facts("CN-JL", "high", "advocacy")),
            (std::vector<std::string>{"cleared", "plain"}));
  EXPECT_EQ(follow_up(AlertKind::update, facts("CN-JL", "high", "private")),
            std::vector<std::string>{"cleared"})
      << "a case that became private";
}

TEST_F(RoutingTest, EachFilterOfASubscriptionIsHonoured) {
  Subscription jilin;
  jilin.regions = {"CN-JL"};
  add("jilin", std::move(jilin));
  Subscription urgent;
  urgent.urgencies = {Urgency::immediate};
  add("urgent", std::move(urgent));
  Subscription resolutions;
  resolutions.kinds = {AlertKind::resolved};
  add("resolutions", std::move(resolutions));
  Subscription nothing_to_reach;
  nothing_to_reach.feed = false;  // no feed and no webhook: cannot be told
  add("unreachable", std::move(nothing_to_reach));
  add("revoked", {}, true);
  EXPECT_EQ(new_case(facts("CN-JL", "high", "advocacy")), std::vector<std::string>{"jilin"});
  EXPECT_EQ(new_case(facts("CN-LN", "immediate", "advocacy")), std::vector<std::string>{"urgent"});
  // Urgency filters only new cases: an organisation on a case keeps hearing of it.
  EXPECT_EQ(follow_up(AlertKind::update, facts("CN-LN", "normal", "advocacy")),
            std::vector<std::string>{"urgent"});
  EXPECT_EQ(follow_up(AlertKind::resolved, facts("CN-LN", "normal", "advocacy")),
            (std::vector<std::string>{"resolutions", "urgent"}));
  EXPECT_EQ(names(active_orgs(view(), namer())),
            (std::vector<std::string>{"jilin", "resolutions", "urgent"}))
      << "neither the revoked nor the unreachable one";
}

TEST_F(RoutingTest, EscalationsGoToTheirContactsAndClearanceIsListedForPrivateCases) {
  Subscription contact;
  contact.escalation = true;
  add("contact", std::move(contact));
  Subscription cleared;
  cleared.cleared_private = true;
  add("cleared", std::move(cleared));
  Subscription revoked_contact;
  revoked_contact.escalation = true;
  revoked_contact.cleared_private = true;
  add("revoked", std::move(revoked_contact), true);
  const auto r = route_escalation(view(), namer());
  EXPECT_EQ(names(r.to), std::vector<std::string>{"contact"});
  EXPECT_EQ(r.cleared, std::vector<std::string>{"cleared"});
}

}  // namespace
}  // namespace cw::daemon
