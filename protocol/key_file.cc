#include "protocol/key_file.h"

#include <optional>

#include <iostream>

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "protocol/file_io.h"

namespace cw {
namespace {

constexpr std::string_view kPubPrefix = "cwk1";
constexpr std::string_view kSecretMagic = "CWSK";
constexpr std::uint8_t kSecretVersion = 1;
constexpr std::uint8_t kKdfNone = 0;
constexpr std::uint8_t kKdfArgon2id = 1;
constexpr std::size_t kSaltSize = crypto_pwhash_SALTBYTES;
constexpr std::size_t kNonceSize = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagSize = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kHeaderSize = 4 + 1 + 1 + 1 + 8 + 8 + kSaltSize + kNonceSize;
// Upper bounds a file may ask for: a crafted key file must not make us spend
// minutes or gigabytes before failing.
constexpr std::uint64_t kMaxOps = 16;
constexpr std::uint64_t kMaxMem = 1ull << 30;

std::size_t payload_size(Role role) {
  switch (role) {
    case Role::contact:
      return 32;
    case Role::org:
    case Role::backup:
      return 64;
    case Role::daemon:
      return 96;
  }
  return 0;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::vector<std::string_view> content_lines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t j = text.find('\n', i);
    if (j == std::string_view::npos) j = text.size();
    auto line = text.substr(i, j - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line.front() != '#') out.push_back(line);
    i = j + 1;
  }
  return out;
}

Result<SecretBytes> derive_key(std::uint8_t kdf, const SecretBytes* passphrase, ByteView salt,
                               std::uint64_t ops, std::uint64_t mem) {
  SecretBytes key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  if (kdf == kKdfNone) return key;
  if (passphrase == nullptr) return make_error(Errc::no_passphrase, "a passphrase is required");
  if (crypto_pwhash(key.data(), key.size(), reinterpret_cast<const char*>(passphrase->data()),
                    passphrase->size(), salt.data(), ops, static_cast<std::size_t>(mem),
                    crypto_pwhash_ALG_ARGON2ID13) != 0)
    return make_error(Errc::internal_error, "key derivation ran out of memory");
  return key;
}

}  // namespace

std::string format_public_key(const PublicKey& pk) {
  std::string out(kPubPrefix);
  out += ' ';
  out += key_kind_name(pk.kind);
  out += ' ';
  out += key_id_hex(pk.id());
  out += ' ';
  out += to_base64(pk.bytes);
  return out;
}

Result<PublicKey> parse_public_key(std::string_view line) {
  auto f = split_ws(line);
  if (f.size() != 4 || f[0] != kPubPrefix)
    return make_error(Errc::bad_key_file,
                      "not a casewire public key line (expected 'cwk1 KIND KEYID KEY')");
  PublicKey pk;
  if (f[1] == "sign")
    pk.kind = KeyKind::sign;
  else if (f[1] == "box")
    pk.kind = KeyKind::box;
  else
    return make_error(Errc::bad_key_file, "unknown key kind (expected sign or box)");
  auto id = parse_key_id(f[2]);
  if (!id) return make_error(Errc::bad_key_file, "key id must be 16 lower-case hex digits");
  auto raw = from_base64(f[3]);
  if (!raw || raw->size() != kPublicKeySize)
    return make_error(Errc::bad_key_file, "key must be 32 bytes of base64");
  std::copy(raw->begin(), raw->end(), pk.bytes.begin());
  if (pk.id() != *id)
    return make_error(Errc::bad_key_file, "key id does not match the key (mistyped?)");
  return pk;
}

std::string format_public_key_file(const PublicKeySet& keys, std::string_view comment) {
  std::string out = "# ";
  out += comment;
  out += '\n';
  out += format_public_key(keys.sign) + "\n";
  if (keys.box) out += format_public_key(*keys.box) + "\n";
  return out;
}

Result<PublicKeySet> parse_public_key_file(std::string_view text) {
  auto lines = content_lines(text);
  if (lines.empty() || lines.size() > 2)
    return make_error(Errc::bad_key_file,
                      "a public key file holds one sign key and at most one box key");
  auto first = parse_public_key(lines[0]);
  if (!first) return first.error();
  if (first->kind != KeyKind::sign)
    return make_error(Errc::bad_key_file, "the first key must be a sign key");
  PublicKeySet set{*first, std::nullopt};
  if (lines.size() == 2) {
    auto second = parse_public_key(lines[1]);
    if (!second) return second.error();
    if (second->kind != KeyKind::box)
      return make_error(Errc::bad_key_file, "the second key must be a box key");
    set.box = *second;
  }
  return set;
}

std::string_view role_name(Role role) {
  switch (role) {
    case Role::contact:
      return "contact";
    case Role::org:
      return "organisation";
    case Role::daemon:
      return "daemon";
    case Role::backup:
      return "backup";
  }
  return "unknown";
}

Identity Identity::generate(Role role) {
  Identity id{role, SigningKey::generate(), std::nullopt, SecretBytes()};
  if (role != Role::contact) id.box = BoxKey::generate();
  if (role == Role::daemon) id.master = SecretBytes::random(32);
  return id;
}

PublicKeySet Identity::public_keys() const {
  PublicKeySet s{sign.public_key(), std::nullopt};
  if (box) s.box = box->public_key();
  return s;
}

KdfParams KdfParams::moderate() {
  return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
}
KdfParams KdfParams::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

Result<std::string> seal_identity(const Identity& id, const SecretBytes* passphrase,
                                  KdfParams params) {
  init_crypto();
  const std::uint8_t kdf = passphrase ? kKdfArgon2id : kKdfNone;
  if (!passphrase) params = {0, 0};
  Bytes salt(kSaltSize), nonce(kNonceSize);
  randombytes_buf(salt.data(), salt.size());
  randombytes_buf(nonce.data(), nonce.size());

  ByteWriter header;
  header.raw(kSecretMagic).u8(kSecretVersion).u8(static_cast<std::uint8_t>(id.role)).u8(kdf);
  header.u64(params.opslimit).u64(params.memlimit).raw(salt).raw(nonce);

  SecretBytes payload(payload_size(id.role));
  auto seed = id.sign.seed();
  std::memcpy(payload.data(), seed.data(), 32);
  if (id.role != Role::contact) std::memcpy(payload.data() + 32, id.box->secret().data(), 32);
  if (id.role == Role::daemon) std::memcpy(payload.data() + 64, id.master.data(), 32);

  auto key = derive_key(kdf, passphrase, salt, params.opslimit, params.memlimit);
  if (!key) return key.error();
  Bytes blob = header.take();
  const std::size_t ad_len = blob.size();
  blob.resize(ad_len + payload.size() + kTagSize);
  crypto_aead_xchacha20poly1305_ietf_encrypt(blob.data() + ad_len, nullptr, payload.data(),
                                             payload.size(), blob.data(), ad_len, nullptr,
                                             nonce.data(), key->data());
  std::string out = "# casewire ";
  out += role_name(id.role);
  out += " secret key ";
  out += key_id_hex(id.sign.id());
  out += passphrase ? " (passphrase-protected)\n" : " (NOT ENCRYPTED: insecure-no-passphrase)\n";
  out += to_base64(blob);
  out += '\n';
  return out;
}

bool identity_file_is_insecure(std::string_view file_text) {
  auto lines = content_lines(file_text);
  if (lines.size() != 1) return false;
  auto blob = from_base64(lines[0]);
  return blob && blob->size() > 6 && (*blob)[6] == kKdfNone;
}

std::optional<KdfParams> identity_file_kdf(std::string_view file_text) {
  auto lines = content_lines(file_text);
  if (lines.size() != 1) return std::nullopt;
  auto blob = from_base64(lines[0]);
  if (!blob || blob->size() < kHeaderSize) return std::nullopt;
  ByteReader r(*blob);
  r.raw(6);
  if (r.u8() != kKdfArgon2id) return std::nullopt;
  const auto ops = r.u64();
  const auto mem = r.u64();
  if (!r.ok() || ops < crypto_pwhash_OPSLIMIT_MIN || ops > kMaxOps ||
      mem < crypto_pwhash_MEMLIMIT_MIN || mem > kMaxMem)
    return std::nullopt;
  return KdfParams{ops, mem};
}

Result<Identity> open_identity(std::string_view file_text, const PassphraseFn& passphrase) {
  init_crypto();
  auto lines = content_lines(file_text);
  if (lines.size() != 1) return make_error(Errc::bad_key_file, "not a casewire secret key file");
  auto blob = from_base64(lines[0]);
  if (!blob || blob->size() < kHeaderSize + kTagSize)
    return make_error(Errc::bad_key_file, "secret key file is damaged (bad base64 or too short)");
  ByteReader r(*blob);
  auto magic = r.raw(4);
  if (as_chars(magic) != kSecretMagic)
    return make_error(Errc::bad_key_file, "not a casewire secret key file");
  if (r.u8() != kSecretVersion)
    return make_error(Errc::bad_key_file, "unsupported secret key file version");
  const auto role_byte = r.u8();
  if (role_byte < 1 || role_byte > 4) return make_error(Errc::bad_key_file, "unknown key role");
  const Role role = static_cast<Role>(role_byte);
  const auto kdf = r.u8();
  const auto ops = r.u64();
  const auto mem = r.u64();
  auto salt = r.raw(kSaltSize);
  auto nonce = r.raw(kNonceSize);
  auto ct = r.rest();
  if (!r.ok() || ct.size() != payload_size(role) + kTagSize)
    return make_error(Errc::bad_key_file, "secret key file has the wrong length");
  if (kdf == kKdfArgon2id) {
    if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > kMaxOps || mem < crypto_pwhash_MEMLIMIT_MIN ||
        mem > kMaxMem)
      return make_error(Errc::bad_key_file, "key file asks for unreasonable KDF parameters");
  } else if (kdf != kKdfNone || ops != 0 || mem != 0) {
    return make_error(Errc::bad_key_file, "unknown key derivation");
  }

  std::optional<SecretBytes> pass;
  if (kdf == kKdfArgon2id) {
    auto p = passphrase();
    if (!p) return p.error();
    pass = std::move(p.value());
  }
  auto key = derive_key(kdf, pass ? &*pass : nullptr, salt, ops, mem);
  if (!key) return key.error();
  SecretBytes payload(payload_size(role));
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(payload.data(), nullptr, nullptr, ct.data(),
                                                 ct.size(), blob->data(), kHeaderSize, nonce.data(),
                                                 key->data()) != 0) {
    if (kdf == kKdfArgon2id)
      return make_error(Errc::wrong_passphrase, "wrong passphrase (or the key file was altered)");
    return make_error(Errc::bad_key_file, "secret key file is damaged");
  }
  ByteView p = payload.view();
  Identity id{role, SigningKey::from_seed(p.subspan(0, 32)), std::nullopt, SecretBytes()};
  if (role != Role::contact) id.box = BoxKey::from_secret(p.subspan(32, 32));
  if (role == Role::daemon) id.master = SecretBytes::copy_of(p.subspan(64, 32));
  return id;
}

Result<Identity> open_identity_file(std::string_view file_text, const PassphraseSource& source,
                                    std::string_view prompt) {
  if (identity_file_is_insecure(file_text) && !source.allow_unencrypted)
    return make_error(
        Errc::bad_key_file,
        "this key file is stored WITHOUT a passphrase; it is refused unless you ask for it "
        "explicitly (tests and demos only: see --insecure-no-passphrase in the docs)");
  return open_identity(file_text, [&] { return source.get(prompt, false); });
}

Result<SecretBytes> PassphraseSource::get(std::string_view prompt, bool confirm) const {
  constexpr std::size_t kMax = kMaxPassphrase;
  const auto too_long = [] {
    return make_error(Errc::no_passphrase,
                      "the passphrase is longer than " + std::to_string(kMaxPassphrase) + " bytes");
  };
  if (!file.empty()) {
    // "-" is standard input, read as it is: a pipe from root's credential
    // to a command run as the service user (re-opening /dev/stdin would be
    // refused, the pipe being root's).
    auto content = file == "-" ? read_fd(0, 64 << 10, "standard input")
                               : read_file(file, 64 << 10);  // > kMax: an over-long one is named
    if (!content) return content.error();
    std::size_t n = content->size();
    while (n > 0 && ((*content)[n - 1] == '\n' || (*content)[n - 1] == '\r')) --n;
    if (n > kMax) {
      wipe(content->data(), content->size());
      return too_long();
    }
    auto s = SecretBytes::copy_of(ByteView(*content).subspan(0, n));
    wipe(content->data(), content->size());
    if (s.empty()) return make_error(Errc::no_passphrase, "passphrase file is empty");
    return s;
  }
  if (char* env = std::getenv("CASEWIRE_PASSPHRASE"); env != nullptr && *env != '\0') {
    const std::size_t n = std::strlen(env);
    Result<SecretBytes> s =
        n > kMax ? Result<SecretBytes>(too_long()) : SecretBytes::copy_of(as_bytes(env));
    // Read once, then gone: wiped in place and removed from the environment.
    sodium_memzero(env, n);
    ::unsetenv("CASEWIRE_PASSPHRASE");
    return s;
  }
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr)
    return make_error(Errc::no_passphrase,
                      "no passphrase: use --passphrase-file, CASEWIRE_PASSPHRASE or a terminal");
  auto read_one = [&](std::string_view text) -> Result<SecretBytes> {
    std::fprintf(tty, "%.*s", static_cast<int>(text.size()), text.data());
    std::fflush(tty);
    termios old{};
    int fd = fileno(tty);
    bool have_old = tcgetattr(fd, &old) == 0;
    if (have_old) {
      termios quiet = old;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    SecretBytes buf(kMax);
    std::size_t n = 0;
    bool overflow = false;
    int c;
    while ((c = std::fgetc(tty)) != EOF && c != '\n') {
      if (n < kMax)
        buf.data()[n++] = static_cast<std::uint8_t>(c);
      else
        overflow = true;  // read the rest of the line, keep none of it
    }
    if (have_old) tcsetattr(fd, TCSAFLUSH, &old);
    std::fputs("\n", tty);
    buf.truncate(n);
    if (overflow) return too_long();
    if (n == 0) return make_error(Errc::no_passphrase, "empty passphrase");
    return buf;
  };
  auto first = read_one(prompt);
  if (first && confirm) {
    auto second = read_one("Repeat passphrase: ");
    if (!second)
      first = second.error();
    else if (!ct_equal(first->view(), second->view()))
      first = make_error(Errc::no_passphrase, "passphrases do not match");
  }
  std::fclose(tty);
  return first;
}

Status write_identity_files(const Identity& id, const std::string& secret_path,
                            const std::string& pub_path, const SecretFileOptions& o) {
  const auto ow = o.force ? Overwrite::yes : Overwrite::no;
  if (!o.force) {
    if (file_exists(secret_path))
      return make_error(Errc::file_exists, secret_path + " exists (use --force to replace it)");
    if (file_exists(pub_path))
      return make_error(Errc::file_exists, pub_path + " exists (use --force to replace it)");
  }
  std::optional<SecretBytes> pass;
  if (o.insecure_no_passphrase) {
    std::cerr << "warning: --insecure-no-passphrase: " << secret_path
              << " is stored WITHOUT encryption (tests and demos only)\n";
  } else {
    auto p = PassphraseSource{o.passphrase_file}.get("Passphrase for the new key: ", true);
    if (!p) return p.error();
    pass = std::move(p.value());
  }
  auto text = seal_identity(id, pass ? &*pass : nullptr, o.kdf);
  if (!text) return text.error();
  CW_TRY(write_file_atomic(secret_path, as_bytes(*text), 0600, ow));
  auto comment = std::string("casewire ") + std::string(role_name(id.role)) + " public key";
  return write_file_atomic(pub_path, as_bytes(format_public_key_file(id.public_keys(), comment)),
                           0644, ow);
}

}  // namespace cw
