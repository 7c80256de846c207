#include "daemon/daemon.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <future>
#include <iostream>
#include <ostream>
#include <thread>

#include "daemon/api/admin.h"
#include "daemon/api/api.h"
#include "daemon/api/feed.h"
#include "daemon/delivery/dispatcher.h"
#include "daemon/deployment_audit.h"
#include "daemon/event_loop.h"
#include "daemon/ingest/ingest.h"
#include "daemon/keyring.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/net/server.h"
#include "daemon/published.h"
#include "daemon/records/case_records.h"
#include "daemon/store/fault_vfs.h"
#include "daemon/store/open_store.h"
#include "daemon/systemd.h"
#include "daemon/trust.h"
#include "protocol/file_io.h"
#include "protocol/invite_update.h"
#include "protocol/timefmt.h"
#include "protocol/tls_pin.h"
#include "trust/daemon_dir.h"

namespace cw::daemon {

namespace net = boost::asio;

struct Daemon::Impl {
  Config config;
  DaemonDir dir;
  Keyring keys;
  Metrics metrics;  // before everything that counts, the store first
  TrustHolder trust;
  Published published;
  std::unique_ptr<Store> store;
  net::io_context ioc;
  net::steady_timer retention{ioc}, mixing{ioc}, residual{ioc};
  std::atomic<bool> residual_known{false};  // residual_tick has answered once (any thread)
  std::unique_ptr<TreeHeads> heads;         // after store and keys
  std::unique_ptr<Ingest> ingest;
  std::unique_ptr<Server> server;
  FeedHub hub;
  std::unique_ptr<NotificationSigner> notes;  // after keys and metrics
  std::unique_ptr<Dispatcher> dispatcher;
  bool gazetteer_missing = false;  // the operator's gazetteer went missing (missing_gazetteer)
  std::string presented_pin;       // of tls.crt as loaded at start: the certificate in use

  Impl(Config c, Keyring k, std::shared_ptr<const TrustView> t)
      : config(std::move(c)),
        dir{config.keys_dir},
        keys(std::move(k)),
        trust(std::move(t)),
        ioc(static_cast<int>(config.threads)) {}

  // The chain of invite updates `casewire-keys rotate` wrote, if it holds
  // (a chain that would cut clients off is refused: at start the daemon
  // does not start, on SIGHUP it keeps serving the one it had).
  Status load_invite_chain() {
    auto chain = daemon::load_invite_chain(dir, keys, presented_pin);
    if (!chain) return chain.error();
    published.set_invite_chain(std::make_shared<const ServedInviteChain>(std::move(*chain)));
    return Status::Ok();
  }

  // Installs `g` for the whole process, signs it, serves the signed form,
  // and leaves a copy for `casewire-keys invite` (best effort: an invite
  // without it still works, clients fetch it).
  void use_gazetteer(std::shared_ptr<const Gazetteer> g) {
    auto text = std::make_shared<const std::string>(g->sign(keys.signing()));
    set_active_gazetteer(std::move(g));
    if (!gazetteer_missing &&
        !write_file_atomic(dir.gazetteer_signed(), as_bytes(*text), 0644, Overwrite::yes).ok())
      log_event("gazetteer_copy_failed");
    published.set_gazetteer(std::move(text));
  }

  // SIGHUP: the invite chain, the operator's edited gazetteer (new
  // facilities) and the trust store, in that order (the trust store's reload
  // count tells scripts the reload is done). Whatever does not load is
  // refused and the current one kept: the daemon serves on with the old
  // rather than none.
  void reload();

  // Retention (crypto-shredding): at start, then every hour, the keys of
  // cases quiet for [retention] days are destroyed.
  void retention_tick() {
    if (config.retention_days == 0) return;
    const std::int64_t now = unix_now();
    purge_expired(*store, now - std::int64_t{86400} * config.retention_days, now,
                  [this](Result<PurgeCounts> c) {
                    if (c)
                      metrics.case_keys_purged.fetch_add(c->cases);
                    else
                      log_event("purge_failed", {LogField::code(c.code())});
                  });
    retention.expires_after(std::chrono::hours(1));
    retention.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) retention_tick();
    });
  }

  // A purge's residual (Store::clear_purge_residual), whoever ran the purge:
  // tried again every [retention] residual_retry_seconds until it is gone,
  // counted in a gauge and logged when it appears and when it is cleared.
  void residual_tick() {
    store->clear_purge_residual([this](Result<bool> left) {
      if (!left) return;
      const bool was = metrics.purge_residual_pending.exchange(*left ? 1 : 0) != 0;
      if (*left && (!was || !residual_known)) log_event("purge_residual_pending");
      if (!*left && was) log_event("purge_residual_cleared");
      residual_known = true;
    });
    residual.expires_after(std::chrono::seconds(config.retention_residual_retry_s));
    residual.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) residual_tick();
    });
  }

  // The case log's windows: each one's leaves join the log once it is over
  // (protocol/case_log.h). Checked a few times a window, at most once a
  // minute. A window's leaves join a little after it ends (a grace of a
  // quarter of it, at most 30 s): an alert whose transaction began in the
  // window but committed just after its end would otherwise join alone at
  // the next tick, its place then saying exactly when it was recorded.
  void mixing_tick() {
    const auto every =
        std::chrono::seconds(std::clamp<std::int64_t>(config.log_mix_seconds / 4, 1, 60));
    const std::int64_t grace = std::clamp<std::int64_t>(config.log_mix_seconds / 4, 0, 30);
    store->append_waiting_leaves(unix_seconds(unix_now() - grace), [this](Result<std::uint32_t> n) {
      if (!n) log_event("case_log_append_failed", {LogField::code(n.code())});
      metrics.case_log_waiting = store->log_waiting();
    });
    mixing.expires_after(every);
    mixing.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) mixing_tick();
    });
  }

  // Everything that may fail before serving: the store (opened once, with
  // metrics), the TLS context, the parts of the daemon, and the listeners.
  Status start();
};

namespace {

// Secrets live in this process's memory: no core dumps, no ptrace by
// same-user processes (PR_SET_DUMPABLE also blocks /proc/PID/mem reads).
void harden_process() {
  rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace

Result<LoadedInstance> load_keys_and_trust(const Config& c) {
  DaemonDir d{c.keys_dir};
  // A rotation half-installed by a crash: which keys are current is not
  // settled until it is finished.
  std::string rotation_warning;
  CW_TRY(check_rotation_state(d, &rotation_warning));
  // Under systemd the passphrase comes as a credential (LoadCredential=
  // passphrase:...) unless the config names a file.
  const std::string passphrase_file =
      c.passphrase_file.empty() ? service_credential("passphrase") : c.passphrase_file;
  if (!passphrase_file.empty() && passphrase_file != "-" &&
      ::access(passphrase_file.c_str(), R_OK) != 0 && errno == EACCES)
    return make_error(
        Errc::no_passphrase,
        passphrase_file + " cannot be read by " + this_user() +
            ": the passphrase credential is root's (systemd hands the service its own copy); "
            "to check as the service user, pipe it in: cat " +
            passphrase_file +
            " | runuser -u casewire -- casewired --config FILE --check-config "
            "--passphrase-file -");
  auto keys =
      Keyring::load(c.keys_dir, PassphraseSource{passphrase_file, c.insecure_unencrypted_key});
  if (!keys) return keys.error();
  auto trust = TrustView::load_instance(d, keys->revocation_signer().public_key());
  if (!trust) return trust.error();
  return LoadedInstance{std::move(*keys), std::move(*trust), std::move(rotation_warning)};
}

Result<std::shared_ptr<const Gazetteer>> load_gazetteer(const Config& c) {
  const DaemonDir d{c.keys_dir};
  auto text = read_file(d.gazetteer(), 4 << 20);
  if (!text && text.code() == Errc::not_found) return active_gazetteer();  // the built-in one
  if (!text) return text.error();
  auto g = Gazetteer::from_json(as_chars(*text));
  if (!g) return make_error(Errc::bad_config, d.gazetteer() + ": " + g.error().message);
  return std::make_shared<const Gazetteer>(std::move(*g));
}

// A daemon that once published its operator's gazetteer and now finds only
// the built-in one (a restore that lacked gazetteer.json, a deleted file)
// would quietly offer contacts other places: said at start and by
// --check-config. The copy it signed then tells which version it served.
namespace {
std::optional<std::string> missing_gazetteer(const Config& c) {
  const DaemonDir d{c.keys_dir};
  if (file_exists(d.gazetteer())) return std::nullopt;
  auto signed_copy = read_file(d.gazetteer_signed(), 4 << 20);
  if (!signed_copy) return std::nullopt;
  std::error_code ec;
  auto outer = boost::json::parse(as_chars(*signed_copy), ec);
  const auto* payload =
      !ec && outer.is_object() ? outer.as_object().if_contains("payload") : nullptr;
  if (!payload || !payload->is_string()) return std::nullopt;
  auto inner = boost::json::parse(payload->as_string(), ec);
  const auto* version =
      !ec && inner.is_object() ? inner.as_object().if_contains("version") : nullptr;
  if (!version || !version->is_int64() ||
      version->as_int64() == static_cast<std::int64_t>(Gazetteer::builtin().version()))
    return std::nullopt;
  return d.gazetteer() + " is missing: the daemon published gazetteer version " +
         std::to_string(version->as_int64()) + " before and now serves the built-in one (version " +
         std::to_string(Gazetteer::builtin().version()) +
         "); put the operator's gazetteer back (it is in every backup), or remove " +
         d.gazetteer_signed() + " to go back to the built-in one on purpose";
}
}  // namespace

Status check_config(const Config& config, std::ostream& report) {
  // Root passes every permission check the service user fails: say so
  // rather than answer "ok" for a user the check never was.
  if (auto owner = owner_of(config.keys_dir); ::geteuid() == 0 && owner && *owner != 0)
    report << "warning: checked as root, but " << config.keys_dir << " belongs to uid " << *owner
           << ": run the check as the service user (runuser -u casewire -- casewired ... "
              "--check-config) to learn what it can read\n";
  auto loaded = load_keys_and_trust(config);
  if (!loaded) return loaded.error();
  if (auto g = load_gazetteer(config); !g) return g.error();
  {
    const DaemonDir d{config.keys_dir};
    auto pin = spki_pin_of_pem_file(d.tls_cert());
    if (!pin) return pin.error();
    if (auto chain = load_invite_chain(d, loaded->keys, *pin); !chain) return chain.error();
  }
  if (!loaded->rotation_warning.empty()) report << "warning: " << loaded->rotation_warning << "\n";
  if (auto m = missing_gazetteer(config)) report << "warning: " << *m << "\n";
  std::size_t errors = 0;
  for (const auto& f : audit_deployment(config, loaded->trust->store())) {
    const bool error = f.severity == Finding::Severity::error;
    errors += error ? 1 : 0;
    report << (error ? "error: " : "warning: ") << f.message << "\n";
  }
  if (errors)
    return make_error(Errc::bad_config, std::to_string(errors) + " problem(s) listed above");
  DaemonDir d{config.keys_dir};
  auto tls = make_tls_context(d.tls_cert(), d.tls_key());
  if (!tls) return tls.error();
  // Looked at, never opened for writing: a check run as root must not leave
  // a root-owned database (or its -wal and -shm) the service cannot open.
  auto store = probe_store(config.db_path);
  if (!store) return store.error();
  report << "store: " << *store << "\n";
  return Status::Ok();
}

void Daemon::Impl::reload() {
  // A TLS key announced by casewire-keys rotate --tls-next.
  if (auto st = load_invite_chain(); !st.ok())
    log_event("invite_update_refused", {LogField::code(st.code())});
  if (auto g = load_gazetteer(config)) {
    gazetteer_missing = missing_gazetteer(config).has_value();
    use_gazetteer(std::move(*g));
    log_event("gazetteer_loaded", {LogField::num("version", active_gazetteer()->version())});
  } else {
    log_event("gazetteer_reload_failed", {LogField::code(g.code())});
  }
  auto fresh = TrustView::load_instance(dir, keys.revocation_signer().public_key());
  if (!fresh) return log_event("trust_reload_failed", {LogField::code(fresh.code())});
  metrics.revocations.store((*fresh)->journalled_revocations());
  trust.set(std::move(*fresh));
  dispatcher->trust_changed();
  hub.notify();  // feed streams re-check their organisation's access now
  metrics.trust_reloads.fetch_add(1);
  log_event("trust_reloaded");
}

Result<std::unique_ptr<Daemon>> Daemon::create(const Config& config) {
  harden_process();
  auto loaded = load_keys_and_trust(config);
  if (!loaded) return loaded.error();
  auto gazetteer = load_gazetteer(config);
  if (!gazetteer) return gazetteer.error();
  auto impl = std::make_unique<Impl>(config, std::move(loaded->keys), std::move(loaded->trust));
  auto pin = spki_pin_of_pem_file(impl->dir.tls_cert());
  if (!pin) return pin.error();
  impl->presented_pin = *pin;
  CW_TRY(impl->load_invite_chain());
  // The signed copy of a gazetteer that has gone missing is kept (it is
  // what tells the next start, too, that something is wrong).
  impl->gazetteer_missing = missing_gazetteer(config).has_value();
  if (impl->gazetteer_missing) log_event("gazetteer_missing");
  impl->use_gazetteer(std::move(*gazetteer));
  if (!loaded->rotation_warning.empty()) log_event("rotation_interrupted_ignored");
  CW_TRY(impl->start());
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

Status Daemon::Impl::start() {
  auto opened =
      open_store({config.db_path, config.max_batch, &metrics, &keys,
                  // A claimed delivery is retried by another daemon only
                  // after any attempt of the one that claimed it has ended.
                  std::chrono::milliseconds(2 * config.delivery.webhook_timeout_ms + 10000),
                  config.log_mix_seconds});
  if (!opened) return opened.error();
  store = std::move(*opened);
  auto tls = make_tls_context(dir.tls_cert(), dir.tls_key());
  if (!tls) return tls.error();
  heads = std::make_unique<TreeHeads>(*store, keys, &metrics);
  ingest = std::make_unique<Ingest>(keys, trust, *store, *heads, metrics,
                                    config.delivery.escalate_after_s, config.log_mix_seconds);
  // Leaves whose window ended while the daemon was down join the log before
  // anyone is served: a receipt's promise holds across a restart.
  {
    std::promise<Result<std::uint32_t>> appended;
    store->append_waiting_leaves(unix_seconds(unix_now()),
                                 [&appended](Result<std::uint32_t> n) { appended.set_value(n); });
    if (auto n = appended.get_future().get(); !n)
      log_event("case_log_append_failed", {LogField::code(n.code())});
  }
  server = std::make_unique<Server>(ioc, config.limits, metrics);
  notes = std::make_unique<NotificationSigner>(keys.signing(), metrics);
  dispatcher =
      std::make_unique<Dispatcher>(config.delivery, keys, trust, *store, metrics, *notes, *heads);
  store->on_new_notifications([this] {
    hub.notify();
    dispatcher->wake();
  });
  auto api = std::make_shared<ApiHandler>(
      ApiDeps{config.limits, metrics, *ingest, *store, hub, trust, keys, *notes, *heads, published,
              ioc.get_executor(), std::chrono::milliseconds(config.delivery.feed_heartbeat_ms)});
  auto admin = std::make_shared<AdminHandler>(metrics, *store);
  auto api_ep = server->listen(*parse_host_port(config.listen), api, *tls);
  if (!api_ep)
    return make_error(api_ep.code(), "listen " + config.listen + ": " + api_ep.error().message);
  auto admin_ep = server->listen(*parse_host_port(config.admin_listen), admin, nullptr);
  if (!admin_ep)
    return make_error(admin_ep.code(),
                      "admin_listen " + config.admin_listen + ": " + admin_ep.error().message);
  // Scripts and tests read these two lines to find the ports (port 0 = any).
  std::cout << "listening on " << api_ep->address().to_string() << ":" << api_ep->port() << "\n"
            << "admin listening on " << admin_ep->address().to_string() << ":" << admin_ep->port()
            << std::endl;
  return Status::Ok();
}

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Daemon::~Daemon() = default;

int Daemon::run() {
  auto& d = *impl_;
  d.metrics.revocations.store(d.trust.get()->journalled_revocations());
  d.dispatcher->start();
  notify_service_manager("READY=1\nSTATUS=serving");
  if (fault::compiled_in()) log_event("fault_injection_build");
  log_event("started", {LogField::num("threads", d.config.threads)});
  if (d.config.insecure_unencrypted_key) log_event("insecure_unencrypted_key_allowed");
  d.retention_tick();
  d.mixing_tick();
  d.residual_tick();

  net::signal_set signals(d.ioc, SIGTERM, SIGINT, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal;
  on_signal = [&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      notify_service_manager("RELOADING=1");
      d.reload();
      notify_service_manager("READY=1\nSTATUS=serving");
      signals.async_wait(on_signal);
      return;
    }
    notify_service_manager("STOPPING=1");
    log_event("draining");
    d.server->drain(std::chrono::seconds(10), [&] {
      signals.cancel();
      d.retention.cancel();
      d.mixing.cancel();
      d.residual.cancel();
      d.ioc.stop();
    });
  };
  signals.async_wait(on_signal);

  std::vector<std::thread> threads;
  for (std::uint32_t i = 1; i < d.config.threads; ++i)
    threads.emplace_back([&] { run_event_loop(d.ioc, d.metrics); });
  run_event_loop(d.ioc, d.metrics);
  for (auto& t : threads) t.join();
  d.dispatcher->stop();
  d.store->close();
  log_event("stopped");
  return 0;
}

}  // namespace cw::daemon
