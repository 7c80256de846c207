// --check-config's audit: each weakness it promises to report is reported,
// and a sound deployment reports nothing.
#include "daemon/deployment_audit.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "protocol/file_io.h"
#include "tests/support/temp_dir.h"

namespace cw::daemon {
namespace {

class Audit : public ::testing::Test {
 protected:
  void SetUp() override {
    ::chmod(dir.path().c_str(), 0700);
    for (const char* f : {"/tls.key", "/trust.json"})
      ASSERT_TRUE(write_file_atomic(dir.path() + f, as_bytes("x"), 0600, Overwrite::yes).ok());
    config.keys_dir = dir.path();
    config.listen = "0.0.0.0:8443";
    config.admin_listen = "127.0.0.1:9443";
  }
  std::vector<std::string> messages(Finding::Severity s) {
    std::vector<std::string> out;
    for (const auto& f : audit_deployment(config, trust))
      if (f.severity == s) out.push_back(f.message);
    return out;
  }
  static bool any_contains(const std::vector<std::string>& v, const std::string& needle) {
    for (const auto& m : v)
      if (m.find(needle) != std::string::npos) return true;
    return false;
  }
  test::TempDir dir;
  Config config;
  TrustStore trust = TrustStore::empty();
};

TEST_F(Audit, ASoundDeploymentHasNothingToReport) {
  EXPECT_TRUE(audit_deployment(config, trust).empty());
}

TEST_F(Audit, APostgresqlUriIsCheckedForAPasswordAndForTlsToARemoteHost) {
  // A Unix socket, or loopback, without a password: nothing to say.
  for (const char* quiet :
       {"postgresql:///casewire?host=/run/postgresql", "postgresql://casewire@localhost/casewire",
        "postgresql://casewire@db-a.example,db-b.example:5433/casewire?"
        "target_session_attrs=read-write&sslmode=verify-full"}) {
    config.db_path = quiet;
    EXPECT_TRUE(audit_deployment(config, trust).empty()) << quiet;
  }
  config.db_path = "postgresql://casewire:hunter2@db.example/casewire?sslmode=verify-full";
  auto w = messages(Finding::Severity::warning);
  EXPECT_TRUE(any_contains(w, "holds the database password"));
  EXPECT_FALSE(any_contains(w, "hunter2")) << "the finding must not repeat the password";
  config.db_path = "postgresql:///casewire?host=/tmp&password=hunter2";
  EXPECT_TRUE(any_contains(messages(Finding::Severity::warning), "holds the database password"));
  for (const char* exposed : {"postgresql://casewire@db.example/casewire",
                              "postgresql://casewire@db.example/casewire?sslmode=require",
                              "postgresql:///casewire?host=/tmp,10.0.0.7&sslmode=prefer"}) {
    config.db_path = exposed;
    EXPECT_TRUE(any_contains(messages(Finding::Severity::warning), "without sslmode=verify-full"))
        << exposed;
  }
}

TEST_F(Audit, SecretsReadableByOthersAreErrors) {
  ::chmod((dir.path() + "/tls.key").c_str(), 0640);
  ::chmod((dir.path() + "/trust.json").c_str(), 0644);
  auto errors = messages(Finding::Severity::error);
  EXPECT_TRUE(any_contains(errors, "tls.key is readable by others"));
  EXPECT_TRUE(any_contains(errors, "trust.json is readable by others"));
}

TEST_F(Audit, AnOpenKeysDirectoryIsAWarning) {
  ::chmod(dir.path().c_str(), 0755);
  EXPECT_TRUE(any_contains(messages(Finding::Severity::warning), "chmod 700"));
}

TEST_F(Audit, AnAdminListenerOffLoopbackIsAWarning) {
  config.admin_listen = "0.0.0.0:9443";
  EXPECT_TRUE(any_contains(messages(Finding::Severity::warning), "[listen] admin"));
  config.admin_listen = "[::1]:9443";
  EXPECT_TRUE(messages(Finding::Severity::warning).empty());
}

TEST_F(Audit, PerAddressLimitsMustMatchWhereTheListenerIs) {
  config.limits.per_ip_per_minute = 0;  // public listener, limits off
  EXPECT_TRUE(any_contains(messages(Finding::Severity::warning), "per-address limits are off"));
  config.listen = "127.0.0.1:8443";  // behind Tor: off is right
  config.limits.max_connections_per_ip = 0;
  EXPECT_TRUE(messages(Finding::Severity::warning).empty());
  config.limits = Limits{};  // behind Tor with limits on: everyone shares one budget
  EXPECT_TRUE(any_contains(messages(Finding::Severity::warning), "behind Tor"));
}

TEST_F(Audit, InsecureSettingsAreWarnings) {
  config.insecure_unencrypted_key = true;
  config.delivery.allow_private_webhooks = true;
  auto w = messages(Finding::Severity::warning);
  EXPECT_TRUE(any_contains(w, "insecure_unencrypted_key"));
  EXPECT_TRUE(any_contains(w, "allow_private_webhooks"));
}

}  // namespace
}  // namespace cw::daemon
