// `mugai web user`: console accounts live in the quarantine store with an
// Argon2id hash that Python's argon2-cffi (an independent implementation's
// binding) verifies; a weak, repeated or unknown name or password changes
// nothing; every change is an audit log entry.
#include <catch2/catch_test_macros.hpp>

#include <filesystem>

#include "test/common/cli_run.h"
#include "test/common/corpus.h"

namespace fs = std::filesystem;
using mugai::test::cliCommand;
using mugai::test::runCli;
using mugai::test::runCommand;

namespace {

// argon2-cffi's verdict on PASSWORD against the hash sqlite3 reads from the index.
std::string pythonVerdict(const fs::path& store, const std::string& user, const std::string& password) {
  const std::string hash = runCommand("sqlite3 " + (store / "index.sqlite").string() +
                                      " \"SELECT hash FROM users WHERE name = '" + user + "'\"").out;
  return runCommand("/usr/bin/python3 -c 'import argon2, sys\n"
                    "try:\n  argon2.PasswordHasher().verify(sys.argv[1].strip(), sys.argv[2]); print(\"match\")\n"
                    "except argon2.exceptions.VerifyMismatchError: print(\"mismatch\")' '" +
                    hash + "' '" + password + "'")
      .out;
}

}  // namespace

TEST_CASE("mugai web user: accounts with Argon2id hashes, checked passwords, audited changes", "[cli][web]") {
  fs::path d = mugai::test::freshTempDir("webuser");
  const fs::path q = d / "q";
  const std::string web = "web --quarantine " + q.string() + " user ";
  auto withPassword = [&](const std::string& password, const std::string& args) {
    return runCommand("printf '%s\\n' '" + password + "' | " + cliCommand(web + args));
  };

  auto add = withPassword("correct horse battery", "add alice --role admin");
  INFO(add.out);
  REQUIRE(add.code == 0);
  // The hash: Argon2id with OWASP's parameters, in the PHC format.
  auto stored = runCommand("sqlite3 " + (q / "index.sqlite").string() + " \"SELECT role, hash FROM users\"");
  CHECK(stored.out.rfind("admin|$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0);
  CHECK(stored.out.find("correct horse") == std::string::npos);
  CHECK(pythonVerdict(q, "alice", "correct horse battery") == "match\n");
  CHECK(pythonVerdict(q, "alice", "correct horse batterY") == "mismatch\n");

  // Refused, and nothing changes: a taken name, a short password, a bad role or name.
  CHECK(withPassword("another good password", "add alice").code == 3);
  CHECK(withPassword("another good password", "add ALICE").code != 0);  // names are unique in any case
  CHECK(withPassword("              ", "add blank").code == 3);         // 14 blanks are no password
  CHECK(withPassword("short", "add bob").code == 3);
  CHECK(withPassword("another good password", "add bob --role root").code == 3);
  CHECK(withPassword("another good password", "add 'bob smith'").code == 3);
  CHECK(withPassword("another good password", "add '<script>'").code == 3);
  CHECK(withPassword("another good password", "passwd nobody").code == 3);
  CHECK(withPassword("auditor-password-1", "add carol").code == 0);  // auditor unless asked
  auto list = runCli(web + "list");
  CHECK(list.out.find("alice  admin") != std::string::npos);
  CHECK(list.out.find("carol  auditor") != std::string::npos);
  CHECK(list.out.find("2 user(s)") != std::string::npos);

  // A new password replaces the old one.
  REQUIRE(withPassword("a brand new passphrase", "passwd alice").code == 0);
  CHECK(pythonVerdict(q, "alice", "a brand new passphrase") == "match\n");
  CHECK(pythonVerdict(q, "alice", "correct horse battery") == "mismatch\n");

  REQUIRE(runCli(web + "del carol").code == 0);
  CHECK(runCli(web + "del carol").code == 3);
  CHECK(runCli(web + "list").out.find("carol") == std::string::npos);

  // Each change is in the audit log, newest first; no password in it.
  auto audit = runCli("quarantine --quarantine " + q.string() + " audit");
  INFO(audit.out);
  CHECK(audit.out.find("user_del") < audit.out.find("user_passwd"));
  CHECK(audit.out.find("user_passwd") < audit.out.find("user_add"));
  CHECK(audit.out.find("4 entries") != std::string::npos);
  CHECK(audit.out.find("passphrase") == std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("mugai web key, and the signed request link in a notice, checked with Python's hmac", "[cli][web][request]") {
  fs::path d = mugai::test::freshTempDir("webkey");
  const fs::path key = d / "console.key";
  auto made = runCli("web key -o " + key.string());
  INFO(made.out);
  REQUIRE(made.code == 0);
  CHECK(runCommand("stat -c %a " + key.string()).out == "640\n");
  CHECK(runCli("web key -o " + key.string()).code == 5);  // never overwritten
  const fs::path config = d / "mugai.toml";
  mugai::test::writeFile(config, "[quarantine]\ndir = \"" + (d / "q").string() +
                                     "\"\n[notice]\nconsole_url = \"https://mugai.example.lg.jp:8443\"\nconsole_key_file = \"" +
                                     key.string() + "\"\n");
  const fs::path out = d / "out.eml";
  auto run = runCli("mail -c " + config.string() + " " + std::string(MUGAI_SOURCE_DIR) +
                    "/samples/mail/05-html-only-phishing.eml -o " + out.string());
  INFO(run.out);
  REQUIRE(run.code == 1);
  // Python reads the notice, finds the link and recomputes its HMAC-SHA256
  // with the key file: over "mugai-request-v1\nID\nUNTIL", keyed with its 32 bytes.
  auto judge = runCommand(
      "/usr/bin/python3 -c '\n"
      "import email, email.policy, hmac, hashlib, re, sys, time\n"
      "m = email.message_from_binary_file(open(sys.argv[1], \"rb\"), policy=email.policy.default)\n"
      "text = \"\".join(p.get_content() for p in m.walk() if p.get_content_type() == \"text/plain\")\n"
      "links = re.findall(r\"https://mugai.example.lg.jp:8443/request/([0-9a-f]{32})\\?until=([0-9]+)&sig=([0-9a-f]{64})\", text)\n"
      "key = bytes.fromhex(open(sys.argv[2]).read().strip())\n"
      "ok = [hmac.compare_digest(hmac.new(key, (\"mugai-request-v1\\n%s\\n%s\" % (i, u)).encode(), hashlib.sha256).hexdigest(), s)\n"
      "      for i, u, s in links]\n"
      "days = [(int(u) - time.time()) / 86400 for i, u, s in links]\n"
      "print(len(links), all(ok), all(13.9 < x <= 14.0 for x in days), links[0][0] in text.split(\"隔離番号 / Quarantine id: \")[1])\n"
      "' " + out.string() + " " + key.string());
  INFO(judge.out);
  CHECK(judge.out == "1 True True True\n");

  // console_url without a readable key: a config error, nothing processed.
  fs::remove(key);
  auto broken = runCli("mail -c " + config.string() + " " + std::string(MUGAI_SOURCE_DIR) +
                       "/samples/mail/05-html-only-phishing.eml -o " + (d / "out2.eml").string());
  CHECK(broken.code == 3);
  CHECK(broken.out.find("mugai web key") != std::string::npos);
  CHECK_FALSE(fs::exists(d / "out2.eml"));
  fs::remove_all(d);
}
