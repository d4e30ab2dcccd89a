// `mugai quarantine` as an administrator uses it: find what was kept,
// look at it, export it, release it through a real SMTP peer, purge.
// Every export and release must show up in the audit trail.
#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/mime_encode.h"
#include "core/quarantine/store.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"
#include "test/common/smtp_sink.h"

namespace fs = std::filesystem;
using mugai::test::runCli;

namespace {

// An .exe attachment next to a text body: the default policy removes the
// attachment, the release policy still does (programs stay out).
const std::string kExeMail =
    "From: Sender <sender@example.net>\r\nTo: soumu@example.lg.jp\r\nSubject: invoice\r\n"
    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
    "--b\r\nContent-Type: application/octet-stream; name=run.exe\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA4fug4AtAnNIbgBTM0h\r\n"
    "--b--\r\n";

// A macro-enabled Office name on unknown bytes: the default policy removes
// it (unknown type, macro extension); the release policy lets it through.
const std::string kDocmMail =
    "From: partner@example.co.jp\r\nTo: kikaku@example.lg.jp\r\nSubject: data\r\n"
    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nplease find the data\r\n"
    "--b\r\nContent-Type: application/octet-stream; name=data.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJ\r\n"
    "--b--\r\n";

std::string keep(const fs::path& d, const std::string& name, const std::string& mail) {
  mugai::test::writeFile(d / name, mail);
  auto r = runCli("mail " + (d / name).string() + " --quarantine " + (d / "q").string() + " -o " +
                  (d / (name + ".out")).string() + " --report " + (d / (name + ".json")).string());
  REQUIRE(r.code == 1);
  return nlohmann::json::parse(mugai::test::readFile(d / (name + ".json")))["id"];
}

std::string crlf(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
    out += s[i];
  }
  return out;
}

}  // namespace

TEST_CASE("mugai quarantine: list, show, export, release and purge with an audit trail", "[cli][quarantine]") {
  fs::path d = mugai::test::freshTempDir("qcli");
  const std::string exeId = keep(d, "exe.eml", kExeMail);
  const std::string docId = keep(d, "doc.eml", kDocmMail);
  mugai::test::SmtpSink sink(d / "sink");
  mugai::test::writeFile(d / "c.toml", "[quarantine]\ndir = \"" + (d / "q").string() + "\"\nrelease_relay = \"" +
                                           sink.hostPort() + "\"\n");
  const std::string q = "quarantine -c " + (d / "c.toml").string() + " ";

  SECTION("list finds items by reason and sender") {
    auto all = runCli(q + "list");
    CHECK(all.code == 0);
    CHECK(all.out.find(exeId) != std::string::npos);
    CHECK(all.out.find(docId) != std::string::npos);
    auto byReason = runCli(q + "list --reason type.executable");
    CHECK(byReason.out.find(exeId) != std::string::npos);
    CHECK(byReason.out.find(docId) == std::string::npos);
    auto bySender = runCli(q + "list --sender PARTNER@example --json");
    auto j = nlohmann::json::parse(bySender.out.substr(0, bySender.out.find('\n')));
    CHECK(j["id"] == docId);
    CHECK(runCli(q + "list --since yesterday").code == 3);
  }
  SECTION("show tells what was done") {
    auto r = runCli(q + "show " + exeId);
    REQUIRE(r.code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["actions"][0]["code"] == "type.executable");
    CHECK(j["report"]["id"] == exeId);
    CHECK(runCli(q + "show 0123").code == 5);
  }
  SECTION("export writes the untouched original and is audited") {
    REQUIRE(runCli(q + "export " + exeId + " -o " + (d / "x.eml").string()).code == 0);
    CHECK(mugai::test::readFile(d / "x.eml") == kExeMail);
    auto j = nlohmann::json::parse(runCli(q + "show " + exeId).out);
    CHECK(j["audit"][0]["action"] == "export");
  }
  SECTION("release re-sanitizes under the release policy and delivers to --to (no envelope was recorded)") {
    // mugai mail records no SMTP envelope: the header's To is never taken as one.
    auto none = runCli(q + "release " + docId);
    CHECK(none.code == 3);
    CHECK(none.out.find("no SMTP envelope on record") != std::string::npos);
    CHECK(sink.messages().empty());
    auto r = runCli(q + "release " + docId + " --to kikaku@example.lg.jp");
    INFO(r.out);
    REQUIRE(r.code == 0);
    auto msgs = sink.messages();
    REQUIRE(msgs.size() == 1);
    auto env = nlohmann::json::parse(sink.envelope(1));
    CHECK(env["to"][0] == "kikaku@example.lg.jp");
    CHECK(env["from"] == "");  // no release_from and no recorded sender: the null sender
    CHECK(msgs[0].find("name=data.bin") != std::string::npos);  // the release policy keeps unknown types
    CHECK(msgs[0].find("X-Mugai-Id: " + docId) != std::string::npos);
    auto j = nlohmann::json::parse(runCli(q + "show " + docId).out);
    CHECK(j["audit"][0]["action"] == "release");
    CHECK(j["audit"][0]["result"].get<std::string>().rfind("ok", 0) == 0);
    CHECK(j["audit"][0]["who"].get<std::string>().find("uid") != std::string::npos);
  }
  SECTION("release never hands out a program; --to overrides the recipients") {
    auto r = runCli(q + "release " + exeId + " --to admin@example.lg.jp");
    REQUIRE(r.code == 0);
    auto msgs = sink.messages();
    REQUIRE(msgs.size() == 1);
    CHECK(nlohmann::json::parse(sink.envelope(1))["to"][0] == "admin@example.lg.jp");
    CHECK(msgs[0].find("TVqQAAMAAAAEAAAA") == std::string::npos);
    CHECK(msgs[0].find("X-Mugai-Result: changed") != std::string::npos);
  }
  SECTION("--raw delivers the original itself, loudly") {
    auto r = runCli(q + "release " + exeId + " --raw --to soumu@example.lg.jp");
    REQUIRE(r.code == 0);
    CHECK(r.out.find("WARNING") != std::string::npos);
    auto msgs = sink.messages();
    REQUIRE(msgs.size() == 1);
    CHECK(msgs[0] == crlf(kExeMail));
    auto j = nlohmann::json::parse(runCli(q + "show " + exeId).out);
    CHECK(j["audit"][0]["action"] == "release_raw");
  }
  SECTION("a refused recipient or a dead relay is a failure, recorded as such") {
    mugai::test::SmtpSink picky(d / "picky", {"nobody@example.lg.jp"});
    mugai::test::writeFile(d / "p.toml", "[quarantine]\ndir = \"" + (d / "q").string() + "\"\nrelease_relay = \"" +
                                             picky.hostPort() + "\"\n");
    auto r = runCli("quarantine -c " + (d / "p.toml").string() + " release " + docId + " --to nobody@example.lg.jp");
    CHECK(r.code == 5);
    CHECK(picky.messages().empty());
    mugai::test::writeFile(d / "dead.toml", "[quarantine]\ndir = \"" + (d / "q").string() +
                                                "\"\nrelease_relay = \"127.0.0.1:1\"\n");
    CHECK(runCli("quarantine -c " + (d / "dead.toml").string() + " release " + docId + " --to kikaku@example.lg.jp").code == 5);
    auto j = nlohmann::json::parse(runCli(q + "show " + docId).out);
    REQUIRE(j["audit"].size() == 4);  // each attempt: "started", then how it ended
    CHECK(j["audit"][1]["result"] == "started");
    CHECK(j["audit"][0]["result"].get<std::string>().rfind("failed", 0) == 0);
  }
  SECTION("purge keeps what is younger than the age given") {
    auto r = runCli(q + "purge --older-than 1d");
    CHECK(r.code == 0);
    CHECK(r.out.find("purged 0 item(s)") != std::string::npos);
    CHECK(runCli(q + "list").out.find(exeId) != std::string::npos);
    CHECK(runCli(q + "purge --older-than soon").code == 3);
  }
  SECTION("the audit log holds every release, export and purge, as CSV a spreadsheet cannot run") {
    // A recipient that starts like a formula, as an internet sender could write one.
    REQUIRE(runCli(q + "release " + docId + " --to '=cmd@example.lg.jp'").code == 0);
    REQUIRE(runCli(q + "export " + exeId + " -o " + (d / "x.eml").string()).code == 0);
    REQUIRE(runCli(q + "purge --older-than 1d").code == 0);
    auto text = runCli(q + "audit");
    INFO(text.out);
    CHECK(text.out.find("6 entries") != std::string::npos);  // each action: "started", then its end
    mugai::test::writeFile(d / "audit.csv", runCli(q + "audit --csv").out);
    // Python's csv module reads it back (an independent reader of RFC 4180).
    auto rows = mugai::test::runCommand(
        "/usr/bin/python3 -c 'import csv,sys\nrows = list(csv.DictReader(open(sys.argv[1], newline=\"\")))\n"
        "print(len(rows))\nfor r in rows: print(r[\"action\"], r[\"item\"], r[\"target\"].split(\",\")[0], r[\"role\"])' " +
        (d / "audit.csv").string());
    INFO(rows.out);
    REQUIRE(rows.code == 0);
    CHECK(rows.out.rfind("6\n", 0) == 0);
    CHECK(rows.out.find("purge  ") != std::string::npos);                      // newest first, no item
    CHECK(rows.out.find("export " + exeId) != std::string::npos);
    CHECK(rows.out.find("release " + docId + " '=cmd@example.lg.jp via ") != std::string::npos);  // defused
    // Append-only: sqlite3 itself cannot change or remove an entry.
    auto del = mugai::test::runCommand("sqlite3 " + (d / "q" / "index.sqlite").string() + " 'DELETE FROM audit'");
    CHECK(del.code != 0);
    CHECK(del.out.find("append-only") != std::string::npos);
    // Nor overwrite one (REPLACE fires no DELETE trigger), nor drop the log and have a fresh one made.
    auto replace = mugai::test::runCommand("sqlite3 " + (d / "q" / "index.sqlite").string() +
                                           " \"REPLACE INTO audit (seq, time, who, role, action, result) VALUES (1, 0, 'x', 'cli', 'none', 'ok')\"");
    CHECK(replace.code != 0);
    CHECK(runCli(q + "audit --item " + exeId).out.find("2 entries") != std::string::npos);
    REQUIRE(mugai::test::runCommand("sqlite3 " + (d / "q" / "index.sqlite").string() + " 'DROP TABLE audit'").code == 0);
    auto refused = runCli(q + "audit");
    CHECK(refused.code == 5);
    CHECK(refused.out.find("altered outside mugai") != std::string::npos);
  }
  fs::remove_all(d);
}

TEST_CASE("mugai quarantine release: the envelope never comes from header text", "[cli][quarantine][side-doors]") {
  fs::path d = mugai::test::freshTempDir("qcli-envelope");
  // The From field's encoded word decodes to a whole SMTP dialogue: were it
  // taken as the sender, "MAIL FROM:<...>" would carry a second
  // transaction to attacker@evil.example.
  const std::string dialogue = "a@b>\r\nRCPT TO:<attacker@evil.example>\r\nDATA\r\nSubject: raw\r\n\r\nraw\r\n.\r\nRSET\r\nMAIL FROM:<a@b";
  std::string word;
  {
    static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string in = dialogue;
    for (std::size_t i = 0; i < in.size(); i += 3) {
      unsigned v = static_cast<unsigned char>(in[i]) << 16;
      if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
      if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
      word += b64[(v >> 18) & 63];
      word += b64[(v >> 12) & 63];
      word += i + 1 < in.size() ? b64[(v >> 6) & 63] : '=';
      word += i + 2 < in.size() ? b64[v & 63] : '=';
    }
  }
  std::string attack = kExeMail;
  attack.replace(0, attack.find("\r\n"), "From: =?UTF-8?B?" + word + "?=");
  attack.replace(attack.find("To: soumu@example.lg.jp"), 23, "To: =?UTF-8?B?" + word + "?=");
  const std::string id = keep(d, "attack.eml", attack);
  mugai::test::SmtpSink sink(d / "sink");
  mugai::test::writeFile(d / "c.toml", "[quarantine]\ndir = \"" + (d / "q").string() + "\"\nrelease_relay = \"" +
                                           sink.hostPort() + "\"\n");
  const std::string q = "quarantine -c " + (d / "c.toml").string() + " ";
  SECTION("no envelope on record: refused, nothing sent") {
    CHECK(runCli(q + "release " + id).code == 3);
    CHECK(sink.messages().empty());
  }
  SECTION("--to: exactly that recipient, one message, sanitized") {
    auto r = runCli(q + "release " + id + " --to soumu@example.lg.jp");
    INFO(r.out);
    REQUIRE(r.code == 0);
    REQUIRE(sink.messages().size() == 1);
    auto env = nlohmann::json::parse(sink.envelope(1));
    CHECK(env["to"] == nlohmann::json::array({"soumu@example.lg.jp"}));
    CHECK(env["from"] == "");
    CHECK(sink.messages()[0].find("TVqQ") == std::string::npos);  // the program stays out
  }
  SECTION("an invalid --to is refused before anything is sent") {
    auto r = runCli(q + "release " + id + " --to 'x@y>'");
    CHECK(r.code == 3);
    CHECK(runCli(q + "release " + id + " --to 'a@b.example\r\nRCPT TO:<c@d.example>'").code == 3);
    CHECK(sink.messages().empty());
  }
  SECTION("release_from is the sender when set; an invalid one fails the release before anything is sent") {
    auto with = [&](const std::string& from) {
      mugai::test::writeFile(d / "from.toml", "[quarantine]\ndir = \"" + (d / "q").string() + "\"\nrelease_relay = \"" +
                                                   sink.hostPort() + "\"\nrelease_from = \"" + from + "\"\n");
      return runCli("quarantine -c " + (d / "from.toml").string() + " release " + id + " --to soumu@example.lg.jp");
    };
    auto r = with("postmaster@example.lg.jp");
    INFO(r.out);
    REQUIRE(r.code == 0);
    REQUIRE(sink.messages().size() == 1);
    CHECK(nlohmann::json::parse(sink.envelope(1))["from"] == "postmaster@example.lg.jp");
    auto bad = with("postmaster@example.lg.jp>\\r\\nRCPT TO:<attacker@evil.example");
    CHECK(bad.code == 5);
    CHECK(bad.out.find("invalid sender address") != std::string::npos);
    CHECK(sink.messages().size() == 1);
  }
  SECTION("an envelope recorded at receipt (as mugaid does) is used; a hostile one fails the release") {
    mugai::quarantine::Store store((d / "q").string());
    mugai::quarantine::Item ok;
    ok.id = "0123456789abcdef0123456789abcdef";
    ok.source = "mail";
    ok.verdict = "changed";
    ok.envelope = mugai::quarantine::Envelope{"", {"soumu@example.lg.jp"}};
    store.put(ok, attack);
    mugai::quarantine::Item bad = ok;
    bad.id = "fedcba9876543210fedcba9876543210";
    bad.envelope = mugai::quarantine::Envelope{dialogue, {"soumu@example.lg.jp"}};
    store.put(bad, attack);
    auto r = runCli(q + "release " + ok.id);
    INFO(r.out);
    REQUIRE(r.code == 0);
    REQUIRE(sink.messages().size() == 1);
    CHECK(nlohmann::json::parse(sink.envelope(1))["to"] == nlohmann::json::array({"soumu@example.lg.jp"}));
    auto b = runCli(q + "release " + bad.id);
    CHECK(b.code == 5);
    CHECK(b.out.find("invalid sender address") != std::string::npos);
    CHECK(sink.messages().size() == 1);
    auto j = nlohmann::json::parse(runCli(q + "show " + bad.id).out);
    CHECK(j["audit"][0]["result"].get<std::string>().rfind("refused: invalid sender", 0) == 0);
  }
  fs::remove_all(d);
}

TEST_CASE("mugai quarantine list and show never put a sender's control or invisible characters on the terminal",
          "[cli][quarantine][side-doors]") {
  fs::path d = mugai::test::freshTempDir("qcli-mask");
  // ESC [2K erases the terminal's line; U+2028 starts a new one in a viewer;
  // U+202E turns the rest around; U+009B is a C1 CSI.
  const std::string subject = "invoice\x1b[2K\u2028ok\u202Efdp.exe\xC2\x9B" "31m";
  std::string mail = kExeMail;
  mail.replace(mail.find("Subject: invoice"), 16, "Subject: " + mugai::encodeWordUtf8(subject, " "));
  const std::string id = keep(d, "m.eml", mail);
  mugai::test::writeFile(d / "c.toml", "[quarantine]\ndir = \"" + (d / "q").string() + "\"\n");
  const std::string q = "quarantine -c " + (d / "c.toml").string() + " ";
  for (const std::string& cmd : {q + "list", q + "list --json", q + "show " + id}) {
    auto r = runCli(cmd);
    INFO(cmd << "\n" << r.out);
    REQUIRE(r.code == 0);
    CHECK(r.out.find(id) != std::string::npos);
    for (const char* bad : {"\x1b", "\u2028", "\u202E", "\xC2\x9B"}) CHECK(r.out.find(bad) == std::string::npos);
  }
  CHECK(runCli(q + "list").out.find("invoice\uFFFD[2K\uFFFDok\uFFFDfdp.exe\uFFFD31m") != std::string::npos);
  // The JSON still holds the exact subject, escaped.
  CHECK(nlohmann::json::parse(runCli(q + "show " + id).out)["subject"] == subject);
  fs::remove_all(d);
}
