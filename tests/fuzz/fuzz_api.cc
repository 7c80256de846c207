// Fuzz target: the daemon's real request path. The input is written, as a
// client would send it, to a real listener (daemon/net/server.h, the plain
// variant of the TLS sessions: same Session code, same parser, same limits)
// serving the real ApiHandler over a real Ingest and SQLite store, with keys
// made by the key tool in a scratch directory. Everything after the TLS
// layer runs as in production: head and body limits, precheck, routing, the
// signed-request parser, the envelope pipeline, error answers and padding.
//
// Checked per input: no sanitizer finding, the connection ends within its
// deadlines (a hang aborts), and whatever the daemon answers is HTTP.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "daemon/api/api.h"
#include "daemon/api/feed.h"
#include "daemon/ingest/ingest.h"
#include "daemon/keyring.h"
#include "daemon/metrics.h"
#include "daemon/net/server.h"
#include "daemon/store/sqlite_store.h"
#include "daemon/trust.h"
#include "keys/commands.h"

namespace {

using namespace cw;
using namespace cw::daemon;

struct World {
  std::string dir;
  std::unique_ptr<Keyring> keys;
  std::unique_ptr<TrustHolder> trust;
  std::unique_ptr<Store> store;
  Metrics metrics;
  FeedHub hub;
  Published published;  // nothing published: those routes answer not_found
  net::io_context ioc;
  std::unique_ptr<TreeHeads> heads;
  std::unique_ptr<Ingest> ingest;
  std::unique_ptr<NotificationSigner> notes;
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;
  std::thread io;

  World() {
    char tmpl[] = "/tmp/casewire-fuzz-api-XXXXXX";
    dir = ::mkdtemp(tmpl);
    std::ostringstream sink;
    keys::InitOptions init;
    init.dir = dir + "/daemon";
    init.secret.insecure_no_passphrase = true;
    init.secret.kdf = KdfParams::interactive();
    keys::SecretFileOptions secret;
    secret.insecure_no_passphrase = true;
    secret.kdf = KdfParams::interactive();
    if (!keys::init(init, sink).ok() ||
        !keys::new_identity(Role::contact, dir + "/alice.key", secret, sink).ok() ||
        !keys::enroll({init.dir, dir + "/alice.key.pub", "alice", {}, 60, ""}, sink).ok())
      std::abort();
    auto k = Keyring::load(init.dir, PassphraseSource{"", true});
    auto t = TrustView::load(DaemonDir{init.dir}.trust());
    if (!k || !t) std::abort();
    keys = std::make_unique<Keyring>(std::move(*k));
    trust = std::make_unique<TrustHolder>(std::move(*t));
    auto s = open_sqlite_store({dir + "/casewired.db", 256, &metrics, keys.get()});
    if (!s) std::abort();
    store = std::move(*s);
    heads = std::make_unique<TreeHeads>(*store, *keys);
    ingest = std::make_unique<Ingest>(*keys, *trust, *store, *heads, metrics, 1800);
    notes = std::make_unique<NotificationSigner>(keys->signing(), metrics);
    Limits limits;
    limits.per_ip_per_minute = 0;  // every input comes from 127.0.0.1
    limits.max_connections_per_ip = 0;
    limits.header_timeout_ms = 2000;
    limits.body_timeout_ms = 2000;
    limits.write_timeout_ms = 2000;
    server = std::make_unique<Server>(ioc, limits, metrics);
    auto api = std::make_shared<ApiHandler>(
        ApiDeps{limits, metrics, *ingest, *store, hub, *trust, *keys, *notes, *heads, published,
                ioc.get_executor(), std::chrono::milliseconds(500)});
    auto ep = server->listen(*parse_host_port("127.0.0.1:0"), api, nullptr);
    if (!ep) std::abort();
    port = ep->port();
    io = std::thread([this] {
      auto guard = net::make_work_guard(ioc);
      ioc.run();
    });
  }
};

World& world() {
  static World* w = new World();  // lives for the whole run
  return *w;
}

// Sends `data`, closes our sending side, and returns everything the daemon
// answered before it closed the connection.
std::string exchange(std::uint16_t port, const std::uint8_t* data, std::size_t size) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{10, 0};  // far above every deadline: hitting it is a hang
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) std::abort();
  std::size_t sent = 0;
  while (sent < size) {
    auto n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the daemon may close early (a refused head)
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string answer;
  char buf[4096];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) std::abort();  // the daemon hung
      break;                                                      // reset: closed
    }
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& w = world();
  const std::string answer = exchange(w.port, data, size);
  if (!answer.empty() && answer.rfind("HTTP/1.", 0) != 0) std::abort();  // not HTTP
  return 0;
}
