#include "keys/backup.h"

#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/file_io.h"
#include "protocol/secret.h"
#include "protocol/timefmt.h"
#include "trust/daemon_dir.h"
#include "trust/dir_transaction.h"
#include "trust/instance_lock.h"
#include "trust/revocation_journal.h"
#include "trust/trust_store.h"

namespace cw::keys {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "CWBK";
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kSealedKeySize =
    crypto_box_SEALBYTES + crypto_secretstream_xchacha20poly1305_KEYBYTES;
constexpr std::size_t kHeaderSize =
    4 + 1 + 8 + kSealedKeySize + crypto_secretstream_xchacha20poly1305_HEADERBYTES;
constexpr std::size_t kChunk = std::size_t{64} * 1024;
constexpr std::size_t kMaxMessage = kChunk + 1 + crypto_secretstream_xchacha20poly1305_ABYTES;
constexpr std::uint64_t kMaxFile = std::uint64_t{1} << 34;  // 16 GiB: far above any real store

// The files a backup may hold, with the mode each is restored with. Restore
// writes only these names, so a forged archive cannot write elsewhere.
struct Member {
  const char* name;
  mode_t mode;
  bool required;
};
// Every file of an instance (the configuration aside: it names paths of the
// machine it was written for and holds no secret). A restored daemon that
// lacked the gazetteer, the rotation state or the invite-update chain served
// the built-in places, forgot retired keys, or stranded contacts mid-rotation.
constexpr std::array kMembers = {
    Member{"daemon.key", 0600, true},
    Member{"daemon.pub", 0644, true},
    Member{"tls.crt", 0644, true},
    Member{"tls.key", 0600, true},
    Member{"trust.json", 0600, true},
    Member{"casewired.db", 0600, true},
    Member{"revocations.journal", 0600, false},
    Member{"gazetteer.json", 0644, false},
    Member{"gazetteer.signed.json", 0644, false},
    Member{"rotation.json", 0600, false},
    Member{"invite-update.json", 0644, false},
    Member{"tls.next.crt", 0644, false},
    Member{"tls.next.key", 0600, false},
    Member{"tls.old.crt", 0644, false},
    Member{"tls.old.key", 0600, false},
};

const Member* member(std::string_view name) {
  for (const auto& m : kMembers)
    if (name == m.name) return &m;
  return nullptr;
}

Error bad(const std::string& why) {
  return make_error(Errc::bad_backup, why);
}

// A consistent snapshot of the live database, taken into memory with
// SQLite's online backup API (one read transaction: the daemon keeps
// writing meanwhile), checked, then serialised. Wiped by the caller.
Result<SecretBytes> snapshot_database(const std::string& path, std::uint64_t* alerts) {
  if (!file_exists(path)) return make_error(Errc::not_found, path + " not found");
  sqlite3* src = nullptr;
  sqlite3* mem = nullptr;
  auto close_both = [&] {
    sqlite3_close(src);
    sqlite3_close(mem);
  };
  if (sqlite3_open_v2(path.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK ||
      sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    close_both();
    return make_error(Errc::io_error, "cannot open " + path);
  }
  sqlite3_busy_timeout(src, 5000);
  sqlite3_backup* b = sqlite3_backup_init(mem, "main", src, "main");
  int rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
  if (b) sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    close_both();
    return make_error(Errc::io_error, "database snapshot failed");
  }
  auto scalar = [&](const char* sql, std::string* text) -> std::int64_t {
    sqlite3_stmt* s = nullptr;
    std::int64_t v = -1;
    if (sqlite3_prepare_v2(mem, sql, -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      v = sqlite3_column_int64(s, 0);
      if (text && sqlite3_column_text(s, 0))
        *text = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    return v;
  };
  std::string integrity;
  scalar("PRAGMA integrity_check", &integrity);
  if (integrity != "ok") {
    close_both();
    return make_error(Errc::io_error, "the database snapshot fails its integrity check");
  }
  *alerts = static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, scalar("SELECT count(*) FROM alerts", nullptr)));
  sqlite3_int64 size = 0;
  unsigned char* image = sqlite3_serialize(mem, "main", &size, 0);
  if (!image) {
    close_both();
    return make_error(Errc::io_error, "database snapshot could not be serialised");
  }
  auto out = SecretBytes::copy_of({image, static_cast<std::size_t>(size)});
  // Bytes 18 and 19 of the header say "WAL" (2) as copied from the live
  // file; a standalone image is a rollback-journal file (1). The daemon
  // switches a restored file back to WAL when it opens it.
  if (out.size() >= 100) out.data()[18] = out.data()[19] = 1;
  sodium_memzero(image, static_cast<std::size_t>(size));
  sqlite3_free(image);
  close_both();
  return out;
}

// Checks a database image (from a backup) without writing it anywhere.
Result<std::uint64_t> check_database_image(const SecretBytes& image) {
  sqlite3* mem = nullptr;
  if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(mem);
    return make_error(Errc::io_error, "sqlite");
  }
  auto* copy = static_cast<unsigned char*>(sqlite3_malloc64(image.size()));
  if (!copy) {
    sqlite3_close(mem);
    return make_error(Errc::io_error, "out of memory");
  }
  std::memcpy(copy, image.data(), image.size());
  // SQLite owns (and frees) the copy from here.
  if (sqlite3_deserialize(mem, "main", copy, static_cast<sqlite3_int64>(image.size()),
                          static_cast<sqlite3_int64>(image.size()),
                          SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY) !=
      SQLITE_OK) {
    sqlite3_close(mem);
    return bad("the database in the backup cannot be opened");
  }
  std::string integrity;
  std::int64_t alerts = -1;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(mem, "PRAGMA integrity_check", -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
    integrity = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  if (sqlite3_prepare_v2(mem, "SELECT count(*) FROM alerts", -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    alerts = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(mem);
  if (integrity != "ok" || alerts < 0)
    return bad("the database in the backup fails its integrity check");
  return static_cast<std::uint64_t>(alerts);
}

// ---- the encrypted stream ----------------------------------------------------

class Sealer {
 public:
  Sealer(const SecretBytes& key, Bytes& out) : out_(out) {
    std::array<std::uint8_t, crypto_secretstream_xchacha20poly1305_HEADERBYTES> header{};
    crypto_secretstream_xchacha20poly1305_init_push(&state_, header.data(), key.data());
    out_.insert(out_.end(), header.begin(), header.end());
  }
  ~Sealer() { sodium_memzero(&state_, sizeof state_); }
  // Encrypts one message; `ad` only for the first.
  void push(const SecretBytes& plain, std::uint8_t tag, ByteView ad = {}) {
    Bytes ct(plain.size() + crypto_secretstream_xchacha20poly1305_ABYTES);
    unsigned long long len = 0;
    crypto_secretstream_xchacha20poly1305_push(&state_, ct.data(), &len, plain.data(), plain.size(),
                                               ad.empty() ? nullptr : ad.data(), ad.size(), tag);
    ByteWriter w;
    w.u32(static_cast<std::uint32_t>(len));
    out_.insert(out_.end(), w.bytes().begin(), w.bytes().end());
    out_.insert(out_.end(), ct.begin(), ct.begin() + static_cast<std::ptrdiff_t>(len));
  }

 private:
  crypto_secretstream_xchacha20poly1305_state state_{};
  Bytes& out_;
};

// A message plaintext in locked, wiped memory.
SecretBytes message(std::uint8_t type, ByteView header, ByteView body = {}) {
  SecretBytes m(1 + header.size() + body.size());
  m.data()[0] = type;
  if (!header.empty()) std::memcpy(m.data() + 1, header.data(), header.size());
  if (!body.empty()) std::memcpy(m.data() + 1 + header.size(), body.data(), body.size());
  return m;
}

struct OpenedFile {
  std::string name;
  SecretBytes content;
};
struct Opened {
  std::int64_t created_at = 0;
  std::vector<OpenedFile> files;
};

// Decrypts a whole backup with the stream key; every failure is bad_backup.
Result<Opened> open_stream(ByteView file, const SecretBytes& key) {
  ByteReader r(file);
  r.raw(kHeaderSize - crypto_secretstream_xchacha20poly1305_HEADERBYTES);
  auto header = r.raw(crypto_secretstream_xchacha20poly1305_HEADERBYTES);
  if (!r.ok()) return bad("the backup is truncated");
  const ByteView ad = file.subspan(0, kHeaderSize);
  crypto_secretstream_xchacha20poly1305_state st{};
  if (crypto_secretstream_xchacha20poly1305_init_pull(&st, header.data(), key.data()) != 0)
    return bad("the backup's stream header is invalid");
  Opened out;
  bool first = true, ended = false;
  std::size_t expected_files = 0;
  OpenedFile* current = nullptr;
  std::uint64_t current_size = 0, current_have = 0;
  Result<Opened> result = bad("the backup ends before its last message");
  while (!ended) {
    const auto len = r.u32();
    if (!r.ok()) break;  // truncated: no FINAL message
    if (len < crypto_secretstream_xchacha20poly1305_ABYTES + 1 || len > kMaxMessage) {
      result = bad("a backup message has an impossible length");
      break;
    }
    auto ct = r.raw(len);
    if (!r.ok()) break;
    SecretBytes plain(len - crypto_secretstream_xchacha20poly1305_ABYTES);
    unsigned long long plain_len = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&st, plain.data(), &plain_len, &tag, ct.data(),
                                                   ct.size(), first ? ad.data() : nullptr,
                                                   first ? ad.size() : 0) != 0) {
      result = bad("the backup does not decrypt: damaged, forged, or not for this key");
      break;
    }
    ByteReader m(ByteView(plain.data(), static_cast<std::size_t>(plain_len)));
    const auto type = m.u8();
    if (first != (type == 'M')) {
      result = bad("the backup's messages are out of order");
      break;
    }
    first = false;
    if (type == 'M') {
      out.created_at = static_cast<std::int64_t>(m.u64());
    } else if (type == 'F') {
      if (current && current_have != current_size) {
        result = bad("a file in the backup is incomplete");
        break;
      }
      const auto name_len = m.u16();
      auto name = m.raw(name_len);
      const auto size = m.u64();
      const std::string n(as_chars(name));
      if (!m.ok() || !member(n) || size > kMaxFile ||
          std::any_of(out.files.begin(), out.files.end(),
                      [&](const OpenedFile& f) { return f.name == n; })) {
        result = bad("the backup names a file it may not hold");
        break;
      }
      out.files.push_back(OpenedFile{n, SecretBytes(static_cast<std::size_t>(size))});
      current = &out.files.back();
      current_size = size;
      current_have = 0;
    } else if (type == 'D') {
      const auto chunk = m.rest();
      if (!current || current_have + chunk.size() > current_size) {
        result = bad("the backup's data does not match its file sizes");
        break;
      }
      std::memcpy(current->content.data() + current_have, chunk.data(), chunk.size());
      current_have += chunk.size();
    } else if (type == 'E') {
      expected_files = m.u32();
      if (!m.ok() || tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL ||
          expected_files != out.files.size() || (current && current_have != current_size) ||
          r.remaining() != 0) {
        result = bad("the backup's end does not match its contents");
        break;
      }
      ended = true;
    } else {
      result = bad("the backup holds an unknown message");
      break;
    }
    if (!ended && tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
      result = bad("the backup ends early");
      break;
    }
  }
  sodium_memzero(&st, sizeof st);
  if (!ended) return result;
  for (const auto& m : kMembers)
    if (m.required && std::none_of(out.files.begin(), out.files.end(),
                                   [&](const OpenedFile& f) { return f.name == m.name; }))
      return bad(std::string("the backup lacks ") + m.name);
  return out;
}

struct Loaded {
  Bytes file;
  SecretBytes stream_key;
};

// Reads a backup file and unseals its stream key with the backup key.
Result<Loaded> load_backup(const OpenBackupOptions& o) {
  auto file = read_file(o.from, std::size_t{1} << 36);
  if (!file) return file.error();
  ByteReader r(*file);
  auto magic = r.raw(4);
  const auto version = r.u8();
  auto key_id = r.fixed<8>();
  auto sealed = r.raw(kSealedKeySize);
  if (!r.ok() || as_chars(magic) != kMagic) return bad("not a casewire backup");
  if (version != kVersion) return bad("unsupported backup version");
  auto text = read_file(o.backup_key, 64 << 10);
  if (!text) return text.error();
  auto id = open_identity_file(as_chars(*text), o.passphrase, "Passphrase for the backup key: ");
  if (!id) return id.error();
  if (id->role != Role::backup || !id->box) return bad(o.backup_key + " is not a backup key");
  if (key_id != id->box->id())
    return bad("this backup was made for another backup key (" + key_id_hex(key_id) + ")");
  SecretBytes stream_key(crypto_secretstream_xchacha20poly1305_KEYBYTES);
  if (crypto_box_seal_open(stream_key.data(), sealed.data(), sealed.size(),
                           id->box->public_key().bytes.data(), id->box->secret().data()) != 0)
    return bad("the backup's key does not open: damaged, or not for this key");
  return Loaded{std::move(*file), std::move(stream_key)};
}

Status check_contents(const Opened& opened, std::ostream& out) {
  const OpenedFile* db = nullptr;
  std::size_t db_size = 0;
  for (const auto& f : opened.files)
    if (f.name == "casewired.db") {
      db = &f;
      db_size = f.content.size();
    }
  auto alerts = check_database_image(db->content);
  if (!alerts) return alerts.error();
  out << "backup ok: " << opened.files.size() << " files, made "
      << format_rfc3339(opened.created_at) << ", database " << (db_size + 1023) / 1024
      << " KiB, integrity ok, " << *alerts << " alerts\n";
  return Status::Ok();
}

}  // namespace

Status backup(const BackupOptions& o, std::ostream& out) {
  if (o.dir.empty() || o.backup_pub.empty() || o.out.empty())
    return make_error(Errc::bad_request, "--dir, --to and --out are required");
  if (file_exists(o.out)) return make_error(Errc::file_exists, o.out + " exists");
  // A PostgreSQL database is backed up by PostgreSQL (a synchronous standby,
  // pg_basebackup); a snapshot here would be neither consistent with it nor
  // small. docs/OPERATIONS.md, "Several daemons on PostgreSQL".
  if (o.db.starts_with("postgresql://") || o.db.starts_with("postgres://"))
    return make_error(Errc::bad_request,
                      "--db names a PostgreSQL database: back it up with PostgreSQL's own tools "
                      "(see docs/OPERATIONS.md); this command backs up a SQLite database");
  auto pub_text = read_file(o.backup_pub, 64 << 10);
  if (!pub_text) return pub_text.error();
  auto pub = parse_public_key_file(as_chars(*pub_text));
  if (!pub) return pub.error();
  if (!pub->box) return make_error(Errc::bad_key_file, o.backup_pub + " has no box key");
  const DaemonDir d{o.dir};
  // A rotation half-installed: which keys are current is not settled. One
  // interrupted before its commit point changed nothing: the live files are
  // the state, and they are what a backup copies.
  if (pending_state(d.dir, DaemonDir::kRotation) == PendingState::committed)
    return make_error(Errc::file_exists, pending_dir(d.dir, DaemonDir::kRotation) +
                                             " holds a key rotation committed but not finished: "
                                             "run casewire-keys rotate --finish before a backup");

  std::uint64_t alerts = 0;
  auto db = snapshot_database(o.db.empty() ? d.database() : o.db, &alerts);
  if (!db) return db.error();

  SecretBytes stream_key(crypto_secretstream_xchacha20poly1305_KEYBYTES);
  crypto_secretstream_xchacha20poly1305_keygen(stream_key.data());
  Bytes file;
  ByteWriter head;
  head.raw(kMagic).u8(kVersion).raw(pub->box->id());
  file = head.take();
  std::array<std::uint8_t, kSealedKeySize> sealed{};
  crypto_box_seal(sealed.data(), stream_key.data(), stream_key.size(), pub->box->bytes.data());
  file.insert(file.end(), sealed.begin(), sealed.end());
  {
    Sealer s(stream_key, file);
    const Bytes ad(file.begin(), file.end());  // everything before the first message
    ByteWriter m;
    m.u64(static_cast<std::uint64_t>(unix_now()));
    s.push(message('M', m.bytes()), 0, ad);
    std::uint32_t count = 0;
    for (const auto& mem : kMembers) {
      SecretBytes content;
      if (std::string_view(mem.name) == "casewired.db") {
        content = std::move(*db);
      } else if (!mem.required && !file_exists(o.dir + "/" + mem.name)) {
        continue;
      } else {
        auto bytes = read_file(o.dir + "/" + mem.name, std::size_t{1} << 24);
        if (!bytes) return bytes.error();
        content = SecretBytes::copy_of(*bytes);
        sodium_memzero(bytes->data(), bytes->size());
      }
      ByteWriter fh;
      fh.u16(static_cast<std::uint16_t>(std::strlen(mem.name))).raw(std::string_view(mem.name));
      fh.u64(content.size());
      s.push(message('F', fh.bytes()), 0);
      for (std::size_t at = 0; at < content.size(); at += kChunk) {
        const auto n = std::min(kChunk, content.size() - at);
        s.push(message('D', {}, ByteView(content.data() + at, n)), 0);
      }
      ++count;
    }
    ByteWriter e;
    e.u32(count);
    s.push(message('E', e.bytes()), crypto_secretstream_xchacha20poly1305_TAG_FINAL);
  }
  // Read back before claiming success: every message must authenticate and
  // the database in it must pass its integrity check.
  auto opened = open_stream(file, stream_key);
  if (!opened) return opened.error();
  auto check = check_database_image(
      std::find_if(opened->files.begin(), opened->files.end(), [](const OpenedFile& f) {
        return f.name == "casewired.db";
      })->content);
  if (!check) return check.error();
  CW_TRY(write_file_atomic(o.out, file, 0600, Overwrite::no));
  auto written = read_file(o.out, std::size_t{1} << 36);
  if (!written || *written != file)
    return make_error(Errc::io_error, o.out + " does not read back as written");
  out << "backup written to " << o.out << " for backup key " << key_id_hex(pub->box->id()) << ": "
      << opened->files.size() << " files, " << *check << " alerts, verified\n"
      << "move it off this server; only the offline backup key opens it\n";
  return Status::Ok();
}

Status verify_backup(const OpenBackupOptions& o, std::ostream& out) {
  auto loaded = load_backup(o);
  if (!loaded) return loaded.error();
  auto opened = open_stream(loaded->file, loaded->stream_key);
  if (!opened) return opened.error();
  return check_contents(*opened, out);
}

namespace {

// Asks on the terminal; no terminal is a refusal (the operator must see the
// list and answer, or say --yes after reading it).
Result<bool> confirm_on_terminal(const std::string& question) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (!tty)
    return make_error(
        Errc::bad_request,
        "restore asks you to confirm the keys it leaves active, and there is no "
        "terminal: run it on one, or pass --yes once you have checked the list above");
  std::fprintf(tty, "%s", question.c_str());
  std::fflush(tty);
  char line[64] = {};
  const bool read = std::fgets(line, sizeof line, tty) != nullptr;
  std::fclose(tty);
  return read && std::string_view(line).substr(0, 3) == "yes";
}

// The revocation journal the restored daemon will use: the backup's, or the
// copy kept off the server when it extends the backup's. Anything else -
// a copy that disagrees with the backup, another key - is refused.
Result<std::optional<RevocationJournal>> pick_journal(std::optional<RevocationJournal> from_backup,
                                                      const std::string& copy, std::ostream& out) {
  if (copy.empty()) {
    out << "revocation journal: "
        << (from_backup ? "the backup's (" + std::to_string(from_backup->entries().size()) +
                              " revocations); no copy was given from off the server"
                        : std::string("none in the backup, and no copy was given from off the "
                                      "server"))
        << "\n";
    return from_backup;
  }
  auto c = RevocationJournal::load(copy, from_backup ? &from_backup->key() : nullptr);
  if (!c)
    return make_error(
        Errc::bad_backup,
        "the journal copy " + copy + " is refused: " + c.error().message +
            (from_backup ? " (it must be the journal the backup holds, extended)" : ""));
  if (!from_backup || from_backup->is_prefix_of(*c)) {
    out << "revocation journal: the copy " << copy << " (" << c->entries().size()
        << " revocations; " << (from_backup ? from_backup->entries().size() : 0)
        << " in the backup)\n";
    return std::optional<RevocationJournal>(std::move(*c));
  }
  if (c->is_prefix_of(*from_backup)) {
    out << "revocation journal: the backup's (" << from_backup->entries().size()
        << " revocations): the copy " << copy << " is older\n";
    return from_backup;
  }
  return make_error(Errc::bad_backup,
                    copy +
                        " and the backup's revocation journal disagree: one of them was "
                        "altered; find out which before restoring");
}

const OpenedFile* file_named(const Opened& o, std::string_view name) {
  for (const auto& f : o.files)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace

Status restore(const OpenBackupOptions& o, std::ostream& out) {
  if (o.dir.empty()) return make_error(Errc::bad_request, "--dir is required");
  std::error_code ec;
  // New or empty - or holding only what an interrupted restore staged.
  const std::string leftover = pending_dir(o.dir, "restore");
  auto only_leftover = [&] {
    std::size_t n = 0;
    bool left = false;
    for (const auto& e : fs::directory_iterator(o.dir, ec)) {
      ++n;
      left |= e.path().string() == leftover;
    }
    return n == 1 && left;
  };
  if (fs::exists(o.dir, ec) && !fs::is_empty(o.dir, ec) && !only_leftover())
    return make_error(Errc::file_exists,
                      o.dir + " is not empty: restore only into a new or empty directory");
  auto loaded = load_backup(o);
  if (!loaded) return loaded.error();
  auto opened = open_stream(loaded->file, loaded->stream_key);
  if (!opened) return opened.error();
  CW_TRY(check_contents(*opened, out));

  // Everything decided in memory first: nothing touches the disk until the
  // operator has seen which keys the restore leaves active and said yes.
  const OpenedFile* trust_file = file_named(*opened, "trust.json");
  auto trust = TrustStore::from_json(std::string_view(
      reinterpret_cast<const char*>(trust_file->content.data()), trust_file->content.size()));
  if (!trust) return trust.error();
  std::optional<RevocationJournal> in_backup;
  if (const auto* j = file_named(*opened, "revocations.journal")) {
    auto parsed = RevocationJournal::parse(
        std::string_view(reinterpret_cast<const char*>(j->content.data()), j->content.size()),
        "the backup's revocations.journal", nullptr);
    if (!parsed) return make_error(Errc::bad_backup, parsed.error().message);
    in_backup = std::move(*parsed);
  }
  auto journal = pick_journal(std::move(in_backup), o.revocations, out);
  if (!journal) return journal.error();
  if (*journal) {
    const std::size_t again = (*journal)->apply(*trust);
    out << "  re-applied " << again << " revocation(s) made after the trust store was saved\n";
  }
  const std::string made = format_rfc3339(opened->created_at);
  const std::int64_t days = (unix_now() - opened->created_at) / 86400;
  out << "the backup was made " << made << " (" << days << " day(s) ago); these keys stay "
      << "active:\n";
  for (const auto& c : trust->contacts())
    if (!c.revoked)
      out << "  contact " << key_id_hex(c.key.id()) << "  " << c.label << "  (enrolled "
          << format_rfc3339(c.enrolled_at).substr(0, 10) << ")\n";
  for (const auto& g : trust->orgs())
    if (!g.revoked) out << "  organisation " << key_id_hex(g.key.id()) << "  " << g.name << "\n";
  out << "Any key revoked after " << made
      << " and missing from the journal would be trusted again. If one was (a lost or seized "
         "phone), answer no, and give the journal copy with --revocations, or revoke it right "
         "after the restore, before starting the daemon. Keys and invites changed after "
      << made
      << " (a key rotation) are not in this backup either: contacts who followed one will be "
         "refused (wrong_recipient) and need a new invite.\n";
  out.flush();
  if (!o.yes) {
    auto yes = confirm_on_terminal("Restore with these keys active? Type yes: ");
    if (!yes) return yes.error();
    if (!*yes) return make_error(Errc::bad_request, "not restored: nothing was written");
  }

  fs::create_directories(o.dir, ec);
  if (ec || ::chmod(o.dir.c_str(), 0700) != 0)
    return make_error(Errc::io_error, "cannot create " + o.dir);
  auto lock = InstanceLock::acquire(o.dir);
  if (!lock) return lock.error();
  CW_TRY(finish_pending(o.dir, "restore"));  // an interrupted restore's staging goes
  auto txn = DirTransaction::begin(o.dir, "restore");
  if (!txn) return txn.error();
  auto staged = [&]() -> Status {
    for (const auto& f : opened->files)
      CW_TRY(
          txn->stage(f.name, ByteView(f.content.data(), f.content.size()), member(f.name)->mode));
    if (*journal) {
      CW_TRY(txn->stage("revocations.journal", as_bytes((*journal)->text()), 0600));
      CW_TRY(trust->save(txn->staged_path("trust.json")));
    }
    return Status::Ok();
  }();
  if (!staged.ok()) {
    txn->abandon();
    return staged;
  }
  CW_TRY(txn->commit());
  out << "restored into " << o.dir
      << "; write a casewired.toml whose [keys] dir is this directory, then run "
         "casewired --check-config\n";
  return Status::Ok();
}

}  // namespace cw::keys
