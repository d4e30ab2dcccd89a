// See store.h.
#include "core/quarantine/store.h"

#include "core/config.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "core/clock.h"
#include "core/durable_file.h"
#include "core/gzip.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/quarantine/rows.h"

namespace mugai::quarantine {
namespace fs = std::filesystem;
namespace {

constexpr int kSchemaVersion = 6;  // 2: items.envelope; 3: the audit log replaces releases; 4: console users;
                                   // 5: login failure counters, the search index; 6: release claims
constexpr std::uint64_t kMaxOriginal = 1ull << 40;  // decompression guard: 1 TiB
// list(): more candidates than this and the time index leads (see there);
// a search is stopped after kSearchBudget.
constexpr std::int64_t kFewCandidates = 4000;
constexpr std::chrono::seconds kSearchBudget{5};

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS items (
  id TEXT PRIMARY KEY,
  time INTEGER NOT NULL,
  source TEXT NOT NULL,
  sender TEXT NOT NULL DEFAULT '',
  recipients TEXT NOT NULL DEFAULT '[]',
  subject TEXT NOT NULL DEFAULT '',
  filename TEXT NOT NULL DEFAULT '',
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  verdict TEXT NOT NULL,
  actions TEXT NOT NULL DEFAULT '[]',
  report TEXT NOT NULL DEFAULT '{}',
  origin TEXT UNIQUE,
  envelope TEXT
);
CREATE INDEX IF NOT EXISTS items_time ON items(time);
CREATE INDEX IF NOT EXISTS items_sha256 ON items(sha256);
CREATE TABLE IF NOT EXISTS item_reasons (
  item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  code TEXT NOT NULL,
  PRIMARY KEY (item_id, code)
);
CREATE INDEX IF NOT EXISTS item_reasons_code ON item_reasons(code);
CREATE TABLE IF NOT EXISTS users (
  name TEXT PRIMARY KEY COLLATE NOCASE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'auditor')),
  hash TEXT NOT NULL,
  created INTEGER NOT NULL,
  changed INTEGER NOT NULL,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  last_login INTEGER NOT NULL DEFAULT 0,
  originals INTEGER NOT NULL DEFAULT 0
);
)sql" /* the audit log: kAuditSchema; the search index: kSearchSchema; requests: kRequestSchema */;

// Release requests from recipients (the links in notices), decided by an
// administrator. A request outlives its item (purge keeps it, as the log).
constexpr const char* kRequestSchema = R"sql(
CREATE TABLE IF NOT EXISTS requests (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  item_id TEXT NOT NULL,
  time INTEGER NOT NULL,
  requester TEXT NOT NULL,
  reason TEXT NOT NULL,
  client TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'deciding', 'approved', 'denied', 'failed')),
  decided_by TEXT NOT NULL DEFAULT '',
  decided_at INTEGER NOT NULL DEFAULT 0,
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS requests_state ON requests(state, time);
CREATE INDEX IF NOT EXISTS requests_item ON requests(item_id);
)sql";

// Releases under way: one at a time per item (claimRelease), a lease that
// runs out if the releasing process dies.
constexpr const char* kClaimSchema = R"sql(
CREATE TABLE IF NOT EXISTS release_claims (
  item_id TEXT PRIMARY KEY,
  who TEXT NOT NULL,
  until INTEGER NOT NULL
);
)sql";

// Substring search over the fields people search by (the console): an
// FTS5 trigram index over items, kept in step by triggers. A term of three
// characters or more is looked up in it (Japanese included: trigrams are
// of characters); shorter terms fall back to LIKE on items.
constexpr const char* kSearchSchema = R"sql(
CREATE VIRTUAL TABLE IF NOT EXISTS items_text USING fts5(
  subject, sender, recipients, filename, content='items', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER IF NOT EXISTS items_text_insert AFTER INSERT ON items BEGIN
  INSERT INTO items_text(rowid, subject, sender, recipients, filename)
  VALUES (new.rowid, new.subject, new.sender, new.recipients, new.filename);
END;
CREATE TRIGGER IF NOT EXISTS items_text_delete AFTER DELETE ON items BEGIN
  INSERT INTO items_text(items_text, rowid, subject, sender, recipients, filename)
  VALUES ('delete', old.rowid, old.subject, old.sender, old.recipients, old.filename);
END;
)sql";


// Append-only: no entry is changed or removed, purge included (an item's
// entries name it after it is gone). Only a new schema step may add to it.
constexpr const char* kAuditSchema = R"sql(
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  who TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  item_id TEXT NOT NULL DEFAULT '',
  client TEXT NOT NULL DEFAULT '',
  target TEXT NOT NULL DEFAULT '',
  result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_time ON audit(time);
CREATE INDEX IF NOT EXISTS audit_item ON audit(item_id);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_reuse BEFORE INSERT ON audit
  WHEN NEW.seq > 0 AND NEW.seq <= (SELECT coalesce(max(seq), 0) FROM audit)
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql";
// REPLACE INTO audit would overwrite an entry without a DELETE trigger
// firing (SQLite fires it only with recursive_triggers): audit_no_reuse
// refuses an insert at a seq already used. A store of schema 3 or later
// whose log or triggers are gone (DROP TABLE fires no trigger) is refused,
// never given a fresh empty log.
constexpr const char* kAuditParts[] = {"audit", "audit_no_update", "audit_no_delete"};

void bindValue(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
void bindValue(sqlite3_stmt* s, int i, std::int64_t v) { sqlite3_bind_int64(s, i, v); }

std::string column(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : "";
}

constexpr const char* kItemColumns =
    "id, time, source, sender, recipients, subject, filename, sha256, size, verdict, actions, report, "
    "COALESCE(origin, ''), (SELECT group_concat(code, ' ') FROM item_reasons r WHERE r.item_id = items.id), envelope";

Item readItem(sqlite3_stmt* s) {
  Item it;
  it.id = column(s, 0);
  it.time = sqlite3_column_int64(s, 1);
  it.source = column(s, 2);
  it.sender = column(s, 3);
  it.recipients = rows::jsonStrings(column(s, 4));
  it.subject = column(s, 5);
  it.filename = column(s, 6);
  it.sha256 = column(s, 7);
  it.size = static_cast<std::uint64_t>(sqlite3_column_int64(s, 8));
  it.verdict = column(s, 9);
  it.actionsJson = column(s, 10);
  it.reportJson = column(s, 11);
  it.origin = column(s, 12);
  if (sqlite3_column_type(s, 14) != SQLITE_NULL) it.envelope = rows::envelopeFrom(column(s, 14));
  it.reasons = rows::splitReasons(column(s, 13));
  return it;
}

}  // namespace

bool validId(std::string_view id) { return mugai::validId(id); }

Store::Store(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  for (const char* sub : {"", "objects"}) {
    fs::create_directories(fs::path(dir_) / sub, ec);
    if (ec) throw StoreError("cannot create quarantine directory " + (fs::path(dir_) / sub).string() + ": " + ec.message());
  }
  ::chmod(dir_.c_str(), 0750);  // originals are hostile and private: not world-readable
  struct stat owner {};
  if (::geteuid() == 0 && ::stat(dir_.c_str(), &owner) == 0 && owner.st_uid != 0) {
    ownerUid_ = static_cast<int>(owner.st_uid);
    ownerGid_ = static_cast<int>(owner.st_gid);
    keepOwner((fs::path(dir_) / "objects").string());
  }
  makeObjectDirectories();
  sqlite3* raw = nullptr;
  std::string index = (fs::path(dir_) / "index.sqlite").string();
  int rc = sqlite3_open_v2(index.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) fail("cannot open " + index);
  sqlite3_busy_timeout(db_.get(), 10000);
  // WAL + FULL: a committed row survives kill -9 and power loss; readers
  // (`mugai quarantine list` beside a running daemon) never block writers.
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");
  // Deleted rows (a removed account's hash, purged items) are overwritten,
  // not left in free pages; triggers fire inside REPLACE as well.
  exec("PRAGMA secure_delete=ON");
  exec("PRAGMA recursive_triggers=ON");
  migrate(index);
  ::chmod(index.c_str(), 0640);
  for (const char* suffix : {"", "-wal", "-shm"}) keepOwner(index + suffix);
}

void Store::keepOwner(const std::string& path) const {
  if (ownerUid_ >= 0) (void)::lchown(path.c_str(), static_cast<uid_t>(ownerUid_), static_cast<gid_t>(ownerGid_));
}

std::string Store::backupBeforeMigration(const std::string& index, int version) {
  // One backup per old version is enough: a migration that failed and is
  // tried again (a restarting service) does not fill the disk with copies.
  const std::string prefix = fs::path(index).filename().string() + ".v" + std::to_string(version) + ".";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() > 4 && name.compare(name.size() - 4, 4, ".bak") == 0 &&
        e.is_regular_file(ec) && e.file_size(ec) > 0)
      return e.path().string();
  }
  // The whole index as it was, consistent (VACUUM INTO reads one snapshot,
  // WAL included), into a new file of ours: O_EXCL and O_NOFOLLOW, so a
  // planted link or file cannot redirect it; 0640, as the index.
  const std::string backup = index + ".v" + std::to_string(version) + "." + std::to_string(epochSeconds()) + "." +
                             std::to_string(::getpid()) + ".bak";
  UniqueFd fd(::open(backup.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640));
  if (!fd) fail("cannot create " + backup + " to back up the index before migrating it");
  keepOwner(backup);
  auto s = prepare("VACUUM INTO ?1");  // an empty existing file is allowed
  bindValue(s.get(), 1, backup);
  if (sqlite3_step(s.get()) != SQLITE_DONE) {
    ::unlink(backup.c_str());
    fail("cannot back up the index to " + backup + " before migrating it");
  }
  if (::fsync(fd.get()) != 0) fail("cannot sync " + backup);
  return backup;
}

void Store::migrate(const std::string& index) {
  auto version = [&] {
    auto v = prepare("PRAGMA user_version");
    return sqlite3_step(v.get()) == SQLITE_ROW ? sqlite3_column_int(v.get(), 0) : 0;
  };
  const int found = version();
  if (found > kSchemaVersion)
    throw StoreError(index + ": index schema version " + std::to_string(found) + " is newer than this mugai understands (" +
                     std::to_string(kSchemaVersion) + "): a newer mugai wrote it (新しい版の mugai で作成された索引です)");
  std::string backup;
  UniqueFd lock;
  if (found > 0 && found < kSchemaVersion) {
    // One process backs up and migrates at a time (another may open the
    // same old index at the same moment); it re-reads the version inside.
    const std::string lockPath = (fs::path(dir_) / ".migrate.lock").string();
    lock.reset(::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640));
    if (!lock || ::flock(lock.get(), LOCK_EX) != 0) fail("cannot lock " + lockPath + " to migrate the index");
    keepOwner(lockPath);
    backup = backupBeforeMigration(index, found);
  }
  exec("BEGIN IMMEDIATE");
  const int from = version();  // another process may have migrated meanwhile
  // Each step takes schema N to N+1; new steps go at the end.
  for (int v = from; v > 0 && v < kSchemaVersion; ++v) {
    if (v == 1) exec("ALTER TABLE items ADD COLUMN envelope TEXT");  // 2: the envelope, for release
    if (v == 2) {  // 3: every release record moves into the audit log, in order
      exec(kAuditSchema);
      exec("INSERT INTO audit (time, who, role, action, item_id, target, result) "
           "SELECT time, who, 'cli', CASE mode WHEN 'raw' THEN 'release_raw' WHEN 'resanitized' THEN 'release' "
           "ELSE mode END, item_id, target, result FROM releases ORDER BY rowid");
      exec("DROP TABLE releases");
    }
    if (v == 3)  // 4: console users (as schema 4 had them; 5 adds columns)
      exec("CREATE TABLE users (name TEXT PRIMARY KEY COLLATE NOCASE, "
           "role TEXT NOT NULL CHECK (role IN ('admin', 'auditor')), hash TEXT NOT NULL, "
           "created INTEGER NOT NULL, changed INTEGER NOT NULL)");
    if (v == 4) {  // 5: login failure counters, the search index over existing items
      exec("ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0");
      exec("ALTER TABLE users ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0");
      exec("ALTER TABLE users ADD COLUMN last_login INTEGER NOT NULL DEFAULT 0");
      exec("ALTER TABLE users ADD COLUMN originals INTEGER NOT NULL DEFAULT 0");
      exec(kSearchSchema);
      exec("INSERT INTO items_text(items_text) VALUES ('rebuild')");
      exec(kRequestSchema);
    }
  }
  if (from >= 3)
    for (const char* part : kAuditParts) {
      auto q = prepare("SELECT count(*) FROM sqlite_master WHERE name = ?1");
      bindValue(q.get(), 1, std::string_view(part));
      if (sqlite3_step(q.get()) != SQLITE_ROW || sqlite3_column_int(q.get(), 0) != 1) {
        exec("ROLLBACK");
        throw StoreError(index + ": the audit log's " + part +
                         " is missing: the index was altered outside mugai; not opened (監査ログが改変されています)");
      }
    }
  exec(kSchema);
  exec(kAuditSchema);
  exec(kSearchSchema);
  exec(kRequestSchema);
  exec(kClaimSchema);
  exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
  exec("COMMIT");
  if (from > 0 && from < kSchemaVersion)
    migration_ = "quarantine index migrated from schema " + std::to_string(from) + " to " + std::to_string(kSchemaVersion) +
                 ", the old index kept as " + backup;
}

void Store::setDeferredSync(bool deferred) {
  std::lock_guard lock(mutex_);
  deferredSync_ = deferred;
  exec(deferred ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
}

void Store::fail(const std::string& what) {
  throw StoreError("quarantine " + dir_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_.get()) : "no connection"));
}

void Store::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string e = err ? err : "?";
    sqlite3_free(err);
    throw StoreError("quarantine " + dir_ + ": SQL failed: " + e);
  }
}

SqliteStmtPtr Store::prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql, -1, &s, nullptr) != SQLITE_OK) fail("cannot prepare statement");
  return SqliteStmtPtr(s);
}

std::string Store::objectPath(const std::string& sha256) const {
  return (fs::path(dir_) / "objects" / sha256.substr(0, 2) / (sha256 + ".gz")).string();
}

void Store::writeObject(const std::string& sha256, std::string_view original) {
  std::string path = objectPath(sha256);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    // Same content already stored. Touch it so a concurrent purge's
    // one-hour grace covers this new reference too, and sync its directory:
    // the put that renamed it there may not have synced it yet.
    ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
    if (std::string e = deferredSync_ ? "" : syncDirectory(fs::path(path).parent_path().string()); !e.empty())
      throw StoreError("cannot store original: " + e);
    return;
  }
  std::error_code ec;
  if (fs::create_directories(fs::path(path).parent_path(), ec)) {  // removed since the store was opened
    keepOwner(fs::path(path).parent_path().string());
    if (std::string e = deferredSync_ ? "" : syncDirectory((fs::path(dir_) / "objects").string()); !e.empty())
      throw StoreError("cannot store original: " + e);
  }
  if (ec) throw StoreError("cannot create " + fs::path(path).parent_path().string() + ": " + ec.message());
  WriteOptions options;
  options.sync = !deferredSync_;
  // The file and its own directory are synced; objects/ itself changes
  // only when a directory is made (makeObjectDirectories, above).
  std::string err = writeFileDurably(path, gzipCompress(original), options);
  if (!err.empty()) throw StoreError("cannot store original: " + err);
  keepOwner(path);
}

void Store::makeObjectDirectories() {
  // objects/00 ... objects/ff exist and are durable before any put, so a
  // put syncs its object's directory and never objects/ (one fsync less
  // per original). Made once (found by the last one afterwards); synced at
  // every open, so that no crash between the two leaves them volatile.
  // By descriptor: a root run (mugai as root) never makes them through an
  // objects/ the service user swapped for a symlink.
  const std::string objects = (fs::path(dir_) / "objects").string();
  UniqueFd dir(::open(objects.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) throw StoreError("quarantine " + objects + ": not a directory we can open: " + std::strerror(errno));
  struct stat last {};
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = ::fstatat(dir.get(), "ff", &last, AT_SYMLINK_NOFOLLOW) == 0 ? 256 : 0; i < 256; ++i) {
    const char name[3] = {kHex[i >> 4], kHex[i & 15], '\0'};
    if (::mkdirat(dir.get(), name, 0750) == 0) {
      if (ownerUid_ >= 0)
        (void)::fchownat(dir.get(), name, static_cast<uid_t>(ownerUid_), static_cast<gid_t>(ownerGid_), AT_SYMLINK_NOFOLLOW);
    } else if (errno == EACCES || errno == EROFS) {
      return;  // a reader's open (an auditor in the group): it stores nothing
    } else if (errno != EEXIST) {
      throw StoreError("cannot create quarantine directory " + objects + "/" + name + ": " + std::strerror(errno));
    }
  }
  if (::fsync(dir.get()) != 0) throw StoreError("cannot sync " + objects + ": " + std::strerror(errno));
}

std::string Store::put(Item item, std::string_view original) {
  if (!validId(item.id)) throw StoreError("invalid item id \"" + item.id + "\"");
  item.sha256 = sha256Hex(original);
  item.size = original.size();
  if (item.time == 0) item.time = epochSeconds();
  writeObject(item.sha256, original);  // before the row: a row never names a missing object
  const GroupCommit::Row row{&item, {}};
  return group_.submit(row, [this](const std::vector<const GroupCommit::Row*>& rows) {
    std::lock_guard connection(mutex_);
    exec("BEGIN IMMEDIATE");
    try {
      std::vector<std::string> ids;
      for (const GroupCommit::Row* r : rows) ids.push_back(insertRows(*r->item));
      exec("COMMIT");
      return ids;
    } catch (...) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  });
}

std::string Store::insertRows(const Item& item) {
  auto s = prepare(
      "INSERT INTO items (id, time, source, sender, recipients, subject, filename, sha256, size, verdict, "
      "actions, report, origin, envelope) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,NULLIF(?, ''),?) ON CONFLICT DO NOTHING");
  bindValue(s.get(), 1, item.id);
  bindValue(s.get(), 2, item.time);
  bindValue(s.get(), 3, item.source);
  bindValue(s.get(), 4, item.sender);
  bindValue(s.get(), 5, rows::jsonText(item.recipients));
  bindValue(s.get(), 6, item.subject);
  bindValue(s.get(), 7, item.filename);
  bindValue(s.get(), 8, item.sha256);
  bindValue(s.get(), 9, static_cast<std::int64_t>(item.size));
  bindValue(s.get(), 10, item.verdict);
  bindValue(s.get(), 11, item.actionsJson.empty() ? "[]" : item.actionsJson);
  bindValue(s.get(), 12, item.reportJson.empty() ? "{}" : item.reportJson);
  bindValue(s.get(), 13, item.origin);
  if (item.envelope)
    bindValue(s.get(), 14, rows::envelopeJson(*item.envelope));
  else
    sqlite3_bind_null(s.get(), 14);
  if (sqlite3_step(s.get()) != SQLITE_DONE) fail("cannot insert item " + item.id);
  if (sqlite3_changes(db_.get()) == 0) {
    // Stored before under its id or its origin: done if the same original.
    auto q = prepare(rows::kStoredBefore);
    bindValue(q.get(), 1, item.id);
    bindValue(q.get(), 2, item.origin);
    if (sqlite3_step(q.get()) != SQLITE_ROW) fail("conflict without a row");
    return rows::storedBefore(item, column(q.get(), 0), column(q.get(), 1));
  }
  auto r = prepare("INSERT OR IGNORE INTO item_reasons (item_id, code) VALUES (?, ?)");
  for (const auto& code : item.reasons) {
    sqlite3_reset(r.get());
    bindValue(r.get(), 1, item.id);
    bindValue(r.get(), 2, code);
    if (sqlite3_step(r.get()) != SQLITE_DONE) fail("cannot insert reason");
  }
  return item.id;
}

std::optional<Item> Store::get(const std::string& id) {
  if (!validId(id)) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto s = prepare((std::string("SELECT ") + kItemColumns + " FROM items WHERE id = ?").c_str());
  bindValue(s.get(), 1, id);
  int rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) return readItem(s.get());
  if (rc != SQLITE_DONE) fail("cannot read item " + id);
  return std::nullopt;
}

namespace {
// An FTS5 query for `text` as one literal substring of `column` (a
// trigram phrase; '"' doubled per FTS5's string syntax).
std::string ftsPhrase(const char* column, const std::string& text) {
  std::string q = std::string(column) + " : \"";
  for (char c : text) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}
// Characters, not bytes: the trigram index needs three of them.
std::size_t codePoints(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
}  // namespace

std::vector<Item> Store::list(const ListFilter& f) {
  // Text terms, two ways: an FTS5 query for the trigram index (terms of
  // three characters or more) and LIKE conditions on the row.
  std::string match;  // FTS5 phrases, AND-ed
  std::vector<std::pair<std::string, std::string>> likes;  // (":param", pattern)
  std::string likeSql;       // every term as LIKE
  std::string shortLikeSql;  // only the terms the index cannot take
  auto text = [&](const std::string& value, const std::string& phrase, const char* param, const std::string& condition) {
    if (value.empty()) return;
    likes.emplace_back(param, rows::likeContaining(value));
    likeSql += " AND " + condition;
    // A control byte (a NUL ends an FTS5 query) keeps a term out of the index.
    const bool indexable = codePoints(value) >= 3 &&
                           std::none_of(value.begin(), value.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; });
    if (indexable) match += (match.empty() ? "" : " AND ") + phrase;
    else shortLikeSql += " AND " + condition;
  };
  text(f.sender, ftsPhrase("sender", f.sender), ":sender", "sender LIKE :sender ESCAPE '\\'");
  text(f.recipient, ftsPhrase("recipients", f.recipient), ":recipient", "recipients LIKE :recipient ESCAPE '\\'");
  // The subject of a mail, the name of a file.
  text(f.subject, "(" + ftsPhrase("subject", f.subject) + " OR " + ftsPhrase("filename", f.subject) + ")", ":subject",
       "(subject LIKE :subject ESCAPE '\\' OR filename LIKE :subject ESCAPE '\\')");
  std::lock_guard lock(mutex_);
  // The plan. Newest first, a page at a time: when the filters match many
  // items (a common word, a frequent reason), walk the time index, test each
  // row (LIKE, an EXISTS on its reasons) and stop at the page's end; when
  // they match few, start from those (the trigram index, the reason index)
  // and sort them. SQLite's planner cannot tell the two apart (it sorted
  // 100,000 rows for a common word), so the candidates are counted first,
  // each count from an index and stopped past kFewCandidates.
  std::int64_t candidates = -1;
  auto count = [&](const char* q, const char* param, const std::string& value) {
    auto c = prepare(q);
    bindValue(c.get(), sqlite3_bind_parameter_index(c.get(), param), value);
    bindValue(c.get(), sqlite3_bind_parameter_index(c.get(), ":cap"), kFewCandidates + 1);
    if (sqlite3_step(c.get()) != SQLITE_ROW) fail("cannot count search candidates");
    const std::int64_t n = sqlite3_column_int64(c.get(), 0);
    candidates = candidates < 0 ? n : std::min(candidates, n);
  };
  if (!match.empty())
    count("SELECT count(*) FROM (SELECT rowid FROM items_text WHERE items_text MATCH :match LIMIT :cap)", ":match", match);
  if (!f.reason.empty())
    count("SELECT count(*) FROM (SELECT 1 FROM item_reasons WHERE code = :reason LIMIT :cap)", ":reason", f.reason);
  const bool walkTime = candidates > kFewCandidates && f.sha256.empty() && f.idPrefix.empty();
  std::string sql = std::string("SELECT ") + kItemColumns + " FROM items" + (walkTime ? " INDEXED BY items_time" : "") +
                    " WHERE 1" + (walkTime ? likeSql : shortLikeSql);
  if (!walkTime && !match.empty()) sql += " AND rowid IN (SELECT rowid FROM items_text WHERE items_text MATCH :match)";
  if (f.since) sql += " AND time >= :since";
  if (f.before) sql += " AND time < :before";
  if (!f.source.empty()) sql += " AND source = :source";
  if (!f.verdict.empty()) sql += " AND verdict = :verdict";
  if (!f.idPrefix.empty()) sql += " AND id >= :idlow AND id < :idhigh";
  if (!f.sha256.empty()) sql += " AND sha256 = :sha256";
  if (!f.reason.empty())
    sql += walkTime ? " AND EXISTS (SELECT 1 FROM item_reasons r WHERE r.item_id = items.id AND r.code = :reason)"
                    : " AND id IN (SELECT item_id FROM item_reasons WHERE code = :reason)";
  if (f.status == "released" || f.status == "held")
    sql += std::string(f.status == "held" ? " AND NOT" : " AND") +
           " EXISTS (SELECT 1 FROM audit a WHERE a.item_id = items.id AND a.action IN ('release', 'release_raw')"
           " AND a.result LIKE 'ok%')";
  // rowid breaks ties of one second (the later put first): the time index
  // holds (time, rowid), so a walk along it needs no sort.
  sql += " ORDER BY time DESC, rowid DESC LIMIT :limit OFFSET :offset";
  auto s = prepare(sql.c_str());
  auto named = [&](const char* name) { return sqlite3_bind_parameter_index(s.get(), name); };
  for (const auto& [param, pattern] : likes)
    if (const int i = named(param.c_str()); i > 0) bindValue(s.get(), i, pattern);
  if (!walkTime && !match.empty()) bindValue(s.get(), named(":match"), match);
  if (f.since) bindValue(s.get(), named(":since"), *f.since);
  if (f.before) bindValue(s.get(), named(":before"), *f.before);
  if (!f.source.empty()) bindValue(s.get(), named(":source"), f.source);
  if (!f.verdict.empty()) bindValue(s.get(), named(":verdict"), f.verdict);
  if (!f.idPrefix.empty()) {
    // Ids are lower-case hex: the prefix's range is [prefix, prefix + "g").
    std::string low;
    for (char c : f.idPrefix) low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bindValue(s.get(), named(":idlow"), low);
    bindValue(s.get(), named(":idhigh"), low + "g");
  }
  if (!f.sha256.empty()) bindValue(s.get(), named(":sha256"), f.sha256);
  if (!f.reason.empty()) bindValue(s.get(), named(":reason"), f.reason);
  bindValue(s.get(), named(":limit"), static_cast<std::int64_t>(f.limit));
  bindValue(s.get(), named(":offset"), static_cast<std::int64_t>(f.offset));
  // A search that would still take long (filters that each match many
  // items and together few) is stopped, not left to hold the store.
  struct Deadline {
    std::chrono::steady_clock::time_point at;
  } deadline{std::chrono::steady_clock::now() + kSearchBudget};
  sqlite3_progress_handler(
      db_.get(), 20000,
      [](void* d) { return std::chrono::steady_clock::now() > static_cast<Deadline*>(d)->at ? 1 : 0; }, &deadline);
  std::vector<Item> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) out.push_back(readItem(s.get()));
  sqlite3_progress_handler(db_.get(), 0, nullptr, nullptr);
  if (rc == SQLITE_INTERRUPT)
    throw SearchTooBroad("the search took longer than " + std::to_string(kSearchBudget.count()) +
                         " s: narrow it (a date range, more words) (検索条件を絞ってください)");
  if (rc != SQLITE_DONE) fail("cannot list items");
  return out;
}

bool Store::released(const std::string& itemId) {
  std::lock_guard lock(mutex_);
  auto s = prepare("SELECT EXISTS (SELECT 1 FROM audit WHERE item_id = ? AND action IN ('release', 'release_raw') "
                   "AND result LIKE 'ok%')");
  bindValue(s.get(), 1, itemId);
  if (sqlite3_step(s.get()) != SQLITE_ROW) fail("cannot read the audit log");
  return sqlite3_column_int(s.get(), 0) != 0;
}

bool Store::hasOriginal(const std::string& sha256) {
  ListFilter f;
  f.sha256 = sha256;
  f.limit = 1;
  return !list(f).empty();
}

std::string Store::readOriginal(const Item& item) {
  std::string gz, out;
  std::string path = objectPath(item.sha256);
  if (std::string e = readWholeFile(path, gz, kMaxOriginal); !e.empty())
    throw StoreError("cannot read stored original " + path + ": " + e);
  if (std::string e = gzipDecompress(gz, out, item.size); !e.empty())
    throw StoreError("stored original " + path + " is damaged: " + e);
  if (sha256Hex(out) != item.sha256) throw StoreError("stored original " + path + " does not match its SHA-256");
  return out;
}

void Store::addUser(const WebUser& u) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = epochSeconds();
  auto s = prepare("INSERT INTO users (name, role, hash, created, changed, originals) VALUES (?,?,?,?,?,?)");
  bindValue(s.get(), 1, u.name);
  bindValue(s.get(), 2, u.role);
  bindValue(s.get(), 3, u.hash);
  bindValue(s.get(), 4, u.created ? u.created : now);
  bindValue(s.get(), 5, u.changed ? u.changed : now);
  bindValue(s.get(), 6, static_cast<std::int64_t>(u.originals));
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_CONSTRAINT) throw StoreError("user " + u.name + " exists, or role " + u.role + " is not admin or auditor");
  if (rc != SQLITE_DONE) fail("cannot add user " + u.name);
}

bool Store::setUserHash(const std::string& name, const std::string& hash) {
  std::lock_guard lock(mutex_);
  auto s = prepare("UPDATE users SET hash = ?, changed = ?, failed_logins = 0, locked_until = 0 WHERE name = ?");
  bindValue(s.get(), 1, hash);
  bindValue(s.get(), 2, epochSeconds());
  bindValue(s.get(), 3, name);
  if (sqlite3_step(s.get()) != SQLITE_DONE) fail("cannot change the password of " + name);
  return sqlite3_changes(db_.get()) == 1;
}

bool Store::deleteUser(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto s = prepare("DELETE FROM users WHERE name = ?");
  bindValue(s.get(), 1, name);
  if (sqlite3_step(s.get()) != SQLITE_DONE) fail("cannot delete user " + name);
  return sqlite3_changes(db_.get()) == 1;
}

namespace {
std::vector<WebUser> readUsers(sqlite3_stmt* s) {
  std::vector<WebUser> out;
  while (sqlite3_step(s) == SQLITE_ROW)
    out.push_back({column(s, 0), column(s, 1), column(s, 2), sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4),
                   sqlite3_column_int(s, 5), sqlite3_column_int64(s, 6), sqlite3_column_int64(s, 7),
                   sqlite3_column_int(s, 8) != 0});
  return out;
}
}  // namespace

std::optional<WebUser> Store::user(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto s = prepare("SELECT name, role, hash, created, changed, failed_logins, locked_until, last_login, originals FROM users WHERE name = ?");
  bindValue(s.get(), 1, name);
  auto users = readUsers(s.get());
  if (users.empty()) return std::nullopt;
  return users.front();
}

std::vector<WebUser> Store::users() {
  std::lock_guard lock(mutex_);
  auto s = prepare("SELECT name, role, hash, created, changed, failed_logins, locked_until, last_login, originals FROM users ORDER BY name");
  return readUsers(s.get());
}

std::int64_t Store::loginFailed(const std::string& name, std::int64_t now, int maxFailures, std::int64_t lockSeconds) {
  std::lock_guard lock(mutex_);
  // One statement: two concurrent failures both count. A lock that has
  // run out starts the count again (one failure does not lock anew).
  auto s = prepare(
      "UPDATE users SET "
      "failed_logins = CASE WHEN locked_until > 0 AND locked_until <= ?2 THEN 1 ELSE failed_logins + 1 END, "
      "locked_until = CASE WHEN (CASE WHEN locked_until > 0 AND locked_until <= ?2 THEN 1 ELSE failed_logins + 1 END) >= ?1 "
      "THEN ?2 + ?3 WHEN locked_until > 0 AND locked_until <= ?2 THEN 0 ELSE locked_until END "
      "WHERE name = ?4 RETURNING locked_until");
  bindValue(s.get(), 1, static_cast<std::int64_t>(maxFailures));
  bindValue(s.get(), 2, now);
  bindValue(s.get(), 3, lockSeconds);
  bindValue(s.get(), 4, name);
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_DONE) return 0;
  if (rc != SQLITE_ROW) fail("cannot record a failed login of " + name);
  const std::int64_t until = sqlite3_column_int64(s.get(), 0);
  sqlite3_step(s.get());
  return until > now ? until : 0;
}

void Store::loginSucceeded(const std::string& name, std::int64_t now) {
  std::lock_guard lock(mutex_);
  auto s = prepare("UPDATE users SET failed_logins = 0, locked_until = 0, last_login = ? WHERE name = ?");
  bindValue(s.get(), 1, now);
  bindValue(s.get(), 2, name);
  if (sqlite3_step(s.get()) != SQLITE_DONE) fail("cannot record the login of " + name);
}

namespace {
std::vector<ReleaseRequest> readRequests(sqlite3_stmt* s) {
  std::vector<ReleaseRequest> out;
  while (sqlite3_step(s) == SQLITE_ROW)
    out.push_back({sqlite3_column_int64(s, 0), column(s, 1), sqlite3_column_int64(s, 2), column(s, 3), column(s, 4),
                   column(s, 5), column(s, 6), column(s, 7), sqlite3_column_int64(s, 8), column(s, 9)});
  return out;
}
constexpr const char* kRequestColumns =
    "SELECT seq, item_id, time, requester, reason, client, state, decided_by, decided_at, note FROM requests";
}  // namespace

std::int64_t Store::addRequest(const ReleaseRequest& r) {
  std::lock_guard lock(mutex_);
  exec("BEGIN IMMEDIATE");
  auto q = prepare("SELECT count(*) FROM requests WHERE item_id = ? AND requester = ? COLLATE NOCASE "
                   "AND state IN ('pending', 'deciding')");
  bindValue(q.get(), 1, r.itemId);
  bindValue(q.get(), 2, r.requester);
  if (sqlite3_step(q.get()) != SQLITE_ROW) {
    exec("ROLLBACK");
    fail("cannot read the requests");
  }
  if (sqlite3_column_int(q.get(), 0) > 0) {
    exec("ROLLBACK");
    return 0;
  }
  auto s = prepare("INSERT INTO requests (item_id, time, requester, reason, client) VALUES (?,?,?,?,?)");
  bindValue(s.get(), 1, r.itemId);
  bindValue(s.get(), 2, r.time ? r.time : epochSeconds());
  bindValue(s.get(), 3, r.requester);
  bindValue(s.get(), 4, r.reason);
  bindValue(s.get(), 5, r.client);
  if (sqlite3_step(s.get()) != SQLITE_DONE) {
    exec("ROLLBACK");
    fail("cannot record the request");
  }
  const std::int64_t seq = sqlite3_last_insert_rowid(db_.get());
  exec("COMMIT");
  return seq;
}

std::vector<ReleaseRequest> Store::requests(const std::string& state, const std::string& itemId, int limit) {
  std::lock_guard lock(mutex_);
  std::string sql = std::string(kRequestColumns) + " WHERE 1";
  if (!state.empty()) sql += " AND state = :state";
  if (!itemId.empty()) sql += " AND item_id = :item";
  sql += " ORDER BY seq DESC LIMIT :limit";
  auto s = prepare(sql.c_str());
  auto named = [&](const char* name) { return sqlite3_bind_parameter_index(s.get(), name); };
  if (!state.empty()) bindValue(s.get(), named(":state"), state);
  if (!itemId.empty()) bindValue(s.get(), named(":item"), itemId);
  bindValue(s.get(), named(":limit"), static_cast<std::int64_t>(limit));
  return readRequests(s.get());
}

std::optional<ReleaseRequest> Store::request(std::int64_t seq) {
  std::lock_guard lock(mutex_);
  auto s = prepare((std::string(kRequestColumns) + " WHERE seq = ?").c_str());
  bindValue(s.get(), 1, seq);
  auto r = readRequests(s.get());
  if (r.empty()) return std::nullopt;
  return r.front();
}

bool Store::claimRequest(std::int64_t seq, const std::string& who, std::int64_t now) {
  std::lock_guard lock(mutex_);
  auto s = prepare("UPDATE requests SET state = 'deciding', decided_by = ?1, decided_at = ?2 WHERE seq = ?3 AND "
                   "(state = 'pending' OR (state = 'deciding' AND decided_at < ?2 - 3600))");
  bindValue(s.get(), 1, who);
  bindValue(s.get(), 2, now);
  bindValue(s.get(), 3, seq);
  if (sqlite3_step(s.get()) != SQLITE_DONE) fail("cannot claim request " + std::to_string(seq));
  return sqlite3_changes(db_.get()) == 1;
}

void Store::finishRequest(std::int64_t seq, const std::string& state, const std::string& note) {
  std::lock_guard lock(mutex_);
  auto s = prepare("UPDATE requests SET state = ?, note = ? WHERE seq = ? AND state = 'deciding'");
  bindValue(s.get(), 1, state);
  bindValue(s.get(), 2, note);
  bindValue(s.get(), 3, seq);
  if (sqlite3_step(s.get()) != SQLITE_DONE) fail("cannot finish request " + std::to_string(seq));
}

bool Store::claimRelease(const std::string& id, const std::string& who, std::int64_t now, std::int64_t leaseSeconds) {
  std::lock_guard lock(mutex_);
  auto s = prepare(
      "INSERT INTO release_claims (item_id, who, until) VALUES (?1, ?2, ?3) ON CONFLICT(item_id) DO UPDATE "
      "SET who = excluded.who, until = excluded.until WHERE release_claims.until <= ?4");
  bindValue(s.get(), 1, id);
  bindValue(s.get(), 2, who);
  bindValue(s.get(), 3, now + leaseSeconds);
  bindValue(s.get(), 4, now);
  if (sqlite3_step(s.get()) != SQLITE_DONE) fail("cannot claim item " + id + " for a release");
  return sqlite3_changes(db_.get()) == 1;
}

void Store::endRelease(const std::string& id, const std::string& who) {
  std::lock_guard lock(mutex_);
  auto s = prepare("DELETE FROM release_claims WHERE item_id = ? AND who = ?");
  bindValue(s.get(), 1, id);
  bindValue(s.get(), 2, who);
  if (sqlite3_step(s.get()) != SQLITE_DONE) fail("cannot end the release of item " + id);
}

void Store::audit(AuditEntry e) {
  std::lock_guard lock(mutex_);
  auto s = prepare("INSERT INTO audit (time, who, role, action, item_id, client, target, result) VALUES (?,?,?,?,?,?,?,?)");
  bindValue(s.get(), 1, e.time ? e.time : epochSeconds());
  bindValue(s.get(), 2, e.who);
  bindValue(s.get(), 3, e.role);
  bindValue(s.get(), 4, e.action);
  bindValue(s.get(), 5, e.itemId);
  bindValue(s.get(), 6, e.client);
  bindValue(s.get(), 7, e.target);
  bindValue(s.get(), 8, e.result);
  if (sqlite3_step(s.get()) != SQLITE_DONE) fail("cannot write the audit log (" + e.action + " " + e.itemId + ")");
}

std::vector<AuditEntry> Store::auditLog(const AuditFilter& f) {
  std::lock_guard lock(mutex_);
  std::string sql = "SELECT seq, time, who, role, action, item_id, client, target, result FROM audit WHERE 1=1";
  if (!f.itemId.empty()) sql += " AND item_id = :item";
  if (f.since) sql += " AND time >= :since";
  if (f.before) sql += " AND time < :before";
  sql += " ORDER BY seq DESC LIMIT :limit";
  auto s = prepare(sql.c_str());
  auto named = [&](const char* n) { return sqlite3_bind_parameter_index(s.get(), n); };
  if (!f.itemId.empty()) bindValue(s.get(), named(":item"), f.itemId);
  if (f.since) bindValue(s.get(), named(":since"), *f.since);
  if (f.before) bindValue(s.get(), named(":before"), *f.before);
  bindValue(s.get(), named(":limit"), static_cast<std::int64_t>(f.limit));
  std::vector<AuditEntry> out;
  while (sqlite3_step(s.get()) == SQLITE_ROW)
    out.push_back({sqlite3_column_int64(s.get(), 0), sqlite3_column_int64(s.get(), 1), column(s.get(), 2),
                   column(s.get(), 3), column(s.get(), 4), column(s.get(), 5), column(s.get(), 6), column(s.get(), 7),
                   column(s.get(), 8)});
  return out;
}

PurgeResult Store::remove(const std::string& id) {
  PurgeResult result;
  if (!validId(id)) return result;
  std::string sha256;
  {
    std::lock_guard lock(mutex_);
    auto s = prepare("DELETE FROM items WHERE id = ? RETURNING sha256");
    bindValue(s.get(), 1, id);
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_ROW) {
      sha256 = column(s.get(), 0);
      rc = sqlite3_step(s.get());
    }
    if (rc != SQLITE_DONE) fail("cannot remove item " + id);
    result.items = sha256.empty() ? 0 : 1;
  }
  if (sha256.empty() || hasOriginal(sha256)) return result;  // another item keeps the same original
  // As purge(): an object touched in the last hour may be a concurrent
  // put()'s; it stays for the next purge() to sweep.
  const std::string path = objectPath(sha256);
  std::error_code ec;
  const auto written = fs::last_write_time(path, ec);
  if (ec || written > fs::file_time_type::clock::now() - std::chrono::hours(1)) return result;
  if (fs::remove(path, ec)) ++result.objects;
  else if (ec) ++result.failed;
  return result;
}

PurgeResult Store::purge(std::int64_t cutoff) {
  PurgeResult result;
  {
    std::lock_guard lock(mutex_);
    auto s = prepare("DELETE FROM items WHERE time < ?");
    bindValue(s.get(), 1, cutoff);
    if (sqlite3_step(s.get()) != SQLITE_DONE) fail("cannot purge");
    result.items = static_cast<std::size_t>(sqlite3_changes(db_.get()));
  }
  // Sweep objects no row names. The grace period protects a put() that has
  // written (or touched) its object and not yet committed its row.
  auto grace = fs::file_time_type::clock::now() - std::chrono::hours(1);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(fs::path(dir_) / "objects", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fileEc;
    if (!it->is_regular_file(fileEc) || it->last_write_time(fileEc) > grace || fileEc) continue;
    std::string name = it->path().filename().string();
    bool halfWritten = name.find(".tmp-") != std::string::npos;  // a crash inside writeFileDurably
    if (!halfWritten && (it->path().extension() != ".gz" || hasOriginal(it->path().stem().string()))) continue;
    if (fs::remove(it->path(), fileEc)) ++result.objects;
    else if (fileEc) ++result.failed;
  }
  if (ec) ++result.failed;  // the walk itself stopped early
  return result;
}

}  // namespace mugai::quarantine
