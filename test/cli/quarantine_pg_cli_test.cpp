// `mugai quarantine` on the shared store (PostgreSQL), as an operator of
// two nodes uses it: move a node's store into it with `migrate` (each
// original checked by Python's gzip and hashlib on what psql reads out),
// then list, show and release from it; two releases of one item started
// at once deliver it once.
#include <catch2/catch_test_macros.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "core/ids.h"
#include "core/quarantine/store.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"
#include "test/common/pg_test.h"
#include "test/common/smtp_sink.h"

namespace fs = std::filesystem;
using namespace mugai;
using mugai::test::runCli;
using mugai::test::runCommand;

namespace {

quarantine::Item item(const std::string& sender, std::int64_t time) {
  quarantine::Item it;
  it.id = newId();
  it.time = time;
  it.source = "mail";
  it.sender = sender;
  it.recipients = {"soumu@city.example.lg.jp"};
  it.envelope = quarantine::Envelope{sender, {"soumu@city.example.lg.jp"}};
  it.subject = "請求書";
  it.verdict = "changed";
  it.reasons = {"attachment.executable"};
  return it;
}

// SHA-256 of each original as Python finds it: psql hands out the chunks
// in order (base64), Python joins, gunzips and hashes them.
std::string independentHashes(const std::string& dsn) {
  const std::string dump =
      test::psql(dsn, "SELECT i.id || ' ' || i.sha256 || ' ' || "
                      "(SELECT translate(encode(string_agg(c.data, ''::bytea ORDER BY c.n), 'base64'), E'\\n', '') FROM object_chunks c "
                      "WHERE c.sha256 = i.sha256) FROM items i ORDER BY i.id");
  fs::path f = test::freshTempDir("pgdump") / "dump.txt";
  test::writeFile(f, dump);
  auto r = runCommand(
      "/usr/bin/python3 -c 'import sys,base64,gzip,hashlib\n"
      "rows=[l.split(\" \",2) for l in open(sys.argv[1]).read().split(\"\\n\") if l]\n"
      "bad=0\n"
      "for i,s,b in rows:\n"
      "  h=hashlib.sha256(gzip.decompress(base64.b64decode(b))).hexdigest()\n"
      "  bad+= h!=s\n"
      "print(len(rows), bad)' " + f.string());
  fs::remove_all(f.parent_path());
  return r.out;
}

}  // namespace

TEST_CASE("mugai quarantine migrate: a node's store moves into PostgreSQL, every original verified", "[cli][quarantine][pg]") {
  fs::path d = test::freshTempDir("qmigrate");
  const std::string dsn = test::freshPgDatabase("migrate");
  std::vector<std::string> ids;
  {
    quarantine::Store s((d / "q").string());
    for (int i = 0; i < 30; ++i)  // 1,000-item pages are not needed to reach a second's boundary: ties at one second
      ids.push_back(s.put(item("s" + std::to_string(i) + "@example.net", 1000 + i / 4),
                          i % 10 == 9 ? std::string("a shared original") : "original " + std::to_string(i) + std::string(i * 1000, 'x')));
    s.audit({0, 500, "tanaka (uid 1000)", "cli", "export", ids[0], "local", "/tmp/x.eml", "ok"});
    s.addUser({"Suzuki", "admin", "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaA", 0, 0, 0, 0, 0, false});
    s.addRequest({0, ids[1], 0, "soumu@city.example.lg.jp", "業務で必要", "web:192.0.2.1", "pending", "", 0, ""});
  }
  auto r = runCli("quarantine migrate --from sqlite:" + (d / "q").string() + " --to 'postgresql:" + dsn + "'");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("30 item(s) copied and verified, 0 already there, 0 failed; 1 account(s), 1 pending request(s), 1 audit entries") !=
        std::string::npos);
  CHECK(test::psql(dsn, "SELECT count(*), count(DISTINCT sha256) FROM items") == "30|28\n");
  CHECK(test::psql(dsn, "SELECT count(*) FROM objects") == "28\n");  // the shared original once
  CHECK(independentHashes(dsn) == "30 0\n");
  CHECK(test::psql(dsn, "SELECT name, role FROM users") == "Suzuki|admin\n");
  CHECK(test::psql(dsn, "SELECT who, action, time, result FROM audit WHERE action <> 'migrate'") ==
        "tanaka (uid 1000)|export|500|ok\n");  // the entry as it was, time included
  CHECK(test::psql(dsn, "SELECT count(*) FROM audit WHERE action = 'migrate' AND result LIKE 'ok: 30 item(s)%'") == "1\n");
  CHECK(test::psql(dsn, "SELECT time FROM items WHERE id = '" + ids[5] + "'") == "1001\n");

  SECTION("run again: nothing doubled") {
    auto again = runCli("quarantine migrate --from sqlite:" + (d / "q").string() + " --to 'postgresql:" + dsn + "'");
    CHECK(again.code == 0);
    CHECK(again.out.find("0 item(s) copied and verified, 30 already there") != std::string::npos);
    CHECK(again.out.find(", 0 audit entries") != std::string::npos);  // each entry once
    CHECK(test::psql(dsn, "SELECT count(*) FROM audit WHERE action <> 'migrate'") == "1\n");
    CHECK(test::psql(dsn, "SELECT count(*) FROM items") == "30\n");
    CHECK(test::psql(dsn, "SELECT count(*) FROM requests") == "1\n");
  }
  SECTION("a damaged original in the source is reported and not moved") {
    const std::string dsn2 = test::freshPgDatabase("migrate2");
    quarantine::Store s((d / "q").string());
    auto it = s.get(ids[3]);
    fs::path object = d / "q" / "objects" / it->sha256.substr(0, 2) / (it->sha256 + ".gz");
    std::string gz = test::readFile(object);
    gz[gz.size() / 2] ^= 0x55;
    test::writeFile(object, gz);
    auto bad = runCli("quarantine migrate --from sqlite:" + (d / "q").string() + " --to 'postgresql:" + dsn2 + "'");
    CHECK(bad.code == 5);
    CHECK(bad.out.find("item " + ids[3] + " not migrated") != std::string::npos);
    CHECK(test::psql(dsn2, "SELECT count(*) FROM items") == "29\n");
    test::dropPgDatabase(dsn2);
  }
  SECTION("bad usage; a password on the command line is refused") {
    CHECK(runCli("quarantine migrate --from " + (d / "q").string() + " --to 'postgresql:" + dsn + "'").code == 3);
    auto secret = runCli("quarantine migrate --from sqlite:" + (d / "q").string() + " --to 'postgresql:" + dsn +
                         " password=TopSecret'");
    CHECK(secret.code == 3);
    CHECK(secret.out.find("never on the command line") != std::string::npos);
  }
  test::dropPgDatabase(dsn);
  fs::remove_all(d);
}

TEST_CASE("mugai quarantine on PostgreSQL: list, show and release from any node; two releases at once deliver once", "[cli][quarantine][pg]") {
  fs::path d = test::freshTempDir("qpgcli");
  const std::string dsn = test::freshPgDatabase("cli");
  // A slow relay (3 s per message) holds each release open: two started
  // together overlap, however slowly each process starts (ASan).
  test::SmtpSink sink(d / "sink", {}, 0, {"--data-delay", "3"});
  test::writeFile(d / "c.toml", "[quarantine]\nbackend = \"postgresql\"\ndsn = \"" + dsn + "\"\nrelease_relay = \"" +
                                    sink.hostPort() + "\"\n");
  const std::string q = "quarantine -c " + (d / "c.toml").string() + " ";
  // `mugai mail` on this node keeps the original in the shared store.
  test::writeFile(d / "in.eml",
                  "From: a@example.net\r\nTo: soumu@example.lg.jp\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
                  "--b\r\nContent-Type: application/octet-stream; name=run.exe\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                  "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA4fug4AtAnNIbgBTM0h\r\n"
                  "--b\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--b--\r\n");
  auto kept = runCli("mail -c " + (d / "c.toml").string() + " " + (d / "in.eml").string() + " -o " + (d / "out.eml").string() +
                     " --report " + (d / "r.json").string());
  REQUIRE(kept.code == 1);
  const std::string id = nlohmann::json::parse(test::readFile(d / "r.json"))["id"];
  CHECK(test::psql(dsn, "SELECT id FROM items") == id + "\n");

  auto list = runCli(q + "list");
  CHECK(list.code == 0);
  CHECK(list.out.find(id) != std::string::npos);
  auto show = runCli(q + "show " + id);
  REQUIRE(show.code == 0);
  CHECK(nlohmann::json::parse(show.out)["id"] == id);

  // Two operators (two nodes) release the same item at the same moment.
  auto both = runCommand("(" + test::cliCommand(q + "release " + id + " --to soumu@example.lg.jp") + " & " +
                         test::cliCommand(q + "release " + id + " --to soumu@example.lg.jp") + " & wait)");
  INFO(both.out);
  CHECK(both.out.find("is under way") != std::string::npos);
  CHECK(sink.messages().size() == 1);
  CHECK(test::psql(dsn, "SELECT count(*) FROM audit WHERE action = 'release' AND result LIKE 'ok%'") == "1\n");
  CHECK(test::psql(dsn, "SELECT count(*) FROM audit WHERE action = 'release' AND result LIKE 'refused: another release%'") ==
        "1\n");
  // Once it has ended, a release is allowed again (to another recipient, say).
  CHECK(runCli(q + "release " + id + " --to kikaku@example.lg.jp").code == 0);
  CHECK(sink.messages().size() == 2);
  test::dropPgDatabase(dsn);
  fs::remove_all(d);
}
