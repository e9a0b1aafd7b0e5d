// Root key files: the one secret that unlocks every other secret at rest.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "common/crypto.h"
#include "store/store.h"

namespace rampart::store {
namespace {

constexpr size_t kRootKeySize = 32;

Error FileError(const std::string& what, const std::string& path, int err) {
  return Error::Internal(what + " " + path + ": " + std::strerror(err));
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads the whole file; nullopt-like NoSuchEntity error if it does not exist.
Result<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return Error{std::string(kNotFoundCode), "root key file " + path + " does not exist", 404,
                   true};
    }
    return FileError("cannot open root key file", path, errno);
  }
  // The key unlocks every secret at rest: refuse one that others can read or replace.
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return FileError("cannot stat root key file", path, err);
  }
  if (st.st_uid != ::geteuid()) {
    ::close(fd);
    return Error::Internal("root key file " + path + " is owned by uid " +
                           std::to_string(st.st_uid) + ", not by this server's user (uid " +
                           std::to_string(::geteuid()) + "); chown it to the server's user");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error::Internal("root key file " + path + " has mode " + mode +
                           ": group and others must have no access; chmod 600 " + path);
  }
  std::string data;
  char buf[256];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return FileError("cannot read root key file", path, err);
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > 4096) break;  // far larger than any key format; reported below
  }
  ::close(fd);
  return data;
}

// Accepts 32 raw bytes, or 64 hex digits with an optional trailing newline (so a key made with
// `openssl rand -hex 32 > root.key` works).
Result<std::string> ParseRootKey(const std::string& path, std::string data) {
  if (data.size() == kRootKeySize) return data;
  std::string_view hex = data;
  if (!hex.empty() && hex.back() == '\n') hex.remove_suffix(1);
  if (!hex.empty() && hex.back() == '\r') hex.remove_suffix(1);
  if (hex.size() == 2 * kRootKeySize) {
    std::string key(kRootKeySize, '\0');
    bool ok = true;
    for (size_t i = 0; i < kRootKeySize && ok; ++i) {
      int hi = HexDigit(hex[2 * i]), lo = HexDigit(hex[2 * i + 1]);
      ok = hi >= 0 && lo >= 0;
      key[i] = static_cast<char>((hi << 4) | lo);
    }
    if (ok) return key;
  }
  return Error::Internal("root key file " + path + " must hold 32 raw bytes or 64 hex digits (" +
                         std::to_string(data.size()) + " bytes found)");
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::Internal(std::string("write failed: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FileError("cannot open directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return FileError("cannot fsync directory", dir, err);
  return {};
}

// Writes a fresh key to a private temp file, then link(2)s it into place: link fails with
// EEXIST if another process got there first, in which case that process's key wins.
Status CreateRootKeyFile(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path target(path);
  std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  std::string tmp = path + ".tmp." + crypto::HexEncode(crypto::RandomBytes(8));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return FileError("cannot create root key file", tmp, errno);
  Status st = WriteAll(fd, crypto::RandomBytes(kRootKeySize));
  if (st.ok() && ::fsync(fd) != 0) st = FileError("cannot fsync", tmp, errno);
  ::close(fd);
  if (st.ok() && ::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    st = FileError("cannot create root key file", path, errno);
  }
  ::unlink(tmp.c_str());
  if (!st.ok()) return st;
  return FsyncDir(dir);
}

}  // namespace

std::string RootKeyPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "root.key").string();
}

Result<std::string> LoadRootKey(const std::string& path) {
  RAMPART_ASSIGN_OR_RETURN(std::string data, ReadFile(path));
  return ParseRootKey(path, std::move(data));
}

Result<std::string> LoadOrCreateRootKey(const std::string& path) {
  if (path.empty()) return Error::Validation("root key path is empty");
  Result<std::string> existing = LoadRootKey(path);
  if (existing.ok() || !IsNotFound(existing.error())) return existing;
  RAMPART_RETURN_IF_ERROR(CreateRootKeyFile(path));
  return LoadRootKey(path);
}

}  // namespace rampart::store
