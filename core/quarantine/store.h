// The embedded quarantine store (quarantine_store.h's default backend):
// every original that mugai changed or removed, kept so that nothing a
// sender sent is lost, in one directory on this node.
//
// Layout under the store directory:
//   index.sqlite             SQLite index (WAL, synchronous=FULL), one row per item,
//                            the append-only audit log, console accounts,
//                            recipients' release requests and release claims
//   objects/ab/abcd....gz     originals, gzip, named by the SHA-256 of the original
//                             (a crash may leave *.tmp-* files beside them; purge sweeps them)
//
// Durability: put() writes the object (temp file, fsync, rename, directory
// fsync) before the index row, so a row never names a missing object; a kill
// between the two leaves an unreferenced object that purge() sweeps. The
// daemon and the CLI may use one store at the same time (SQLite locking,
// busy timeout). Errors are StoreError (I/O and SQLite failures).
//
// Trust: item fields come from hostile input (subjects, names); they are
// stored as bound parameters, never spliced into SQL. Ids are checked
// (32 lower-case hex digits) before they are used in a query.
#pragma once

#include <mutex>

#include "core/c_handles.h"
#include "core/quarantine/group_commit.h"
#include "core/quarantine/quarantine_store.h"

namespace mugai::quarantine {

class Store final : public QuarantineStore {
 public:
  /// Opens (creating if needed) the store at `dir`. An index of an older
  /// schema is first copied whole to index.sqlite.v<N>.<time>.<pid>.bak
  /// (once per old version), then
  /// migrated forward step by step in one transaction (migration() says
  /// so); an index newer than this mugai is refused. Throws StoreError.
  explicit Store(std::string dir);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& dir() const { return dir_; }
  std::string location() const override { return dir_; }
  std::string deferredSyncRoot() const override { return deferredSync_ ? dir_ : std::string(); }
  /// What opening did to an older index ("" = nothing), for the log.
  const std::string& migration() const override { return migration_; }

  /// Stores `original` and its item; `item.sha256` and `size` are computed here.
  /// @return the item's id: `item.id`, or the id stored earlier under the
  /// same id or origin (QuarantineStore::put()).
  /// Group commit: rows put() by several threads at once go into one
  /// transaction (one fsync of the log); each put() returns once its own
  /// row is committed, or throws with its own error.
  std::string put(Item item, std::string_view original) override;

  std::optional<Item> get(const std::string& id) override;
  /// Items newest first (ties of one second: the later put first). Throws
  /// SearchTooBroad when the search runs past 5 s, StoreError otherwise.
  std::vector<Item> list(const ListFilter& filter) override;
  /// The original bytes of `item`, checked against its SHA-256. Throws StoreError.
  std::string readOriginal(const Item& item) override;
  /// Whether an item with this SHA-256 exists.
  bool hasOriginal(const std::string& sha256) override;

  /// Console accounts. addUser throws StoreError when the name is taken;
  /// setUserHash (which also clears a lock) and deleteUser return false
  /// when there is no such user.
  void addUser(const WebUser& user) override;
  bool setUserHash(const std::string& name, const std::string& hash) override;
  bool deleteUser(const std::string& name) override;
  std::optional<WebUser> user(const std::string& name) override;
  std::vector<WebUser> users() override;
  /// A failed login of `name` at `now`: the count goes up, and from
  /// `maxFailures` in a row the account is locked for `lockSeconds` (after
  /// a lock has run out the count starts again).
  /// Returns the lock's end (0 = not locked). No such user: returns 0.
  std::int64_t loginFailed(const std::string& name, std::int64_t now, int maxFailures, std::int64_t lockSeconds) override;
  /// A good login: the failure count and any lock are cleared.
  void loginSucceeded(const std::string& name, std::int64_t now) override;
  /// Whether `itemId` has been released (a release whose result is "ok...").
  bool released(const std::string& itemId) override;

  /// Records a request; returns its seq, or 0 when the same requester
  /// already has one pending for the item.
  std::int64_t addRequest(const ReleaseRequest& request) override;
  /// Requests, newest first ("" = any state / any item).
  std::vector<ReleaseRequest> requests(const std::string& state, const std::string& itemId, int limit) override;
  std::optional<ReleaseRequest> request(std::int64_t seq) override;
  /// Takes a pending request for `who` to decide (pending -> deciding);
  /// false when it is not pending (another administrator took it), so a
  /// request is decided once however many click at the same time.
  bool claimRequest(std::int64_t seq, const std::string& who, std::int64_t now) override;
  /// Ends a claimed request: "approved", "denied" or "failed", with a note.
  void finishRequest(std::int64_t seq, const std::string& state, const std::string& note) override;

  bool claimRelease(const std::string& id, const std::string& who, std::int64_t now, std::int64_t leaseSeconds) override;
  void endRelease(const std::string& id, const std::string& who) override;

  /// Appends to the audit log (durable before it returns). Throws StoreError.
  void audit(AuditEntry entry) override;
  /// Audit entries, newest first.
  std::vector<AuditEntry> auditLog(const AuditFilter& filter) override;

  /// Group-commit mode for batch callers whose inputs stay where they are
  /// (`mugai scan`): put() no longer fsyncs each object and row (SQLite
  /// synchronous=NORMAL); the caller must syncFileSystem(dir()) before it
  /// treats a put() as durable. Off by default.
  void setDeferredSync(bool deferred) override;

  /// Removes items older than `cutoff` (seconds since the epoch), then object
  /// files no item names (older than an hour, so a concurrent put() is safe).
  /// The audit log keeps its entries.
  PurgeResult purge(std::int64_t cutoff) override;
  /// Removes one item, and its object file when no other item names it
  /// (unless touched in the last hour: then purge() sweeps it later).
  /// The audit log keeps its entries.
  PurgeResult remove(const std::string& id) override;

 private:
  std::string objectPath(const std::string& sha256) const;
  void writeObject(const std::string& sha256, std::string_view original);
  void makeObjectDirectories();
  SqliteStmtPtr prepare(const char* sql);
  void exec(const char* sql);
  [[noreturn]] void fail(const std::string& what);

  /// Backs up and migrates an index of an older schema (see the constructor).
  void migrate(const std::string& index);
  /// The backup of an index of `version` (an existing one, else a new copy).
  std::string backupBeforeMigration(const std::string& index, int version);
  /// Run as root on a store that belongs to another user (the service user
  /// _mugai; an operator's `sudo mugai quarantine list`): gives what this
  /// process created to that user, or mugaid's next write would fail.
  void keepOwner(const std::string& path) const;

  /// Inserts `item`'s rows inside the caller's transaction; returns its id.
  std::string insertRows(const Item& item);

  std::string dir_;
  std::string migration_;
  int ownerUid_ = -1, ownerGid_ = -1;  ///< the store's owner when we are root and it is not (keepOwner)
  std::mutex mutex_;  // one connection, shared by a scan's worker threads
  GroupCommit group_;  // put()s waiting for the next commit
  SqlitePtr db_;
  bool deferredSync_ = false;
};

}  // namespace mugai::quarantine
