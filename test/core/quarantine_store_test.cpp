// The quarantine store, both backends (the embedded SQLite one and
// PostgreSQL, in a fresh database of the test cluster: test/common/pg_test.h):
// what goes in comes out byte for byte, the index answers the questions an
// operator asks, damage is detected, and a kill -9 in the middle of writing
// leaves a consistent index. sqlite3 and psql are the referees of what
// was written.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/hash.h"
#include "core/mail_job.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/quarantine/store.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"
#include "test/common/pg_test.h"

namespace fs = std::filesystem;
using namespace mugai;
using namespace mugai::quarantine;
using Catch::Matchers::ContainsSubstring;

namespace {

fs::path freshDir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("mugai-qstore-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

// A store of one backend for one test: the embedded one in a fresh
// directory, or PostgreSQL in a fresh database. another() opens a second
// handle on the same store (another node, another process).
struct TestStore {
  std::string kind;
  fs::path dir;
  std::string dsn;
  std::unique_ptr<QuarantineStore> store;

  TestStore(std::string backend, const std::string& tag) : kind(std::move(backend)) {
    if (kind == "sqlite") dir = freshDir(tag);
    else dsn = test::freshPgDatabase(tag);
    store = another();
  }
  ~TestStore() {
    store.reset();
    if (!dir.empty()) fs::remove_all(dir);
    if (!dsn.empty()) test::dropPgDatabase(dsn);
  }
  std::unique_ptr<QuarantineStore> another() const {
    QuarantineConfig c;
    c.backend = kind;
    c.dir = dir.string();
    c.dsn = dsn;
    return openStore(c, 4);
  }
  QuarantineStore* operator->() const { return store.get(); }
  QuarantineStore& operator*() const { return *store; }
  /// Damages the stored gzip of `sha256`: cuts it in half, or flips a byte.
  void damage(const std::string& sha256, bool truncate) const {
    if (kind == "postgresql") {
      test::psql(dsn, truncate ? "UPDATE object_chunks SET data = substring(data from 1 for length(data) / 2) WHERE sha256 = '" +
                                     sha256 + "'"
                               : "UPDATE object_chunks SET data = set_byte(data, length(data) / 2, "
                                 "get_byte(data, length(data) / 2) # 85) WHERE sha256 = '" + sha256 + "'");
      return;
    }
    fs::path object = dir / "objects" / sha256.substr(0, 2) / (sha256 + ".gz");
    std::string gz = test::readFile(object);
    if (truncate) gz.resize(gz.size() / 2);
    else gz[gz.size() / 2] ^= 0x55;
    std::ofstream(object, std::ios::binary | std::ios::trunc) << gz;
  }
  /// Objects older than the embedded store's one-hour grace for concurrent writers.
  void ageObjects() const {
    if (kind != "sqlite") return;
    for (auto& e : fs::recursive_directory_iterator(dir / "objects"))
      if (e.is_regular_file()) fs::last_write_time(e.path(), fs::file_time_type::clock::now() - std::chrono::hours(2));
  }
};

#define EACH_BACKEND GENERATE(as<std::string>{}, "sqlite", "postgresql")

Item mailItem(const std::string& sender, std::vector<std::string> reasons, std::int64_t time = 0) {
  Item it;
  it.id = newId();
  it.time = time;
  it.source = "mail";
  it.sender = sender;
  it.recipients = {"soumu@example.lg.jp"};
  it.subject = "請求書 / invoice";
  it.verdict = "changed";
  it.reasons = std::move(reasons);
  return it;
}

}  // namespace

TEST_CASE("quarantine: an original comes back byte for byte, under its id", "[quarantine][pg]") {
  TestStore t(EACH_BACKEND, "roundtrip");
  QuarantineStore& store = *t;
  std::string original = test::readFile(test::corpora() / "generated-mail-ja/ja-01-iso2022jp-plain.eml");
  Item in = mailItem("attacker@example.net", {"type.executable"});
  CHECK(store.put(in, original) == in.id);
  auto out = store.get(in.id);
  REQUIRE(out);
  CHECK(out->sha256 == sha256Hex(original));
  CHECK(out->size == original.size());
  CHECK(out->subject == "請求書 / invoice");
  CHECK(out->recipients == std::vector<std::string>{"soumu@example.lg.jp"});
  CHECK(out->reasons == std::vector<std::string>{"type.executable"});
  CHECK(store.readOriginal(*out) == original);
  // The object is gzip (readable with zcat) and not the plain bytes.
  if (t.kind == "sqlite") {
    fs::path object = t.dir / "objects" / out->sha256.substr(0, 2) / (out->sha256 + ".gz");
    REQUIRE(fs::exists(object));
    CHECK(test::readFile(object).substr(0, 2) == "\x1f\x8b");
    // gzip itself reads it back, byte for byte.
    const auto z = test::runCommand("gzip -dc '" + object.string() + "' | cmp - '" +
                                  (test::corpora() / "generated-mail-ja/ja-01-iso2022jp-plain.eml").string() + "'");
    CHECK(z.code == 0);
  } else {
    CHECK(test::psql(t.dsn, "SELECT encode(substring(data from 1 for 2), 'hex') FROM object_chunks WHERE sha256 = '" +
                                out->sha256 + "' AND n = 0") == "1f8b\n");
    CHECK(test::psql(t.dsn, "SELECT subject, recipients FROM items") == "請求書 / invoice|[\"soumu@example.lg.jp\"]\n");
  }
  CHECK_FALSE(store.get("../../etc/passwd"));
  CHECK_FALSE(store.get(newId()));
}

TEST_CASE("quarantine: list filters by time, sender, reason, source and hash", "[quarantine][pg]") {
  TestStore t(EACH_BACKEND, "list");
  QuarantineStore& store = *t;
  store.put(mailItem("a@example.net", {"type.executable"}, 1000), "one");
  store.put(mailItem("B@Example.Net", {"html.converted", "type.script"}, 2000), "two");
  Item file = mailItem("", {"type.unknown"}, 3000);
  file.source = "file";
  file.filename = "drop/x.bin";
  store.put(file, "three");
  ListFilter f;
  CHECK(store.list(f).size() == 3);
  CHECK(store.list(f).front().time == 3000);  // newest first
  f.since = 2000;
  CHECK(store.list(f).size() == 2);
  f = {};
  f.sender = "b@example";  // substring, any case
  REQUIRE(store.list(f).size() == 1);
  CHECK(store.list(f)[0].sender == "B@Example.Net");
  f = {};
  f.sender = "%";  // LIKE wildcards are literal
  CHECK(store.list(f).empty());
  f = {};
  f.reason = "type.script";
  CHECK(store.list(f).size() == 1);
  f = {};
  f.source = "file";
  REQUIRE(store.list(f).size() == 1);
  CHECK(store.list(f)[0].filename == "drop/x.bin");
  CHECK(store.hasOriginal(sha256Hex("two")));
  CHECK_FALSE(store.hasOriginal(sha256Hex("four")));
}

TEST_CASE("quarantine: the same origin twice is stored once (restart redoing work)", "[quarantine][pg]") {
  TestStore t(EACH_BACKEND, "origin");
  QuarantineStore& store = *t;
  Item a = mailItem("x@example.net", {"type.executable"});
  a.origin = "scan:/srv/drop/a.exe";
  Item b = a;
  b.id = newId();
  CHECK(store.put(a, "MZ") == a.id);
  CHECK(store.put(b, "MZ") == a.id);
  CHECK(t.another()->put(b, "MZ") == a.id);  // from another node too
  CHECK(store.list({}).size() == 1);
  // The same origin with another original is not the same work.
  Item c = a;
  c.id = newId();
  CHECK_THROWS_WITH(store.put(c, "another file under the same name"), ContainsSubstring("another original"));
  CHECK(store.list({}).size() == 1);
}

TEST_CASE("quarantine: putting the same item again is a no-op (a retry after a lost answer)", "[quarantine][pg]") {
  TestStore t(EACH_BACKEND, "retry");
  Item a = mailItem("x@example.net", {"type.executable"});  // no origin: `mugai mail` and `scan`
  CHECK(t->put(a, "MZ original") == a.id);
  CHECK(t->put(a, "MZ original") == a.id);
  CHECK(t.another()->put(a, "MZ original") == a.id);
  CHECK(t->list({}).size() == 1);
  CHECK(t->get(a.id)->reasons == std::vector<std::string>{"type.executable"});
  // The same id with another original is not a retry.
  CHECK_THROWS_WITH(t->put(a, "another original"), ContainsSubstring("item id " + a.id + " was stored before"));
  CHECK(t->readOriginal(*t->get(a.id)) == "MZ original");
  if (t.kind == "postgresql") {
    CHECK(test::psql(t.dsn, "SELECT count(*) FROM items") == "1\n");
    CHECK(test::psql(t.dsn, "SELECT count(*) FROM objects") == "1\n");  // the refused original's is taken back
  }
}

TEST_CASE("quarantine: a damaged object is reported, never returned", "[quarantine][pg]") {
  TestStore t(EACH_BACKEND, "damage");
  QuarantineStore& store = *t;
  Item it = mailItem("x@example.net", {});
  store.put(it, std::string(10000, 'A'));
  auto item = store.get(it.id);
  REQUIRE(item);
  const bool truncate = GENERATE(true, false);
  t.damage(item->sha256, truncate);
  CHECK_THROWS_AS(store.readOriginal(*item), StoreError);
}

TEST_CASE("quarantine: purge removes old items and the objects nobody names", "[quarantine][pg]") {
  TestStore t(EACH_BACKEND, "purge");
  QuarantineStore& store = *t;
  Item old1 = mailItem("x@example.net", {}, 100);
  Item old2 = mailItem("x@example.net", {}, 200);
  Item young = mailItem("x@example.net", {}, 5000);
  store.put(old1, "only-old");
  store.put(old2, "shared");
  store.put(young, "shared");
  store.audit({0, 0, "tester", "cli", "release", old1.id, "local", "a@example.lg.jp", "ok"});
  t.ageObjects();
  PurgeResult r = store.purge(1000);
  CHECK(r.items == 2);
  CHECK(r.objects == 1);  // "shared" is still named by the young item
  CHECK_FALSE(store.get(old1.id));
  AuditFilter f;
  f.itemId = old1.id;
  REQUIRE(store.auditLog(f).size() == 1);  // the audit log outlives the item
  CHECK(store.auditLog(f)[0].who == "tester");
  auto y = store.get(young.id);
  REQUIRE(y);
  CHECK(store.readOriginal(*y) == "shared");
  if (t.kind == "postgresql") CHECK(test::psql(t.dsn, "SELECT count(*) FROM objects") == "1\n");
}

TEST_CASE("quarantine: a store from a newer mugai is refused, not rewritten", "[quarantine][pg]") {
  TestStore t(EACH_BACKEND, "version");
  t.store.reset();
  if (t.kind == "sqlite")
    REQUIRE(std::system(("sqlite3 " + (t.dir / "index.sqlite").string() + " 'PRAGMA user_version=99'").c_str()) == 0);
  else
    test::psql(t.dsn, "UPDATE mugai_meta SET value = '99' WHERE key = 'schema'");
  CHECK_THROWS_WITH(t.another(), ContainsSubstring("newer"));
}

TEST_CASE("quarantine: an index of an older schema is backed up, then migrated with its items", "[quarantine]") {
  fs::path d = freshDir("migrate");
  const fs::path index = d / "index.sqlite";
  std::string id;
  {
    Store s(d.string());
    id = s.put(mailItem("a@example.com", {"attachment.executable"}), "the original bytes");
  }
  // Make it the index of a mugai of schema 1 (before items.envelope), with sqlite3 itself.
  auto sql = [&](const fs::path& db, const std::string& q) {
    return mugai::test::runCommand("sqlite3 " + db.string() + " \"" + q + "\"").out;
  };
  // Schema 1: no items.envelope, and releases were recorded in their own table.
  REQUIRE(std::system(("sqlite3 " + index.string() +
                       " 'DROP TRIGGER items_text_insert; DROP TRIGGER items_text_delete; DROP TABLE items_text;"
                       " ALTER TABLE items DROP COLUMN envelope; DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"
                       " DROP TABLE audit; DROP TABLE users; CREATE TABLE releases (item_id TEXT NOT NULL, time INTEGER NOT NULL,"
                       " who TEXT NOT NULL, mode TEXT NOT NULL, target TEXT NOT NULL, result TEXT NOT NULL);"
                       " INSERT INTO releases VALUES (\"" + id + "\", 5, \"old admin\", \"raw\", \"x@example.lg.jp\", \"ok\");"
                       " PRAGMA user_version=1'").c_str()) == 0);

  Store s(d.string());
  CHECK_THAT(s.migration(), ContainsSubstring("from schema 1 to 6"));
  auto got = s.get(id);
  REQUIRE(got);
  CHECK(got->sender == "a@example.com");
  CHECK(s.readOriginal(*got) == "the original bytes");
  CHECK(sql(index, "PRAGMA user_version") == "6\n");
  CHECK_THAT(sql(index, "SELECT name FROM pragma_table_info('items')"), ContainsSubstring("envelope"));
  CHECK_THAT(sql(index, "SELECT name FROM pragma_table_info('users')"), ContainsSubstring("locked_until"));
  // The search index covers the items that were there before it.
  CHECK(sql(index, "SELECT count(*) FROM items_text WHERE items_text MATCH 'sender : \\\"example.com\\\"'") == "1\n");
  // The old release record is the audit log's first entry; the old table is gone.
  CHECK(sql(index, "SELECT who, role, action, item_id, target FROM audit") ==
        "old admin|cli|release_raw|" + id + "|x@example.lg.jp\n");
  CHECK(sql(index, "SELECT count(*) FROM sqlite_master WHERE name = 'releases'") == "0\n");

  std::vector<fs::path> backups;
  for (const auto& e : fs::directory_iterator(d))
    if (e.path().filename().string().find(".v1.") != std::string::npos) backups.push_back(e.path());
  REQUIRE(backups.size() == 1);
  CHECK_THAT(s.migration(), ContainsSubstring(backups[0].string()));
  CHECK(sql(backups[0], "PRAGMA user_version") == "1\n");
  CHECK(sql(backups[0], "SELECT id FROM items") == id + "\n");
  CHECK((fs::status(backups[0]).permissions() & fs::perms::others_all) == fs::perms::none);

  // Opened again: nothing left to do, no second backup.
  Store again(d.string());
  CHECK(again.migration().empty());
  fs::remove_all(d);
}

TEST_CASE("quarantine: root working on the service user's store leaves every file to that user", "[quarantine]") {
  if (::geteuid() != 0) SKIP("needs root (an operator's sudo mugai quarantine ...)");
  fs::path d = freshDir("owner");
  fs::create_directories(d);
  REQUIRE(::chown(d.c_str(), 65534, 65534) == 0);  // nobody:nogroup stands for _mugai
  {
    Store s(d.string());
    s.put(mailItem("a@example.com", {"attachment.executable"}), "kept by root");
  }
  // find(1) lists what is not the owner's; sqlite3 as that user must be able to write the index.
  CHECK(mugai::test::runCommand("find " + d.string() + " ! -user 65534").out.empty());
  auto write = mugai::test::runCommand("setpriv --reuid=65534 --regid=65534 --clear-groups sqlite3 " +
                                       (d / "index.sqlite").string() + " 'CREATE TABLE t(x); DROP TABLE t;'");
  INFO(write.out);
  CHECK(write.code == 0);
  CHECK(mugai::test::runCommand("stat -c %a " + (d / "index.sqlite").string()).out == "640\n");
  fs::remove_all(d);
}

TEST_CASE("quarantine: kill -9 while writing leaves a consistent index and every row readable", "[quarantine][crash]") {
  fs::path d = freshDir("kill");
  { Store s(d.string()); }
  for (int round = 0; round < 3; ++round) {
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      Store store(d.string());
      for (int i = 0;; ++i) {
        Item it = mailItem("x@example.net", {"type.executable"});
        std::string body = "original " + std::to_string(round) + "/" + std::to_string(i) + std::string(5000, 'x');
        store.put(it, body);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + 200 * round));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
  }
  std::string check = "sqlite3 " + (d / "index.sqlite").string() + " 'PRAGMA integrity_check' > " + (d / "ic.txt").string();
  REQUIRE(std::system(check.c_str()) == 0);
  CHECK(test::readFile(d / "ic.txt") == "ok\n");
  Store store(d.string());
  ListFilter all;
  all.limit = 1000000;
  auto items = store.list(all);
  CHECK(items.size() > 10);  // the children did get work done
  for (const auto& it : items) CHECK(store.readOriginal(it).rfind("original ", 0) == 0);
  fs::remove_all(d);
}

TEST_CASE("quarantine: puts from many threads at once are all stored; a bad one fails alone", "[quarantine][pg]") {
  TestStore t(EACH_BACKEND, "group");
  QuarantineStore& store = *t;
  Item first = mailItem("first@example.net", {"type.executable"});
  store.put(first, "the first original");
  std::vector<std::string> ids(8 * 25);
  std::atomic<int> refused = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        Item it = mailItem("t" + std::to_string(t) + "@example.net", {"type.executable"});
        // Every 10th reuses the first item's id: that row breaks the
        // transaction it shares with others' rows, and only it may fail.
        if ((t * 25 + i) % 10 == 3) it.id = first.id;
        try {
          ids[t * 25 + i] = store.put(it, "original " + std::to_string(t * 25 + i));
        } catch (const StoreError&) {
          ++refused;
        }
      }
    });
  for (auto& t : threads) t.join();
  CHECK(refused == 20);
  for (int n = 0; n < 200; ++n) {
    if (n % 10 == 3) continue;
    INFO(n);
    auto item = store.get(ids[n]);
    REQUIRE(item);
    CHECK(store.readOriginal(*item) == "original " + std::to_string(n));
  }
  CHECK(store.get(first.id)->sender == "first@example.net");
}

TEST_CASE("quarantine: the console's search finds items by subject, people, verdict, id and status", "[quarantine][search][pg]") {
  TestStore t(EACH_BACKEND, "search");
  QuarantineStore& s = *t;
  Item a = mailItem("keiri@torihiki.example.co.jp", {"attachment.executable"}, 1000);
  a.subject = "【至急】請求書の送付について";
  a.recipients = {"soumu@city.example.lg.jp"};
  Item b = mailItem("news@example.net", {"url.defanged"}, 2000);
  b.subject = "メールマガジン 12月号";
  b.verdict = "rejected";
  b.recipients = {"kouhou@example.org"};
  Item c = mailItem("x@example.net", {"archive.encrypted"}, 3000);
  c.subject = "Re: 会議";
  c.recipients = {"kikaku@city.example.lg.jp", "soumu@city.example.lg.jp"};
  for (Item* it : {&a, &b, &c}) s.put(*it, "original of " + it->subject);

  auto ids = [&](auto set) {
    ListFilter f;
    set(f);
    std::vector<std::string> out;
    for (const auto& it : s.list(f)) out.push_back(it.id);
    return out;
  };
  using V = std::vector<std::string>;
  SECTION("a Japanese substring of three characters and more goes through the index, shorter ones too") {
    CHECK(ids([](ListFilter& f) { f.subject = "請求書"; }) == V{a.id});
    CHECK(ids([](ListFilter& f) { f.subject = "会議"; }) == V{c.id});       // two characters: the scan
    CHECK(ids([](ListFilter& f) { f.subject = "マガジン 12"; }) == V{b.id});
  }
  SECTION("sender and recipient match substrings, ASCII case-insensitively") {
    CHECK(ids([](ListFilter& f) { f.sender = "TORIHIKI"; }) == V{a.id});
    CHECK(ids([](ListFilter& f) { f.recipient = "soumu@"; }) == V{c.id, a.id});
    CHECK(ids([](ListFilter& f) { f.recipient = "kikaku"; f.sender = "example.net"; }) == V{c.id});
  }
  SECTION("FTS5 syntax in a term is taken literally") {
    CHECK(ids([](ListFilter& f) { f.subject = "\" OR sender : \"example"; }).empty());
    CHECK(ids([](ListFilter& f) { f.subject = "NEAR(a b)"; }).empty());
    CHECK(ids([](ListFilter& f) { f.subject = "%"; }).empty());
  }
  SECTION("verdict, reason, id prefix and time range") {
    CHECK(ids([](ListFilter& f) { f.verdict = "rejected"; }) == V{b.id});
    CHECK(ids([](ListFilter& f) { f.reason = "archive.encrypted"; }) == V{c.id});
    const std::string prefix = a.id.substr(0, 6);
    CHECK(ids([&](ListFilter& f) { f.idPrefix = prefix; }) == V{a.id});
    CHECK(ids([](ListFilter& f) { f.since = 1500; f.before = 2500; }) == V{b.id});
  }
  SECTION("status follows the audit log: only a release that went out counts") {
    s.audit({0, 0, "admin", "admin", "release", a.id, "web:192.0.2.1", "soumu@city.example.lg.jp", "started"});
    s.audit({0, 0, "admin", "admin", "release", b.id, "web:192.0.2.1", "x", "failed: 451"});
    s.audit({0, 0, "admin", "admin", "release", a.id, "web:192.0.2.1", "soumu@city.example.lg.jp", "ok: 250"});
    CHECK(ids([](ListFilter& f) { f.status = "released"; }) == V{a.id});
    CHECK(ids([](ListFilter& f) { f.status = "held"; }) == V{c.id, b.id});
    CHECK(s.released(a.id));
    CHECK_FALSE(s.released(b.id));
  }
  SECTION("pages: limit and offset") {
    CHECK(ids([](ListFilter& f) { f.limit = 2; }) == V{c.id, b.id});
    CHECK(ids([](ListFilter& f) { f.limit = 2; f.offset = 2; }) == V{a.id});
  }
}

TEST_CASE("quarantine: failed logins lock an account; a good login or a new password clears it", "[quarantine][users][pg]") {
  TestStore t(EACH_BACKEND, "lockout");
  QuarantineStore& s = *t;
  WebUser u;
  u.name = "Tanaka";
  u.role = "admin";
  u.hash = "$argon2id$x";
  s.addUser(u);
  CHECK(s.loginFailed("tanaka", 100, 3, 900) == 0);
  CHECK(s.loginFailed("TANAKA", 101, 3, 900) == 0);
  CHECK(s.loginFailed("tanaka", 102, 3, 900) == 1002);
  CHECK(s.user("tanaka")->lockedUntil == 1002);
  CHECK(s.user("tanaka")->failedLogins == 3);
  CHECK(s.loginFailed("nobody", 102, 3, 900) == 0);
  CHECK(s.setUserHash("tanaka", "$argon2id$y"));
  CHECK(s.user("tanaka")->lockedUntil == 0);
  CHECK(s.loginFailed("tanaka", 200, 3, 900) == 0);
  s.loginSucceeded("tanaka", 201);
  CHECK(s.user("tanaka")->failedLogins == 0);
  CHECK(s.user("tanaka")->lastLogin == 201);
  CHECK_THROWS_AS(s.addUser(u), StoreError);  // the name is taken, in any case
  u.name = "TANAKA";
  CHECK_THROWS_AS(s.addUser(u), StoreError);
  CHECK(s.deleteUser("tanaka"));
  CHECK_FALSE(s.user("Tanaka"));
}

TEST_CASE("quarantine: a search gives the same pages whether the time index or the trigram index leads", "[quarantine][search]") {
  // Past 4,000 candidates list() walks the time index (LIKE on the rows);
  // below, it starts from the trigram and reason indexes. Both must give
  // the newest matches first, page by page, as a plain sort would.
  fs::path d = freshDir("plans");
  Store s(d.string());
  s.setDeferredSync(true);
  struct Row {
    std::string id;
    std::int64_t time;
    bool common, rare, reason;
  };
  std::vector<Row> rows;
  for (int i = 0; i < 5000; ++i) {
    Item it = mailItem("s" + std::to_string(i % 7) + "@example.net", {i % 3 == 0 ? "archive.encrypted" : "url.defanged"},
                       1000 + (i * 7919) % 3000);  // times out of order, with ties
    const bool common = i % 5 != 0, rare = i % 997 == 3;
    it.subject = std::string(common ? "請求書" : "会議") + (rare ? " 固定資産税" : "") + " " + std::to_string(i);
    it.id = s.put(it, "o" + std::to_string(i));
    rows.push_back({it.id, it.time, common, rare, i % 3 == 0});
  }
  // Newest first; ties of one second: the later put first.
  std::vector<std::size_t> order(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return rows[a].time != rows[b].time ? rows[a].time > rows[b].time : a > b;
  });
  auto expected = [&](auto keep, int offset, int limit) {
    std::vector<std::string> out;
    for (std::size_t i : order)
      if (keep(rows[i])) out.push_back(rows[i].id);
    out.erase(out.begin(), out.begin() + std::min<std::size_t>(offset, out.size()));
    if (out.size() > static_cast<std::size_t>(limit)) out.resize(limit);
    return out;
  };
  auto got = [&](auto set, int offset, int limit) {
    ListFilter f;
    set(f);
    f.offset = offset;
    f.limit = limit;
    std::vector<std::string> out;
    for (const auto& it : s.list(f)) out.push_back(it.id);
    return out;
  };
  for (int offset : {0, 50, 3950}) {
    INFO("offset " << offset);
    CHECK(got([](ListFilter& f) { f.subject = "請求書"; }, offset, 51) == expected([](const Row& r) { return r.common; }, offset, 51));
    CHECK(got([](ListFilter& f) { f.reason = "url.defanged"; }, offset, 51) ==
          expected([](const Row& r) { return !r.reason; }, offset, 51));
    CHECK(got([](ListFilter& f) { f.subject = "請求書"; f.reason = "archive.encrypted"; }, offset, 51) ==
          expected([](const Row& r) { return r.common && r.reason; }, offset, 51));
    CHECK(got([](ListFilter& f) { f.subject = "固定資産税"; }, offset, 51) == expected([](const Row& r) { return r.rare; }, offset, 51));
  }
  fs::remove_all(d);
}

TEST_CASE("quarantine: one release of an item at a time, until it ends or its lease runs out", "[quarantine][pg]") {
  TestStore t(EACH_BACKEND, "claim");
  Item it = mailItem("x@example.net", {"type.executable"});
  t->put(it, "MZ");
  auto other = t.another();  // another node
  auto now = [] { return epochSeconds(); };
  // A lease of whole seconds: 3 s lasts more than 2, whatever the clocks' fractions.
  CHECK(t->claimRelease(it.id, "node-a pid 1", now(), 3));
  CHECK_FALSE(other->claimRelease(it.id, "node-b pid 2", now(), 600));
  other->endRelease(it.id, "node-b pid 2");  // not its claim: nothing changes
  CHECK_FALSE(other->claimRelease(it.id, "node-b pid 2", now(), 600));
  std::this_thread::sleep_for(std::chrono::milliseconds(4100));
  CHECK(other->claimRelease(it.id, "node-b pid 2", now(), 600));  // node-a died: its lease ran out
  CHECK_FALSE(t->claimRelease(it.id, "node-a pid 3", now(), 600));
  other->endRelease(it.id, "node-b pid 2");
  CHECK(t->claimRelease(it.id, "node-a pid 3", now(), 600));
}

TEST_CASE("quarantine: a request is decided once; one left deciding for an hour may be taken again", "[quarantine][pg]") {
  TestStore t(EACH_BACKEND, "requests");
  const std::string item = newId();
  const std::int64_t seq = t->addRequest({0, item, 0, "soumu@city.example.lg.jp", "reason", "web:192.0.2.9", "pending", "", 0, ""});
  REQUIRE(seq > 0);
  CHECK(t->addRequest({0, item, 0, "Soumu@City.Example.lg.jp", "again", "web:192.0.2.9", "pending", "", 0, ""}) == 0);
  CHECK(t->claimRequest(seq, "admin1", 10000));
  CHECK_FALSE(t.another()->claimRequest(seq, "admin2", 10001));
  CHECK_FALSE(t.another()->claimRequest(seq, "admin2", 13600));
  CHECK(t.another()->claimRequest(seq, "admin2", 13601));  // admin1's node died an hour ago
  t->finishRequest(seq, "approved", "");
  CHECK(t->request(seq)->state == "approved");
  CHECK(t->request(seq)->decidedBy == "admin2");
  CHECK_FALSE(t->claimRequest(seq, "admin3", 99999));  // decided: for good
}

TEST_CASE("quarantine: two handles on one PostgreSQL store are two nodes of one quarantine", "[quarantine][pg]") {
  TestStore t("postgresql", "nodes");
  auto nodeB = t.another();
  Item a = mailItem("keiri@torihiki.example.co.jp", {"attachment.executable"});
  a.envelope = Envelope{"keiri@torihiki.example.co.jp", {"soumu@city.example.lg.jp"}};
  t->put(a, "kept by node A");
  Item again = mailItem("other@example.net", {});
  t->put(again, "kept by node A");  // the same original: stored once
  CHECK(test::psql(t.dsn, "SELECT count(*) FROM objects") == "1\n");
  auto got = nodeB->get(a.id);
  REQUIRE(got);
  CHECK(got->envelope->to == std::vector<std::string>{"soumu@city.example.lg.jp"});
  CHECK(nodeB->readOriginal(*got) == "kept by node A");
  ListFilter f;
  f.sender = "TORIHIKI";
  REQUIRE(nodeB->list(f).size() == 1);
  nodeB->audit({0, 0, "admin", "admin", "release", a.id, "web:192.0.2.1", "soumu@city.example.lg.jp", "ok: 250"});
  CHECK(t->released(a.id));

  // A request decided once, however many administrators on however many nodes click at once.
  const std::int64_t seq = t->addRequest({0, a.id, 0, "soumu@city.example.lg.jp", "必要です", "web:192.0.2.9", "pending", "", 0, ""});
  REQUIRE(seq > 0);
  CHECK(nodeB->addRequest({0, a.id, 0, "SOUMU@city.example.lg.jp", "again", "web:192.0.2.9", "pending", "", 0, ""}) == 0);
  std::atomic<int> claimed = 0;
  std::vector<std::thread> admins;
  for (int i = 0; i < 8; ++i)
    admins.emplace_back([&, i] {
      auto node = t.another();
      if (node->claimRequest(seq, "admin" + std::to_string(i), 1000)) ++claimed;
    });
  for (auto& th : admins) th.join();
  CHECK(claimed == 1);
  CHECK(test::psql(t.dsn, "SELECT state FROM requests") == "deciding\n");
}

TEST_CASE("quarantine: PostgreSQL's audit log refuses changes, and a store without its guards is not opened", "[quarantine][pg]") {
  TestStore t("postgresql", "auditpg");
  t->audit({0, 0, "tanaka", "cli", "release", newId(), "local", "a@example.lg.jp", "ok"});
  for (const char* change : {"UPDATE audit SET result = 'nothing'", "DELETE FROM audit", "TRUNCATE audit"})
    CHECK_THROWS_WITH(test::psql(t.dsn, change), ContainsSubstring("append-only"));
  CHECK(test::psql(t.dsn, "SELECT who, result FROM audit") == "tanaka|ok\n");
  t.store.reset();
  // Triggers that fire only for replication are not guards.
  test::psql(t.dsn, "ALTER TABLE audit ENABLE REPLICA TRIGGER audit_no_change");
  CHECK_THROWS_WITH(t.another(), ContainsSubstring("audit log"));
  test::psql(t.dsn, "ALTER TABLE audit ENABLE TRIGGER audit_no_change");
  CHECK_NOTHROW(t.another());
  test::psql(t.dsn, "DROP TRIGGER audit_no_change ON audit");
  CHECK_THROWS_WITH(t.another(), ContainsSubstring("audit log"));
}

TEST_CASE("quarantine: text PostgreSQL cannot hold is kept with U+FFFD, the original byte for byte", "[quarantine][pg]") {
  TestStore t("postgresql", "hostile");
  // Reason codes go into a text[] literal: quotes, backslashes, braces and commas stay themselves.
  Item it = mailItem(std::string("a\0b@example.net", 15), {"type.executable", "a\"b\\c{d},e", "NULL"});
  it.subject = "bad \xff\xfe utf-8 \xe3\x81";
  it.filename = std::string("x\0.exe", 6);
  const std::string original = std::string("Subject: \xff\0\r\n\r\n", 14) + std::string(3 << 20, '\xff');  // past one chunk
  t->put(it, original);
  auto got = t->get(it.id);
  REQUIRE(got);
  CHECK(got->sender == "a\xEF\xBF\xBD" "b@example.net");
  CHECK(got->subject == "bad \xEF\xBF\xBD\xEF\xBF\xBD utf-8 \xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(test::psql(t.dsn, "SELECT code FROM item_reasons ORDER BY code") == "NULL\na\"b\\c{d},e\ntype.executable\n");
  CHECK(t->readOriginal(*got) == original);
}

TEST_CASE("quarantine: a PostgreSQL search past its 5 s budget is cut and asks to be narrowed", "[quarantine][search][pg]") {
  TestStore t("postgresql", "toobroad");
  Item it = mailItem("a@example.net", {});
  t->put(it, "x");
  // Another session holds the items table (as a VACUUM FULL or an
  // operator's long transaction would) for 10 s: the search waits on it.
  const fs::path dir = test::freshTempDir("toobroad");
  test::Background holder("psql -XAtq '" + t.dsn + "' -c 'BEGIN' -c 'LOCK TABLE items IN ACCESS EXCLUSIVE MODE' "
                          "-c 'SELECT pg_sleep(10)'",
                          dir / "psql.log");
  // The lock as the server sees it (psql's own output is buffered).
  const auto locked = [&] {
    return test::psql(t.dsn, "SELECT count(*) FROM pg_locks WHERE relation = 'items'::regclass "
                             "AND mode = 'AccessExclusiveLock' AND granted") == "1\n";
  };
  REQUIRE(test::waitFor(locked, 15));
  ListFilter f;
  f.subject = "invoice";
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(t->list(f), SearchTooBroad);
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(waited > 4.5);  // the budget, not an error at once
  CHECK(waited < 9.0);  // and not the lock's end
  // Once the other session ends, the same search answers.
  REQUIRE(test::waitFor([&] { return !locked(); }, 20));
  CHECK(test::waitFor([&] { try { return t->list(f).size() == 1; } catch (const StoreError&) { return false; } }, 10));
  fs::remove_all(dir);
}

TEST_CASE("quarantine: PostgreSQL restarting or away is an error, not a loss; the pool reconnects", "[quarantine][pg]") {
  SECTION("unreachable at open: a clear error, which never shows a password") {
    QuarantineConfig c;
    c.backend = "postgresql";
    c.dsn = "host=/nonexistent port=1 dbname=mugai connect_timeout=2";
    CHECK_THROWS_WITH(openStore(c), ContainsSubstring("cannot connect to the quarantine database (host=/nonexistent port=1 dbname=mugai)"));
    c.dsn = "postgresql://mugai:TopSecret@/mugai?host=/nonexistent";
    CHECK_THROWS_WITH(openStore(c), !ContainsSubstring("TopSecret") && ContainsSubstring("holds a password"));
  }
  SECTION("a pool of one connection is two: opening needs both") {
    QuarantineConfig c;
    c.backend = "postgresql";
    c.dsn = test::freshPgDatabase("pool1");
    c.poolSize = 1;
    auto store = openStore(c, 1);
    Item a = mailItem("a@example.net", {});
    CHECK(store->put(a, "x") == a.id);
    store.reset();
    test::dropPgDatabase(c.dsn);
  }
  SECTION("a restart between two puts: the second one finds a fresh connection") {
    // Its own cluster: a restart must not disturb the other tests' databases.
    test::PgCluster cluster("restart", 55431);
    QuarantineConfig c;
    c.backend = "postgresql";
    c.dsn = cluster.dsn() + " dbname=postgres";
    auto store = openStore(c, 4);
    Item a = mailItem("a@example.net", {});
    store->put(a, "before the restart");
    cluster.restart();
    Item b = mailItem("b@example.net", {});
    CHECK(store->put(b, "after the restart") == b.id);
    CHECK(store->readOriginal(*store->get(a.id)) == "before the restart");
    cluster.stop();
    Item c2 = mailItem("c@example.net", {});
    CHECK_THROWS_AS(store->put(c2, "while it is down"), StoreError);
  }
}
