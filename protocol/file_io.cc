#include "protocol/file_io.h"

#include <fcntl.h>
#include <pwd.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace cw {
namespace {

Error io_err(const std::string& what, const std::string& path, int err) {
  return make_error(Errc::io_error, what + " " + path + ": " + std::strerror(err));
}

Status write_all(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return make_error(Errc::io_error, std::string("write: ") + std::strerror(errno));
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return Status::Ok();
}

Status fsync_dir_of(const std::string& path) {
  auto dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_err("open dir", dir.string(), errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return io_err("fsync dir", dir.string(), err);
  return Status::Ok();
}

}  // namespace

Status write_file_atomic(const std::string& path, ByteView content, mode_t mode,
                         Overwrite overwrite) {
  if (overwrite == Overwrite::no && file_exists(path))
    return make_error(Errc::file_exists, path + " exists (use --force to replace it)");
  char suffix[17];
  std::uint8_t rnd[8];
  randombytes_buf(rnd, sizeof rnd);
  for (std::size_t i = 0; i < 8; ++i) std::snprintf(suffix + 2 * i, 3, "%02x", rnd[i]);
  std::string tmp = path + ".tmp-" + suffix;

  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return io_err("create", tmp, errno);
  // The umask may have narrowed the mode; make it exactly what was asked.
  ::fchmod(fd, mode);
  Status st = write_all(fd, content.data(), content.size());
  if (st.ok() && ::fsync(fd) != 0) st = io_err("fsync", tmp, errno);
  ::close(fd);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  int rc;
  if (overwrite == Overwrite::no) {
    rc = ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
    if (rc != 0 && errno == EEXIST) {
      ::unlink(tmp.c_str());
      return make_error(Errc::file_exists, path + " exists (use --force to replace it)");
    }
  } else {
    rc = ::rename(tmp.c_str(), path.c_str());
  }
  if (rc != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return io_err("rename", path, err);
  }
  return fsync_dir_of(path);
}

Status sync_directory(const std::string& dir) {
  return fsync_dir_of(dir + "/.");
}

Result<Bytes> read_file(const std::string& path, std::size_t max_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(Errc::not_found, "no such file: " + path);
    return io_err("open", path, errno);
  }
  auto out = read_fd(fd, max_size, path);
  ::close(fd);
  return out;
}

Result<Bytes> read_fd(int fd, std::size_t max_size, const std::string& name) {
  Bytes out;
  std::uint8_t buf[8192];
  for (;;) {
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      return io_err("read", name, errno);
    }
    if (r == 0) break;
    if (out.size() + static_cast<std::size_t>(r) > max_size)
      return make_error(Errc::io_error,
                        name + " is larger than " + std::to_string(max_size) + " bytes");
    out.insert(out.end(), buf, buf + r);
  }
  return out;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

Status make_dirs(const std::string& path, mode_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return make_error(Errc::io_error, "mkdir " + path + ": " + ec.message());
  ::chmod(path.c_str(), mode);
  return Status::Ok();
}

Status shred_file(const std::string& path) {
  // Never through a link: overwriting what a planted link points at would
  // destroy someone else's file.
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(Errc::not_found, "no such file: " + path);
    return io_err("open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    std::uint8_t buf[4096];
    off_t left = st.st_size;
    while (left > 0) {
      std::size_t n =
          left < static_cast<off_t>(sizeof buf) ? static_cast<std::size_t>(left) : sizeof buf;
      randombytes_buf(buf, n);
      if (!write_all(fd, buf, n).ok()) break;
      left -= static_cast<off_t>(n);
    }
    ::fsync(fd);
  }
  ::close(fd);
  if (::unlink(path.c_str()) != 0) return io_err("unlink", path, errno);
  return fsync_dir_of(path);
}

std::string this_user() {
  const uid_t uid = ::geteuid();
  passwd pw{};
  passwd* found = nullptr;
  char buf[1024];
  const std::string id = "uid " + std::to_string(uid);
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr)
    return std::string(found->pw_name) + " (" + id + ")";
  return id;
}

std::optional<uid_t> owner_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return st.st_uid;
}

Status refuse_root_in_foreign_dir(const std::string& dir, std::string_view command) {
  const auto owner = owner_of(dir);
  if (::geteuid() != 0 || !owner || *owner == 0) return Status::Ok();
  passwd pw{};
  passwd* found = nullptr;
  char buf[1024];
  const std::string user = ::getpwuid_r(*owner, &pw, buf, sizeof buf, &found) == 0 && found
                               ? std::string(found->pw_name)
                               : std::to_string(*owner);
  return make_error(Errc::bad_config,
                    dir + " belongs to " + user +
                        ", and files root writes there would be root's, which the service could "
                        "not read: run this as that user, from a directory it can write: "
                        "runuser -u " +
                        user + " -- " + std::string(command));
}

bool is_group_or_world_readable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  return (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
}

}  // namespace cw
