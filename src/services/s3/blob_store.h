#pragma once
// Object bytes on the filesystem, encrypted at rest (SSE-S3): one file per stored body under
// <root>/<2 hex>/<id>, written to <root>/tmp first, fsync'd, then renamed into place (and the
// directory fsync'd), so a crash never leaves a visible half object: metadata in the store
// names a blob only after the blob is whole on disk.
//
// File format (version 1):
//   "RS3B" | u8 version=1 | 3 zero bytes | 8-byte nonce prefix | segments...
//   segment i = AES-256-GCM(key, nonce = prefix || be32(i), aad = id || be32(i) || last?1:0)
//               of up to 64 KiB of plaintext, followed by its 16-byte tag.
// The last segment is marked in its AAD, so a file cut at a segment boundary does not
// authenticate. A range reads and decrypts only the segments it covers.
//
// Thread-safe: files are immutable once renamed into place; ids are random.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace rampart::services::s3 {

class BlobStore {
 public:
  // Creates <root> and <root>/tmp if needed (mode 0700).
  static Result<BlobStore> Open(std::string root);

  // Writes `plaintext` encrypted under `key` (32 bytes); returns the new blob's id.
  Result<std::string> Write(std::string_view key, std::string_view plaintext) const;
  // Reads [offset, offset + length) of the blob's plaintext (length clipped to the size).
  Result<std::string> Read(std::string_view key, std::string_view id, uint64_t offset,
                           uint64_t length) const;
  // Removes the blob; a missing blob is not an error.
  void Remove(std::string_view id) const;
  // Removes every blob (--dev reset).
  void WipeAll() const;
  // Plaintext size of a blob of `file_size` bytes on disk.
  static uint64_t PlainSize(uint64_t file_size);

  static constexpr size_t kSegment = 64 * 1024;

 private:
  explicit BlobStore(std::string root) : root_(std::move(root)) {}
  std::string PathOf(std::string_view id) const;
  std::string root_;
};

}  // namespace rampart::services::s3
