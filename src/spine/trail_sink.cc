#include "spine/trail_sink.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/crypto.h"

namespace rampart::spine {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::string_view kMetadataSuffix = ".metadata.json";

Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return Error::Internal("cannot create directory for " + path + ": " + ec.message());
  std::string tmp = path + ".tmp-" + crypto::HexEncode(crypto::RandomBytes(6));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return Error::Internal("cannot create " + tmp);
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error::Internal("cannot write " + tmp);
    }
    off += static_cast<size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Error::Internal("cannot move " + tmp + " into place");
  }
  return {};
}

}  // namespace

Result<std::string> DirectorySink::PathOf(std::string_view bucket, std::string_view key) const {
  if (bucket.empty() || key.empty() || bucket.find('/') != std::string_view::npos) {
    return Error::Validation("invalid bucket or key");
  }
  for (std::string_view part : {bucket, key}) {
    size_t start = 0;
    while (start <= part.size()) {
      size_t slash = part.find('/', start);
      std::string_view seg = part.substr(
          start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
      if (seg == ".." || seg == ".") return Error::Validation("invalid bucket or key");
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
  }
  if (key.front() == '/') return Error::Validation("invalid key");
  return root_ + "/" + std::string(bucket) + "/" + std::string(key);
}

Status DirectorySink::Put(std::string_view bucket, std::string_view key, std::string_view bytes,
                          const ObjectMetadata& metadata) {
  RAMPART_ASSIGN_OR_RETURN(std::string path, PathOf(bucket, key));
  // Metadata first: an object never appears without the signature it was written with.
  std::string meta_path = path + std::string(kMetadataSuffix);
  if (!metadata.empty()) {
    json::object m;
    for (const auto& [k, v] : metadata) m[k] = v;
    RAMPART_RETURN_IF_ERROR(WriteFileAtomically(meta_path, json::serialize(m)));
  } else {
    std::error_code ec;
    fs::remove(meta_path, ec);
  }
  return WriteFileAtomically(path, bytes);
}

Result<std::optional<SinkObject>> DirectorySink::Get(std::string_view bucket,
                                                     std::string_view key) {
  RAMPART_ASSIGN_OR_RETURN(std::string path, PathOf(bucket, key));
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::optional<SinkObject>();
  std::stringstream buf;
  buf << f.rdbuf();
  SinkObject obj{buf.str(), {}};
  std::ifstream mf(path + std::string(kMetadataSuffix), std::ios::binary);
  if (mf) {
    std::stringstream mbuf;
    mbuf << mf.rdbuf();
    boost::system::error_code ec;
    json::value v = json::parse(mbuf.str(), ec);
    if (!ec && v.is_object()) {
      for (const auto& [k, val] : v.as_object()) {
        if (val.is_string()) obj.metadata[std::string(k)] = std::string(val.as_string());
      }
    }
  }
  return std::optional<SinkObject>(std::move(obj));
}

Result<std::vector<std::string>> DirectorySink::List(std::string_view bucket,
                                                     std::string_view prefix) {
  std::vector<std::string> keys;
  if (bucket.empty() || bucket.find('/') != std::string_view::npos || bucket == "..") return keys;
  fs::path base = fs::path(root_) / std::string(bucket);
  std::error_code ec;
  if (!fs::is_directory(base, ec)) return keys;
  for (auto it = fs::recursive_directory_iterator(base, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string key = fs::relative(it->path(), base).generic_string();
    if (key.size() >= kMetadataSuffix.size() &&
        key.compare(key.size() - kMetadataSuffix.size(), kMetadataSuffix.size(), kMetadataSuffix) ==
            0) {
      continue;
    }
    if (key.find(".tmp-") != std::string::npos) continue;
    if (key.compare(0, prefix.size(), prefix) == 0) keys.push_back(std::move(key));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

Result<std::string> Gzip(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return Error::Internal("deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&zs, data.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t n = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Error::Internal("gzip failed");
  out.resize(n);
  return out;
}

Result<std::string> Gunzip(std::string_view data) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return Error::Internal("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) break;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return Error::Validation("not a complete gzip stream");
  return out;
}

}  // namespace rampart::spine
