// EventStore on its own SQLite file: one writer connection (the spine's group-commit thread)
// and one reader connection, so LookupEvents never waits for an fsync and vice versa (WAL).
#include <mutex>

#include "store/events.h"
#include "store/sqlite/database.h"

namespace rampart::store {

namespace {

const std::vector<Migration>& EventMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "events",
       R"sql(
CREATE TABLE events (
  seq           INTEGER PRIMARY KEY,
  event_id      TEXT NOT NULL UNIQUE,
  account_id    TEXT NOT NULL,
  event_time    BIGINT NOT NULL,
  event_name    TEXT NOT NULL,
  event_source  TEXT NOT NULL,
  read_only     INTEGER NOT NULL,
  username      TEXT NOT NULL,
  access_key_id TEXT NOT NULL,
  category      TEXT NOT NULL,
  region        TEXT NOT NULL,
  error_code    TEXT NOT NULL,
  principal_arn TEXT NOT NULL,
  user_agent    TEXT NOT NULL,
  record        TEXT NOT NULL
);
CREATE INDEX events_by_time ON events (account_id, category, event_time, seq);
CREATE INDEX events_by_name ON events (account_id, event_name, event_time, seq);
CREATE INDEX events_by_user ON events (account_id, username, event_time, seq);
CREATE INDEX events_by_source ON events (account_id, event_source, event_time, seq);
CREATE INDEX events_by_key ON events (account_id, access_key_id, event_time, seq);
CREATE INDEX events_by_read_only ON events (account_id, read_only, event_time, seq);
CREATE TABLE event_resources (
  seq           INTEGER NOT NULL REFERENCES events(seq) ON DELETE CASCADE,
  account_id    TEXT NOT NULL,
  event_time    BIGINT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_name TEXT NOT NULL
);
CREATE INDEX event_resources_by_name ON event_resources (account_id, resource_name, event_time, seq);
CREATE INDEX event_resources_by_type ON event_resources (account_id, resource_type, event_time, seq);
CREATE INDEX event_resources_by_seq ON event_resources (seq);
)sql"},
      // Records kept as facts (store/event_json.h) and rendered when read.
      {2, "event facts", "ALTER TABLE events ADD COLUMN facts BLOB NOT NULL DEFAULT x'';"},
  };
  return kMigrations;
}

EventRecord ReadRow(const sqlite::Stmt& q) {
  EventRecord r;
  r.seq = q.Int(0);
  r.event_id = q.Text(1);
  r.account_id = q.Text(2);
  r.event_time_ms = q.Int(3);
  r.event_name = q.Text(4);
  r.event_source = q.Text(5);
  r.read_only = q.Int(6) != 0;
  r.username = q.Text(7);
  r.access_key_id = q.Text(8);
  r.category = q.Text(9);
  r.region = q.Text(10);
  r.error_code = q.Text(11);
  r.principal_arn = q.Text(12);
  r.user_agent = q.Text(13);
  r.json = q.Text(14);
  r.facts = q.Blob(15);
  return r;
}

constexpr std::string_view kColumns =
    "e.seq, e.event_id, e.account_id, e.event_time, e.event_name, e.event_source, e.read_only, "
    "e.username, e.access_key_id, e.category, e.region, e.error_code, e.principal_arn, "
    "e.user_agent, e.record, e.facts";

class SqliteEventStore final : public EventStore {
 public:
  SqliteEventStore(std::unique_ptr<sqlite::Database> writer,
                   std::unique_ptr<sqlite::Database> reader)
      : writer_(std::move(writer)), reader_(std::move(reader)) {}

  Status Append(std::vector<EventRecord>& batch) override {
    std::lock_guard lock(write_mu_);
    sqlite::Database& db = *writer_;
    return db.Transaction([&]() -> Status {
      for (EventRecord& r : batch) {
        {
          // Borrowed per record: the statement is reset when `ins` goes out of scope.
          RAMPART_ASSIGN_OR_RETURN(
              sqlite::Stmt ins,
              db.Prepare("INSERT INTO events (event_id, account_id, event_time, event_name, "
                         "event_source, read_only, username, access_key_id, category, region, "
                         "error_code, principal_arn, user_agent, record, facts) VALUES (?, ?, ?, ?, "
                         "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq"));
          ins.Bind(1, r.event_id).Bind(2, r.account_id).Bind(3, r.event_time_ms)
              .Bind(4, r.event_name).Bind(5, r.event_source)
              .Bind(6, static_cast<int64_t>(r.read_only ? 1 : 0)).Bind(7, r.username)
              .Bind(8, r.access_key_id).Bind(9, r.category).Bind(10, r.region)
              .Bind(11, r.error_code).Bind(12, r.principal_arn).Bind(13, r.user_agent)
              .Bind(14, r.json).BindBlob(15, r.facts);
          RAMPART_ASSIGN_OR_RETURN(bool row, ins.Step());
          if (!row) return Error::Internal("event insert returned no seq");
          r.seq = ins.Int(0);
          RAMPART_RETURN_IF_ERROR(ins.Run());
        }
        for (const EventResource& res : r.resources) {
          RAMPART_ASSIGN_OR_RETURN(
              sqlite::Stmt rs,
              db.Prepare("INSERT INTO event_resources (seq, account_id, event_time, "
                         "resource_type, resource_name) VALUES (?, ?, ?, ?, ?)"));
          rs.Bind(1, r.seq).Bind(2, r.account_id).Bind(3, r.event_time_ms).Bind(4, res.type)
              .Bind(5, res.name);
          RAMPART_RETURN_IF_ERROR(rs.Run());
        }
      }
      return {};
    });
  }

  Result<std::vector<EventRecord>> Lookup(const EventQuery& q) override {
    std::string sql = "SELECT " + std::string(kColumns) + " FROM ";
    std::string where = " WHERE e.account_id = ? AND e.category = ? AND e.event_time >= ? AND "
                        "e.event_time <= ?";
    std::string column;
    bool via_resources = false;
    const std::string& k = q.attribute_key;
    if (k.empty()) {
    } else if (k == "EventId") {
      column = "e.event_id";
    } else if (k == "EventName") {
      column = "e.event_name";
    } else if (k == "Username") {
      column = "e.username";
    } else if (k == "EventSource") {
      column = "e.event_source";
    } else if (k == "AccessKeyId") {
      column = "e.access_key_id";
    } else if (k == "ReadOnly") {
      column = "e.read_only";
    } else if (k == "ResourceName" || k == "ResourceType") {
      via_resources = true;
      column = k == "ResourceName" ? "r.resource_name" : "r.resource_type";
    } else {
      return Error::Validation("unknown lookup attribute " + k);
    }
    if (via_resources) {
      // Drive the scan from the resource index; the time range and order come from it too.
      sql += "event_resources r JOIN events e ON e.seq = r.seq";
      where = " WHERE r.account_id = ? AND e.category = ? AND r.event_time >= ? AND "
              "r.event_time <= ?";
    } else {
      sql += "events e";
    }
    sql += where;
    if (!column.empty()) sql += " AND " + column + " = ?";
    std::string time_col = via_resources ? "r.event_time" : "e.event_time";
    std::string seq_col = via_resources ? "r.seq" : "e.seq";
    if (q.after) {
      sql += " AND (" + time_col + " < ? OR (" + time_col + " = ? AND " + seq_col + " < ?))";
    }
    sql += " ORDER BY " + time_col + " DESC, " + seq_col + " DESC LIMIT ?";

    std::lock_guard lock(read_mu_);
    RAMPART_ASSIGN_OR_RETURN(sqlite::Stmt s, reader_->Prepare(sql));
    int i = 1;
    s.Bind(i, q.account_id);
    s.Bind(i + 1, q.category);
    s.Bind(i + 2, q.start_ms);
    s.Bind(i + 3, q.end_ms);
    i += 4;
    if (!column.empty()) {
      if (k == "ReadOnly") {
        s.Bind(i, static_cast<int64_t>(q.attribute_value == "true" ? 1 : 0));
      } else {
        s.Bind(i, q.attribute_value);
      }
      ++i;
    }
    if (q.after) {
      s.Bind(i, q.after->first);
      s.Bind(i + 1, q.after->first);
      s.Bind(i + 2, q.after->second);
      i += 3;
    }
    s.Bind(i, static_cast<int64_t>(q.limit));
    std::vector<EventRecord> out;
    for (;;) {
      RAMPART_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      out.push_back(ReadRow(s));
    }
    RAMPART_RETURN_IF_ERROR(FillResources(out));
    return out;
  }

  // REQUIRES: read_mu_ held. Each record's resources, in the order they were appended (the
  // rendered record lists them; LookupEvents by resource joins them separately).
  Status FillResources(std::vector<EventRecord>& rows) {
    if (rows.empty()) return {};
    for (EventRecord& r : rows) {
      RAMPART_ASSIGN_OR_RETURN(
          sqlite::Stmt s, reader_->Prepare("SELECT resource_type, resource_name FROM "
                                           "event_resources WHERE seq = ? ORDER BY rowid"));
      s.Bind(1, r.seq);
      for (;;) {
        RAMPART_ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row) break;
        r.resources.push_back({s.Text(0), s.Text(1)});
      }
    }
    return {};
  }

  Result<std::vector<EventRecord>> ReadAfter(int64_t after_seq, size_t limit) override {
    std::lock_guard lock(read_mu_);
    RAMPART_ASSIGN_OR_RETURN(
        sqlite::Stmt s, reader_->Prepare("SELECT " + std::string(kColumns) +
                                         " FROM events e WHERE e.seq > ? ORDER BY e.seq LIMIT ?"));
    s.Bind(1, after_seq).Bind(2, static_cast<int64_t>(limit));
    std::vector<EventRecord> out;
    for (;;) {
      RAMPART_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      out.push_back(ReadRow(s));
    }
    RAMPART_RETURN_IF_ERROR(FillResources(out));
    return out;
  }

  Result<int64_t> LastSeq() override {
    std::lock_guard lock(read_mu_);
    RAMPART_ASSIGN_OR_RETURN(sqlite::Stmt s, reader_->Prepare("SELECT coalesce(max(seq), 0) FROM events"));
    RAMPART_ASSIGN_OR_RETURN(bool row, s.Step());
    return row ? s.Int(0) : 0;
  }

  Result<int64_t> Expire(int64_t before_ms) override {
    std::lock_guard lock(write_mu_);
    int64_t n = 0;
    RAMPART_RETURN_IF_ERROR(writer_->Transaction([&]() -> Status {
      RAMPART_ASSIGN_OR_RETURN(sqlite::Stmt d,
                               writer_->Prepare("DELETE FROM events WHERE event_time < ?"));
      d.Bind(1, before_ms);
      RAMPART_RETURN_IF_ERROR(d.Run());
      n = d.Changes();
      return {};
    }));
    return n;
  }

  Status WipeAll() override {
    std::lock_guard lock(write_mu_);
    return writer_->Transaction([&]() -> Status {
      RAMPART_RETURN_IF_ERROR(writer_->Exec("DELETE FROM event_resources"));
      return writer_->Exec("DELETE FROM events");
    });
  }

 private:
  std::mutex write_mu_;
  std::unique_ptr<sqlite::Database> writer_;  // GUARDED_BY(write_mu_)
  std::mutex read_mu_;
  std::unique_ptr<sqlite::Database> reader_;  // GUARDED_BY(read_mu_)
};

}  // namespace

Result<std::unique_ptr<EventStore>> OpenSqliteEventStore(const std::string& path) {
  if (path == ":memory:") {
    return Error::Validation("the event store needs a file (WAL readers and a writer)");
  }
  // synchronous=NORMAL: an acknowledged call's record survives kill -9 (it is in the OS's page
  // cache once the commit returns) without an fsync per group commit; see docs/CLOUDTRAIL.md.
  RAMPART_ASSIGN_OR_RETURN(auto writer, sqlite::Database::Open({path, 5000, false}));
  auto migrated = writer->Migrate(EventMigrations());
  if (!migrated.ok()) return std::move(migrated).error();
  RAMPART_ASSIGN_OR_RETURN(auto reader, sqlite::Database::Open({path, 5000}));
  return std::unique_ptr<EventStore>(
      std::make_unique<SqliteEventStore>(std::move(writer), std::move(reader)));
}

}  // namespace rampart::store
