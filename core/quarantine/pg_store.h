// The shared quarantine store (quarantine_store.h's PostgreSQL backend):
// mugaid on several nodes, and the CLI and the console on any of them,
// work on one store in one database (README "Several nodes").
//
// Tables (the schema is in pg_store.cpp, its version in mugai_meta;
// opening migrates it forward under an advisory lock, in one transaction):
//   objects, object_chunks  originals, gzip, in 1 MiB bytea chunks, keyed by
//                           the SHA-256 of the original and stored once
//   items, item_reasons     the index; pg_trgm indexes for substring search
//   audit                   append-only: triggers refuse UPDATE, DELETE and TRUNCATE
//   users, requests         console accounts, recipients' release requests
//
// Durability: put() writes the object and the item's rows in one
// transaction (concurrent put()s share one: GroupCommit) and returns once
// it is committed; items name their object by a foreign key, so no row
// names a missing object and no object in use is purged.
//
// Connections: a pool of at most `poolSize`, opened when needed. One the
// server has closed (a restart, a failover) is dropped before it is used.
// put()'s statements are prepared once per connection (protocol-level
// prepared statements: a pooler in front must keep them, as PgBouncer
// does in session mode, or from 1.21 with max_prepared_statements > 0).
// A database that cannot be reached is a StoreError: mugaid keeps the
// message spooled and tries again, or answers 451 before the queue.
//
// Claims across nodes: release requests and releases are taken with
// SELECT ... FOR UPDATE SKIP LOCKED, so one node decides or releases.
//
// Trust: item fields come from hostile input; they are bound parameters,
// never spliced into SQL, and text that is not UTF-8 (or holds NUL, which
// PostgreSQL text cannot) is stored with U+FFFD in its place.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "core/quarantine/group_commit.h"
#include "core/quarantine/quarantine_store.h"

struct pg_conn;

namespace mugai::quarantine {

/// Why `dsn` cannot be a [quarantine] dsn ("" = it can): libpq cannot parse
/// it, or it holds a password (in any spelling libpq reads: a keyword, a
/// URI's user:secret@, a percent-encoded query keyword), which belongs in
/// a passfile or the service file, never in the TOML or on a command line.
std::string dsnProblem(const std::string& dsn);
/// `dsn` as messages and logs may show it: host, port, dbname, user and
/// service as libpq reads them, nothing else.
std::string shownDsn(const std::string& dsn);

class PgStore final : public QuarantineStore {
 public:
  /// Connects to `dsn` (a libpq connection string or URI), checks the
  /// database (UTF-8) and creates or migrates the schema. Throws StoreError.
  PgStore(std::string dsn, int poolSize);
  ~PgStore() override;
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  std::string location() const override { return location_; }
  const std::string& migration() const override { return migration_; }

  std::string put(Item item, std::string_view original) override;
  std::optional<Item> get(const std::string& id) override;
  std::vector<Item> list(const ListFilter& filter) override;
  std::string readOriginal(const Item& item) override;
  bool hasOriginal(const std::string& sha256) override;

  void addUser(const WebUser& user) override;
  bool setUserHash(const std::string& name, const std::string& hash) override;
  bool deleteUser(const std::string& name) override;
  std::optional<WebUser> user(const std::string& name) override;
  std::vector<WebUser> users() override;
  std::int64_t loginFailed(const std::string& name, std::int64_t now, int maxFailures, std::int64_t lockSeconds) override;
  void loginSucceeded(const std::string& name, std::int64_t now) override;
  bool released(const std::string& itemId) override;

  std::int64_t addRequest(const ReleaseRequest& request) override;
  std::vector<ReleaseRequest> requests(const std::string& state, const std::string& itemId, int limit) override;
  std::optional<ReleaseRequest> request(std::int64_t seq) override;
  bool claimRequest(std::int64_t seq, const std::string& who, std::int64_t now) override;
  void finishRequest(std::int64_t seq, const std::string& state, const std::string& note) override;

  bool claimRelease(const std::string& id, const std::string& who, std::int64_t now, std::int64_t leaseSeconds) override;
  void endRelease(const std::string& id, const std::string& who) override;

  void audit(AuditEntry entry) override;
  std::vector<AuditEntry> auditLog(const AuditFilter& filter) override;

  /// Nothing to defer: each commit is durable in the database.
  void setDeferredSync(bool) override {}
  std::string deferredSyncRoot() const override { return {}; }

  /// Objects go as soon as no item names them (no grace period: a put()
  /// that reuses one locks it, and the foreign key refuses the rest).
  PurgeResult purge(std::int64_t cutoff) override;
  PurgeResult remove(const std::string& id) override;

  class Lease;  // a pooled connection, given back when it goes out of scope

 private:
  pg_conn* acquire();
  /// Inserts the batch's rows in one transaction (pipelined); the ids, ""
  /// where the id or the origin was stored before. Throws, having rolled back.
  std::vector<std::string> commitRows(Lease& connection, const std::vector<const GroupCommit::Row*>& batch);
  void giveBack(pg_conn* connection);
  /// Closes `connection` for good (it may not go back to the pool).
  void close(pg_conn* connection);
  /// Prepares put()'s statements on `connection` once (parsed and planned
  /// once per connection, not once per item).
  void preparePut(pg_conn* connection);
  void migrate();

  std::string dsn_;
  std::string location_;
  std::string migration_;
  std::size_t poolSize_;
  std::mutex poolMutex_;
  std::condition_variable poolFree_;
  std::vector<pg_conn*> idle_;
  std::size_t open_ = 0;  // connections out of the pool or idle in it
  std::unordered_set<pg_conn*> prepared_;  // open connections with put()'s statements prepared
  GroupCommit group_;
};

}  // namespace mugai::quarantine
