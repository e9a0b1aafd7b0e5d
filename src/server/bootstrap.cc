#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "common/crypto.h"
#include "server/server.h"

namespace rampart::server {

namespace {

constexpr std::string_view kDevAccountId = "123456789012";  // moto's and LocalStack's default

std::string RandomAccountId() {
  std::string r = crypto::RandomBytes(12);
  std::string id;
  for (size_t i = 0; i < 12; ++i) id.push_back(static_cast<char>('0' + static_cast<uint8_t>(r[i]) % 10));
  if (id[0] == '0') id[0] = '1';
  return id;
}

// AWS key ids: "AKIA" + 16 characters of [A-Z2-7]; secrets: 40 characters of base64 alphabet.
std::string NewAccessKeyId() { return crypto::RandomId("AKIA", 16); }

std::string NewSecret() { return crypto::RandomSecretKey(); }

bool ValidAccountId(std::string_view id) {
  if (id.size() != 12) return false;
  for (char c : id) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A restart finds the file as it left it: nothing to write (and no fsync on the start path).
bool SameCredentialsFile(const std::string& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  struct stat st {};
  std::string have(text.size() + 1, '\0');
  bool same = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) == 0 &&
              st.st_uid == ::geteuid() &&
              ::read(fd, have.data(), have.size()) == static_cast<ssize_t>(text.size()) &&
              std::string_view(have.data(), text.size()) == text;
  ::close(fd);
  return same;
}

// The file is created 0600 by open(2) itself (never chmod'ed after, when the secret may already
// be readable), written whole, fsynced and renamed into place.
Status WriteCredentialsFile(const std::string& path, const Bootstrap& b) {
  std::string text = "# Rampart root credentials for account " + b.account_id +
                     " (arn:aws:iam::" + b.account_id + ":root)\n[default]\naws_access_key_id = " +
                     b.root_access_key_id + "\naws_secret_access_key = " +
                     b.root_secret_access_key + "\n";
  if (SameCredentialsFile(path, text)) return {};
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());  // a leftover of a crash; O_EXCL below refuses anything else there
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Error::Internal("cannot write " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Error::Internal("cannot write " + path + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace

Result<Bootstrap> BootstrapAccount(store::Store& store, const ServerConfig& config) {
  Bootstrap b;
  auto existing = store.GetSetting("default_account_id");
  if (!existing.ok()) return std::move(existing).error();
  if (existing->has_value()) {
    b.account_id = **existing;
    if (!config.account_id.empty() && config.account_id != b.account_id) {
      return Error::Validation("the data directory belongs to account " + b.account_id +
                               ", not " + config.account_id);
    }
  } else {
    b.account_id = !config.account_id.empty() ? config.account_id
                   : config.dev               ? std::string(kDevAccountId)
                                              : RandomAccountId();
    if (!ValidAccountId(b.account_id)) {
      return Error::Validation("account id must be 12 digits, got '" + b.account_id + "'");
    }
    store::Account acct{b.account_id, "default", "", static_cast<int64_t>(std::time(nullptr))};
    auto created = store.accounts().CreateAccount(acct);
    if (!created.ok()) return std::move(created).error();
    RAMPART_RETURN_IF_ERROR(store.PutSetting("default_account_id", b.account_id));
  }

  bool fixed = !config.root_access_key_id.empty() || !config.root_secret_access_key.empty();
  if (fixed && (config.root_access_key_id.empty() || config.root_secret_access_key.empty())) {
    return Error::Validation(
        "RAMPART_ROOT_ACCESS_KEY_ID and RAMPART_ROOT_SECRET_ACCESS_KEY must be set together");
  }
  auto keys = store.accounts().ListAccessKeys(b.account_id, "");
  if (!keys.ok()) return std::move(keys).error();
  if (fixed) {
    b.root_access_key_id = config.root_access_key_id;
    b.root_secret_access_key = config.root_secret_access_key;
    auto current = store.accounts().GetAccessKey(b.root_access_key_id);
    if (!current.ok()) return std::move(current).error();
    if (current->has_value() && (*current)->secret_access_key != b.root_secret_access_key) {
      RAMPART_RETURN_IF_ERROR(store.accounts().DeleteAccessKey(b.root_access_key_id));
      current = std::optional<store::AccessKey>();
    }
    if (!current->has_value()) {
      b.created_credentials = true;
    }
  } else if (!keys->empty()) {
    b.root_access_key_id = keys->front().access_key_id;
    b.root_secret_access_key = keys->front().secret_access_key;
  } else {
    b.root_access_key_id = NewAccessKeyId();
    b.root_secret_access_key = NewSecret();
    b.created_credentials = true;
  }
  if (b.created_credentials) {
    store::AccessKey k;
    k.access_key_id = b.root_access_key_id;
    k.secret_access_key = b.root_secret_access_key;
    k.account_id = b.account_id;
    k.principal_arn = "arn:aws:iam::" + b.account_id + ":root";
    k.created_epoch = static_cast<int64_t>(std::time(nullptr));
    RAMPART_RETURN_IF_ERROR(store.accounts().PutAccessKey(k));
  }
  // Dev mode runs without a data directory unless one is given.
  if (!config.data_dir.empty()) {
    RAMPART_RETURN_IF_ERROR(WriteCredentialsFile(config.data_dir + "/root-credentials", b));
  }
  return b;
}

}  // namespace rampart::server
