// Who signed a request (daemon/api/request_auth.h), as its own unit: each
// thing it stops, stopped, with real Ed25519 keys and a real nonce cache.
// End to end, over TLS, the same checks are attacked in tests/e2e
// (Adversary.*); here each refusal is named and nothing else is in the way.
#include "daemon/api/request_auth.h"

#include <gtest/gtest.h>

#include "protocol/key_file.h"
#include "protocol/signed_request.h"
#include "tests/support/memory_store.h"

namespace cw::daemon {
namespace {

constexpr std::int64_t kNow = 1795000000;

class RequestAuthTest : public ::testing::Test {
 protected:
  RequestAuthTest()
      : store_(test::make_memory_store(test::new_memory_disk(), &keys_)),
        auth_(trust_, keys_, *store_.store, kNow - 60) {
    TrustStore t = TrustStore::empty();
    for (const SigningKey* k : {&contact_, &revoked_contact_}) {
      ContactEntry c;
      c.key = k->public_key();
      EXPECT_TRUE(t.enroll_contact(std::move(c)).ok());
    }
    EXPECT_TRUE(t.revoke(revoked_contact_.id(), kNow - 10).ok());
    OrgEntry o;
    o.key = org_.public_key();
    o.name = "ngo";
    EXPECT_TRUE(t.add_org(std::move(o)).ok());
    OrgEntry gone;
    gone.key = revoked_org_.public_key();
    gone.name = "gone";
    EXPECT_TRUE(t.add_org(std::move(gone)).ok());
    EXPECT_TRUE(t.revoke(revoked_org_.id(), kNow - 10).ok());
    trust_.set(std::make_shared<const TrustView>(std::move(t)));
  }

  Request signed_by(const SigningKey& k, std::int64_t at, const KeyId& daemon,
                    const char* target = "/v1/org/cases") {
    Request req{http::verb::get, target, 11};
    req.set(http::field::authorization, sign_request(k, daemon, "GET", target, "", at));
    return req;
  }
  Request signed_by(const SigningKey& k, std::int64_t at = kNow) {
    return signed_by(k, at, keys_.signing().id());
  }
  Errc check(const Request& req, Signer who, const std::vector<KeyId>& also = {}) {
    return auth_.authenticate(req, who, also, kNow).code();
  }

  Keyring keys_{Identity::generate(Role::daemon)};
  TrustHolder trust_{std::make_shared<const TrustView>(TrustStore::empty())};
  test::MemoryStoreHandle store_;
  RequestAuthenticator auth_;
  SigningKey contact_ = SigningKey::generate(), revoked_contact_ = SigningKey::generate();
  SigningKey org_ = SigningKey::generate(), revoked_org_ = SigningKey::generate();
  SigningKey stranger_ = SigningKey::generate();
};

TEST_F(RequestAuthTest, TheSignerMustBeOfTheKindTheRouteWants) {
  auto ok = auth_.authenticate(signed_by(org_), Signer::org, {}, kNow);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(*ok, org_.id());
  EXPECT_EQ(check(signed_by(contact_), Signer::contact), Errc::ok);
  EXPECT_EQ(check(signed_by(contact_), Signer::org), Errc::unauthorized)
      << "a contact is no organisation";
  EXPECT_EQ(check(signed_by(org_), Signer::contact), Errc::unauthorized);
  EXPECT_EQ(check(signed_by(stranger_), Signer::any_enrolled), Errc::unauthorized);
  EXPECT_EQ(check(signed_by(org_), Signer::any_enrolled), Errc::ok);
  EXPECT_EQ(check(signed_by(contact_), Signer::any_enrolled), Errc::ok);
  EXPECT_EQ(check(signed_by(org_), Signer::none), Errc::internal_error)
      << "an unsigned route never reaches the check";
}

TEST_F(RequestAuthTest, ARevokedKeyIsForbiddenWhateverItSigns) {
  EXPECT_EQ(check(signed_by(revoked_org_), Signer::org), Errc::forbidden);
  EXPECT_EQ(check(signed_by(revoked_org_), Signer::any_enrolled), Errc::forbidden);
  EXPECT_EQ(check(signed_by(revoked_contact_), Signer::contact), Errc::forbidden);
}

TEST_F(RequestAuthTest, ARequestForAnotherDaemonOrAnotherTargetIsNotThisOnes) {
  const KeyId other = SigningKey::generate().id();
  EXPECT_EQ(check(signed_by(org_, kNow, other), Signer::org), Errc::bad_request_signature);
  EXPECT_EQ(check(signed_by(org_, kNow, other), Signer::org, {other}), Errc::ok)
      << "unless it names a key the route also accepts (the invite-update chain's)";
  // Signed for one target, sent to another.
  Request moved = signed_by(org_);
  moved.target("/v1/notifications");
  EXPECT_EQ(check(moved, Signer::org), Errc::bad_request_signature);
  Request forged = signed_by(org_);
  forged.set(http::field::authorization, "Casewire garbage");
  EXPECT_NE(check(forged, Signer::org), Errc::ok);
}

TEST_F(RequestAuthTest, AReplayOrARequestFromBeforeTheStartIsRefused) {
  const Request once = signed_by(org_);
  EXPECT_EQ(check(once, Signer::org), Errc::ok);
  EXPECT_EQ(check(once, Signer::org), Errc::replayed_request);
  EXPECT_EQ(check(signed_by(org_, kNow - 120), Signer::org), Errc::stale_request)
      << "signed before the daemon started (its nonce cache was empty then)";
  EXPECT_EQ(check(signed_by(org_, kNow - kRequestSkew - 1), Signer::org), Errc::stale_request);
  EXPECT_EQ(check(signed_by(org_, kNow + kRequestSkew + 1), Signer::org), Errc::stale_request);
}

}  // namespace
}  // namespace cw::daemon
