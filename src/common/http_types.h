#pragma once
// Transport-neutral views of an HTTP exchange, shared by sigv4/, protocol/ and http/.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace rampart {

struct HttpHeader {
  std::string name;   // as received (case preserved)
  std::string value;
};

// Case-insensitive lookup of the first header with this name; empty view if absent.
std::string_view FindHeader(const std::vector<HttpHeader>& headers, std::string_view name);
bool HasHeader(const std::vector<HttpHeader>& headers, std::string_view name);

// A response body produced piece by piece while it is written (S3 GetObject of a large object):
// the server holds one piece at a time, not the whole body. Used from one thread at a time.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // The whole body's length (Content-Length).
  virtual uint64_t size() const = 0;
  // The next piece (about 1 MiB at most); empty once size() bytes were given. An error (or a
  // short total) ends the connection mid-body: the client sees fewer bytes than announced.
  virtual Result<std::string> Next() = 0;
};

}  // namespace rampart
