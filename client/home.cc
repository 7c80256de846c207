#include "client/home.h"

#include "client/messages.h"

#include <filesystem>
#include <system_error>

#include <sys/stat.h>

#include <toml++/toml.h>
#include <cstdlib>

#include "protocol/file_io.h"

namespace cw::client {
namespace {
// An invite carries the signed gazetteer: room for a few thousand places.
constexpr std::size_t kMaxInvite = 4 << 20;
}  // namespace

std::string resolve_home(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* e = std::getenv("CASEWIRE_HOME"); e && *e) return e;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/casewire";
  const char* h = std::getenv("HOME");
  return std::string(h && *h ? h : ".") + "/.config/casewire";
}

Status ClientHome::init(const std::string& invite_file, const std::string& key_file, bool force,
                        bool allow_unencrypted) {
  auto text = read_file(invite_file, kMaxInvite);
  if (!text) return text.error();
  auto inv = invite_from_json(as_chars(*text));
  if (!inv) return inv.error();
  if (!inv->gazetteer.empty())
    if (auto g = Gazetteer::open_signed(inv->gazetteer, inv->daemon_sign); !g)
      return make_error(Errc::bad_invite,
                        "the invite's gazetteer is not signed by its daemon: " + g.error().message);
  if (!force && file_exists(invite_path()))
    return make_error(Errc::file_exists,
                      trf("{1} is already set up (use --force to replace it)", {dir_}));
  CW_TRY(make_dirs(dir_, S_IRWXU));
  CW_TRY(make_dirs(outbox_dir(), S_IRWXU));
  CW_TRY(make_dirs(receipts_dir(), S_IRWXU));
  if (!key_file.empty()) {
    auto key = read_file(key_file, 64 << 10);
    if (!key) return key.error();
    const bool insecure = identity_file_is_insecure(as_chars(*key));
    if (insecure && !allow_unencrypted) {
      wipe(key->data(), key->size());
      return make_error(
          Errc::bad_key_file,
          tr("this key file has no passphrase: anyone holding the device can use it. Make a "
             "protected key (casewire-keys new-contact without --insecure-no-passphrase), or "
             "add --insecure-no-passphrase for a test"));
    }
    auto ok = open_identity(as_chars(*key), [] {
      // Only the structure is checked here; the passphrase is asked at use.
      return Result<SecretBytes>(make_error(Errc::no_passphrase, "not asked at init"));
    });
    if (!ok && ok.code() != Errc::no_passphrase) {
      wipe(key->data(), key->size());
      return ok.error();
    }
    auto st = write_file_atomic(identity_path(), *key, S_IRUSR | S_IWUSR, Overwrite::yes);
    wipe(key->data(), key->size());
    CW_TRY(st);
    if (insecure) {
      // Recorded once, explicitly; later commands read it from client.toml.
      auto settings = read_file(settings_path(), 64 << 10);
      std::string toml_text = settings ? std::string(as_chars(*settings)) : std::string();
      if (toml_text.find("insecure_unencrypted_key") == std::string::npos) {
        if (!toml_text.empty() && toml_text.back() != '\n') toml_text += '\n';
        toml_text +=
            "insecure_unencrypted_key = true  # identity.key has NO passphrase (tests and demos "
            "only)\n";
        CW_TRY(write_file_atomic(settings_path(), as_bytes(toml_text), S_IRUSR | S_IWUSR,
                                 Overwrite::yes));
      }
    }
  }
  return write_file_atomic(invite_path(), *text, S_IRUSR | S_IWUSR, Overwrite::yes);
}

Result<Invite> ClientHome::invite() const {
  auto text = read_file(invite_path(), kMaxInvite);
  if (!text) {
    if (text.code() == Errc::not_found)
      return make_error(Errc::not_found,
                        trf("no invite in {1} (run casewire init --invite FILE)", {dir_}));
    return text.error();
  }
  return invite_from_json(as_chars(*text));
}

Result<std::shared_ptr<const Gazetteer>> ClientHome::gazetteer(const Invite& inv) const {
  std::shared_ptr<const Gazetteer> best;
  if (!inv.gazetteer.empty()) {
    auto g = Gazetteer::open_signed(inv.gazetteer, inv.daemon_sign);
    if (!g) return g.error();
    best = std::make_shared<const Gazetteer>(std::move(*g));
  }
  if (auto text = read_file(gazetteer_path(), kMaxInvite); text.ok()) {
    auto g = Gazetteer::open_signed(as_chars(*text), inv.daemon_sign);
    if (!g)
      return make_error(Errc::bad_signature,
                        trf("{1} is not signed by your daemon (run casewire gazetteer --update)",
                            {gazetteer_path()}));
    if (!best || g->version() >= best->version())
      best = std::make_shared<const Gazetteer>(std::move(*g));
  }
  return best ? best : active_gazetteer();
}

bool ClientHome::has_identity() const {
  return file_exists(identity_path());
}

Result<Identity> ClientHome::identity(const PassphraseSource& source) const {
  auto text = read_file(identity_path(), 64 << 10);
  if (!text) {
    if (text.code() == Errc::not_found)
      return make_error(Errc::not_found,
                        trf("no key in {1} (run casewire init --invite FILE --key FILE)", {dir_}));
    return text.error();
  }
  const std::string prompt = tr("casewire key passphrase: ");
  auto id = open_identity_file(as_chars(*text), source, prompt);
  wipe(text->data(), text->size());
  return id;
}

Result<ClientSettings> ClientHome::settings() const {
  ClientSettings s;
  if (!file_exists(settings_path())) return s;
  toml::table t;
  try {
    t = toml::parse_file(settings_path());
  } catch (const toml::parse_error& e) {
    return make_error(Errc::bad_config, settings_path() + ": " + std::string(e.description()));
  }
  if (auto p = t["proxy"].value<std::string>(); p && !p->empty()) {
    auto proxy = parse_proxy_url(*p);
    if (!proxy) return proxy.error();
    s.proxy = *proxy;
  }
  if (auto v = t["connect_timeout_s"].value<std::int64_t>(); v && *v > 0)
    s.connect_timeout = std::chrono::seconds(*v);
  if (auto v = t["io_timeout_s"].value<std::int64_t>(); v && *v > 0)
    s.io_timeout = std::chrono::seconds(*v);
  if (auto v = t["insecure_unencrypted_key"].value<bool>()) s.insecure_unencrypted_key = *v;
  return s;
}

Status ClientHome::check_exists() const {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir_, ec))
    return make_error(Errc::not_found,
                      tr("this device is not set up: no casewire home at the given path "
                         "(check --home, or run 'casewire init')"));
  return Status::Ok();
}

}  // namespace cw::client
