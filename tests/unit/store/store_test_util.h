#pragma once
// Helpers shared by the store tests: temporary directories, fixtures' sample rows, and the
// backend abstraction the conformance suite is parameterized over.

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "common/crypto.h"
#include "store/store.h"

// Asserts that a Result/Status is OK, printing the error otherwise. Works on lvalues too.
#define ASSERT_OK(expr)                                                                     \
  do {                                                                                      \
    const auto& _r = (expr);                                                                \
    ASSERT_TRUE(_r.ok()) << #expr << ": " << _r.error().code << ": " << _r.error().message; \
  } while (0)

namespace rampart::store::testing {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("rampart-store-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
             crypto::HexEncode(crypto::RandomBytes(4)));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string File(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One engine configuration under test. Open() always reaches the same underlying database for
// persistent backends (so reopen tests work) and a fresh one otherwise.
class StoreBackend {
 public:
  virtual ~StoreBackend() = default;
  virtual Result<std::unique_ptr<Store>> Open(const std::string& root_key) = 0;
  // Whether data survives closing every Store and opening again.
  virtual bool Persistent() const = 0;
  // Everything the engine has written to disk, for at-rest checks; nullopt if not inspectable.
  virtual std::optional<std::string> RawBytes() const = 0;
};

struct BackendParam {
  std::string name;  // test-name suffix: letters, digits, underscores
  std::function<std::unique_ptr<StoreBackend>()> make;
};

inline Account SampleAccount(const std::string& id) {
  return Account{id, "acct-" + id, "owner-" + id + "@example.com", 1700000000};
}

inline AccessKey SampleKey(const std::string& id, const std::string& account_id,
                           const std::string& user_name = "") {
  AccessKey k;
  k.access_key_id = id;
  k.secret_access_key = "secret/" + id + "/wJalrXUtnFEMI/K7MDENG/bPxRfiCY";
  k.account_id = account_id;
  k.principal_arn = user_name.empty() ? "arn:aws:iam::" + account_id + ":root"
                                      : "arn:aws:iam::" + account_id + ":user/" + user_name;
  k.user_name = user_name;
  k.created_epoch = 1700000100;
  return k;
}

}  // namespace rampart::store::testing
