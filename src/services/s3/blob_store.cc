#include "services/s3/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/crypto.h"

namespace rampart::services::s3 {

namespace {

constexpr size_t kHeader = 16, kTag = 16;
constexpr char kMagic[4] = {'R', 'S', '3', 'B'};

Error IoError(std::string_view what, const std::string& path) {
  return Error::Internal(std::string(what) + " " + path + ": " + std::strerror(errno));
}

void PutBe32(std::string& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}

std::string Nonce(std::string_view prefix, uint32_t index) {
  std::string n(prefix);
  PutBe32(n, index);
  return n;
}

std::string Aad(std::string_view id, uint32_t index, bool last) {
  std::string a(id);
  PutBe32(a, index);
  a.push_back(last ? 1 : 0);
  return a;
}

// Writes all of `data` at the file's position.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool ReadAt(int fd, char* out, size_t size, uint64_t offset) {
  while (size > 0) {
    ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

bool SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

Result<BlobStore> BlobStore::Open(std::string root) {
  std::error_code ec;
  std::filesystem::create_directories(root + "/tmp", ec);
  if (ec) return Error::Internal("cannot create the object directory " + root + ": " + ec.message());
  ::chmod(root.c_str(), 0700);
  // Files left in tmp/ by a crash were never named by any object: they go.
  for (const auto& e : std::filesystem::directory_iterator(root + "/tmp", ec)) {
    std::filesystem::remove(e.path(), ec);
  }
  return BlobStore(std::move(root));
}

std::string BlobStore::PathOf(std::string_view id) const {
  return root_ + "/" + std::string(id.substr(0, 2)) + "/" + std::string(id);
}

uint64_t BlobStore::PlainSize(uint64_t file_size) {
  if (file_size < kHeader) return 0;
  uint64_t body = file_size - kHeader;
  uint64_t full = body / (kSegment + kTag);
  uint64_t rest = body % (kSegment + kTag);
  return full * kSegment + (rest > kTag ? rest - kTag : 0);
}

Result<std::string> BlobStore::Write(std::string_view key, std::string_view plaintext) const {
  std::string id = crypto::HexEncode(crypto::RandomBytes(16));
  std::string prefix = crypto::RandomBytes(8);
  std::string out(kMagic, 4);
  out.push_back(1);
  out.append(3, '\0');
  out += prefix;
  out.reserve(kHeader + plaintext.size() + (plaintext.size() / kSegment + 1) * kTag);
  uint32_t segments = static_cast<uint32_t>(plaintext.size() / kSegment +
                                            (plaintext.size() % kSegment || plaintext.empty()));
  for (uint32_t i = 0; i < segments; ++i) {
    std::string_view seg = plaintext.substr(static_cast<size_t>(i) * kSegment, kSegment);
    RAMPART_RETURN_IF_ERROR(
        crypto::AeadSealTo(key, Nonce(prefix, i), seg, Aad(id, i, i + 1 == segments), out));
  }
  std::string tmp = root_ + "/tmp/" + id;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create", tmp);
  bool ok = WriteAll(fd, out) && ::fdatasync(fd) == 0;
  ::close(fd);
  if (!ok) {
    Error e = IoError("cannot write", tmp);
    ::unlink(tmp.c_str());
    return e;
  }
  std::string dir = root_ + "/" + id.substr(0, 2);
  ::mkdir(dir.c_str(), 0700);
  std::string path = PathOf(id);
  if (::rename(tmp.c_str(), path.c_str()) != 0 || !SyncDir(dir)) {
    Error e = IoError("cannot place", path);
    ::unlink(tmp.c_str());
    return e;
  }
  return id;
}

Result<std::string> BlobStore::Read(std::string_view key, std::string_view id, uint64_t offset,
                                    uint64_t length) const {
  std::string path = PathOf(id);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open the object data", path);
  struct stat st {};
  char header[kHeader];
  if (::fstat(fd, &st) != 0 || !ReadAt(fd, header, kHeader, 0) ||
      std::memcmp(header, kMagic, 4) != 0 || header[4] != 1) {
    ::close(fd);
    return Error::Internal("the object data " + path + " is damaged");
  }
  uint64_t size = PlainSize(static_cast<uint64_t>(st.st_size));
  std::string prefix(header + 8, 8);
  std::string out;
  if (offset >= size || length == 0) {
    ::close(fd);
    return out;
  }
  length = std::min(length, size - offset);
  out.reserve(length);
  uint32_t segments = static_cast<uint32_t>(size / kSegment + (size % kSegment || size == 0));
  std::string sealed, plain;
  for (uint64_t i = offset / kSegment; i * kSegment < offset + length; ++i) {
    uint64_t seg_plain = std::min<uint64_t>(kSegment, size - i * kSegment);
    sealed.resize(seg_plain + kTag);
    plain.clear();
    if (!ReadAt(fd, sealed.data(), sealed.size(), kHeader + i * (kSegment + kTag)) ||
        !crypto::AeadOpenTo(key, Nonce(prefix, static_cast<uint32_t>(i)), sealed,
                            Aad(id, static_cast<uint32_t>(i), i + 1 == segments), plain)
             .ok()) {
      ::close(fd);
      return Error::Internal("the object data " + path + " is damaged or was altered");
    }
    uint64_t from = i * kSegment < offset ? offset - i * kSegment : 0;
    uint64_t to = std::min<uint64_t>(seg_plain, offset + length - i * kSegment);
    out.append(plain, from, to - from);
  }
  ::close(fd);
  return out;
}

void BlobStore::WipeAll() const {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root_, ec)) {
    if (e.path().filename() == "tmp") continue;
    std::filesystem::remove_all(e.path(), ec);
  }
}

void BlobStore::Remove(std::string_view id) const {
  if (id.size() < 2) return;
  ::unlink(PathOf(id).c_str());
}

}  // namespace rampart::services::s3
