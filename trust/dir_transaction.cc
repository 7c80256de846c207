#include "trust/dir_transaction.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "protocol/file_io.h"

namespace cw {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCommit = "COMMIT";

// Only plain names of this directory: a damaged manifest must not be able
// to move or remove anything outside it.
bool plain_name(const std::string& n) {
  if (n.empty() || n.size() > 64 || n == "." || n == ".." || n == kCommit) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_')
      return false;
  return true;
}

Error io(const std::string& what, const std::string& path, int err) {
  return make_error(Errc::io_error, what + " " + path + ": " + std::strerror(err));
}

struct Manifest {
  std::vector<std::string> install, remove;
};

Result<Manifest> read_manifest(const std::string& path) {
  auto text = read_file(path, 64 << 10);
  if (!text) return text.error();
  Manifest m;
  std::istringstream lines{std::string(as_chars(*text))};
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const auto sp = line.find(' ');
    const std::string verb = line.substr(0, sp),
                      file = sp == std::string::npos ? "" : line.substr(sp + 1);
    if (!plain_name(file) || (verb != "install" && verb != "remove"))
      return make_error(Errc::bad_config, path + " is damaged: fix or remove it by hand");
    (verb == "install" ? m.install : m.remove).push_back(file);
  }
  return m;
}

// The staging folder must be a real folder of this directory, and what it
// holds real files: whoever can write the directory must not be able to
// point a discard at files elsewhere (a shred follows nothing), nor a redo
// at a link installed as daemon.key.
bool is_real(const std::string& path, mode_t type) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && (st.st_mode & S_IFMT) == type;
}

// Step 3, idempotent: whatever is still staged is moved, whatever is still
// listed for removal goes, then the manifest and the folder.
Status redo(const std::string& dir, const std::string& staging) {
  if (!is_real(staging, S_IFDIR))
    return make_error(Errc::bad_config, staging + " is not a directory: remove it by hand");
  auto m = read_manifest(staging + "/" + kCommit);
  if (!m) return m.error();
  for (const auto& f : m->install) {
    const std::string from = staging + "/" + f, to = dir + "/" + f;
    if (!file_exists(from)) continue;  // moved before an interruption
    if (!is_real(from, S_IFREG))
      return make_error(Errc::bad_config, from + " is not a regular file: remove it by hand");
    if (::rename(from.c_str(), to.c_str()) != 0) return io("rename", from, errno);
  }
  CW_TRY(sync_directory(dir));
  for (const auto& f : m->remove) {
    const std::string p = dir + "/" + f;
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) return io("remove", p, errno);
  }
  CW_TRY(sync_directory(dir));
  // Leftovers of writes (.tmp-*) first, the manifest last: until it goes a
  // crash redoes the (finished) steps, and after it only an empty folder
  // can remain, which is no transaction at all.
  const std::string commit = staging + "/" + kCommit;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(staging, ec))
    if (e.path().filename() != kCommit) fs::remove(e.path(), ec);
  if (::unlink(commit.c_str()) != 0 && errno != ENOENT) return io("remove", commit, errno);
  CW_TRY(sync_directory(staging));
  if (::rmdir(staging.c_str()) != 0 && errno != ENOENT) return io("remove", staging, errno);
  return sync_directory(dir);
}

// A folder with nothing in it: a transaction that never staged anything, or
// one finished up to removing its folder. Either way there is nothing to do.
bool empty_folder(const std::string& staging) {
  std::error_code ec;
  return is_real(staging, S_IFDIR) && fs::is_empty(staging, ec) && !ec;
}

// Everything staged before the commit point: overwritten before it goes
// (a staged TLS key is a secret in clear).
Status discard(const std::string& dir, const std::string& staging) {
  if (!is_real(staging, S_IFDIR))
    return make_error(Errc::bad_config, staging + " is not a directory: remove it by hand");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(staging, ec))
    if (is_real(e.path().string(), S_IFREG)) (void)shred_file(e.path().string());
  fs::remove_all(staging, ec);  // links themselves, never what they point at
  return sync_directory(dir);
}

}  // namespace

std::string pending_dir(const std::string& dir, const std::string& name) {
  return dir + "/" + name + ".pending";
}

PendingState pending_state(const std::string& dir, const std::string& name) {
  const std::string staging = pending_dir(dir, name);
  if (!file_exists(staging) || empty_folder(staging)) return PendingState::none;
  return file_exists(staging + "/" + kCommit) ? PendingState::committed : PendingState::uncommitted;
}

Result<DirTransaction> DirTransaction::begin(const std::string& dir, const std::string& name) {
  const std::string staging = pending_dir(dir, name);
  if (empty_folder(staging)) ::rmdir(staging.c_str());
  if (file_exists(staging))
    return make_error(Errc::file_exists,
                      staging + " holds an interrupted " + name + ": finish or discard it first");
  if (::mkdir(staging.c_str(), 0700) != 0) return io("create", staging, errno);
  CW_TRY(sync_directory(dir));
  return DirTransaction(dir, name);
}

std::string DirTransaction::staged_path(const std::string& file) const {
  return pending_dir(dir_, name_) + "/" + file;
}

void DirTransaction::install(const std::string& file) {
  for (const auto& f : install_)
    if (f == file) return;
  install_.push_back(file);
}

void DirTransaction::remove(const std::string& file) {
  remove_.push_back(file);
}

Status DirTransaction::stage(const std::string& file, ByteView content, mode_t mode) {
  if (!plain_name(file)) return make_error(Errc::bad_request, "not a plain file name: " + file);
  CW_TRY(write_file_atomic(staged_path(file), content, mode, Overwrite::yes));
  install(file);
  return Status::Ok();
}

Status DirTransaction::commit() {
  std::string manifest;
  for (const auto& f : install_) {
    if (!plain_name(f) || !file_exists(staged_path(f)))
      return make_error(Errc::internal_error, "nothing staged for " + f);
    manifest += "install " + f + "\n";
  }
  for (const auto& f : remove_) manifest += "remove " + f + "\n";
  const std::string staging = pending_dir(dir_, name_);
  CW_TRY(write_file_atomic(staging + "/" + kCommit, as_bytes(manifest), 0600, Overwrite::no));
  return redo(dir_, staging);
}

void DirTransaction::abandon() {
  (void)discard(dir_, pending_dir(dir_, name_));
}

Result<Finished> finish_pending(const std::string& dir, const std::string& name) {
  const std::string staging = pending_dir(dir, name);
  switch (pending_state(dir, name)) {
    case PendingState::none:
      if (empty_folder(staging)) ::rmdir(staging.c_str());
      return Finished::nothing_pending;
    case PendingState::uncommitted:
      CW_TRY(discard(dir, staging));
      return Finished::discarded;
    case PendingState::committed:
      CW_TRY(redo(dir, staging));
      return Finished::completed;
  }
  return Finished::nothing_pending;
}

}  // namespace cw
