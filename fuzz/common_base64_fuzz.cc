// libFuzzer target: the hand-written Base64 codec (common/crypto.cc) against OpenSSL's.
// Any input: Base64Decode must not crash; when it accepts, re-encoding gives the input back
// (strict, canonical padding aside) and OpenSSL decodes it to the same bytes. Any bytes, encoded,
// must decode to themselves.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/crypto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto decoded = rampart::crypto::Base64Decode(in);
  if (decoded.ok()) {
    std::string evp(3 * (size / 4) + 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(evp.data()), data,
                            static_cast<int>(size));
    if (n < 0) std::abort();  // we accepted what OpenSSL rejects
    size_t pad = (size > 0 && in[size - 1] == '=') + (size > 1 && in[size - 2] == '=');
    evp.resize(static_cast<size_t>(n) - pad);
    if (evp != *decoded) std::abort();
  }
  std::string enc = rampart::crypto::Base64Encode(in);
  auto back = rampart::crypto::Base64Decode(enc);
  if (!back.ok() || *back != in) std::abort();
  return 0;
}
