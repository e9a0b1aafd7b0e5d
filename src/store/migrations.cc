#include "store/migrations.h"

#include "common/crypto.h"

namespace rampart::store {
namespace {

// The schema history. Append only; see migrations.h for the rules.
const std::vector<Migration> kMigrations = {
    {1, "settings",
     R"sql(
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql"},
    {2, "accounts and access keys",
     R"sql(
CREATE TABLE accounts (
  account_id    TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  email         TEXT NOT NULL,
  created_epoch BIGINT NOT NULL
);
CREATE TABLE access_keys (
  access_key_id     TEXT PRIMARY KEY,
  secret_sealed     TEXT NOT NULL,
  account_id        TEXT NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
  principal_arn     TEXT NOT NULL,
  user_name         TEXT NOT NULL DEFAULT '',
  status            TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
  created_epoch     BIGINT NOT NULL,
  last_used_epoch   BIGINT NOT NULL DEFAULT 0,
  last_used_service TEXT NOT NULL DEFAULT '',
  last_used_region  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX access_keys_by_owner ON access_keys (account_id, user_name);
)sql"},
    {3, "entities",
     R"sql(
CREATE TABLE entities (
  account_id TEXT NOT NULL,
  kind       TEXT NOT NULL,
  key        TEXT NOT NULL,
  doc        TEXT NOT NULL,
  PRIMARY KEY (account_id, kind, key)
);
)sql"},
};

}  // namespace

const std::vector<Migration>& Migrations() { return kMigrations; }

Status ValidateMigrations(const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    const Migration& m = migrations[i];
    if (m.version != static_cast<int>(i) + 1) {
      return Error::Internal("migration list is out of order: entry " + std::to_string(i + 1) +
                             " has version " + std::to_string(m.version));
    }
    if (m.name.empty() || m.sql.empty()) {
      return Error::Internal("migration " + std::to_string(m.version) + " needs a name and SQL");
    }
  }
  return {};
}

std::string MigrationChecksum(const Migration& m) { return crypto::Sha256Hex(m.sql); }

}  // namespace rampart::store
