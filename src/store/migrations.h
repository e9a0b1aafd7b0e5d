#pragma once
// The schema history: one ordered list of numbered migrations, shared by every engine.
//
// Rules (docs/STORAGE.md, "Migrations"):
//  - Versions start at 1 and go up by one. To change the schema, append a Migration with the
//    next number to the registry in migrations.cc. Never edit or reorder a released one: the
//    engine stores a checksum of each applied migration's SQL and refuses to open a database
//    whose history disagrees with the binary.
//  - Each migration is applied in its own transaction together with its schema_migrations row,
//    so a failed migration leaves no trace; re-opening applies only what is missing.
//  - SQL is written in the subset SQLite and PostgreSQL both accept: TEXT, BIGINT, INTEGER,
//    PRIMARY KEY, NOT NULL, DEFAULT, CHECK, REFERENCES ... ON DELETE CASCADE,
//    CREATE [UNIQUE] INDEX. No BLOB/BYTEA (store bytes as base64 TEXT), no AUTOINCREMENT/SERIAL,
//    no engine pragmas. A migration that truly needs two dialects gets a second field then.
//  - A service adds its tables here too (a single list gives one total order and no number
//    collisions between services); table names are prefixed by the service (`iam_`, `kms_`).

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace rampart::store {

// Views into static storage (string literals): migrations are part of the binary.
struct Migration {
  int version = 0;        // 1, 2, 3, ... in list order
  std::string_view name;  // short, for humans: "accounts and access keys"
  std::string_view sql;   // one or more statements separated by ';'
};

// The registry: every migration this binary knows, in order.
const std::vector<Migration>& Migrations();

// Checks that versions are 1..N in order and that every entry has a name and SQL.
Status ValidateMigrations(const std::vector<Migration>& migrations);

// Identifies a migration's SQL for the applied-history check (hex SHA-256 of the SQL text).
std::string MigrationChecksum(const Migration& m);

}  // namespace rampart::store
