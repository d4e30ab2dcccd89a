// The quarantine store (原本保管): every original that mugai changed or
// removed, kept so that nothing a sender sent is lost.
//
// Layout under the store directory:
//   index.sqlite             SQLite index (WAL, synchronous=FULL), one row per item,
//                            the append-only audit log, console accounts and
//                            recipients' release requests
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

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/c_handles.h"

namespace mugai::quarantine {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// list() stopped a search that ran past its time budget (5 s).
class SearchTooBroad : public StoreError {
 public:
  using StoreError::StoreError;
};

/// The SMTP envelope an original arrived with (mugaid records it).
struct Envelope {
  std::string from;               ///< "" = the null sender
  std::vector<std::string> to;
};

/// One quarantined original and what was done to it.
struct Item {
  std::string id;                       ///< the run's id (X-Mugai-Id, notice's quarantine number)
  std::int64_t time = 0;                ///< seconds since the epoch
  std::string source;                   ///< "mail" or "file"
  std::string sender;                   ///< mail: envelope or From (for display and search only)
  std::vector<std::string> recipients;  ///< mail: envelope or To (for display and search only)
  /// The envelope as received (mugaid); absent for `mugai mail` and files.
  /// Release takes its addresses from here or from the operator, never
  /// from header text.
  std::optional<Envelope> envelope;
  std::string subject;                  ///< mail: decoded Subject
  std::string filename;                 ///< file: path as given; mail: ""
  std::string sha256;                   ///< of the original
  std::uint64_t size = 0;               ///< original bytes
  std::string verdict;                  ///< "changed", "rejected", "unchanged" (watch keeps every original)
  std::vector<std::string> reasons;     ///< reason and critical finding codes, unique
  std::string actionsJson;              ///< [{path, action, code, name}] of the decided nodes
  std::string reportJson;               ///< the whole JSON report
  std::string origin;                   ///< optional idempotency key: a second put() with it returns the first id
};

/// One line of the audit log: who did what to which item, from where, and
/// how it ended. The log is append-only (the index refuses UPDATE and
/// DELETE on it) and outlives the items it names (purge keeps it).
struct AuditEntry {
  std::int64_t seq = 0;   ///< order of recording (set by the store)
  std::int64_t time = 0;  ///< seconds since the epoch (0 = now)
  std::string who;        ///< the user: login name and uid for the CLI
  std::string role;       ///< "cli" (a user of this host's shell)
  std::string action;     ///< "release", "release_raw", "export", "purge"
  std::string itemId;     ///< "" for actions on the whole store (purge)
  std::string client;     ///< where the user was: "local", or the SSH client's address
  std::string target;     ///< where it went: addresses via the relay, a file, "older than ..."
  std::string result;     ///< "ok", "ok: detail", "refused: why", "failed: why"
};

/// An account of the quarantine console (`mugai web user`; role "admin":
/// search, release re-sanitized, purge; "auditor": read only). The
/// password is kept only as an Argon2id PHC string.
struct WebUser {
  std::string name;
  std::string role;
  std::string hash;
  std::int64_t created = 0;
  std::int64_t changed = 0;  ///< last password change
  int failedLogins = 0;           ///< failed logins since the last good one
  std::int64_t lockedUntil = 0;   ///< logins refused until then (seconds since the epoch; 0 = never locked)
  std::int64_t lastLogin = 0;     ///< last successful login (0 = never)
  /// May also hand out the untouched original (raw release, download),
  /// each time with its password again and a reason. Admins only.
  bool originals = false;
};

/// A recipient's request for an original (the link in a notice), and
/// what an administrator decided.
struct ReleaseRequest {
  std::int64_t seq = 0;      ///< set by the store
  std::string itemId;
  std::int64_t time = 0;     ///< when it was made (0 = now)
  std::string requester;     ///< the address the requester gave: one of the item's recipients
  std::string reason;        ///< why, in their words
  std::string client;        ///< "web:ADDRESS"
  std::string state = "pending";  ///< "pending", "deciding", "approved", "denied", "failed"
  std::string decidedBy;
  std::int64_t decidedAt = 0;
  std::string note;          ///< the administrator's note, or what went wrong
};

struct AuditFilter {
  std::string itemId;                  ///< exact item id ("" = any)
  std::optional<std::int64_t> since;   ///< time >= since
  std::optional<std::int64_t> before;  ///< time < before
  int limit = 1000;                    ///< newest first
};

/// Which items list() returns, newest first. Text fields match a
/// substring, ASCII letters in either case (terms of three characters or
/// more through the trigram index when they match few items, which also
/// folds the case of other scripts' letters; otherwise by LIKE on the rows).
struct ListFilter {
  std::optional<std::int64_t> since;    ///< time >= since
  std::optional<std::int64_t> before;   ///< time < before
  std::string sender;                   ///< substring of sender
  std::string recipient;                ///< substring of the recipients
  std::string subject;                  ///< substring of the subject (mail) or file name (file)
  std::string reason;                   ///< exact reason code
  std::string source;                   ///< "mail" / "file" / ""
  std::string verdict;                  ///< "changed" / "rejected" / "unchanged" / ""
  std::string idPrefix;                 ///< leading hex digits of the id
  std::string status;                   ///< "released" (a release went out) / "held" (none did) / ""
  std::string sha256;                   ///< exact hash
  int limit = 1000;
  int offset = 0;                       ///< rows to skip (the console's pages)
};

struct PurgeResult {
  std::size_t items = 0;    ///< index rows removed
  std::size_t objects = 0;  ///< object files removed (no longer referenced)
  std::size_t failed = 0;   ///< object files (or the walk) that could not be removed or read
};

/// True when `id` has the shape of a store id (32 lower-case hex digits).
bool validId(std::string_view id);

class Store {
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
  /// What opening did to an older index ("" = nothing), for the log.
  const std::string& migration() const { return migration_; }

  /// Stores `original` and its item; `item.sha256` and `size` are computed here.
  /// @return the item's id: `item.id`, or the id stored earlier under the same origin.
  /// Group commit: rows put() by several threads at once go into one
  /// transaction (one fsync of the log); each put() returns once its own
  /// row is committed, or throws with its own error.
  std::string put(Item item, std::string_view original);

  std::optional<Item> get(const std::string& id);
  /// Items newest first (ties of one second: the later put first). Throws
  /// SearchTooBroad when the search runs past 5 s, StoreError otherwise.
  std::vector<Item> list(const ListFilter& filter);
  /// The original bytes of `item`, checked against its SHA-256. Throws StoreError.
  std::string readOriginal(const Item& item);
  /// Whether an item with this SHA-256 exists.
  bool hasOriginal(const std::string& sha256);

  /// Console accounts. addUser throws StoreError when the name is taken;
  /// setUserHash (which also clears a lock) and deleteUser return false
  /// when there is no such user.
  void addUser(const WebUser& user);
  bool setUserHash(const std::string& name, const std::string& hash);
  bool deleteUser(const std::string& name);
  std::optional<WebUser> user(const std::string& name);
  std::vector<WebUser> users();
  /// A failed login of `name` at `now`: the count goes up, and from
  /// `maxFailures` in a row the account is locked for `lockSeconds` (after
  /// a lock has run out the count starts again).
  /// Returns the lock's end (0 = not locked). No such user: returns 0.
  std::int64_t loginFailed(const std::string& name, std::int64_t now, int maxFailures, std::int64_t lockSeconds);
  /// A good login: the failure count and any lock are cleared.
  void loginSucceeded(const std::string& name, std::int64_t now);
  /// Whether `itemId` has been released (a release whose result is "ok...").
  bool released(const std::string& itemId);

  /// Records a request; returns its seq, or 0 when the same requester
  /// already has one pending for the item.
  std::int64_t addRequest(const ReleaseRequest& request);
  /// Requests, newest first ("" = any state / any item).
  std::vector<ReleaseRequest> requests(const std::string& state, const std::string& itemId, int limit);
  std::optional<ReleaseRequest> request(std::int64_t seq);
  /// Takes a pending request for `who` to decide (pending -> deciding);
  /// false when it is not pending (another administrator took it), so a
  /// request is decided once however many click at the same time.
  bool claimRequest(std::int64_t seq, const std::string& who, std::int64_t now);
  /// Ends a claimed request: "approved", "denied" or "failed", with a note.
  void finishRequest(std::int64_t seq, const std::string& state, const std::string& note);

  /// Appends to the audit log (durable before it returns). Throws StoreError.
  void audit(AuditEntry entry);
  /// Audit entries, newest first.
  std::vector<AuditEntry> auditLog(const AuditFilter& filter);

  /// Group-commit mode for batch callers whose inputs stay where they are
  /// (`mugai scan`): put() no longer fsyncs each object and row (SQLite
  /// synchronous=NORMAL); the caller must syncFileSystem(dir()) before it
  /// treats a put() as durable. Off by default.
  void setDeferredSync(bool deferred);

  /// Removes items older than `cutoff` (seconds since the epoch), then object
  /// files no item names (older than an hour, so a concurrent put() is safe).
  /// The audit log keeps its entries.
  PurgeResult purge(std::int64_t cutoff);
  /// Removes one item, and its object file when no other item names it
  /// (unless touched in the last hour: then purge() sweeps it later).
  /// The audit log keeps its entries.
  PurgeResult remove(const std::string& id);

 private:
  std::string objectPath(const std::string& sha256) const;
  void writeObject(const std::string& sha256, std::string_view original);
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

  struct PendingRow;
  /// Inserts `item`'s rows inside the caller's transaction; returns its id.
  std::string insertRows(const Item& item);
  /// Commits `batch` in one transaction (each row alone if that fails).
  void commitBatch(const std::vector<PendingRow*>& batch);

  std::string dir_;
  std::string migration_;
  int ownerUid_ = -1, ownerGid_ = -1;  ///< the store's owner when we are root and it is not (keepOwner)
  std::mutex mutex_;  // one connection, shared by a scan's worker threads
  std::mutex pendingMutex_;  // put()s waiting for the next commit
  std::condition_variable committed_;
  std::vector<PendingRow*> pending_;
  bool committing_ = false;
  SqlitePtr db_;
  bool deferredSync_ = false;
};

}  // namespace mugai::quarantine
