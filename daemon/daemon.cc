#include "daemon/daemon.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <future>
#include <iostream>
#include <mutex>
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
  Metrics metrics;
  TrustHolder trust;
  std::unique_ptr<Store> store;
  net::io_context ioc;
  std::unique_ptr<TreeHeads> heads;  // after store and keys
  std::unique_ptr<Ingest> ingest;
  std::unique_ptr<Server> server;
  FeedHub hub;
  std::unique_ptr<NotificationSigner> notes;  // after keys and metrics
  std::unique_ptr<Dispatcher> dispatcher;
  std::mutex gazetteer_mu;
  std::shared_ptr<const std::string> signed_gazetteer;
  std::shared_ptr<const ServedInviteChain> invite_chain;  // under gazetteer_mu
  bool gazetteer_missing = false;  // the operator's gazetteer went missing (missing_gazetteer)
  std::string presented_pin;       // of tls.crt as loaded at start: the certificate in use

  // The chain of invite updates `casewire-keys rotate` wrote, if it holds
  // (a chain that would cut clients off is refused: at start the daemon
  // does not start, on SIGHUP it keeps serving the one it had).
  Status load_invite_chain() {
    auto chain = daemon::load_invite_chain(dir, keys, presented_pin);
    if (!chain) return chain.error();
    std::lock_guard lock(gazetteer_mu);
    invite_chain = std::make_shared<const ServedInviteChain>(std::move(*chain));
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
    std::lock_guard lock(gazetteer_mu);
    signed_gazetteer = std::move(text);
  }

  Impl(Config c, Keyring k, std::shared_ptr<const TrustView> t, std::unique_ptr<Store> s)
      : config(std::move(c)),
        dir{config.keys_dir},
        keys(std::move(k)),
        trust(std::move(t)),
        store(std::move(s)),
        ioc(static_cast<int>(config.threads)) {}
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
  auto store = open_store(
      {config.db_path, config.max_batch, nullptr, &loaded->keys, {}, config.log_mix_seconds});
  if (!store) return store.error();
  (*store)->close();
  return Status::Ok();
}

Result<std::unique_ptr<Daemon>> Daemon::create(const Config& config) {
  harden_process();
  auto loaded = load_keys_and_trust(config);
  if (!loaded) return loaded.error();
  auto store = open_store(
      {config.db_path, config.max_batch, nullptr, &loaded->keys, {}, config.log_mix_seconds});
  if (!store) return store.error();
  auto gazetteer = load_gazetteer(config);
  if (!gazetteer) return gazetteer.error();
  auto impl = std::make_unique<Impl>(config, std::move(loaded->keys), std::move(loaded->trust),
                                     std::move(*store));
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
  // The store was opened before metrics existed; reopen with metrics wired in.
  impl->store->close();
  auto with_metrics =
      open_store({config.db_path, config.max_batch, &impl->metrics, &impl->keys,
                  // A claimed delivery is retried by another daemon only
                  // after any attempt of the one that claimed it has ended.
                  std::chrono::milliseconds(2 * config.delivery.webhook_timeout_ms + 10000),
                  config.log_mix_seconds});
  if (!with_metrics) return with_metrics.error();
  impl->store = std::move(*with_metrics);
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Daemon::~Daemon() = default;

int Daemon::run() {
  auto& d = *impl_;
  auto tls = make_tls_context(d.dir.tls_cert(), d.dir.tls_key());
  if (!tls) {
    std::cerr << "error: " << code_name(tls.code()) << ": " << tls.error().message << "\n";
    return 1;
  }
  d.heads = std::make_unique<TreeHeads>(*d.store, d.keys, &d.metrics);
  d.ingest = std::make_unique<Ingest>(d.keys, d.trust, *d.store, *d.heads, d.metrics,
                                      d.config.delivery.escalate_after_s, d.config.log_mix_seconds);
  // Leaves whose window ended while the daemon was down join the log before
  // anyone is served: a receipt's promise holds across a restart.
  {
    std::promise<Result<std::uint32_t>> appended;
    d.store->append_waiting_leaves(unix_seconds(unix_now()),
                                   [&appended](Result<std::uint32_t> n) { appended.set_value(n); });
    if (auto n = appended.get_future().get(); !n)
      log_event("case_log_append_failed", {LogField::code(n.code())});
  }
  d.server = std::make_unique<Server>(d.ioc, d.config.limits, d.metrics);
  d.notes = std::make_unique<NotificationSigner>(d.keys.signing(), d.metrics);
  d.dispatcher = std::make_unique<Dispatcher>(d.config.delivery, d.keys, d.trust, *d.store,
                                              d.metrics, *d.notes, *d.heads);
  d.store->on_new_notifications([&d] {
    d.hub.notify();
    d.dispatcher->wake();
  });
  auto api = std::make_shared<ApiHandler>(ApiDeps{
      d.config.limits, d.metrics, *d.ingest, *d.store, d.hub, d.trust, d.keys, *d.notes, *d.heads,
      d.ioc.get_executor(), std::chrono::milliseconds(d.config.delivery.feed_heartbeat_ms),
      [&d] {
        std::lock_guard lock(d.gazetteer_mu);
        return d.signed_gazetteer;
      },
      [&d] {
        std::lock_guard lock(d.gazetteer_mu);
        return d.invite_chain;
      }});
  auto admin = std::make_shared<AdminHandler>(d.metrics, *d.store);

  auto api_ep = d.server->listen(*parse_host_port(d.config.listen), api, *tls);
  if (!api_ep) {
    std::cerr << "error: " << api_ep.error().message << "\n";
    return 1;
  }
  auto admin_ep = d.server->listen(*parse_host_port(d.config.admin_listen), admin, nullptr);
  if (!admin_ep) {
    std::cerr << "error: " << admin_ep.error().message << "\n";
    return 1;
  }
  // Scripts and tests read these two lines to find the ports (port 0 = any).
  std::cout << "listening on " << api_ep->address().to_string() << ":" << api_ep->port() << "\n"
            << "admin listening on " << admin_ep->address().to_string() << ":" << admin_ep->port()
            << std::endl;
  d.metrics.revocations.store(d.trust.get()->journalled_revocations());
  d.dispatcher->start();
  notify_service_manager("READY=1\nSTATUS=serving");
  if (fault::compiled_in()) log_event("fault_injection_build");
  log_event("started", {LogField::num("threads", d.config.threads)});
  if (d.config.insecure_unencrypted_key) log_event("insecure_unencrypted_key_allowed");

  // Retention (crypto-shredding): at start, then every hour, the keys of
  // cases quiet for [retention] days are destroyed.
  net::steady_timer retention(d.ioc);
  std::function<void()> purge_tick = [&] {
    if (d.config.retention_days == 0) return;
    const std::int64_t now = unix_now();
    purge_expired(*d.store, now - std::int64_t{86400} * d.config.retention_days, now,
                  [&d](Result<PurgeCounts> c) {
                    if (c)
                      d.metrics.case_keys_purged.fetch_add(c->cases);
                    else
                      log_event("purge_failed", {LogField::code(c.code())});
                  });
    retention.expires_after(std::chrono::hours(1));
    retention.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) purge_tick();
    });
  };
  purge_tick();

  // The case log's windows: each one's leaves join the log once it is over
  // (protocol/case_log.h). Checked a few times a window, at most once a minute.
  net::steady_timer mixing(d.ioc);
  const auto mix_every =
      std::chrono::seconds(std::clamp<std::int64_t>(d.config.log_mix_seconds / 4, 1, 60));
  // A window's leaves join a little after it ends (a grace of a quarter of
  // it, at most 30 s): an alert whose transaction began in the window but
  // committed just after its end would otherwise join alone at the next
  // tick, its place then saying exactly when it was recorded.
  const std::int64_t mix_grace = std::clamp<std::int64_t>(d.config.log_mix_seconds / 4, 0, 30);
  std::function<void()> mix_tick = [&] {
    d.store->append_waiting_leaves(
        unix_seconds(unix_now() - mix_grace), [&d](Result<std::uint32_t> n) {
          if (!n) log_event("case_log_append_failed", {LogField::code(n.code())});
          d.metrics.case_log_waiting = d.store->log_waiting();
        });
    mixing.expires_after(mix_every);
    mixing.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) mix_tick();
    });
  };
  mix_tick();

  net::signal_set signals(d.ioc, SIGTERM, SIGINT, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal;
  on_signal = [&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      notify_service_manager("RELOADING=1");
      // The operator's edited gazetteer (new facilities) takes effect here (before
      // the trust store, whose reload count tells scripts the reload is done);
      // an invalid one is refused and the current one kept.
      // A TLS key announced by casewire-keys rotate --tls-next.
      if (auto st = d.load_invite_chain(); !st.ok())
        log_event("invite_update_refused", {LogField::code(st.code())});
      if (auto g = load_gazetteer(d.config)) {
        d.gazetteer_missing = missing_gazetteer(d.config).has_value();
        d.use_gazetteer(std::move(*g));
        log_event("gazetteer_loaded", {LogField::num("version", active_gazetteer()->version())});
      } else {
        log_event("gazetteer_reload_failed", {LogField::code(g.code())});
      }
      auto fresh = TrustView::load_instance(d.dir, d.keys.revocation_signer().public_key());
      if (fresh) {
        d.metrics.revocations.store((*fresh)->journalled_revocations());
        d.trust.set(std::move(*fresh));
        d.dispatcher->trust_changed();
        d.hub.notify();  // feed streams re-check their organisation's access now
        d.metrics.trust_reloads.fetch_add(1);
        log_event("trust_reloaded");
      } else {
        // Keep serving with the old trust store rather than none.
        log_event("trust_reload_failed", {LogField::code(fresh.code())});
      }
      notify_service_manager("READY=1\nSTATUS=serving");
      signals.async_wait(on_signal);
      return;
    }
    notify_service_manager("STOPPING=1");
    log_event("draining");
    d.server->drain(std::chrono::seconds(10), [&] {
      signals.cancel();
      retention.cancel();
      mixing.cancel();
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
