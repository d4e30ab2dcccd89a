// The quarantine store's interface (原本保管): every original mugai
// changed or removed, its index row, the audit log, the console's accounts
// and the recipients' release requests. One interface, used by mugaid, the
// CLI and the console (mugai-web); backends:
//   - Store (store.h): the embedded default, SQLite and gzip objects in a
//     directory, for one node;
//   - PgStore (pg_store.h): PostgreSQL, one store shared by several nodes.
// openStore() picks one from [quarantine].
//
// Trust: item fields come from hostile input (subjects, names); backends
// store them as bound parameters, never spliced into a query. Ids are
// checked (32 lower-case hex digits) before they are used.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mugai {
struct QuarantineConfig;
}

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

/// A store of originals (see the top of this file). Thread-safe: the
/// daemon's message threads and a scan's workers share one.
class QuarantineStore {
 public:
  virtual ~QuarantineStore() = default;

  /// Where it is, for messages: a directory, or the database.
  virtual std::string location() const = 0;
  /// What opening did to an older index ("" = nothing), for the log.
  virtual const std::string& migration() const = 0;

  /// Stores `original` and its item; `item.sha256` and `size` are computed here.
  /// @return the item's id: `item.id`, or the id stored earlier under the
  /// same origin (with another original under that origin: StoreError).
  /// Idempotent: putting an item whose id is stored with the same original
  /// again (a retry after an answer lost with the connection) returns its
  /// id; with another original it is a StoreError.
  /// Group commit: rows put() by several threads at once go into one
  /// transaction (one fsync of the log); each put() returns once its own
  /// row is committed, or throws with its own error.
  virtual std::string put(Item item, std::string_view original) = 0;

  virtual std::optional<Item> get(const std::string& id) = 0;
  /// Items newest first (ties of one second: the later put first). Throws
  /// SearchTooBroad when the search runs past 5 s, StoreError otherwise.
  virtual std::vector<Item> list(const ListFilter& filter) = 0;
  /// The original bytes of `item`, checked against its SHA-256. Throws StoreError.
  virtual std::string readOriginal(const Item& item) = 0;
  /// Whether an item with this SHA-256 exists.
  virtual bool hasOriginal(const std::string& sha256) = 0;

  /// Console accounts. addUser throws StoreError when the name is taken;
  /// setUserHash (which also clears a lock) and deleteUser return false
  /// when there is no such user.
  virtual void addUser(const WebUser& user) = 0;
  virtual bool setUserHash(const std::string& name, const std::string& hash) = 0;
  virtual bool deleteUser(const std::string& name) = 0;
  virtual std::optional<WebUser> user(const std::string& name) = 0;
  virtual std::vector<WebUser> users() = 0;
  /// A failed login of `name` at `now`: the count goes up, and from
  /// `maxFailures` in a row the account is locked for `lockSeconds` (after
  /// a lock has run out the count starts again).
  /// Returns the lock's end (0 = not locked). No such user: returns 0.
  virtual std::int64_t loginFailed(const std::string& name, std::int64_t now, int maxFailures, std::int64_t lockSeconds) = 0;
  /// A good login: the failure count and any lock are cleared.
  virtual void loginSucceeded(const std::string& name, std::int64_t now) = 0;
  /// Whether `itemId` has been released (a release whose result is "ok...").
  virtual bool released(const std::string& itemId) = 0;

  /// Records a request; returns its seq, or 0 when the same requester
  /// already has one pending for the item.
  virtual std::int64_t addRequest(const ReleaseRequest& request) = 0;
  /// Requests, newest first ("" = any state / any item).
  virtual std::vector<ReleaseRequest> requests(const std::string& state, const std::string& itemId, int limit) = 0;
  virtual std::optional<ReleaseRequest> request(std::int64_t seq) = 0;
  /// Takes a pending request for `who` to decide (pending -> deciding);
  /// false when it is not pending (another administrator took it), so a
  /// request is decided once however many click at the same time. One
  /// left deciding for an hour (its decider died) may be taken again.
  virtual bool claimRequest(std::int64_t seq, const std::string& who, std::int64_t now) = 0;
  /// Ends a claimed request: "approved", "denied" or "failed", with a note.
  virtual void finishRequest(std::int64_t seq, const std::string& state, const std::string& note) = 0;

  /// Takes item `id` for a release by `who` (unique to this release: a
  /// host, process and thread) until `now + leaseSeconds`; false while
  /// another release of it holds it, on any node, so two releases started
  /// at once deliver it once. endRelease() gives it back; a release that
  /// died lets it go when the lease runs out.
  virtual bool claimRelease(const std::string& id, const std::string& who, std::int64_t now, std::int64_t leaseSeconds) = 0;
  virtual void endRelease(const std::string& id, const std::string& who) = 0;

  /// Appends to the audit log (durable before it returns). Throws StoreError.
  virtual void audit(AuditEntry entry) = 0;
  /// Audit entries, newest first.
  virtual std::vector<AuditEntry> auditLog(const AuditFilter& filter) = 0;

  /// Group-commit mode for batch callers whose inputs stay where they are
  /// (`mugai scan`): put() no longer makes each item durable on return;
  /// the caller must syncFileSystem(deferredSyncRoot()) before it treats a
  /// put() as durable. Off by default.
  virtual void setDeferredSync(bool deferred) = 0;
  /// The file system to sync after deferred put()s ("" = none needed).
  virtual std::string deferredSyncRoot() const = 0;

  /// Removes items older than `cutoff` (seconds since the epoch), then object
  /// files no item names (older than an hour, so a concurrent put() is safe).
  /// The audit log keeps its entries.
  virtual PurgeResult purge(std::int64_t cutoff) = 0;
  /// Removes one item, and its object file when no other item names it
  /// (unless touched in the last hour: then purge() sweeps it later).
  /// The audit log keeps its entries.
  virtual PurgeResult remove(const std::string& id) = 0;
};

/// The store [quarantine] names: the embedded one in `dir`, or PostgreSQL
/// at `dsn` with a pool of `pool_size` connections, else one per
/// `workers` (the caller's threads that use it; at least 2, at most 16).
/// Throws StoreError when it cannot be opened.
std::unique_ptr<QuarantineStore> openStore(const QuarantineConfig& config, int workers = 0);

/// A store named on a command line, "sqlite:DIR" or "postgresql:DSN", as
/// a [quarantine] table; nullopt when `spec` is neither.
std::optional<QuarantineConfig> storeFromSpec(const std::string& spec);

}  // namespace mugai::quarantine
