// End-to-end: the field client on a hostile network - outbox, SOCKS5/Tor,
// failover, crashes mid-send, case status, and wiping a device.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "protocol/file_io.h"
#include "protocol/key_file.h"
#include "tests/support/eventually.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/raw_client.h"

namespace json = boost::json;

namespace cw::test {
namespace {

using namespace std::chrono_literals;

// A helper process that prints "listening on PORT".
struct Helper {
  std::unique_ptr<Process> proc;
  std::uint16_t port = 0;
  Helper(std::vector<std::string> argv, const std::string& prefix) {
    proc = std::make_unique<Process>(std::move(argv), prefix);
    EXPECT_TRUE(proc->wait_for_output("listening on", 10s)) << proc->err();
    auto out = proc->out();
    port = static_cast<std::uint16_t>(std::stoi(out.substr(out.find("listening on ") + 13)));
  }
};

std::string script(const char* name) {
  return std::string(CASEWIRE_SOURCE_DIR) + "/tests/support/" + name;
}

const std::vector<std::string> kFlags = {"--people",  "3",         "--arrest-place", "CN-JL",
                                         "--urgency", "immediate", "--consent",      "advocacy"};

std::vector<std::string> send_args(std::vector<std::string> pre = {}) {
  pre.push_back("send");
  pre.insert(pre.end(), kFlags.begin(), kFlags.end());
  return pre;
}

class FieldClient : public ::testing::Test {
 protected:
  void SetUp() override {
    inst = std::make_unique<Instance>();
    alice = inst->add_contact("alice");
    inst->start();
  }
  // Points alice's client at `urls` (same daemon keys and pin).
  void use_urls(const std::vector<std::string>& urls) {
    auto inv = inst->invite();
    inv.urls = urls;
    auto path = inst->dir() + "/custom-invite.json";
    ASSERT_TRUE(write_file_atomic(path, as_bytes(invite_to_json(inv)), 0644, Overwrite::yes).ok());
    auto r = inst->client(alice, {"init", "--force", "--insecure-no-passphrase", "--invite", path,
                                  "--key", alice.key_path});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  // An alert file carrying every canary (names, phone, notes, place details):
  // the flags cannot carry those, so a canary check on a flags-form send
  // would look for values that were never there.
  std::string canary_alert_file() {
    const auto path = inst->dir() + "/canary-alert.json";
    EXPECT_TRUE(
        write_file_atomic(path, as_bytes(canonical_alert(sample_alert())), 0600, Overwrite::yes)
            .ok());
    return path;
  }
  std::vector<std::string> outbox() {
    auto r = inst->client(alice, {"outbox", "list"});
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }
  std::unique_ptr<Instance> inst;
  Contact alice;
};

// A port that nothing listens on (bound, then released).
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

// A contact needs only the client: it makes the key (under a passphrase),
// the operator enrols the .pub, and the contact sends.
TEST_F(FieldClient, AContactMakesItsOwnKeyWithTheClientAlone) {
  const std::string key = inst->dir() + "/own.key", pass = inst->dir() + "/own.pass",
                    home = inst->dir() + "/home-own";
  ASSERT_TRUE(
      write_file_atomic(pass, as_bytes("a long field passphrase\n"), 0600, Overwrite::yes).ok());
  auto made = run({bin("casewire"), "new-key", "--out", key, "--passphrase-file", pass});
  ASSERT_EQ(made.status, 0) << made.err;
  EXPECT_FALSE(identity_file_is_insecure(read_text(key))) << "protected by the passphrase";
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(run({bin("casewire"), "new-key", "--out", key, "--passphrase-file", pass}).status, 1)
      << "an existing key is never replaced without --force";
  auto enrolled = run({bin("casewire-keys"), "enroll", "--dir", inst->keys_dir(), "--pub",
                       key + ".pub", "--label", "own"});
  ASSERT_EQ(enrolled.status, 0) << enrolled.err;
  inst->sighup();
  ASSERT_EQ(run({bin("casewire"), "--home", home, "init", "--invite", inst->invite_path(), "--key",
                 key, "--passphrase-file", pass})
                .status,
            0);
  std::vector<std::string> sendv{bin("casewire"), "--home", home, "--passphrase-file", pass};
  for (const auto& a : send_args()) sendv.push_back(a);
  auto sent = run(sendv);
  EXPECT_EQ(sent.status, 0) << sent.err;
  EXPECT_EQ(inst->count_alerts(), 1u);
}

TEST_F(FieldClient, DeliversThroughARealSocks5Proxy) {
  const auto port = free_port();
  Process socks({"/usr/bin/microsocks", "-i", "127.0.0.1", "-p", std::to_string(port)},
                inst->dir() + "/microsocks");
  ASSERT_TRUE(eventually([&] { return RawClient::idle(port)->handshake_ok(); }, 10s))
      << "microsocks is not listening";
  auto r =
      inst->client(alice, send_args({"--proxy", "socks5h://127.0.0.1:" + std::to_string(port)}));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(inst->count_alerts(), 1u);
}

TEST_F(FieldClient, WithAProxyTheNameIsResolvedByTheProxyAndNeverLocally) {
  // This name resolves nowhere on this machine (.invalid is reserved): only
  // the proxy knows it. If the alert arrives, the client neither looked it up
  // nor connected to the daemon directly.
  const std::string name = "daemon-" + to_hex(random_alert_id()).substr(0, 8) + ".casewire.invalid";
  Helper proxy({"/usr/bin/python3", script("socks5_proxy.py"), "--log", inst->dir() + "/socks.log",
                "--map", name + "=127.0.0.1"},
               inst->dir() + "/socks");
  use_urls({"https://" + name + ":" + std::to_string(inst->port())});

  auto direct = inst->client(alice, send_args());
  EXPECT_EQ(direct.status, 3) << "without the proxy the name cannot even be resolved: "
                              << direct.err;

  auto r = inst->client(
      alice, send_args({"--proxy", "socks5h://127.0.0.1:" + std::to_string(proxy.port)}));
  ASSERT_EQ(r.status, 0) << r.err;
  auto log = read_text(inst->dir() + "/socks.log");
  EXPECT_NE(log.find("\"atyp\": 3"), std::string::npos)
      << "the client must hand the NAME to the proxy: " << log;
  EXPECT_NE(log.find(name), std::string::npos);
  // The queued alert from the first try went out through the proxy too.
  auto flushed = inst->client(
      alice, {"--proxy", "socks5h://127.0.0.1:" + std::to_string(proxy.port), "outbox", "flush"});
  EXPECT_EQ(flushed.status, 0) << flushed.err;
  EXPECT_EQ(inst->count_alerts(), 2u);
  EXPECT_TRUE(outbox().empty());
}

TEST_F(FieldClient, APlainSocks5UrlIsRefusedBecauseItWouldResolveLocally) {
  auto r = inst->client(alice, send_args({"--proxy", "socks5://127.0.0.1:9050"}));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("socks5h"), std::string::npos);
  EXPECT_EQ(inst->count_alerts(), 0u);
}

TEST_F(FieldClient, OnionOnlyInviteWithoutProxyIsRefusedBeforeAnyLookup) {
  use_urls({"https://abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz23.onion"});
  auto r = inst->client(alice, send_args());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("onion"), std::string::npos) << r.err;
}

// Issue 9 §6: with an invite listing a clearnet URL and an onion URL and no
// proxy, once the clearnet one fails the client must not ask the system
// resolver for the .onion name (a watching resolver would learn this device
// uses casewire). A preloaded shim logs every name the client looks up.
TEST_F(FieldClient, AnOnionNameIsNeverResolvedLocally) {
  const std::string onion = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz23.onion";
  const std::string log = inst->dir() + "/resolver.log";
  std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
  std::map<std::string, std::string> env{
      {"LD_PRELOAD", std::string(CASEWIRE_BINARY_DIR) + "/tests/libresolver_watch.so"},
      {"CASEWIRE_RESOLVER_LOG", log},
      {"ASAN_OPTIONS", asan + (asan.empty() ? "" : ":") + "verify_asan_link_order=0"}};
  // The watcher works: a name it should see, it sees.
  use_urls({"https://localhost:" + std::to_string(free_port())});
  inst->client(alice, send_args(), env);
  ASSERT_NE(read_text(log).find("localhost"), std::string::npos)
      << "the resolver watcher is not working";

  for (const auto& host :
       {onion, std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ23.ONION."),
        std::string("www.") + onion}) {
    use_urls({"https://127.0.0.1:" + std::to_string(free_port()), "https://" + host});
    auto r = inst->client(alice, send_args(), env);
    EXPECT_EQ(r.status, 3) << r.err;
    EXPECT_NE(r.err.find("through Tor"), std::string::npos) << r.err;
  }
  auto names = read_text(log);
  EXPECT_EQ(names.find("onion"), std::string::npos)
      << "an onion name reached the system resolver:\n"
      << names;
  EXPECT_EQ(names.find("ONION"), std::string::npos) << names;
}

TEST_F(FieldClient, FailsOverToTheNextUrl) {
  use_urls({"https://127.0.0.1:" + std::to_string(free_port()), inst->url()});
  auto r = inst->client(alice, send_args());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(inst->count_alerts(), 1u);
}

TEST_F(FieldClient, DaemonDownQueuesThenFlushDeliversExactlyOnce) {
  inst->stop();
  auto r = inst->client(alice, {"send", "--alert", canary_alert_file()});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("kept in the outbox"), std::string::npos);
  auto listed = outbox();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_NE(listed[0].find("new_case"), std::string::npos);
  EXPECT_NE(listed[0].find("attempts=1"), std::string::npos);
  EXPECT_NE(listed[0].find("last_error=unreachable"), std::string::npos);
  // Neither the listing nor what the client said names anyone; the outbox
  // file itself is sealed.
  std::string outbox_files;
  for (const auto& e : std::filesystem::directory_iterator(alice.home + "/outbox"))
    outbox_files += read_text(e.path());
  ASSERT_FALSE(outbox_files.empty());
  for (const char* c : kAllCanaries) {
    EXPECT_EQ(listed[0].find(c), std::string::npos) << c;
    EXPECT_EQ((r.out + r.err).find(c), std::string::npos) << c;
    EXPECT_EQ(outbox_files.find(c), std::string::npos) << c;
  }
  inst->start();  // new port: the harness re-points the client
  auto f1 = inst->client(alice, {"outbox", "flush"});
  EXPECT_EQ(f1.status, 0) << f1.err;
  auto f2 = inst->client(alice, {"outbox", "flush"});
  EXPECT_EQ(f2.status, 0);
  EXPECT_EQ(inst->count_alerts(), 1u);
  EXPECT_TRUE(outbox().empty());
  auto receipts = inst->client(alice, {"receipts"});
  EXPECT_NE(receipts.out.find("signature verified"), std::string::npos) << receipts.out;
}

// A phone whose disk is full when the receipt comes: the daemon recorded the
// alert, but nothing on the device could show or fetch the proof of it if
// the envelope went too. It stays in the outbox until its receipt is saved
// (here the receipts folder is a file, which stops even root from writing
// into it).
TEST_F(FieldClient, AReceiptThatCannotBeSavedKeepsTheAlertInTheOutboxUntilItIs) {
  const std::string receipts_dir = alice.home + "/receipts";
  std::filesystem::remove_all(receipts_dir);
  ASSERT_TRUE(write_file_atomic(receipts_dir, as_bytes("not a folder"), 0600, Overwrite::yes).ok());
  auto r = inst->client(alice, {"send", "--alert", canary_alert_file()});
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("delivered"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("could not save its receipt"), std::string::npos) << r.err;
  EXPECT_EQ(inst->count_alerts(), 1u);
  auto listed = outbox();
  ASSERT_EQ(listed.size(), 1u) << "the only copy that can fetch the receipt again";
  EXPECT_NE(listed[0].find("last_error=io_error"), std::string::npos) << listed[0];
  for (const char* c : kAllCanaries) EXPECT_EQ((r.out + r.err).find(c), std::string::npos) << c;

  auto still = inst->client(alice, {"outbox", "flush"});
  EXPECT_EQ(still.status, 3) << "the disk is still full: " << still.err;
  EXPECT_EQ(outbox().size(), 1u);

  std::filesystem::remove(receipts_dir);
  auto f = inst->client(alice, {"outbox", "flush"});
  EXPECT_EQ(f.status, 0) << f.err;
  EXPECT_TRUE(outbox().empty());
  EXPECT_EQ(inst->count_alerts(), 1u) << "the flush fetched the receipt of the recorded alert";
  auto receipts = inst->client(alice, {"receipts"});
  EXPECT_NE(receipts.out.find("signature verified"), std::string::npos) << receipts.out;
}

TEST_F(FieldClient, FlushWatchKeepsTryingUntilTheDaemonIsBack) {
  inst->stop();
  ASSERT_EQ(inst->client(alice, send_args()).status, 3);
  Process watcher({bin("casewire"), "--home", alice.home, "outbox", "flush", "--watch"},
                  inst->dir() + "/watch");
  // One round has failed against the stopped daemon before it comes back.
  ASSERT_TRUE(watcher.wait_for_output("still in the outbox", 20s)) << watcher.err();
  inst->start();  // same port is not guaranteed; re-pointed home is read at each round
  auto st = watcher.wait(60s);
  ASSERT_TRUE(st.has_value()) << "flush --watch did not finish";
  EXPECT_EQ(*st, 0) << watcher.err();
  EXPECT_EQ(inst->count_alerts(), 1u);
}

TEST_F(FieldClient, AClientKilledMidSendStillDeliversExactlyOnce) {
  // A network that hangs (accepts, never answers) holds the client after it
  // has written the outbox; SIGKILL it there.
  Helper tarpit({"/usr/bin/python3", script("tarpit.py")}, inst->dir() + "/tarpit");
  use_urls({"https://127.0.0.1:" + std::to_string(tarpit.port)});
  for (int i = 0; i < 3; ++i) {
    Process send({bin("casewire"), "--home", alice.home, "send", "--people", "2", "--arrest-place",
                  "CN-JL", "--urgency", "high", "--consent", "private"},
                 inst->dir() + "/killed" + std::to_string(i));
    // Killed while its connection hangs in the tarpit (the alert is already
    // in the outbox by then: it is written before the first byte is sent).
    ASSERT_TRUE(eventually([&] {
      const auto o = tarpit.proc->out();
      std::size_t n = 0;
      for (auto at = o.find("accepted"); at != std::string::npos; at = o.find("accepted", at + 1))
        ++n;
      return n > static_cast<std::size_t>(i);
    }));
    send.signal(SIGKILL);
    send.wait(5s);
  }
  ASSERT_EQ(outbox().size(), 3u) << "each alert was written before the first attempt";
  use_urls({inst->url()});
  ASSERT_EQ(inst->client(alice, {"outbox", "flush"}).status, 0);
  ASSERT_EQ(inst->client(alice, {"outbox", "flush"}).status, 0);
  EXPECT_EQ(inst->count_alerts(), 3u);
}

TEST_F(FieldClient, RandomKillsAgainstTheRealDaemonNeverDuplicateOrLose) {
  // Kill at arbitrary points of a real send; afterwards every alert the
  // client still knows of (receipt or outbox) is recorded exactly once.
  for (int delay_ms : {0, 10, 30, 60, 100, 150}) {
    Process send({bin("casewire"), "--home", alice.home, "send", "--people", "2", "--arrest-place",
                  "CN-JL", "--urgency", "high", "--consent", "private"},
                 inst->dir() + "/rk" + std::to_string(delay_ms));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    send.signal(SIGKILL);
    send.wait(5s);
  }
  auto flushed = inst->client(alice, {"outbox", "flush"});
  ASSERT_EQ(flushed.status, 0) << flushed.out << flushed.err;
  EXPECT_TRUE(outbox().empty());
  auto receipts = inst->client(alice, {"--json", "receipts"});
  std::set<std::string> known;
  std::istringstream in(receipts.out);
  for (std::string l; std::getline(in, l);)
    known.insert(std::string(json::parse(l).as_object().at("alert_id").as_string()));
  // The daemon may hold alerts whose receipt the client never saw (killed
  // after the daemon answered): resending is what recovers those, and a
  // killed client that had not yet written its outbox never sent anything.
  EXPECT_GE(inst->count_alerts(), known.size());
  EXPECT_LE(inst->count_alerts(), 6u);
}

TEST_F(FieldClient, ReceiptsListShowsCaseReferencesAndUpdatesFollowTheCase) {
  auto first = inst->client(alice, send_args({"--json"}));
  ASSERT_EQ(first.status, 0) << first.err;
  const std::string case_ref(json::parse(first.out).as_object().at("alert_id").as_string());
  auto upd = inst->client(alice, {"send", "--update", case_ref, "--status", "transferred",
                                  "--held-place", "CN-LN-F01"});
  ASSERT_EQ(upd.status, 0) << upd.err;
  auto resolved = inst->client(
      alice, {"send", "--update", case_ref, "--kind", "resolved", "--status", "released"});
  ASSERT_EQ(resolved.status, 0) << resolved.err;
  auto r = inst->client(alice, {"receipts"});
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3);
  std::size_t pos = 0, n = 0;
  while ((pos = r.out.find("case " + case_ref, pos)) != std::string::npos) ++n, ++pos;
  EXPECT_EQ(n, 3u) << r.out;
  auto status = inst->client(alice, {"status", case_ref});
  EXPECT_EQ(status.status, 0) << status.err;
  EXPECT_NE(status.out.find("resolved"), std::string::npos) << status.out;
}

TEST_F(FieldClient, AFinalRefusalKeepsTheAlertMarkedUntilTheContactDropsIt) {
  auto r =
      inst->client(alice, {"send", "--update", to_hex(random_alert_id()), "--status", "released"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("unknown_case"), std::string::npos);
  EXPECT_NE(r.err.find("stays in your outbox"), std::string::npos) << r.err;
  auto listed = outbox();
  ASSERT_EQ(listed.size(), 1u) << "a refusal never deletes a report";
  EXPECT_NE(listed[0].find("REFUSED (unknown_case)"), std::string::npos) << listed[0];
  // Not resent by a flush; counted as refused.
  const auto before = inst->metric("casewire_alerts_rejected_total{code=\"unknown_case\"}");
  auto f = inst->client(alice, {"outbox", "flush"});
  EXPECT_NE(f.out.find("1 refused"), std::string::npos) << f.out;
  EXPECT_EQ(inst->metric("casewire_alerts_rejected_total{code=\"unknown_case\"}"), before);
  // Dropping needs a confirmation; without a terminal, --yes.
  const std::string id = listed[0].substr(0, 32);
  EXPECT_NE(inst->client(alice, {"outbox", "drop", id}).status, 0);
  EXPECT_EQ(outbox().size(), 1u);
  auto d = inst->client(alice, {"outbox", "drop", id, "--yes"});
  EXPECT_EQ(d.status, 0) << d.err;
  EXPECT_TRUE(outbox().empty());
}

// Issue 18: a contact enrolled but not yet loaded by the daemon (no SIGHUP
// yet) gets unknown_sender; the alert stays queued and a later flush
// delivers it with nothing else to do.
TEST_F(FieldClient, ARefusalThatHealsKeepsTheAlertQueuedUntilItIsDelivered) {
  auto bob = inst->add_contact("bob");  // enrolled after the daemon started: not loaded yet
  auto r = inst->client(bob, send_args());
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("unknown_sender"), std::string::npos) << r.err;
  inst->sighup();
  for (int i = 0; i < 200 && inst->metric("casewire_trust_reloads_total") < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto f = inst->client(bob, {"outbox", "flush"});
  EXPECT_EQ(f.status, 0) << f.err;
  EXPECT_NE(f.out.find("1 delivered"), std::string::npos) << f.out;
}

// Issue 9 §4: someone who learns a queued alert's id (an outbox file name)
// and gets an envelope with that id recorded first makes the daemon answer
// `conflict`. The contact's alert is not silently deleted: it stays, marked,
// and the contact is told in plain words to send it again as a new alert.
TEST_F(FieldClient, AConflictingAlertIdDoesNotSilentlyDeleteTheQueuedAlert) {
  auto mallory = inst->add_contact("mallory");
  inst->sighup();
  for (int i = 0; i < 200 && inst->metric("casewire_trust_reloads_total") < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  use_urls({"https://127.0.0.1:" + std::to_string(free_port())});  // nothing listens: queued
  ASSERT_EQ(inst->client(alice, send_args()).status, 3);
  auto listed = outbox();
  ASSERT_EQ(listed.size(), 1u);
  auto id = parse_alert_id(listed[0].substr(0, 32));
  ASSERT_TRUE(id);
  auto front_run = post_alert(
      inst->port(), std::string(as_chars(inst->seal(mallory, sample_alert(), *id, unix_now()))));
  ASSERT_TRUE(front_run && front_run->status == 201);
  use_urls({inst->url()});
  auto f = inst->client(alice, {"outbox", "flush"});
  EXPECT_EQ(f.status, 2) << f.err;
  EXPECT_NE(f.err.find("Send the report again as a new alert"), std::string::npos) << f.err;
  listed = outbox();
  ASSERT_EQ(listed.size(), 1u) << "kept";
  EXPECT_NE(listed[0].find("REFUSED (conflict)"), std::string::npos) << listed[0];
}

TEST_F(FieldClient, AnExportedEnvelopeIsDeliveredByACourierWithoutAKey) {
  const auto file = inst->dir() + "/carried.cwe";
  auto exported = inst->client(
      alice, {"--json", "export", "--alert",
              std::string(CASEWIRE_SOURCE_DIR) + "/deploy/examples/alert.json", "-o", file});
  ASSERT_EQ(exported.status, 0) << exported.err;
  const std::string alert_id(json::parse(exported.out).as_object().at("alert_id").as_string());
  auto bytes = read_text(file);
  EXPECT_EQ(bytes.size(), 8253u);
  for (const char* c : {"Example Person One", "CN-JL"})
    EXPECT_EQ(bytes.find(c), std::string::npos) << "sealed: " << c;
  // The courier: a home with only the invite, no key.
  const auto courier = inst->dir() + "/home-courier";
  ASSERT_EQ(
      run({bin("casewire"), "--home", courier, "init", "--invite", inst->invite_path()}).status, 0);
  auto d1 = run({bin("casewire"), "--home", courier, "--json", "deliver", file});
  ASSERT_EQ(d1.status, 0) << d1.err;
  EXPECT_EQ(std::string(json::parse(d1.out).as_object().at("alert_id").as_string()), alert_id);
  auto d2 = run({bin("casewire"), "--home", courier, "deliver", file});
  EXPECT_EQ(d2.status, 0);
  EXPECT_NE(d2.out.find("delivered earlier"), std::string::npos) << d2.out;
  EXPECT_EQ(inst->count_alerts(), 1u);
  auto corrupt = bytes;
  corrupt[100] ^= 1;
  ASSERT_TRUE(write_file_atomic(file + ".bad", as_bytes(corrupt), 0600, Overwrite::yes).ok());
  auto d3 = run({bin("casewire"), "--home", courier, "deliver", file + ".bad"});
  EXPECT_EQ(d3.status, 2);
  EXPECT_NE(d3.err.find("decrypt_failed"), std::string::npos) << d3.err;
}

TEST_F(FieldClient, WipeShredsKeyOutboxAndReceipts) {
  ASSERT_EQ(inst->client(alice, send_args()).status, 0);
  inst->stop();
  ASSERT_EQ(inst->client(alice, send_args()).status, 3);
  auto refused = inst->client(alice, {"wipe"});
  EXPECT_NE(refused.status, 0) << "no --yes and no terminal: refuse";
  EXPECT_TRUE(std::filesystem::exists(alice.home + "/identity.key"));
  // A crash mid-write leaves a .tmp- file (here: a copy of the key) that
  // wipe must find too.
  const std::string key_text = read_text(alice.home + "/identity.key");
  ASSERT_TRUE(write_file_atomic(alice.home + "/identity.key.tmp-crash1", as_bytes(key_text), 0600,
                                Overwrite::yes)
                  .ok());
  // A second name for the key's blocks (a hard link) shows what wipe did to
  // the data itself: overwritten before the name was removed.
  const std::string witness = inst->dir() + "/key-witness";
  ASSERT_EQ(::link((alice.home + "/identity.key").c_str(), witness.c_str()), 0);
  auto r = inst->client(alice, {"wipe", "--yes"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("2 key file, 1 queued alert(s), 1 receipt(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("shell history"), std::string::npos)
      << "says what it cannot reach: " << r.out;
  EXPECT_NE(r.out.find("the alert file you sent from"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(alice.home));
  const std::string after = read_text(witness);
  EXPECT_EQ(after.size(), key_text.size());
  EXPECT_NE(after, key_text) << "the key's bytes were unlinked without being overwritten";
}

TEST_F(FieldClient, APassphraseProtectedKeyWorksFromAFileAndTheWrongOneIsRefused) {
  const auto key = inst->dir() + "/protected.key";
  const auto pass = inst->dir() + "/pass.txt";
  ASSERT_TRUE(
      write_file_atomic(pass, as_bytes("correct horse battery staple\n"), 0600, Overwrite::yes)
          .ok());
  auto made = run({bin("casewire-keys"), "new-contact", "--out", key, "--passphrase-file", pass});
  ASSERT_EQ(made.status, 0) << made.err;
  EXPECT_EQ(read_text(key).find("NOT ENCRYPTED"), std::string::npos);
  auto enrolled = run({bin("casewire-keys"), "enroll", "--dir", inst->keys_dir(), "--pub",
                       key + ".pub", "--label", "p"});
  ASSERT_EQ(enrolled.status, 0) << enrolled.err;
  inst->sighup();
  const auto home = inst->dir() + "/home-protected";
  ASSERT_EQ(
      run({bin("casewire"), "--home", home, "init", "--invite", inst->invite_path(), "--key", key})
          .status,
      0);
  std::vector<std::string> args{bin("casewire"), "--home", home, "--passphrase-file", pass};
  auto a = send_args(args);
  auto ok = run(a);
  EXPECT_EQ(ok.status, 0) << ok.err;
  ASSERT_TRUE(write_file_atomic(pass, as_bytes("wrong"), 0600, Overwrite::yes).ok());
  auto bad = run(a);
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("wrong_passphrase"), std::string::npos) << bad.err;
  auto none = run({bin("casewire"), "--home", home, "send", "--people", "1", "--arrest-place",
                   "CN-JL", "--urgency", "high", "--consent", "private"});
  EXPECT_NE(none.err.find("no_passphrase"), std::string::npos)
      << "no terminal, no file: fail, never hang";
}

}  // namespace
}  // namespace cw::test
