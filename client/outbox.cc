#include "client/outbox.h"

#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "protocol/file_io.h"

namespace json = boost::json;

namespace cw::client {
namespace {
constexpr mode_t kMode = S_IRUSR | S_IWUSR;
constexpr const char* kShredSuffix = ".shred";
}  // namespace

std::string Outbox::envelope_path(const AlertId& id) const {
  return dir_ + "/" + to_hex(id) + ".cwe";
}
std::string Outbox::meta_path(const AlertId& id) const {
  return dir_ + "/" + to_hex(id) + ".meta";
}

Status Outbox::put(const OutboxEntry& meta, ByteView wire) {
  CW_TRY(make_dirs(dir_, S_IRWXU));
  CW_TRY(write_file_atomic(envelope_path(meta.id), wire, kMode, Overwrite::yes));
  return update(meta);
}

Result<Bytes> Outbox::envelope(const AlertId& id) const {
  return read_file(envelope_path(id), 64 << 10);
}

Status Outbox::update(const OutboxEntry& m) {
  json::object o;
  o["kind"] = m.kind;
  o["created_at"] = m.created_at;
  o["attempts"] = m.attempts;
  o["last_error"] = m.last_error;
  o["case_ref"] = to_hex(m.case_ref);
  if (!m.refused.empty()) o["refused"] = m.refused;
  auto text = json::serialize(o);
  return write_file_atomic(meta_path(m.id), as_bytes(text), kMode, Overwrite::yes);
}

Result<std::vector<OutboxEntry>> Outbox::list() const {
  std::vector<OutboxEntry> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    const auto name = e.path().filename().string();
    if (name.size() != 36 || name.substr(32) != ".cwe") continue;
    auto id = parse_alert_id(name.substr(0, 32));
    if (!id) continue;
    OutboxEntry m;
    m.id = *id;
    m.case_ref = *id;  // until the metadata says otherwise
    if (auto text = read_file(meta_path(*id), 4096)) {
      std::error_code jec;
      auto v = json::parse(as_chars(*text), jec);
      if (!jec && v.is_object()) {
        const auto& o = v.as_object();
        if (auto* k = o.if_contains("kind"); k && k->is_string())
          m.kind = std::string(k->as_string());
        if (auto* c = o.if_contains("created_at"); c && c->is_int64()) m.created_at = c->as_int64();
        if (auto* a = o.if_contains("attempts"); a && a->is_int64())
          m.attempts = static_cast<std::uint32_t>(a->as_int64());
        if (auto* l = o.if_contains("last_error"); l && l->is_string())
          m.last_error = std::string(l->as_string());
        if (auto* r = o.if_contains("refused"); r && r->is_string())
          m.refused = std::string(r->as_string());
        if (auto* c = o.if_contains("case_ref"); c && c->is_string())
          if (auto ref = parse_alert_id(std::string(c->as_string()))) m.case_ref = *ref;
      }
    }
    out.push_back(std::move(m));
  }
  if (ec) return make_error(Errc::io_error, "cannot read the outbox: " + ec.message());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
  });
  return out;
}

// Shredding overwrites a file in place before unlinking it. Done on the
// queued name, a crash in between would leave random bytes queued as an
// alert (the next flush sent them and got bad_magic). So the entry first
// leaves the queue by an atomic rename, and only the renamed file is shredded;
// sweep() finishes what a crash interrupted.
Status Outbox::remove(const AlertId& id) {
  for (const auto& path : {envelope_path(id), meta_path(id)}) {
    const std::string doomed = path + kShredSuffix;
    if (::rename(path.c_str(), doomed.c_str()) != 0) {
      if (errno == ENOENT) continue;
      return make_error(Errc::io_error, "cannot remove " + path + ": " + std::strerror(errno));
    }
    auto st = shred_file(doomed);
    if (!st.ok() && st.code() != Errc::not_found) return st;
  }
  return Status::Ok();
}

void Outbox::sweep() const {
  std::error_code ec;
  std::vector<std::string> doomed;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    const auto name = e.path().filename().string();
    if (name.ends_with(kShredSuffix)) doomed.push_back(e.path().string());
  }
  for (const auto& d : doomed) (void)shred_file(d);
}

}  // namespace cw::client
