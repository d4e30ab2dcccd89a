// The quarantine store: what goes in comes out byte for byte, the index
// answers the questions an operator asks, damage is detected, and a
// kill -9 in the middle of writing leaves a consistent index.
#include <catch2/catch_test_macros.hpp>
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
#include "core/quarantine/store.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"

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

TEST_CASE("quarantine: an original comes back byte for byte, under its id", "[quarantine]") {
  fs::path d = freshDir("roundtrip");
  Store store(d.string());
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
  // The object on disk is gzip (readable with zcat) and not the plain bytes.
  fs::path object = d / "objects" / out->sha256.substr(0, 2) / (out->sha256 + ".gz");
  REQUIRE(fs::exists(object));
  CHECK(test::readFile(object).substr(0, 2) == "\x1f\x8b");
  CHECK_FALSE(store.get("../../etc/passwd"));
  CHECK_FALSE(store.get(newId()));
  fs::remove_all(d);
}

TEST_CASE("quarantine: list filters by time, sender, reason, source and hash", "[quarantine]") {
  fs::path d = freshDir("list");
  Store store(d.string());
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
  fs::remove_all(d);
}

TEST_CASE("quarantine: the same origin twice is stored once (restart redoing work)", "[quarantine]") {
  fs::path d = freshDir("origin");
  Store store(d.string());
  Item a = mailItem("x@example.net", {"type.executable"});
  a.origin = "scan:/srv/drop/a.exe";
  Item b = a;
  b.id = newId();
  CHECK(store.put(a, "MZ") == a.id);
  CHECK(store.put(b, "MZ") == a.id);
  CHECK(store.list({}).size() == 1);
  fs::remove_all(d);
}

TEST_CASE("quarantine: a damaged object is reported, never returned", "[quarantine]") {
  fs::path d = freshDir("damage");
  Store store(d.string());
  Item it = mailItem("x@example.net", {});
  store.put(it, std::string(10000, 'A'));
  auto item = store.get(it.id);
  REQUIRE(item);
  fs::path object = d / "objects" / item->sha256.substr(0, 2) / (item->sha256 + ".gz");
  std::string gz = test::readFile(object);
  SECTION("truncated") { gz.resize(gz.size() / 2); }
  SECTION("a flipped byte") { gz[gz.size() / 2] ^= 0x55; }
  std::ofstream(object, std::ios::binary | std::ios::trunc) << gz;
  CHECK_THROWS_AS(store.readOriginal(*item), StoreError);
  fs::remove_all(d);
}

TEST_CASE("quarantine: purge removes old items and the objects nobody names", "[quarantine]") {
  fs::path d = freshDir("purge");
  Store store(d.string());
  Item old1 = mailItem("x@example.net", {}, 100);
  Item old2 = mailItem("x@example.net", {}, 200);
  Item young = mailItem("x@example.net", {}, 5000);
  store.put(old1, "only-old");
  store.put(old2, "shared");
  store.put(young, "shared");
  store.audit({0, 0, "tester", "cli", "release", old1.id, "local", "a@example.lg.jp", "ok"});
  // Age every object past the one-hour grace of concurrent writers.
  for (auto& e : fs::recursive_directory_iterator(d / "objects"))
    if (e.is_regular_file()) fs::last_write_time(e.path(), fs::file_time_type::clock::now() - std::chrono::hours(2));
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
  fs::remove_all(d);
}

TEST_CASE("quarantine: a store from a newer mugai is refused, not rewritten", "[quarantine]") {
  fs::path d = freshDir("version");
  { Store s(d.string()); }
  REQUIRE(std::system(("sqlite3 " + (d / "index.sqlite").string() + " 'PRAGMA user_version=99'").c_str()) == 0);
  CHECK_THROWS_WITH(Store(d.string()), ContainsSubstring("newer"));
  fs::remove_all(d);
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
  CHECK_THAT(s.migration(), ContainsSubstring("from schema 1 to 5"));
  auto got = s.get(id);
  REQUIRE(got);
  CHECK(got->sender == "a@example.com");
  CHECK(s.readOriginal(*got) == "the original bytes");
  CHECK(sql(index, "PRAGMA user_version") == "5\n");
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

TEST_CASE("quarantine: puts from many threads at once are all stored; a bad one fails alone", "[quarantine]") {
  fs::path d = freshDir("group");
  Store store(d.string());
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
  fs::remove_all(d);
}

TEST_CASE("quarantine: the console's search finds items by subject, people, verdict, id and status", "[quarantine][search]") {
  fs::path d = freshDir("search");
  Store s(d.string());
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
  fs::remove_all(d);
}

TEST_CASE("quarantine: failed logins lock an account; a good login or a new password clears it", "[quarantine][users]") {
  fs::path d = freshDir("lockout");
  Store s(d.string());
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
  fs::remove_all(d);
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
