// See pg_store.h.
#include "core/quarantine/pg_store.h"

#include <libpq-fe.h>
#include <poll.h>

#include <chrono>
#include <iterator>

#include "core/ascii_case.h"
#include "core/charset/charset.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/gzip.h"
#include "core/hash.h"
#include "core/quarantine/rows.h"

namespace mugai::quarantine {
namespace {

constexpr int kSchemaVersion = 1;
constexpr std::size_t kChunk = 1 << 20;             // bytes of gzip per object_chunks row
constexpr std::uint64_t kMaxOriginal = 1ull << 40;  // decompression guard: 1 TiB
constexpr std::int64_t kMigrationLock = 0x6d75676169;  // "mugai": one process migrates at a time
constexpr auto kPoolWait = std::chrono::seconds(60);
constexpr const char* kSearchBudget = "5s";

// Each step takes schema N-1 to N; new steps go at the end.
constexpr const char* kSteps[] = {
    // 1: everything the embedded store's schema 6 holds, and the release claim on items.
    R"sql(
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE objects (
  sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size bigint NOT NULL,
  stored bigint NOT NULL,
  touched bigint NOT NULL
);
CREATE TABLE object_chunks (
  sha256 text NOT NULL REFERENCES objects (sha256) ON DELETE CASCADE,
  n integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (sha256, n)
);
ALTER TABLE object_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE TABLE items (
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
  time bigint NOT NULL,
  source text NOT NULL,
  sender text NOT NULL DEFAULT '',
  recipients text NOT NULL DEFAULT '[]',
  subject text NOT NULL DEFAULT '',
  filename text NOT NULL DEFAULT '',
  sha256 text NOT NULL REFERENCES objects (sha256),
  size bigint NOT NULL,
  verdict text NOT NULL,
  actions text NOT NULL DEFAULT '[]',
  report text NOT NULL DEFAULT '{}',
  origin text UNIQUE,
  envelope text,
  release_by text NOT NULL DEFAULT '',
  release_until bigint NOT NULL DEFAULT 0
);
CREATE INDEX items_time ON items (time DESC, seq DESC);
CREATE INDEX items_sha256 ON items (sha256);
CREATE INDEX items_text ON items USING gin (subject gin_trgm_ops, sender gin_trgm_ops, recipients gin_trgm_ops,
                                            filename gin_trgm_ops);
CREATE TABLE item_reasons (
  item_id text NOT NULL REFERENCES items (id) ON DELETE CASCADE,
  code text NOT NULL,
  PRIMARY KEY (item_id, code)
);
CREATE INDEX item_reasons_code ON item_reasons (code);
CREATE TABLE audit (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time bigint NOT NULL,
  who text NOT NULL,
  role text NOT NULL,
  action text NOT NULL,
  item_id text NOT NULL DEFAULT '',
  client text NOT NULL DEFAULT '',
  target text NOT NULL DEFAULT '',
  result text NOT NULL
);
CREATE INDEX audit_time ON audit (time);
CREATE INDEX audit_item ON audit (item_id);
CREATE FUNCTION mugai_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION mugai_audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION mugai_audit_append_only();
CREATE TABLE users (
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'auditor')),
  hash text NOT NULL,
  created bigint NOT NULL,
  changed bigint NOT NULL,
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until bigint NOT NULL DEFAULT 0,
  last_login bigint NOT NULL DEFAULT 0,
  originals boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX users_name ON users (lower(name));
CREATE TABLE requests (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  item_id text NOT NULL,
  time bigint NOT NULL,
  requester text NOT NULL,
  reason text NOT NULL,
  client text NOT NULL DEFAULT '',
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'deciding', 'approved', 'denied', 'failed')),
  decided_by text NOT NULL DEFAULT '',
  decided_at bigint NOT NULL DEFAULT 0,
  note text NOT NULL DEFAULT ''
);
CREATE INDEX requests_state ON requests (state, time);
CREATE INDEX requests_item ON requests (item_id);
CREATE UNIQUE INDEX requests_open ON requests (item_id, lower(requester)) WHERE state IN ('pending', 'deciding');
)sql",
};
static_assert(std::size(kSteps) == kSchemaVersion);

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// A query failed; `state` is its SQLSTATE ("" when the connection broke).
class PgError : public StoreError {
 public:
  PgError(const std::string& what, std::string state) : StoreError(what), state(std::move(state)) {}
  std::string state;
};

// Text PostgreSQL takes: valid UTF-8 without NUL (each byte that is not
// part of a valid sequence, and each NUL, becomes U+FFFD).
std::string pgText(std::string_view s) {
  if (charset::isValidUtf8(s) && s.find('\0') == std::string_view::npos) return std::string(s);
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = charset::validCodePointAt(s, i, cp);
    if (n == 0 || cp == 0) {
      out += "\xEF\xBF\xBD";
      i += n == 0 ? 1 : n;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

// One bound parameter: text (made valid), or bytes sent as binary.
struct Param {
  std::string value;
  bool binary = false;
  bool null = false;
  Param(std::string_view text) : value(pgText(text)) {}
  Param(const std::string& text) : value(pgText(text)) {}
  Param(const char* text) : value(pgText(text)) {}
  Param(std::int64_t n) : value(std::to_string(n)) {}
  Param(int n) : value(std::to_string(n)) {}
  static Param bytes(std::string_view b) {
    Param p{std::int64_t{0}};
    p.value.assign(b);
    p.binary = true;
    return p;
  }
  static Param none() {
    Param p{std::int64_t{0}};
    p.null = true;
    return p;
  }
};

std::string errorOf(PGconn* c, PGresult* r) {
  std::string e = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
  while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
  return e.empty() ? "connection lost" : e;
}

// A query's parameters as libpq takes them (pointers into `params`).
struct Bound {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  explicit Bound(const std::vector<Param>& params) {
    for (const Param& p : params) {
      values.push_back(p.null ? nullptr : p.value.data());
      lengths.push_back(static_cast<int>(p.value.size()));
      formats.push_back(p.binary ? 1 : 0);
    }
  }
  int count() const { return static_cast<int>(values.size()); }
};

// `r` when it succeeded; else throws its error and SQLSTATE.
Result succeeded(PGconn* c, Result r) {
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
    throw PgError("quarantine database: " + errorOf(c, r.get()), state ? state : "");
  }
  return r;
}

// Runs `sql` with `params` ($1, $2, ...); rows in binary when `binaryRows`.
Result query(PGconn* c, const std::string& sql, const std::vector<Param>& params = {}, bool binaryRows = false) {
  const Bound b(params);
  return succeeded(c, Result(PQexecParams(c, sql.c_str(), b.count(), nullptr, b.values.data(), b.lengths.data(),
                                          b.formats.data(), binaryRows ? 1 : 0)));
}

// Statements without parameters, several at once (the schema, BEGIN, ...).
void exec(PGconn* c, const char* sql) { succeeded(c, Result(PQexec(c, sql))); }

// Parameters for SQL built piece by piece: add() keeps a value and names
// its placeholder.
struct Params {
  std::vector<Param> values;
  std::string add(Param p) {
    values.push_back(std::move(p));
    return "$" + std::to_string(values.size());
  }
};

std::string text(PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
}
std::int64_t number(PGresult* r, int row, int col) { return std::stoll(text(r, row, col)); }
std::size_t affected(PGresult* r) {
  const char* n = PQcmdTuples(r);
  return n && *n ? static_cast<std::size_t>(std::stoull(n)) : 0;
}

// Runs `body` in a transaction: committed when it returns, rolled back
// when it throws (unless the connection is gone).
template <class Body>
auto inTransaction(PGconn* c, Body&& body) {
  exec(c, "BEGIN");
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      exec(c, "COMMIT");
    } else {
      auto out = body();
      exec(c, "COMMIT");
      return out;
    }
  } catch (...) {
    if (PQstatus(c) == CONNECTION_OK) PQclear(PQexec(c, "ROLLBACK"));
    throw;
  }
}

constexpr const char* kItemColumns =
    "id, time, source, sender, recipients, subject, filename, sha256, size, verdict, actions, report, "
    "COALESCE(origin, ''), (SELECT string_agg(code, ' ' ORDER BY code) FROM item_reasons r WHERE r.item_id = items.id), "
    "envelope";

std::vector<Item> readItems(PGresult* r) {
  std::vector<Item> out;
  for (int i = 0; i < PQntuples(r); ++i) {
    Item it;
    it.id = text(r, i, 0);
    it.time = number(r, i, 1);
    it.source = text(r, i, 2);
    it.sender = text(r, i, 3);
    it.recipients = rows::jsonStrings(text(r, i, 4));
    it.subject = text(r, i, 5);
    it.filename = text(r, i, 6);
    it.sha256 = text(r, i, 7);
    it.size = static_cast<std::uint64_t>(number(r, i, 8));
    it.verdict = text(r, i, 9);
    it.actionsJson = text(r, i, 10);
    it.reportJson = text(r, i, 11);
    it.origin = text(r, i, 12);
    it.reasons = rows::splitReasons(text(r, i, 13));
    if (!PQgetisnull(r, i, 14)) it.envelope = rows::envelopeFrom(text(r, i, 14));
    out.push_back(std::move(it));
  }
  return out;
}

constexpr const char* kUserColumns =
    "SELECT name, role, hash, created, changed, failed_logins, locked_until, last_login, originals FROM users";

std::vector<WebUser> readUsers(PGresult* r) {
  std::vector<WebUser> out;
  for (int i = 0; i < PQntuples(r); ++i)
    out.push_back({text(r, i, 0), text(r, i, 1), text(r, i, 2), number(r, i, 3), number(r, i, 4),
                   static_cast<int>(number(r, i, 5)), number(r, i, 6), number(r, i, 7), text(r, i, 8) == "t"});
  return out;
}

constexpr const char* kRequestColumns =
    "SELECT seq, item_id, time, requester, reason, client, state, decided_by, decided_at, note FROM requests";

std::vector<ReleaseRequest> readRequests(PGresult* r) {
  std::vector<ReleaseRequest> out;
  for (int i = 0; i < PQntuples(r); ++i)
    out.push_back({number(r, i, 0), text(r, i, 1), number(r, i, 2), text(r, i, 3), text(r, i, 4), text(r, i, 5),
                   text(r, i, 6), text(r, i, 7), number(r, i, 8), text(r, i, 9)});
  return out;
}

// The chunks of one object (rows of a binary result) put together.
std::string joinedChunks(PGresult* r) {
  std::string gz;
  for (int i = 0; i < PQntuples(r); ++i) gz.append(PQgetvalue(r, i, 0), static_cast<std::size_t>(PQgetlength(r, i, 0)));
  return gz;
}

}  // namespace

std::string dsnProblem(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (!options) {
    std::string why = error ? error : "out of memory";
    PQfreemem(error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return "not a libpq connection string or URI: " + why;
  }
  std::string problem;
  for (PQconninfoOption* o = options; o->keyword; ++o)
    if (o->val && *o->val && (std::string_view(o->keyword) == "password" || std::string_view(o->keyword) == "sslpassword"))
      problem = std::string("it holds a ") + o->keyword;
  PQconninfoFree(options);
  return problem;
}

namespace {
// Wherever this store is linked, a config's dsn is judged as it is read
// (config.h setDsnJudge).
[[maybe_unused]] const bool kJudgesDsn = (setDsnJudge(&dsnProblem), true);
}  // namespace

std::string shownDsn(const std::string& dsn) {
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), nullptr);
  if (!options) return "(a connection string libpq cannot read)";
  std::string out;
  for (const char* shown : {"service", "host", "hostaddr", "port", "dbname", "user"})
    for (PQconninfoOption* o = options; o->keyword; ++o)
      if (o->val && *o->val && std::string_view(o->keyword) == shown)
        out += (out.empty() ? "" : " ") + std::string(shown) + "=" + o->val;
  PQconninfoFree(options);
  return out.empty() ? "(libpq's defaults)" : out;
}

// A connection of the pool for one operation.
class PgStore::Lease {
 public:
  explicit Lease(PgStore& store) : store_(store), c_(store.acquire()) {}
  ~Lease() { store_.giveBack(c_); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  PGconn* get() const { return c_; }
  operator PGconn*() const { return c_; }
  /// Closes the connection instead of giving it back (left mid-protocol).
  void discard() {
    store_.close(c_);
    c_ = nullptr;
  }

 private:
  PgStore& store_;
  PGconn* c_;
};

// At least two connections: one for the group commit, one for the rest
// (opening holds one while it migrates with another).
PgStore::PgStore(std::string dsn, int poolSize)
    : dsn_(std::move(dsn)), poolSize_(static_cast<std::size_t>(std::max(2, poolSize))) {
  if (std::string problem = dsnProblem(dsn_); !problem.empty())
    throw StoreError("quarantine database (" + shownDsn(dsn_) + "): " + problem);
  {
    Lease c(*this);
    const char* encoding = PQparameterStatus(c, "server_encoding");
    if (!encoding || std::string(encoding) != "UTF8")
      throw StoreError("quarantine database " + std::string(PQdb(c)) + " has encoding " + (encoding ? encoding : "?") +
                       ": create it with ENCODING 'UTF8' (データベースの文字コードは UTF8 にしてください)");
    location_ = std::string("postgresql: database ") + PQdb(c) + " on " + PQhost(c) + " port " + PQport(c) + " as " +
                PQuser(c) + (PQsslInUse(c) ? " (TLS)" : "");
  }
  migrate();
}

PgStore::~PgStore() {
  for (PGconn* c : idle_) PQfinish(c);
}

PGconn* PgStore::acquire() {
  std::unique_lock lock(poolMutex_);
  for (;;) {
    while (!idle_.empty()) {
      PGconn* c = idle_.back();
      idle_.pop_back();
      // An idle connection is never spoken to: one whose socket reads as
      // ready has been closed by a server that restarted or failed over
      // (its last words: "terminating connection"). Drop it instead of
      // failing the next statement on it.
      pollfd p{PQsocket(c), POLLIN, 0};
      if (::poll(&p, 1, 0) == 0 && PQstatus(c) == CONNECTION_OK) return c;
      prepared_.erase(c);
      PQfinish(c);
      --open_;
    }
    if (open_ < poolSize_) break;
    if (poolFree_.wait_for(lock, kPoolWait) == std::cv_status::timeout && idle_.empty() && open_ >= poolSize_)
      throw StoreError("quarantine database: all " + std::to_string(poolSize_) + " connections stayed busy for " +
                       std::to_string(kPoolWait.count()) + " s");
  }
  ++open_;
  lock.unlock();
  // Ours first, then the operator's string (its settings override these):
  // a database that vanishes without a word (a partition, a dropped NAT
  // entry) fails a statement within about a minute instead of holding
  // every put() for the kernel's two hours; no statement runs past 5 min.
  const char* keys[] = {"connect_timeout", "client_encoding", "keepalives_idle", "keepalives_interval", "keepalives_count",
                        "tcp_user_timeout", "options", "dbname", "fallback_application_name", nullptr};
  const char* values[] = {"10", "UTF8", "30", "10", "3", "60000", "-c statement_timeout=300000", dsn_.c_str(), "mugai",
                          nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 1);
  if (!c || PQstatus(c) != CONNECTION_OK) {
    std::string why = c ? errorOf(c, nullptr) : "out of memory";
    PQfinish(c);
    lock.lock();
    --open_;
    poolFree_.notify_one();
    throw StoreError("cannot connect to the quarantine database (" + shownDsn(dsn_) + "): " + why +
                     " (隔離保管データベースに接続できません)");
  }
  // The server's notices ("already exists, skipping") are not ours to print.
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  return c;
}

void PgStore::giveBack(PGconn* c) {
  std::lock_guard lock(poolMutex_);
  if (c && PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) == PQTRANS_IDLE &&
      PQpipelineStatus(c) == PQ_PIPELINE_OFF) {
    idle_.push_back(c);
  } else {
    if (c) prepared_.erase(c);
    PQfinish(c);
    --open_;
  }
  poolFree_.notify_one();
}

void PgStore::close(PGconn* c) {
  {
    std::lock_guard lock(poolMutex_);
    prepared_.erase(c);
  }
  PQfinish(c);
}

void PgStore::migrate() {
  Lease c(*this);
  int from = 0;
  inTransaction(c.get(), [&] {
    // Nodes starting together: one creates or migrates, the others wait
    // and then find it done.
    query(c, "SELECT pg_advisory_xact_lock($1::bigint)", {kMigrationLock});
    exec(c, "CREATE TABLE IF NOT EXISTS mugai_meta (key text PRIMARY KEY, value text NOT NULL)");
    Result v = query(c, "SELECT value FROM mugai_meta WHERE key = 'schema'");
    from = PQntuples(v.get()) ? std::stoi(text(v.get(), 0, 0)) : 0;
    if (from > kSchemaVersion)
      throw StoreError("quarantine database schema version " + std::to_string(from) + " is newer than this mugai understands (" +
                       std::to_string(kSchemaVersion) + "): a newer mugai wrote it (新しい版の mugai で作成されたデータベースです)");
    for (int v = from; v < kSchemaVersion; ++v) exec(c, kSteps[v]);
    query(c, "INSERT INTO mugai_meta (key, value) VALUES ('schema', $1) ON CONFLICT (key) DO UPDATE SET value = $1",
          {std::to_string(kSchemaVersion)});
    // The log's guards must be there and fire in every session (DROP
    // TRIGGER, DISABLE or ENABLE REPLICA would let it be rewritten).
    Result t = query(c,
                     "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit'::regclass AND tgenabled IN ('O', 'A') "
                     "AND tgname IN ('audit_no_change', 'audit_no_truncate')");
    if (text(t.get(), 0, 0) != "2")
      throw StoreError("quarantine database: the audit log's triggers are missing or disabled: it was altered outside mugai; "
                       "not opened (監査ログが改変されています)");
  });
  if (from == 0) migration_ = "quarantine database schema " + std::to_string(kSchemaVersion) + " created";
  else if (from < kSchemaVersion)
    migration_ = "quarantine database migrated from schema " + std::to_string(from) + " to " + std::to_string(kSchemaVersion);
}

namespace {

// One item's rows in one statement: the object once per SHA-256 (a reused
// one is touched, which locks it until we commit: a purge meanwhile waits,
// then leaves it), its first chunk when it is new, the item unless its id
// or its origin was stored before, and its reasons. The foreign keys are checked
// at the statement's end, when the object and the item are there.
// Returns the item's id, or no row when it was stored before.
constexpr const char* kPutItem =
    "WITH o AS (INSERT INTO objects (sha256, size, stored, touched) VALUES ($8, $9, $16, $16) "
    "  ON CONFLICT (sha256) DO UPDATE SET touched = EXCLUDED.touched RETURNING xmax = 0 AS fresh), "
    "c AS (INSERT INTO object_chunks (sha256, n, data) SELECT $8, 0, $17 FROM o WHERE o.fresh), "
    "i AS (INSERT INTO items (id, time, source, sender, recipients, subject, filename, sha256, size, verdict, actions, "
    "  report, origin, envelope) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULLIF($13, ''), $14) "
    "  ON CONFLICT DO NOTHING RETURNING id), "
    "r AS (INSERT INTO item_reasons (item_id, code) SELECT i.id, code FROM i, unnest($15::text[]) AS code "
    "  ON CONFLICT DO NOTHING) "
    "SELECT id FROM i";
// The chunks after the first (objects of more than kChunk bytes of gzip);
// already there when the object was.
constexpr const char* kPutChunk =
    "INSERT INTO object_chunks (sha256, n, data) VALUES ($1, $2, $3) ON CONFLICT (sha256, n) DO NOTHING";

// A text[] literal: {"a","b"}.
std::string textArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    out += out.size() > 1 ? ",\"" : "\"";
    for (char ch : v) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

// Names of put()'s statements, prepared on each connection by preparePut().
constexpr const char* kPutItemName = "mugai_put_item";
constexpr const char* kPutChunkName = "mugai_put_chunk";

// Queues the prepared statement `name` with `params` (pipeline mode).
void sendPrepared(PGconn* c, const char* name, const std::vector<Param>& params) {
  const Bound b(params);
  if (PQsendQueryPrepared(c, name, b.count(), b.values.data(), b.lengths.data(), b.formats.data(), 0) != 1)
    throw PgError("quarantine database: " + errorOf(c, nullptr), "");
}

// Removes objects no item names ("" = any such object, else that one).
// An object a put() is reusing stays (it is locked, then touched); one a
// put() references meanwhile is kept by the foreign key.
std::size_t sweepObjects(PGconn* c, const std::string& sha256, std::size_t& failed) {
  try {
    Result r = query(c,
                     "DELETE FROM objects o WHERE ($1 = '' OR o.sha256 = $1) "
                     "AND NOT EXISTS (SELECT 1 FROM items i WHERE i.sha256 = o.sha256)",
                     {sha256});
    return affected(r.get());
  } catch (const PgError& e) {
    if (e.state != "23503") throw;  // foreign_key_violation: a put() took it meanwhile
    ++failed;
    return 0;
  }
}
}  // namespace

std::string PgStore::put(Item item, std::string_view original) {
  if (!validId(item.id)) throw StoreError("invalid item id \"" + item.id + "\"");
  item.sha256 = sha256Hex(original);
  item.size = original.size();
  if (item.time == 0) item.time = epochSeconds();
  const std::string gz = gzipCompress(original);  // outside the commit: other put()s need not wait for it
  const GroupCommit::Row row{&item, gz};
  return group_.submit(row, [this](const std::vector<const GroupCommit::Row*>& batch) {
    Lease c(*this);
    std::vector<std::string> ids = commitRows(c, batch);
    for (std::size_t k = 0; k < batch.size(); ++k)
      if (ids[k].empty()) {
        // Stored before under its id (a batch that committed and lost its
        // connection before saying so, tried again) or its origin (a
        // restart redoing interrupted work, on this node or another).
        Result e = query(c, rows::kStoredBefore, {batch[k]->item->id, batch[k]->item->origin});
        if (PQntuples(e.get()) != 1) throw StoreError("quarantine database: conflict without a row");
        try {
          ids[k] = rows::storedBefore(*batch[k]->item, text(e.get(), 0, 0), text(e.get(), 0, 1));
        } catch (const StoreError&) {
          // Not the same work: the batch committed this row's object for
          // nothing. Take it back unless an item names it.
          try {
            std::size_t failed = 0;
            sweepObjects(c, batch[k]->item->sha256, failed);
          } catch (const StoreError&) {
            // purge() sweeps it later; the caller hears the real error
          }
          throw;
        }
      }
    return ids;
  });
}

void PgStore::preparePut(PGconn* c) {
  {
    std::lock_guard lock(poolMutex_);
    if (prepared_.contains(c)) return;
  }
  succeeded(c, Result(PQprepare(c, kPutItemName, kPutItem, 0, nullptr)));
  succeeded(c, Result(PQprepare(c, kPutChunkName, kPutChunk, 0, nullptr)));
  std::lock_guard lock(poolMutex_);
  prepared_.insert(c);
}

// The batch's statements go out at once, in pipeline mode, as one implicit
// transaction that commits at the Sync: one round trip and one flush of
// the log for the whole batch. A failing statement rolls it all back.
std::vector<std::string> PgStore::commitRows(Lease& lease, const std::vector<const GroupCommit::Row*>& batch) {
  PGconn* c = lease.get();
  try {
    preparePut(c);
  } catch (...) {
    lease.discard();  // perhaps half prepared: a fresh connection next time
    throw;
  }
  if (PQenterPipelineMode(c) != 1) throw PgError("quarantine database: cannot enter pipeline mode", "");
  std::vector<bool> isItem;
  const std::int64_t now = epochSeconds();
  std::string error;
  try {
    for (const GroupCommit::Row* r : batch) {
      const Item& it = *r->item;
      sendPrepared(c, kPutItemName,
                {it.id, it.time, it.source, it.sender, rows::jsonText(it.recipients), it.subject, it.filename, it.sha256,
                 static_cast<std::int64_t>(it.size), it.verdict, it.actionsJson.empty() ? "[]" : it.actionsJson,
                 it.reportJson.empty() ? "{}" : it.reportJson, it.origin,
                 it.envelope ? Param(rows::envelopeJson(*it.envelope)) : Param::none(), textArray(it.reasons), now,
                 Param::bytes(r->object.substr(0, kChunk))});
      isItem.push_back(true);
      for (std::size_t at = kChunk, n = 1; at < r->object.size(); at += kChunk, ++n) {
        sendPrepared(c, kPutChunkName, {it.sha256, static_cast<std::int64_t>(n), Param::bytes(r->object.substr(at, kChunk))});
        isItem.push_back(false);
      }
    }
    if (PQpipelineSync(c) != 1) throw PgError("quarantine database: " + errorOf(c, nullptr), "");
  } catch (...) {
    lease.discard();  // half a pipeline sent: not a connection to give back
    throw;
  }
  std::vector<std::string> ids;
  std::string state;  // the first failing statement's SQLSTATE
  // Each statement's result and its terminating NULL, then the Sync's.
  for (bool item : isItem) {
    Result r(PQgetResult(c));
    if (!r) {
      error = "quarantine database: " + errorOf(c, nullptr);
      break;
    }
    const ExecStatusType status = PQresultStatus(r.get());
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      if (item) ids.push_back(PQntuples(r.get()) ? text(r.get(), 0, 0) : "");
    } else if (error.empty()) {
      error = status == PGRES_PIPELINE_ABORTED ? "quarantine database: batch aborted" : "quarantine database: " + errorOf(c, r.get());
      if (const char* s = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE)) state = s;
    }
    Result(PQgetResult(c)).reset();
  }
  if (error.empty() || PQstatus(c) == CONNECTION_OK) {
    Result sync(PQgetResult(c));
    if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
      if (error.empty()) error = "quarantine database: the commit was not confirmed: " + errorOf(c, sync.get());
    }
  }
  if (PQexitPipelineMode(c) != 1 && error.empty()) error = "quarantine database: " + errorOf(c, nullptr);
  // 26000: the server lost our prepared statements (a pooler in front that
  // moved us to another server connection): prepare on a fresh one.
  if (state == "26000") lease.discard();
  if (!error.empty()) throw PgError(error, state);
  return ids;
}

std::optional<Item> PgStore::get(const std::string& id) {
  if (!validId(id)) return std::nullopt;
  Lease c(*this);
  Result r = query(c, std::string("SELECT ") + kItemColumns + " FROM items WHERE id = $1", {id});
  auto items = readItems(r.get());
  if (items.empty()) return std::nullopt;
  return items.front();
}

std::vector<Item> PgStore::list(const ListFilter& f) {
  Params params;
  // Substrings, ASCII case ignored: ILIKE, through the pg_trgm index when
  // the planner finds it selective, else along the time index.
  std::string sql = std::string("SELECT ") + kItemColumns + " FROM items WHERE true";
  if (!f.sender.empty()) sql += " AND sender ILIKE " + params.add(rows::likeContaining(f.sender)) + " ESCAPE '\\'";
  if (!f.recipient.empty()) sql += " AND recipients ILIKE " + params.add(rows::likeContaining(f.recipient)) + " ESCAPE '\\'";
  if (!f.subject.empty()) {
    const std::string p = params.add(rows::likeContaining(f.subject));
    sql += " AND (subject ILIKE " + p + " ESCAPE '\\' OR filename ILIKE " + p + " ESCAPE '\\')";
  }
  if (f.since) sql += " AND time >= " + params.add(*f.since);
  if (f.before) sql += " AND time < " + params.add(*f.before);
  if (!f.source.empty()) sql += " AND source = " + params.add(f.source);
  if (!f.verdict.empty()) sql += " AND verdict = " + params.add(f.verdict);
  if (!f.idPrefix.empty()) {
    // Ids are lower-case hex: the prefix's range is [prefix, prefix + "g").
    const std::string low = toLower(f.idPrefix);
    sql += " AND id >= " + params.add(low) + " COLLATE \"C\" AND id < " + params.add(low + "g") + " COLLATE \"C\"";
  }
  if (!f.sha256.empty()) sql += " AND sha256 = " + params.add(f.sha256);
  if (!f.reason.empty())
    sql += " AND EXISTS (SELECT 1 FROM item_reasons r WHERE r.item_id = items.id AND r.code = " + params.add(f.reason) + ")";
  if (f.status == "released" || f.status == "held")
    sql += std::string(f.status == "held" ? " AND NOT" : " AND") +
           " EXISTS (SELECT 1 FROM audit a WHERE a.item_id = items.id AND a.action IN ('release', 'release_raw')"
           " AND a.result LIKE 'ok%')";
  sql += " ORDER BY time DESC, seq DESC LIMIT " + params.add(std::int64_t{f.limit}) + " OFFSET " + params.add(std::int64_t{f.offset});
  Lease c(*this);
  try {
    return inTransaction(c.get(), [&] {
      exec(c, (std::string("SET LOCAL statement_timeout = '") + kSearchBudget + "'").c_str());
      Result r = query(c, sql, params.values);
      return readItems(r.get());
    });
  } catch (const PgError& e) {
    if (e.state == "57014")  // query_canceled: the budget ran out
      throw SearchTooBroad(std::string("the search took longer than ") + kSearchBudget +
                           ": narrow it (a date range, more words) (検索条件を絞ってください)");
    throw;
  }
}

bool PgStore::hasOriginal(const std::string& sha256) {
  Lease c(*this);
  Result r = query(c, "SELECT EXISTS (SELECT 1 FROM items WHERE sha256 = $1)", {sha256});
  return text(r.get(), 0, 0) == "t";
}

std::string PgStore::readOriginal(const Item& item) {
  Lease c(*this);
  Result r = query(c, "SELECT data FROM object_chunks WHERE sha256 = $1 ORDER BY n", {item.sha256}, true);
  const std::string where = "stored original " + item.sha256 + " (" + location_ + ")";
  if (PQntuples(r.get()) == 0) throw StoreError(where + " is missing");
  std::string out;
  if (std::string e = gzipDecompress(joinedChunks(r.get()), out, std::min<std::uint64_t>(item.size, kMaxOriginal)); !e.empty())
    throw StoreError(where + " is damaged: " + e);
  if (sha256Hex(out) != item.sha256) throw StoreError(where + " does not match its SHA-256");
  return out;
}

void PgStore::addUser(const WebUser& u) {
  Lease c(*this);
  const std::int64_t now = epochSeconds();
  try {
    query(c, "INSERT INTO users (name, role, hash, created, changed, originals) VALUES ($1, $2, $3, $4, $5, $6)",
          {u.name, u.role, u.hash, u.created ? u.created : now, u.changed ? u.changed : now, u.originals ? "true" : "false"});
  } catch (const PgError& e) {
    if (e.state == "23505" || e.state == "23514")  // unique_violation, check_violation
      throw StoreError("user " + u.name + " exists, or role " + u.role + " is not admin or auditor");
    throw;
  }
}

bool PgStore::setUserHash(const std::string& name, const std::string& hash) {
  Lease c(*this);
  Result r = query(c,
                   "UPDATE users SET hash = $1, changed = $2, failed_logins = 0, locked_until = 0 "
                   "WHERE lower(name) = lower($3)",
                   {hash, epochSeconds(), name});
  return affected(r.get()) == 1;
}

bool PgStore::deleteUser(const std::string& name) {
  Lease c(*this);
  Result r = query(c, "DELETE FROM users WHERE lower(name) = lower($1)", {name});
  return affected(r.get()) == 1;
}

std::optional<WebUser> PgStore::user(const std::string& name) {
  Lease c(*this);
  Result r = query(c, std::string(kUserColumns) + " WHERE lower(name) = lower($1)", {name});
  auto users = readUsers(r.get());
  if (users.empty()) return std::nullopt;
  return users.front();
}

std::vector<WebUser> PgStore::users() {
  Lease c(*this);
  Result r = query(c, std::string(kUserColumns) + " ORDER BY lower(name)");
  return readUsers(r.get());
}

std::int64_t PgStore::loginFailed(const std::string& name, std::int64_t now, int maxFailures, std::int64_t lockSeconds) {
  Lease c(*this);
  // One statement: two concurrent failures (two nodes) both count. A lock
  // that has run out starts the count again.
  Result r = query(c,
                   "UPDATE users SET "
                   "failed_logins = CASE WHEN locked_until > 0 AND locked_until <= $2::bigint THEN 1 ELSE failed_logins + 1 END, "
                   "locked_until = CASE WHEN (CASE WHEN locked_until > 0 AND locked_until <= $2::bigint THEN 1 "
                   "ELSE failed_logins + 1 END) >= $1::int THEN $2::bigint + $3::bigint "
                   "WHEN locked_until > 0 AND locked_until <= $2::bigint THEN 0 ELSE locked_until END "
                   "WHERE lower(name) = lower($4) RETURNING locked_until",
                   {maxFailures, now, lockSeconds, name});
  if (PQntuples(r.get()) == 0) return 0;
  const std::int64_t until = number(r.get(), 0, 0);
  return until > now ? until : 0;
}

void PgStore::loginSucceeded(const std::string& name, std::int64_t now) {
  Lease c(*this);
  query(c, "UPDATE users SET failed_logins = 0, locked_until = 0, last_login = $1 WHERE lower(name) = lower($2)", {now, name});
}

bool PgStore::released(const std::string& itemId) {
  Lease c(*this);
  Result r = query(c,
                   "SELECT EXISTS (SELECT 1 FROM audit WHERE item_id = $1 AND action IN ('release', 'release_raw') "
                   "AND result LIKE 'ok%')",
                   {itemId});
  return text(r.get(), 0, 0) == "t";
}

std::int64_t PgStore::addRequest(const ReleaseRequest& q) {
  Lease c(*this);
  // requests_open (unique while pending or deciding) makes a second one
  // from the same requester a no-op, on any node.
  Result r = query(c,
                   "INSERT INTO requests (item_id, time, requester, reason, client) VALUES ($1, $2, $3, $4, $5) "
                   "ON CONFLICT (item_id, lower(requester)) WHERE state IN ('pending', 'deciding') DO NOTHING RETURNING seq",
                   {q.itemId, q.time ? q.time : epochSeconds(), q.requester, q.reason, q.client});
  return PQntuples(r.get()) ? number(r.get(), 0, 0) : 0;
}

std::vector<ReleaseRequest> PgStore::requests(const std::string& state, const std::string& itemId, int limit) {
  Params params;
  std::string sql = std::string(kRequestColumns) + " WHERE true";
  if (!state.empty()) sql += " AND state = " + params.add(state);
  if (!itemId.empty()) sql += " AND item_id = " + params.add(itemId);
  sql += " ORDER BY seq DESC LIMIT " + params.add(std::int64_t{limit});
  Lease c(*this);
  Result r = query(c, sql, params.values);
  return readRequests(r.get());
}

std::optional<ReleaseRequest> PgStore::request(std::int64_t seq) {
  Lease c(*this);
  Result r = query(c, std::string(kRequestColumns) + " WHERE seq = $1", {seq});
  auto out = readRequests(r.get());
  if (out.empty()) return std::nullopt;
  return out.front();
}

bool PgStore::claimRequest(std::int64_t seq, const std::string& who, std::int64_t now) {
  Lease c(*this);
  Result r = query(c,
                   "WITH c AS (SELECT seq FROM requests WHERE seq = $1 AND (state = 'pending' OR "
                   "(state = 'deciding' AND decided_at < $3::bigint - 3600)) FOR UPDATE SKIP LOCKED) "
                   "UPDATE requests q SET state = 'deciding', decided_by = $2, decided_at = $3 FROM c WHERE q.seq = c.seq "
                   "RETURNING q.seq",
                   {seq, who, now});
  return PQntuples(r.get()) == 1;
}

void PgStore::finishRequest(std::int64_t seq, const std::string& state, const std::string& note) {
  Lease c(*this);
  query(c, "UPDATE requests SET state = $1, note = $2 WHERE seq = $3 AND state = 'deciding'", {state, note, seq});
}

bool PgStore::claimRelease(const std::string& id, const std::string& who, std::int64_t now, std::int64_t leaseSeconds) {
  Lease c(*this);
  // The database's clock, not this node's: nodes whose clocks differ
  // still agree on when a lease has run out.
  (void)now;
  Result r = query(c,
                   "WITH t AS (SELECT floor(extract(epoch FROM clock_timestamp()))::bigint AS now), "
                   "c AS (SELECT id FROM items, t WHERE id = $1 AND release_until <= t.now FOR UPDATE OF items SKIP LOCKED) "
                   "UPDATE items i SET release_by = $2, release_until = t.now + $3::bigint FROM c, t WHERE i.id = c.id "
                   "RETURNING i.id",
                   {id, who, leaseSeconds});
  return PQntuples(r.get()) == 1;
}

void PgStore::endRelease(const std::string& id, const std::string& who) {
  Lease c(*this);
  query(c, "UPDATE items SET release_by = '', release_until = 0 WHERE id = $1 AND release_by = $2", {id, who});
}

void PgStore::audit(AuditEntry e) {
  Lease c(*this);
  query(c,
        "INSERT INTO audit (time, who, role, action, item_id, client, target, result) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        {e.time ? e.time : epochSeconds(), e.who, e.role, e.action, e.itemId, e.client, e.target, e.result});
}

std::vector<AuditEntry> PgStore::auditLog(const AuditFilter& f) {
  Params params;
  std::string sql = "SELECT seq, time, who, role, action, item_id, client, target, result FROM audit WHERE true";
  if (!f.itemId.empty()) sql += " AND item_id = " + params.add(f.itemId);
  if (f.since) sql += " AND time >= " + params.add(*f.since);
  if (f.before) sql += " AND time < " + params.add(*f.before);
  sql += " ORDER BY seq DESC LIMIT " + params.add(std::int64_t{f.limit});
  Lease c(*this);
  Result r = query(c, sql, params.values);
  std::vector<AuditEntry> out;
  for (int i = 0; i < PQntuples(r.get()); ++i)
    out.push_back({number(r.get(), i, 0), number(r.get(), i, 1), text(r.get(), i, 2), text(r.get(), i, 3),
                   text(r.get(), i, 4), text(r.get(), i, 5), text(r.get(), i, 6), text(r.get(), i, 7),
                   text(r.get(), i, 8)});
  return out;
}


PurgeResult PgStore::remove(const std::string& id) {
  PurgeResult result;
  if (!validId(id)) return result;
  Lease c(*this);
  Result r = query(c, "DELETE FROM items WHERE id = $1 RETURNING sha256", {id});
  if (PQntuples(r.get()) == 0) return result;
  result.items = 1;
  result.objects = sweepObjects(c, text(r.get(), 0, 0), result.failed);
  return result;
}

PurgeResult PgStore::purge(std::int64_t cutoff) {
  PurgeResult result;
  Lease c(*this);
  Result r = query(c, "DELETE FROM items WHERE time < $1", {cutoff});
  result.items = affected(r.get());
  result.objects = sweepObjects(c, "", result.failed);
  return result;
}

}  // namespace mugai::quarantine
