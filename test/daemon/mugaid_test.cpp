// mugaid end to end on loopback: Python's smtplib as the client, a maildir
// as the next hop. Sanitized mail arrives, originals are in quarantine
// under the queue id, relaying is refused where it should be, no
// end-of-data trick gets a second message through, and a kill -9 under
// load loses no acknowledged message.
#include <catch2/catch_test_macros.hpp>

#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "core/quarantine/store.h"
#include "test/common/cli_run.h"
#include "test/common/net.h"
#include "test/common/corpus.h"
#include "test/common/mugaid_process.h"
#include "test/common/samples.h"
#include "test/common/smtp_sink.h"

namespace fs = std::filesystem;
using mugai::test::freePort;
using mugai::test::listening;
using mugai::test::waitFor;
using mugai::test::Mugaid;
using mugai::test::mugaidPid;

namespace {

mugai::test::CliRun python(const std::string& script) {
  fs::path p = fs::temp_directory_path() / ("mugai-py-" + std::to_string(::getpid()) + ".py");
  mugai::test::writeFile(p, script);
  return mugai::test::runCommand("python3 " + p.string());
}

// A TCP connection to 127.0.0.1:`port`; the caller closes it.
int connectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

// Sends raw bytes on one connection and reads until the server closes or goes quiet.
std::string rawSession(int port, const std::string& bytes) {
  int fd = connectLoopback(port);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

}  // namespace

TEST_CASE("mugaid: mail in over SMTP, sanitized mail out into the maildir, original in quarantine", "[mugaid]") {
  fs::path d = mugai::test::freshTempDir("mugaid");
  Mugaid daemon(d);
  std::string exe = mugai::test::mailWith({{"invoice.exe", "application/octet-stream", mugai::test::peImage()},
                                           {"readme.txt", "text/plain", mugai::test::eicar()}});
  mugai::test::writeFile(d / "exe.eml", exe);
  auto r = python("import smtplib\ns = smtplib.SMTP('127.0.0.1', " + std::to_string(daemon.port()) +
                  ")\nprint(s.sendmail('sender@example.net', ['soumu@example.lg.jp'], open('" + (d / "exe.eml").string() +
                  "', 'rb').read()))\ns.quit()\n");
  INFO(r.out << daemon.log());
  REQUIRE(r.code == 0);
  REQUIRE(waitFor([&] { return daemon.delivered("soumu@example.lg.jp").size() == 1; }, 20));
  std::string out = daemon.delivered("soumu@example.lg.jp")[0];
  CHECK(out.find("X-Mugai-Result: changed") != std::string::npos);
  CHECK(out.find("TVqQ") == std::string::npos);  // no base64 of the MZ header left
  std::smatch m;
  REQUIRE(std::regex_search(out, m, std::regex("X-Mugai-Id: ([0-9a-f]{32})")));
  mugai::quarantine::Store store((d / "q").string());
  auto item = store.get(m[1]);
  REQUIRE(item);
  CHECK(item->sender == "sender@example.net");
  CHECK(item->recipients == std::vector<std::string>{"soumu@example.lg.jp"});
  REQUIRE(item->envelope);  // recorded: the addresses a release may use
  CHECK(item->envelope->from == "sender@example.net");
  CHECK(item->envelope->to == std::vector<std::string>{"soumu@example.lg.jp"});
  // The log line follows the maildir write.
  CHECK(waitFor([&] { return daemon.log().find(std::string(m[1]) + " delivered to=<soumu@example.lg.jp>") != std::string::npos; }, 10));
  CHECK(WIFEXITED(daemon.stop(SIGTERM)));
  fs::remove_all(d);
}

TEST_CASE("mugaid: relaying only for the configured domains when the client is not trusted", "[mugaid]") {
  fs::path d = mugai::test::freshTempDir("mugaid-relay");
  Mugaid daemon(d, "trusted_networks = []\nrelay_domains = [\"example.lg.jp\"]\n");
  auto r = python("import smtplib\ns = smtplib.SMTP('127.0.0.1', " + std::to_string(daemon.port()) +
                  ")\ntry:\n  s.sendmail('a@example.net', ['victim@elsewhere.example'], b'Subject: x\\r\\n\\r\\nx\\r\\n')\n"
                  "except smtplib.SMTPRecipientsRefused as e:\n  print('refused', e.recipients)\n"
                  "print(s.sendmail('a@example.net', ['ok@example.lg.jp'], b'Subject: y\\r\\n\\r\\ny\\r\\n'))\n");
  INFO(r.out);
  CHECK(r.out.find("refused") != std::string::npos);
  CHECK(r.out.find("554") != std::string::npos);
  CHECK(waitFor([&] { return daemon.delivered("ok@example.lg.jp").size() == 1; }, 20));
  INFO(daemon.log());
  // The log line follows the maildir write.
  CHECK(waitFor([&] { return daemon.log().find("delivered to=<ok@example.lg.jp>") != std::string::npos; }, 10));
  CHECK(daemon.delivered("victim@elsewhere.example").empty());
  fs::remove_all(d);
}

TEST_CASE("mugaid: no end-of-data variant gets a smuggled second message delivered", "[mugaid][smuggling]") {
  fs::path d = mugai::test::freshTempDir("mugaid-smuggle");
  Mugaid daemon(d);
  const std::vector<std::string> variants = {
      "\n.\n", "\n.\r", "\r.\n", "\r.\r", "\n.\r\n", "\r.\r\n", std::string("\r\n\0.\r\n", 6), "\r\n.\r\r\n",
      "\r\r\n.\r\r\n", "\r\n.\n", "\r\n.\r", std::string("\r\n.\0\r\n", 6), "\r\r\n.\r\n"};
  int accepted = 0;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    std::string rcpt = "v" + std::to_string(i) + "@example.lg.jp";
    std::string wire = "EHLO t\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<" + rcpt + ">\r\nDATA\r\n"
                       "Subject: first\r\n\r\nbody\r\n" + variants[i] + "\r\n"
                       "mail FROM:<smuggled@example.net>\r\nrcpt TO:<" + rcpt + ">\r\ndata\r\n"
                       "Subject: SMUGGLED\r\n\r\nsmuggled\r\n.\r\nQUIT\r\n";
    std::string replies = rawSession(daemon.port(), wire);
    int queued = 0;
    for (std::size_t at = 0; (at = replies.find("queued as", at)) != std::string::npos; ++at) ++queued;
    INFO("variant " << i << ": " << replies);
    CHECK(queued <= 1);
    accepted += queued;
  }
  // Everything accepted has been delivered; nothing more came out.
  REQUIRE(waitFor([&] {
    int n = 0;
    for (std::size_t i = 0; i < variants.size(); ++i) n += static_cast<int>(daemon.delivered("v" + std::to_string(i) + "@example.lg.jp").size());
    return n == accepted;
  }, 20));
  for (std::size_t i = 0; i < variants.size(); ++i)
    for (const auto& m : daemon.delivered("v" + std::to_string(i) + "@example.lg.jp"))
      CHECK(m.find("Subject: first") != std::string::npos);  // the smuggled text is body, never its own message
  fs::remove_all(d);
}

TEST_CASE("mugaid: kill -9 under load, restart: every acknowledged message is delivered", "[mugaid][crash]") {
  fs::path d = mugai::test::freshTempDir("mugaid-kill");
  Mugaid daemon(d, "workers = 4\n");  // at most 4 deliveries in flight at the kill, whatever the machine
  // 400 messages in the default run; MUGAI_LONG_TESTS=1 sends the issue's
  // 2000 (opt-in: it takes a minute more).
  const char* longRun = std::getenv("MUGAI_LONG_TESTS");
  const int messages = longRun && *longRun == '1' ? 2000 : 400;
  std::string sendCmd = "python3 " + std::string(MUGAI_SOURCE_DIR) + "/test/tools/smtp_send.py " +
                        std::to_string(daemon.port()) + " " + std::to_string(messages) + " > " + (d / "acked.txt").string() +
                        " 2>/dev/null";
  pid_t sender = ::fork();
  if (sender == 0) {
    ::execl("/bin/sh", "sh", "-c", sendCmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  REQUIRE(waitFor([&] {
    std::ifstream f(d / "acked.txt");
    return std::count(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>(), '\n') >= messages / 4;
  }, 60));
  CHECK(WIFSIGNALED(daemon.stop(SIGKILL)));
  ::waitpid(sender, nullptr, 0);
  std::set<std::string> acked;
  {
    std::ifstream f(d / "acked.txt");
    for (std::string line; std::getline(f, line);)
      if (!line.empty()) acked.insert(line);
  }
  REQUIRE(acked.size() >= static_cast<std::size_t>(messages / 4));
  daemon.start();
  auto deliveredIds = [&] {
    std::multiset<std::string> ids;
    for (const auto& m : daemon.delivered("soumu@example.lg.jp")) {
      std::smatch mm;
      if (std::regex_search(m, mm, std::regex("Message-ID: (<load-[0-9]+@test\\.example>)"))) ids.insert(mm[1]);
    }
    return ids;
  };
  REQUIRE(waitFor([&] {
    auto ids = deliveredIds();
    for (const auto& a : acked)
      if (!ids.count(a)) return false;
    return true;
  }, 60));
  // Duplicates only for deliveries in flight at the kill: at most a handful.
  auto ids = deliveredIds();
  CHECK(ids.size() - std::set<std::string>(ids.begin(), ids.end()).size() <= 4);
  fs::remove_all(d);
}

namespace {


std::string sendOne(int port, const std::string& from, const std::vector<std::string>& to, const std::string& subject) {
  std::string rcpts;
  for (const auto& t : to) rcpts += "'" + t + "',";
  return python("import smtplib\ns = smtplib.SMTP('127.0.0.1', " + std::to_string(port) + ")\nprint(s.sendmail('" + from +
                "', [" + rcpts + "], b'From: x@example.net\\r\\nSubject: " + subject +
                "\\r\\nMessage-ID: <" + subject + "@t>\\r\\n\\r\\nhello\\r\\n'))\ns.quit()\n").out;
}

}  // namespace

TEST_CASE("mugaid: a recipient refused for good gets the sender a DSN; the null sender gets none", "[mugaid][dsn]") {
  fs::path d = mugai::test::freshTempDir("mugaid-dsn");
  mugai::test::SmtpSink sink(d / "sink", {"nobody@example.lg.jp"});
  Mugaid daemon(d, "delivery = \"smtp:" + sink.hostPort() + "\"\n");
  sendOne(daemon.port(), "sender@example.net", {"nobody@example.lg.jp", "ok@example.lg.jp"}, "first");
  sendOne(daemon.port(), "", {"nobody@example.lg.jp"}, "nullsender");
  REQUIRE(waitFor([&] { return sink.messages().size() >= 2; }, 20));
  REQUIRE(waitFor([&] { return daemon.log().find("no DSN: the sender is null") != std::string::npos; }, 20));
  INFO(daemon.log());
  auto msgs = sink.messages();
  REQUIRE(msgs.size() == 2);  // the message to ok@, and one DSN (none for the null sender)
  int dsnIndex = msgs[0].find("multipart/report") != std::string::npos ? 0 : 1;
  const std::string& dsn = msgs[dsnIndex];
  CHECK(nlohmann::json::parse(sink.envelope(dsnIndex + 1))["from"] == "");
  CHECK(nlohmann::json::parse(sink.envelope(dsnIndex + 1))["to"][0] == "sender@example.net");
  CHECK(std::regex_search(dsn, std::regex("report-type=\"?delivery-status")));
  CHECK(dsn.find("Final-Recipient: rfc822; nobody@example.lg.jp") != std::string::npos);
  CHECK(dsn.find("Action: failed") != std::string::npos);
  CHECK(dsn.find("Status: 5.1.1") != std::string::npos);
  CHECK(dsn.find("Subject: first") != std::string::npos);  // the original's headers, not its body
  CHECK(dsn.find("hello") == std::string::npos);
  CHECK(msgs[1 - dsnIndex].find("Subject: first") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("mugaid: the next hop down for a while, then up: the message is delivered", "[mugaid]") {
  fs::path d = mugai::test::freshTempDir("mugaid-retry");
  int port = freePort();
  Mugaid daemon(d, "delivery = \"smtp:127.0.0.1:" + std::to_string(port) + "\"\nretry_seconds = 1\n");
  sendOne(daemon.port(), "sender@example.net", {"ok@example.lg.jp"}, "later");
  REQUIRE(waitFor([&] { return daemon.log().find("deferred to=ok@example.lg.jp") != std::string::npos; }, 20));
  mugai::test::SmtpSink sink(d / "sink", {}, port);
  REQUIRE(waitFor([&] { return sink.messages().size() == 1; }, 30));
  CHECK(sink.messages()[0].find("Subject: later") != std::string::npos);
  CHECK(waitFor([&] { return daemon.log().find("delivered to=<ok@example.lg.jp>") != std::string::npos; }, 10));
  fs::remove_all(d);
}

TEST_CASE("mugaid: STARTTLS with a certificate made by mugai tls-cert", "[mugaid][tls]") {
  fs::path d = mugai::test::freshTempDir("mugaid-tls");
  auto made = mugai::test::runCli("tls-cert --cert " + (d / "c.pem").string() + " --key " + (d / "k.pem").string() +
                                  " --host mugai.test");
  REQUIRE(made.code == 0);
  CHECK((fs::status(d / "k.pem").permissions() & fs::perms::others_read) == fs::perms::none);
  Mugaid daemon(d, "tls_cert = \"" + (d / "c.pem").string() + "\"\ntls_key = \"" + (d / "k.pem").string() + "\"\n");
  auto r = python("import smtplib, ssl\n"
                  "ctx = ssl.create_default_context(cafile='" + (d / "c.pem").string() + "')\n"
                  "ctx.check_hostname = False\n"  // the name is mugai.test; we connect to 127.0.0.1
                  "s = smtplib.SMTP('127.0.0.1', " + std::to_string(daemon.port()) + ")\n"
                  "s.ehlo()\nprint('offered', s.has_extn('starttls'))\n"
                  "print(s.starttls(context=ctx))\n"
                  "print('cipher', s.sock.cipher()[1], s.sock.cipher()[0])\n"
                  "print(s.sendmail('a@example.net', ['ok@example.lg.jp'], b'Subject: over tls\\r\\n\\r\\nx\\r\\n'))\n"
                  "s.quit()\n");
  INFO(r.out << daemon.log());
  CHECK(r.out.find("offered True") != std::string::npos);
  CHECK(r.out.find("(220, b'2.0.0 Ready to start TLS')") != std::string::npos);
  std::smatch tls;
  REQUIRE(std::regex_search(r.out, tls, std::regex("cipher (TLSv1\\.[23]) (\\S+)")));  // 1.2 or 1.3, never older
  REQUIRE(waitFor([&] { return daemon.delivered("ok@example.lg.jp").size() == 1; }, 20));
  CHECK(daemon.log().find("tls=yes") != std::string::npos);
  // The trace field says what the client's session used, as the client saw it.
  const std::string out = daemon.delivered("ok@example.lg.jp")[0];
  INFO(out);
  CHECK(out.find(" (mugaid) with ESMTPS id ") != std::string::npos);
  CHECK(out.find("\t(using " + tls[1].str() + " with cipher " + tls[2].str() + ")\r\n") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("mugaid: swaks as the client: STARTTLS, PIPELINING and an attachment", "[mugaid][tls][swaks]") {
  fs::path d = mugai::test::freshTempDir("mugaid-swaks");
  REQUIRE(mugai::test::runCli("tls-cert --cert " + (d / "c.pem").string() + " --key " + (d / "k.pem").string() +
                              " --host mugai.test").code == 0);
  Mugaid daemon(d, "tls_cert = \"" + (d / "c.pem").string() + "\"\ntls_key = \"" + (d / "k.pem").string() + "\"\n");
  mugai::test::writeFile(d / "invoice.exe", mugai::test::peImage());
  auto r = mugai::test::runCommand("swaks --server 127.0.0.1:" + std::to_string(daemon.port()) +
                                   " --from sender@example.net --to soumu@example.lg.jp --tls --pipeline"
                                   " --header 'Subject: swaks test' --attach-type application/octet-stream --attach @" +
                                   (d / "invoice.exe").string() + " 2>&1");
  INFO(r.out << daemon.log());
  CHECK(r.code == 0);
  CHECK(r.out.find("<-  220 2.0.0 Ready to start TLS") != std::string::npos);
  CHECK(r.out.find("=== TLS started with cipher TLSv1.") != std::string::npos);
  CHECK(r.out.find("250 2.0.0 Ok: queued as") != std::string::npos);
  REQUIRE(waitFor([&] { return daemon.delivered("soumu@example.lg.jp").size() == 1; }, 20));
  const std::string out = daemon.delivered("soumu@example.lg.jp")[0];
  CHECK(out.find("Subject: swaks test") != std::string::npos);
  CHECK(out.find("X-Mugai-Result: changed") != std::string::npos);
  CHECK(out.find("TVqQ") == std::string::npos);
  CHECK(daemon.log().find("tls=yes") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("mugaid: Prometheus metrics count what happened", "[mugaid][metrics]") {
  fs::path d = mugai::test::freshTempDir("mugaid-metrics");
  Mugaid daemon(d, "metrics_listen = \"127.0.0.1:0\"\n");
  std::smatch m;
  std::string log = daemon.log();
  REQUIRE(std::regex_search(log, m, std::regex("metrics on (http://127\\.0\\.0\\.1:[0-9]+/metrics)")));
  const std::string url = m[1];
  std::string exe = mugai::test::mailWith({{"invoice.exe", "application/octet-stream", mugai::test::peImage()},
                                           {"readme.txt", "text/plain", mugai::test::eicar()}});
  mugai::test::writeFile(d / "exe.eml", exe);
  python("import smtplib\ns = smtplib.SMTP('127.0.0.1', " + std::to_string(daemon.port()) +
         ")\ns.sendmail('a@example.net', ['ok@example.lg.jp'], open('" + (d / "exe.eml").string() + "', 'rb').read())\ns.quit()\n");
  REQUIRE(waitFor([&] { return daemon.delivered("ok@example.lg.jp").size() == 1; }, 20));
  auto r = python("import urllib.request\nprint(urllib.request.urlopen('" + url + "').read().decode())\n"
                  "import urllib.error\ntry:\n  urllib.request.urlopen('" + url.substr(0, url.size() - 8) + "/other')\n"
                  "except urllib.error.HTTPError as e:\n  print('other:', e.code)\n");
  INFO(r.out);
  CHECK(r.out.find("mugaid_messages_received_total 1\n") != std::string::npos);
  CHECK(r.out.find("mugaid_messages_sanitized_total{verdict=\"changed\"} 1\n") != std::string::npos);
  CHECK(r.out.find("mugaid_actions_total{sanitizer=\"attachment_strip\",action=\"remove\"} 1\n") != std::string::npos);
  CHECK(r.out.find("mugaid_actions_total{sanitizer=\"signature_scan\",action=\"remove\"} 1\n") != std::string::npos);
  CHECK(r.out.find("mugaid_signature_hits_total{action=\"remove\"} 1\n") != std::string::npos);
  CHECK(r.out.find("mugaid_deliveries_total{result=\"delivered\"} 1\n") != std::string::npos);
  CHECK(r.out.find("mugaid_sanitize_seconds_count 1\n") != std::string::npos);
  CHECK(r.out.find("mugaid_relay_seconds_count 1\n") != std::string::npos);
  CHECK(r.out.find("mugaid_queue_outgoing 0\n") != std::string::npos);
  CHECK(r.out.find("other: 404") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("mugaid: SIGHUP reloads the relay rules without a restart; a broken config is refused", "[mugaid][reload]") {
  fs::path d = mugai::test::freshTempDir("mugaid-reload");
  Mugaid daemon(d, "trusted_networks = []\nrelay_domains = [\"a.example\"]\n");
  const std::string port = std::to_string(daemon.port());
  auto send = [&](const std::string& rcpt) {
    return python("import smtplib\ns = smtplib.SMTP('127.0.0.1', " + port + ")\ntry:\n  print('ok', s.sendmail('x@example.net', ['" +
                  rcpt + "'], b'Subject: r\\r\\n\\r\\nx\\r\\n'))\nexcept smtplib.SMTPRecipientsRefused as e:\n  print('refused')\ns.quit()\n")
        .out;
  };
  CHECK(send("u@b.example").find("refused") != std::string::npos);
  daemon.writeConfig("trusted_networks = []\nrelay_domains = [\"a.example\", \"b.example\"]\n");
  daemon.signal(SIGHUP);
  REQUIRE(waitFor([&] { return daemon.log().find("reloaded") != std::string::npos; }, 10));
  CHECK(send("u@b.example").find("ok {}") != std::string::npos);
  // A typo in the new file: logged, and the running rules stay.
  mugai::test::writeFile(d / "mugaid.toml", "[daemon]\nrelay_domian = [\"c.example\"]\n");
  daemon.signal(SIGHUP);
  REQUIRE(waitFor([&] { return daemon.log().find("reload failed") != std::string::npos; }, 10));
  CHECK(daemon.log().find("relay_domian") != std::string::npos);
  CHECK(send("v@b.example").find("ok {}") != std::string::npos);
  CHECK(waitFor([&] { return daemon.delivered("v@b.example").size() == 1; }, 20));
  fs::remove_all(d);
}

TEST_CASE("mugaid: STARTTLS toward the next hop, by policy", "[mugaid][tls]") {
  fs::path d = mugai::test::freshTempDir("mugaid-tls-out");
  REQUIRE(mugai::test::runCli("tls-cert --cert " + (d / "sink.pem").string() + " --key " + (d / "sink.key").string() +
                              " --host localhost").code == 0);
  REQUIRE(mugai::test::runCli("tls-cert --cert " + (d / "other.pem").string() + " --key " + (d / "other.key").string() +
                              " --host localhost").code == 0);
  const std::vector<std::string> tlsArgs{"--tls-cert", (d / "sink.pem").string(), "--tls-key", (d / "sink.key").string()};
  SECTION("verify: the next hop's certificate chains to the configured CA and names the host") {
    mugai::test::SmtpSink sink(d / "sink", {}, 0, tlsArgs);
    Mugaid daemon(d, "delivery = \"smtp:localhost:" + std::to_string(sink.port()) + "\"\nnext_hop_tls = \"verify\"\n"
                     "next_hop_ca_file = \"" + (d / "sink.pem").string() + "\"\n");
    sendOne(daemon.port(), "a@example.net", {"ok@example.lg.jp"}, "secure");
    REQUIRE(waitFor([&] { return sink.messages().size() == 1; }, 20));
    CHECK(nlohmann::json::parse(sink.envelope(1))["tls"].get<std::string>().rfind("TLSv1.", 0) == 0);
    CHECK(waitFor([&] { return daemon.log().find("tls=TLSv1.") != std::string::npos; }, 10));
  }
  SECTION("verify: a certificate from another CA is refused, nothing is sent in the clear") {
    mugai::test::SmtpSink sink(d / "sink", {}, 0, tlsArgs);
    Mugaid daemon(d, "delivery = \"smtp:localhost:" + std::to_string(sink.port()) + "\"\nnext_hop_tls = \"verify\"\n"
                     "next_hop_ca_file = \"" + (d / "other.pem").string() + "\"\n");
    sendOne(daemon.port(), "a@example.net", {"ok@example.lg.jp"}, "mitm");
    REQUIRE(waitFor([&] { return daemon.log().find("deferred to=ok@example.lg.jp") != std::string::npos; }, 20));
    CHECK(daemon.log().find("certificate verify failed") != std::string::npos);
    CHECK(sink.messages().empty());
  }
  SECTION("encrypt: a next hop without STARTTLS gets nothing") {
    mugai::test::SmtpSink sink(d / "sink");
    Mugaid daemon(d, "delivery = \"smtp:" + sink.hostPort() + "\"\nnext_hop_tls = \"encrypt\"\n");
    sendOne(daemon.port(), "a@example.net", {"ok@example.lg.jp"}, "plain");
    REQUIRE(waitFor([&] { return daemon.log().find("does not offer STARTTLS") != std::string::npos; }, 20));
    CHECK(sink.messages().empty());
  }
  fs::remove_all(d);
}

TEST_CASE("mugaid: behind a PROXY-protocol balancer, the real client decides relaying", "[mugaid][proxy]") {
  fs::path d = mugai::test::freshTempDir("mugaid-proxy");
  Mugaid daemon(d, "proxy_protocol = true\ntrusted_networks = [\"192.0.2.0/24\"]\n");
  const std::string smtp = "EHLO lb\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<x@anywhere.example>\r\nQUIT\r\n";
  // A client the balancer says is trusted may relay anywhere...
  std::string trusted = rawSession(daemon.port(), "PROXY TCP4 192.0.2.9 127.0.0.1 40000 25\r\n" + smtp);
  CHECK(trusted.find("250 2.1.5 Ok") != std::string::npos);
  // ...another one may not, though both come from the balancer's address.
  std::string stranger = rawSession(daemon.port(), "PROXY TCP4 203.0.113.5 127.0.0.1 40001 25\r\n" + smtp);
  CHECK(stranger.find("554 5.7.1") != std::string::npos);
  // Without a header the connection is closed before the banner.
  CHECK(rawSession(daemon.port(), smtp).empty());
  CHECK(waitFor([&] { return daemon.log().find("bad or missing header") != std::string::npos; }, 5));
  fs::remove_all(d);
}

TEST_CASE("mugaid: a transport map sends each domain to its own next hop; DSNs can take their own", "[mugaid][transport]") {
  fs::path d = mugai::test::freshTempDir("mugaid-transport");
  mugai::test::SmtpSink other(d / "other", {"nobody@other.lg.jp"});
  mugai::test::SmtpSink bounces(d / "bounces");
  Mugaid daemon(d, "dsn_delivery = \"smtp:" + bounces.hostPort() + "\"\n[daemon.transport]\n\"Other.LG.jp\" = \"smtp:" +
                       other.hostPort() + "\"\n");
  sendOne(daemon.port(), "sender@example.net", {"soumu@example.lg.jp", "kikaku@other.lg.jp", "nobody@other.lg.jp"},
          "split");
  bool arrived = waitFor([&] { return daemon.delivered("soumu@example.lg.jp").size() == 1 && other.messages().size() == 1 &&
                               bounces.messages().size() == 1; }, 20);
  INFO(daemon.log());
  REQUIRE(arrived);
  CHECK(nlohmann::json::parse(other.envelope(1))["to"] == nlohmann::json::array({"kikaku@other.lg.jp"}));
  CHECK(bounces.messages()[0].find("Final-Recipient: rfc822; nobody@other.lg.jp") != std::string::npos);
  CHECK(daemon.delivered("kikaku@other.lg.jp").empty());
  fs::remove_all(d);
}

TEST_CASE("mugaid: SIGHUP reloads changed signature files without a restart", "[mugaid][reload][signature_scan]") {
  fs::path d = mugai::test::freshTempDir("mugaid-sigs");
  auto hex = [](const std::string& s) {
    std::string h;
    for (unsigned char c : s) h += "0123456789abcdef"[c >> 4], h += "0123456789abcdef"[c & 15];
    return h;
  };
  mugai::test::writeFile(d / "site.ndb", "Site.First:0:*:" + hex("first-marker-7q") + "\n");
  const std::string keys = "[stage.signature_scan]\nsignatures = [\"" + (d / "site.ndb").string() + "\"]\n";
  Mugaid daemon(d, keys);
  const std::string port = std::to_string(daemon.port());
  auto send = [&](const std::string& body) {
    return python("import smtplib\ns = smtplib.SMTP('127.0.0.1', " + port +
                  ")\nprint('ok', s.sendmail('x@example.net', ['u@a.example'], b'Subject: s\\r\\n\\r\\n" + body +
                  "\\r\\n'))\ns.quit()\n")
        .out;
  };
  REQUIRE(send("second-marker-7q").find("ok {}") != std::string::npos);
  REQUIRE(waitFor([&] { return daemon.delivered("u@a.example").size() == 1; }, 20));
  CHECK(daemon.delivered("u@a.example")[0].find("second-marker-7q") != std::string::npos);  // not a signature yet

  mugai::test::writeFile(d / "site.ndb", "Site.First:0:*:" + hex("first-marker-7q") + "\nSite.Second:0:*:" +
                                             hex("second-marker-7q") + "\n");
  daemon.signal(SIGHUP);
  REQUIRE(waitFor([&] { return daemon.log().find("reloaded") != std::string::npos; }, 10));
  REQUIRE(send("second-marker-7q again").find("ok {}") != std::string::npos);
  REQUIRE(waitFor([&] { return daemon.delivered("u@a.example").size() == 2; }, 20));
  const auto mails = daemon.delivered("u@a.example");
  const auto& removed = mails[0].find("X-Mugai-Result: changed") != std::string::npos ? mails[0] : mails[1];
  REQUIRE(removed.find("X-Mugai-Result: changed") != std::string::npos);
  // The notice (base64 UTF-8) names the signature.
  mugai::test::writeFile(d / "removed.eml", removed);
  CHECK(python("import email\nm = email.message_from_bytes(open('" + (d / "removed.eml").string() +
               "', 'rb').read())\nprint(m.get_payload(decode=True).decode())\n")
            .out.find("matched signature Site.Second") != std::string::npos);
  CHECK(removed.find("second-marker-7q again") == std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("mugaid: a full spool disk answers 452 and loses nothing", "[mugaid][disk]") {
  fs::path d = mugai::test::freshTempDir("mugaid-diskfull");
  fs::create_directories(d / "spool");
  // A 2 MiB file system of its own for the spool (root can mount tmpfs).
  if (mugai::test::runCommand("mount -t tmpfs -o size=2m mugai-test " + (d / "spool").string()).code != 0)
    SKIP("cannot mount a small tmpfs here (needs root); the 452 path stays untested");
  struct Unmount {
    fs::path p;
    ~Unmount() { mugai::test::runCommand("umount -l " + p.string()); }
  } unmount{d / "spool"};
  Mugaid daemon(d);
  const std::string port = std::to_string(daemon.port());
  // Fill the spool's file system to its last ~100 kB.
  mugai::test::runCommand("dd if=/dev/zero of=" + (d / "spool" / "filler").string() + " bs=1k count=1900 2>/dev/null");
  auto send = [&](int n) {
    return python("import smtplib\ns = smtplib.SMTP('127.0.0.1', " + port + ")\nbody = (b'x' * 998 + b'\\r\\n') * 300\n"
                  "for i in range(" + std::to_string(n) + "):\n"
                  "  try:\n    s.sendmail('a@example.net', ['u@example.lg.jp'], b'Subject: m%d\\r\\nMessage-ID: <m%d@t>\\r\\n\\r\\n' % (i, i) + body + b'\\r\\n')\n"
                  "    print('accepted', i)\n"
                  "  except smtplib.SMTPDataError as e:\n    print('refused', e.smtp_code, i)\n"
                  "s.quit()\n")
        .out;
  };
  const std::string full = send(3);
  INFO(full);
  CHECK(full.find("refused 452") != std::string::npos);
  CHECK(full.find("accepted") == std::string::npos);
  CHECK(daemon.log().find("spool") != std::string::npos);
  // Space again: the client's retry is accepted and delivered, and nothing
  // half-written from the refused attempts is delivered or left behind.
  fs::remove(d / "spool" / "filler");
  const std::string retry = send(3);
  INFO(retry);
  CHECK(retry.find("refused") == std::string::npos);
  REQUIRE(waitFor([&] { return daemon.delivered("u@example.lg.jp").size() == 3; }, 30));
  CHECK(waitFor([&] {
    std::size_t files = 0;
    for (const auto& e : fs::recursive_directory_iterator(d / "spool"))
      if (e.is_regular_file()) ++files;
    return files == 0;
  }, 20));
  daemon.stop(SIGTERM);
}

TEST_CASE("mugaid: before-queue mode answers DATA with the verdict: 550 for a rejected message, 250 once sanitized",
          "[mugaid][before-queue]") {
  fs::path d = mugai::test::freshTempDir("mugaid-bq");
  Mugaid daemon(d, "mode = \"before-queue\"\n[stage.signature_scan]\non_match = \"reject\"\n");
  mugai::test::writeFile(d / "virus.eml", mugai::test::mailWith({{"readme.txt", "text/plain", mugai::test::eicar()}}));
  mugai::test::writeFile(d / "exe.eml", mugai::test::mailWith({{"invoice.exe", "application/octet-stream", mugai::test::peImage()}}));
  // One session, two transactions: DATA's reply is printed for each.
  auto r = python("import smtplib\ns = smtplib.SMTP('127.0.0.1', " + std::to_string(daemon.port()) + ")\ns.ehlo()\n"
                  "for f in ['virus.eml', 'exe.eml']:\n"
                  "  s.mail('sender@example.net')\n  s.rcpt('soumu@example.lg.jp')\n"
                  "  print(f, s.data(open('" + d.string() + "/' + f, 'rb').read()))\n"
                  "s.quit()\n");
  INFO(r.out << daemon.log());
  REQUIRE(r.code == 0);
  std::smatch m;
  // The virus: refused in the session, nothing queued, the original kept.
  REQUIRE(std::regex_search(r.out, m, std::regex("virus.eml \\(550, b.5\\.7\\.1 [^)]*quarantine id ([0-9a-f]{32})")));
  const std::string rejectedId = m[1];
  mugai::quarantine::Store store((d / "q").string());
  auto item = store.get(rejectedId);
  REQUIRE(item);
  CHECK(item->verdict == "rejected");
  // The .exe: 250 after sanitizing, under the id the delivered copy carries.
  REQUIRE(std::regex_search(r.out, m, std::regex("exe.eml \\(250, b'2\\.0\\.0 Ok: sanitized and queued as ([0-9a-f]{32})")));
  const std::string keptId = m[1];
  REQUIRE(waitFor([&] { return daemon.delivered("soumu@example.lg.jp").size() == 1; }, 20));
  std::string out = daemon.delivered("soumu@example.lg.jp")[0];
  CHECK(out.find("X-Mugai-Id: " + keptId) != std::string::npos);
  CHECK(out.find("X-Mugai-Result: changed") != std::string::npos);
  CHECK(out.find("TVqQ") == std::string::npos);
  CHECK(store.get(keptId));
  // Nothing went through incoming/, nothing is left, and no DSN was made
  // (the client heard the 550 itself).
  CHECK(waitFor([&] { return fs::is_empty(d / "spool" / "outgoing"); }, 10));
  CHECK(fs::is_empty(d / "spool" / "incoming"));
  CHECK(daemon.log().find(" dsn for=") == std::string::npos);
  CHECK(daemon.log().find(rejectedId + " rejected in DATA") != std::string::npos);
  CHECK(WIFEXITED(daemon.stop(SIGTERM)));
  fs::remove_all(d);
}

TEST_CASE("mugaid: one connection to the next hop carries message after message; one the next hop closed is replaced",
          "[mugaid][reuse]") {
  fs::path d = mugai::test::freshTempDir("mugaid-reuse");
  auto sink = std::make_unique<mugai::test::SmtpSink>(d / "sink");
  const int sinkPort = sink->port();
  // One worker, so every message leaves through the same thread's cache.
  Mugaid daemon(d, "workers = 1\nnext_hop_reuse_seconds = 60\ndelivery = \"smtp:" + sink->hostPort() + "\"\n");
  for (int i = 1; i <= 3; ++i) {
    sendOne(daemon.port(), "sender@example.net", {"ok@example.lg.jp"}, "reuse" + std::to_string(i));
    REQUIRE(waitFor([&] { return sink->messages().size() == static_cast<std::size_t>(i); }, 20));
  }
  INFO(daemon.log());
  auto session = [&](const mugai::test::SmtpSink& s, int n) { return nlohmann::json::parse(s.envelope(n))["session"].get<int>(); };
  CHECK(session(*sink, 1) == session(*sink, 2));
  CHECK(session(*sink, 2) == session(*sink, 3));
  // The delivery line is written after the sink's 250, which follows its record.
  CHECK(waitFor([&] { return daemon.log().find("conn_use=3") != std::string::npos; }, 10));
  // The next hop restarts: our cached connection is dead. The next message
  // goes out on a new one at once, not after a retry.
  sink.reset();
  sink = std::make_unique<mugai::test::SmtpSink>(d / "sink2", std::vector<std::string>{}, sinkPort);
  sendOne(daemon.port(), "sender@example.net", {"ok@example.lg.jp"}, "after-restart");
  REQUIRE(waitFor([&] { return sink->messages().size() == 1; }, 20));
  CHECK(sink->messages()[0].find("Subject: after-restart") != std::string::npos);
  CHECK(daemon.log().find("deferred") == std::string::npos);
  const std::string log = daemon.log();
  std::ptrdiff_t fresh = 0;
  for (std::size_t at = 0; (at = log.find("conn_use=1\"", at)) != std::string::npos; ++at) ++fresh;
  CHECK(fresh == 2);  // the first connection and its replacement
  daemon.stop(SIGTERM);
  fs::remove_all(d);
}

// ---- Side doors (issue 15): what an internet client must not get through ----

namespace {

// VmRSS of `pid` in kB (from /proc/PID/status).
long rssKb(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

}  // namespace

TEST_CASE("mugaid: sender-specified routing from an untrusted client gets 5xx", "[mugaid][side-doors]") {
  fs::path d = mugai::test::freshTempDir("mugaid-routing");
  Mugaid daemon(d, "trusted_networks = []\nrelay_domains = [\"example.lg.jp\"]\n");
  auto rcpt = [&](const std::string& path) {
    std::string r = rawSession(daemon.port(), "EHLO c.example\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<" + path + ">\r\nQUIT\r\n");
    std::size_t at = r.find("250 2.1.0 Ok\r\n");
    return at == std::string::npos ? r : r.substr(at + 14, 3);
  };
  CHECK(rcpt("user%remote.example@example.lg.jp") == "550");
  CHECK(rcpt("remote.example!user@example.lg.jp") == "550");
  CHECK(rcpt("\"user@remote.example\"@example.lg.jp") == "550");
  CHECK(rcpt("@example.lg.jp:user@example.lg.jp") == "550");  // a source route
  CHECK(rcpt("user@remote.example@example.lg.jp") == "501");   // not even a path
  // The fullwidth percent sign, which a normalising next hop reads as '%'.
  std::string wide = rawSession(daemon.port(), "EHLO c.example\r\nMAIL FROM:<a@example.net> SMTPUTF8\r\n"
                                               "RCPT TO:<user\xEF\xBC\x85remote.example@example.lg.jp>\r\nQUIT\r\n");
  CHECK(wide.find("550 5.7.1") != std::string::npos);
  CHECK(rcpt("user@example.lg.jp") == "250");
  CHECK(daemon.log().find("sender-specified") == std::string::npos);  // refusals are replies, the log stays quiet
  // The switch, as Postfix's allow_untrusted_routing.
  daemon.writeConfig("trusted_networks = []\nrelay_domains = [\"example.lg.jp\"]\nallow_untrusted_routing = true\n");
  daemon.signal(SIGHUP);
  REQUIRE(waitFor([&] { return daemon.log().find("generation=2") != std::string::npos; }, 10));
  CHECK(rcpt("user%remote.example@example.lg.jp") == "250");
  daemon.stop(SIGTERM);  // before the files go: it may still be working on them
  fs::remove_all(d);
}

TEST_CASE("mugaid: PROXY UNKNOWN or a v2 LOCAL header never makes the client trusted", "[mugaid][proxy][side-doors]") {
  fs::path d = mugai::test::freshTempDir("mugaid-proxy-unknown");
  // The balancer is on 127.0.0.1, which is in the default trusted_networks.
  Mugaid daemon(d, "proxy_protocol = true\nrelay_domains = [\"example.lg.jp\"]\n");
  const std::string smtp = "EHLO lb\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<x@anywhere.example>\r\nQUIT\r\n";
  CHECK(rawSession(daemon.port(), "PROXY UNKNOWN\r\n" + smtp).find("554 5.7.1") != std::string::npos);
  CHECK(rawSession(daemon.port(), "PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n" + smtp).find("554 5.7.1") != std::string::npos);
  const std::string v2Local = std::string("\r\n\r\n\0\r\nQUIT\n", 12) + std::string("\x20\x00\x00\x00", 4);
  std::string local = rawSession(daemon.port(), v2Local + smtp);
  CHECK(local.find("554 5.7.1") != std::string::npos);
  CHECK(local.find("250 2.1.5") == std::string::npos);
  // A v2 PROXY command whose family is UNSPEC names no client either.
  const std::string v2Unspec = std::string("\r\n\r\n\0\r\nQUIT\n", 12) + std::string("\x21\x00\x00\x00", 4);
  std::string unspec = rawSession(daemon.port(), v2Unspec + smtp);
  CHECK(unspec.find("554 5.7.1") != std::string::npos);
  CHECK(unspec.find("250 2.1.5") == std::string::npos);
  // Its own domains are still served.
  CHECK(rawSession(daemon.port(), "PROXY UNKNOWN\r\nEHLO lb\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<u@example.lg.jp>\r\nQUIT\r\n")
            .find("250 2.1.5") != std::string::npos);
  daemon.stop(SIGTERM);  // before the files go: it may still be working on them
  fs::remove_all(d);
}

TEST_CASE("mugaid: IPv6 clients are counted per /64", "[mugaid][proxy][side-doors]") {
  fs::path d = mugai::test::freshTempDir("mugaid-per64");
  // Behind the balancer the client's address comes from the PROXY header,
  // so any IPv6 address can be the client's on loopback.
  Mugaid daemon(d, "proxy_protocol = true\nmax_connections_per_client = 2\n");
  std::vector<int> held;
  // Opens a session as `client` and keeps it open; returns the first reply.
  auto connectAs = [&](const std::string& client) {
    int fd = connectLoopback(daemon.port());
    held.push_back(fd);
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const std::string h = "PROXY TCP6 " + client + " 2001:db8:ffff::25 40000 25\r\n";
    REQUIRE(::send(fd, h.data(), h.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(h.size()));
    std::string reply;
    char c;
    while (reply.find("\r\n") == std::string::npos && ::recv(fd, &c, 1, 0) == 1) reply += c;
    return reply.substr(0, 3);
  };
  CHECK(connectAs("2001:db8:1:2::a") == "220");
  CHECK(connectAs("2001:db8:1:2:ffff:ffff:ffff:ffff") == "220");
  CHECK(connectAs("2001:db8:1:2::b") == "421");  // a third address of the same /64: the same client
  CHECK(connectAs("2001:db8:1:3::a") == "220");  // the next /64 is another client
  CHECK(connectAs("::ffff:192.0.2.7") == "220");  // IPv4 clients stay per address (never one ::ffff:0:0/64)
  CHECK(connectAs("::ffff:192.0.2.8") == "220");
  CHECK(connectAs("::ffff:192.0.2.9") == "220");
  for (int fd : held) ::close(fd);
  daemon.stop(SIGTERM);
  fs::remove_all(d);
}

TEST_CASE("mugaid and its job workers are not dumpable: another process of their user cannot read their memory",
          "[mugaid][side-doors]") {
  // As the package runs it: not as root (nobody here). A process of the
  // same user may read another's /proc/PID/environ, mem, fd/ (a ptrace
  // access check) unless that one is not dumpable.
  const std::string asNobody = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
  if (::geteuid() != 0) SKIP("needs root to run mugaid as another user");
  fs::path d = mugai::test::freshTempDir("mugaid-dumpable");
  REQUIRE(mugai::test::runCommand("chown 65534:65534 " + d.string()).code == 0);
  // nobody must reach the binaries (an unreadable executable would make the
  // process not dumpable by itself) and the test directory.
  if (mugai::test::runCommand(asNobody + "sh -c 'test -r " + std::string(MUGAI_DAEMON) + " && test -w " + d.string() + "'").code != 0)
    SKIP("uid 65534 cannot read mugaid or write " + d.string());
  auto readable = [&](int pid) {
    return mugai::test::runCommand(asNobody + "cat /proc/" + std::to_string(pid) + "/environ > /dev/null 2>&1").code == 0;
  };
  mugai::test::Background control(asNobody + "sleep 60", "/dev/null");
  int controlPid = -1;
  REQUIRE(waitFor([&] {
    for (int c : mugai::test::childrenOf(::getpid()))
      if (mugai::test::runCommand("grep -q '^sleep' /proc/" + std::to_string(c) + "/comm").code == 0) controlPid = c;
    return controlPid > 0;
  }, 10));
  // The check can fail: a dumpable process of the same user is readable
  // (unless /proc hides other processes: hidepid).
  if (!readable(controlPid)) SKIP("a process of uid 65534 cannot read another's /proc/PID/environ here");
  Mugaid daemon(d, "", asNobody);
  sendOne(daemon.port(), "sender@example.net", {"u@example.lg.jp"}, "a worker starts");
  REQUIRE(waitFor([&] { return daemon.delivered("u@example.lg.jp").size() == 1; }, 20));
  const int pid = mugaidPid(d);
  REQUIRE(pid > 0);
  CHECK(mugai::test::runCommand("grep -q '^Uid:\t65534' /proc/" + std::to_string(pid) + "/status").code == 0);
  CHECK_FALSE(readable(pid));
  std::vector<int> all, todo = mugai::test::childrenOf(pid);
  while (!todo.empty()) {
    int c = todo.back();
    todo.pop_back();
    all.push_back(c);
    for (int g : mugai::test::childrenOf(c)) todo.push_back(g);
  }
  REQUIRE_FALSE(all.empty());  // the job workers (and their broker)
  for (int c : all) {
    INFO("child " << c);
    CHECK_FALSE(readable(c));
  }
  daemon.stop(SIGTERM);
  fs::remove_all(d);
}

TEST_CASE("mugaid: client text in the log is escaped: one event, one line, no forged fields", "[mugaid][side-doors]") {
  fs::path d = mugai::test::freshTempDir("mugaid-logfields");
  Mugaid daemon(d);
  std::string r = rawSession(daemon.port(), "EHLO evil\x1b[2K tls=yes client=10.9.9.9\r\nQUIT\r\n");
  CHECK(r.find("501 5.5.2") != std::string::npos);
  r = rawSession(daemon.port(),
                 "EHLO evil tls=yes client=10.9.9.9\r\nMAIL FROM:<\"x y=z\"@example.net>\r\nRCPT TO:<u@example.lg.jp>\r\n"
                 "DATA\r\nSubject: x\r\n\r\nx\r\n.\r\nQUIT\r\n");
  CHECK(r.find("250 2.0.0 Ok: queued") == std::string::npos);  // the quoted sender has a space: 501 at MAIL
  r = rawSession(daemon.port(),
                 "EHLO evil tls=yes client=10.9.9.9\r\nMAIL FROM:<\"x=y\"@example.net>\r\nRCPT TO:<u@example.lg.jp>\r\n"
                 "DATA\r\nSubject: x\r\n\r\nx\r\n.\r\nQUIT\r\n");
  REQUIRE(r.find("250 2.0.0 Ok: queued") != std::string::npos);
  REQUIRE(waitFor([&] { return daemon.log().find(" received ") != std::string::npos; }, 10));
  const std::string log = daemon.log();
  INFO(log);
  CHECK(log.find('\x1b') == std::string::npos);
  std::smatch m;
  REQUIRE(std::regex_search(log, m, std::regex(" received from=<([^>]*)> .* helo=(\"[^\"]*\"|\\S+) tls=(\\S+) ")));
  CHECK(m[1] == "\"\\\"x=y\\\"@example.net\"");
  CHECK(m[2] == "\"evil tls=yes client=10.9.9.9\"");
  CHECK(m[3] == "no");
  daemon.stop(SIGTERM);  // before the files go: it may still be working on them
  fs::remove_all(d);
}

TEST_CASE("mugaid: a Received trace field on every message; a loop is stopped at max_hops", "[mugaid][side-doors]") {
  fs::path d = mugai::test::freshTempDir("mugaid-trace");
  Mugaid daemon(d);
  sendOne(daemon.port(), "sender@example.net", {"u@example.lg.jp"}, "traced");
  REQUIRE(waitFor([&] { return daemon.delivered("u@example.lg.jp").size() == 1; }, 20));
  const std::string out = daemon.delivered("u@example.lg.jp")[0];
  INFO(out);
  std::smatch m;
  REQUIRE(std::regex_search(out, m, std::regex("\r\nReceived: from [^ ]+ \\(\\[127\\.0\\.0\\.1\\]\\)\r\n\tby [^ ]+ \\(mugaid\\) with ESMTP id ([0-9a-f]{32})\r\n\tfor <u@example.lg.jp>\r\n\t; [A-Z][a-z]{2}, ")));
  CHECK(out.find("X-Mugai-Id: " + std::string(m[1])) != std::string::npos);  // the trace's id is the run's id
  // Python's email reads the field's date (RFC 5322 date-time after the ';').
  mugai::test::writeFile(d / "out.eml", out);
  auto py = python("import email, email.policy, email.utils\nm = email.message_from_binary_file(open('" + (d / "out.eml").string() +
                   "', 'rb'), policy=email.policy.default)\nr = m.get_all('Received')\n"
                   "print(len(r), email.utils.parsedate_to_datetime(str(r[0]).rsplit(';', 1)[1].strip()).year)\n");
  CHECK(py.out.find("1 20") == 0);
  // 60 Received fields: a loop. Refused in DATA with 5.4.6, nothing delivered.
  std::string hops;
  for (int i = 0; i < 60; ++i) hops += "Received: from hop" + std::to_string(i) + ".example by x; Sun, 6 Dec 2026 10:00:00 +0900\r\n";
  std::string r = rawSession(daemon.port(), "EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<loop@example.lg.jp>\r\nDATA\r\n" +
                                                hops + "Subject: loop\r\n\r\nx\r\n.\r\nQUIT\r\n");
  CHECK(r.find("554 5.4.6") != std::string::npos);
  CHECK(daemon.delivered("loop@example.lg.jp").empty());
  daemon.stop(SIGTERM);  // before the files go: it may still be working on them
  fs::remove_all(d);
}

TEST_CASE("mugaid: idle /metrics clients are capped and timed out; SMTP still answers", "[mugaid][metrics][side-doors]") {
  fs::path d = mugai::test::freshTempDir("mugaid-metrics-cap");
  const int mport = freePort();
  Mugaid daemon(d, "metrics_listen = \"127.0.0.1:" + std::to_string(mport) + "\"\nmetrics_max_connections = 4\n");
  REQUIRE(waitFor([&] { return listening(mport); }, 10));
  // Closed by the server: a read returns 0 (EOF) rather than timing out.
  auto closedByServer = [](int fd, int seconds) {
    timeval tv{seconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    return ::recv(fd, &c, 1, 0) == 0;
  };
  std::vector<int> idle;
  for (int i = 0; i < 4; ++i) idle.push_back(connectLoopback(mport));
  REQUIRE(waitFor([&] { return true; }, 0.5));  // let the server accept all four
  int extra = connectLoopback(mport);
  CHECK(closedByServer(extra, 5));  // over the cap: closed at once
  ::close(extra);
  CHECK(rawSession(daemon.port(), "QUIT\r\n").rfind("220 ", 0) == 0);
  // The idle ones are closed by the server within its read timeout.
  for (int fd : idle) {
    CHECK(closedByServer(fd, 15));
    ::close(fd);
  }
  daemon.stop(SIGTERM);  // before the files go: it may still be working on them
  fs::remove_all(d);
}

TEST_CASE("mugaid: a DSN carries at most 16 KiB of headers and is sanitized like any mail",
          "[mugaid][dsn][side-doors]") {
  fs::path d = mugai::test::freshTempDir("mugaid-dsn-cap");
  mugai::test::SmtpSink sink(d / "sink", {"nobody@example.lg.jp"});
  Mugaid daemon(d, "delivery = \"smtp:" + sink.hostPort() + "\"\nrelay_domains = [\"example.lg.jp\"]\n");
  std::string headers;
  for (int i = 0; headers.size() < 2'000'000; ++i) headers += "X-Filler-" + std::to_string(i) + ": " + std::string(200, 'f') + "\r\n";
  mugai::test::writeFile(d / "big.eml", headers + "Subject: big\r\n\r\nbody\r\n");
  // The victim is a third party on the internet; the forged sender is in LGWAN for the second.
  for (const char* from : {"victim@third-party.example", "kikaku@example.lg.jp"}) {
    auto r = python("import smtplib\ns = smtplib.SMTP('127.0.0.1', " + std::to_string(daemon.port()) +
                    ")\ns.sendmail('" + from + "', ['nobody@example.lg.jp'], open('" + (d / "big.eml").string() +
                    "', 'rb').read())\ns.quit()\n");
    REQUIRE(r.code == 0);
  }
  REQUIRE(waitFor([&] { return sink.messages().size() == 2; }, 60));
  INFO(daemon.log());
  for (int i = 1; i <= 2; ++i) {
    const std::string dsn = sink.messages()[static_cast<std::size_t>(i - 1)];
    CHECK(dsn.find("multipart/report") != std::string::npos);
    CHECK(dsn.size() < 24 * 1024);
    CHECK(dsn.find("X-Filler-0: ") != std::string::npos);
    // Every DSN went through the pipeline before it left (it carries our result header).
    CHECK(dsn.find("X-Mugai-Result: ") != std::string::npos);
    // Python's email finds the returned header block as text/rfc822-headers:
    // at most 16 KiB, whole fields only, from the first on, no body.
    mugai::test::writeFile(d / "dsn.eml", dsn);
    auto py = python("import email, email.policy, re\n"
                     "m = email.message_from_binary_file(open('" + (d / "dsn.eml").string() + "', 'rb'), policy=email.policy.default)\n"
                     "parts = [p for p in m.walk() if p.get_content_type() == 'text/rfc822-headers']\n"
                     "raw = parts[0].get_payload(decode=True)\n"
                     "h = raw.replace(b'\\r\\n', b'\\n')\n"
                     "fields = re.split(rb'\\n(?![ \\t])', h.rstrip(b'\\n'))\n"
                     "whole = all(re.fullmatch(rb'X-Filler-[0-9]+: f{200}', f) for f in fields[1:])\n"
                     "print(len(parts), len(raw) <= 16384, len(h) > 15000, fields[0][:10], fields[1][:12], whole,"
                     " b'Subject: big' in h, b'\\n\\n' in h)\n");
    // Our own Received field, then the sender's fields from the first on.
    CHECK(py.out == "1 True True b'Received: ' b'X-Filler-0: ' True False False\n");
  }
  daemon.stop(SIGTERM);  // before the files go: it may still be working on them
  fs::remove_all(d);
}

TEST_CASE("mugaid: recipient verification by probe refuses unknown users in the dialogue; no backscatter",
          "[mugaid][dsn][side-doors]") {
  fs::path d = mugai::test::freshTempDir("mugaid-probe");
  mugai::test::SmtpSink sink(d / "sink", {"nobody@example.lg.jp"});
  Mugaid daemon(d, "delivery = \"smtp:" + sink.hostPort() + "\"\nrelay_domains = [\"example.lg.jp\"]\ntrusted_networks = []\n"
                   "recipient_verification = \"probe\"\n");
  auto r = python("import smtplib\ns = smtplib.SMTP('127.0.0.1', " + std::to_string(daemon.port()) +
                  ")\ntry:\n  s.sendmail('victim@third-party.example', ['nobody@example.lg.jp', 'ok@example.lg.jp'], "
                  "b'Subject: probe\\r\\n\\r\\nhello\\r\\n')\nexcept smtplib.SMTPRecipientsRefused as e:\n  print('all refused')\n"
                  "s.quit()\nprint('done')\n");
  INFO(r.out << daemon.log());
  REQUIRE(r.out.find("done") != std::string::npos);
  REQUIRE(waitFor([&] { return sink.messages().size() == 1; }, 20));
  CHECK(nlohmann::json::parse(sink.envelope(1))["to"] == nlohmann::json::array({"ok@example.lg.jp"}));
  CHECK(daemon.log().find("verify to=nobody@example.lg.jp") != std::string::npos);
  CHECK(daemon.log().find("result=refused") != std::string::npos);
  // Asked again: the cached answer, no second probe.
  std::string again = rawSession(daemon.port(), "EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<nobody@example.lg.jp>\r\nQUIT\r\n");
  CHECK(again.find("550 5.1.1 <nobody@example.lg.jp>") != std::string::npos);
  auto probesOf = [&](const std::string& rcpt) {
    std::size_t n = 0;
    const std::string log = daemon.log();
    for (std::size_t at = 0; (at = log.find("verify to=" + rcpt, at)) != std::string::npos; ++at) ++n;
    return n;
  };
  CHECK(probesOf("nobody@example.lg.jp") == 1);
  // A known user asked again: the cached positive answer, no second probe either.
  CHECK(probesOf("ok@example.lg.jp") == 1);
  std::string known = rawSession(daemon.port(), "EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<ok@example.lg.jp>\r\nQUIT\r\n");
  CHECK(known.find("250 2.1.5") != std::string::npos);
  CHECK(probesOf("ok@example.lg.jp") == 1);
  // The next hop down: 450, the client tries later (and nothing is cached).
  daemon.writeConfig("delivery = \"smtp:127.0.0.1:" + std::to_string(freePort()) +
                     "\"\nrelay_domains = [\"example.lg.jp\"]\ntrusted_networks = []\nrecipient_verification = \"probe\"\n");
  daemon.signal(SIGHUP);
  REQUIRE(waitFor([&] { return daemon.log().find("generation=2") != std::string::npos; }, 10));
  std::string down = rawSession(daemon.port(), "EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<new@example.lg.jp>\r\nQUIT\r\n");
  CHECK(down.find("450 4.1.1 <new@example.lg.jp>") != std::string::npos);
  daemon.stop(SIGTERM);  // before the files go: it may still be working on them
  fs::remove_all(d);
}

TEST_CASE("mugaid: 20 clients streaming 20 MB each stay within the memory bound", "[mugaid][memory][side-doors]") {
  fs::path d = mugai::test::freshTempDir("mugaid-memory");
  Mugaid daemon(d);
  const int pid = mugaidPid(d);
  REQUIRE(pid > 0);
  const long before = rssKb(pid);
  std::vector<int> fds;
  const std::string line = std::string(998, 'x') + "\r\n";
  std::string chunk;
  for (int i = 0; i < 1000; ++i) chunk += line;  // 1 MB
  for (int c = 0; c < 20; ++c) {
    int fd = connectLoopback(daemon.port());
    std::string start = "EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<m" + std::to_string(c) +
                        "@example.lg.jp>\r\nDATA\r\nSubject: big\r\n\r\n";
    REQUIRE(::send(fd, start.data(), start.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(start.size()));
    fds.push_back(fd);
  }
  long peak = 0;
  for (int mb = 0; mb < 20; ++mb)
    for (int fd : fds) {
      for (std::size_t done = 0; done < chunk.size();) {
        ssize_t n = ::send(fd, chunk.data() + done, chunk.size() - done, MSG_NOSIGNAL);
        REQUIRE(n > 0);
        done += static_cast<std::size_t>(n);
      }
      peak = std::max(peak, rssKb(pid));
    }
  // All 400 MB are in flight (none has ended): mugaid holds at most
  // message_memory_bytes (1 MiB) of each in memory, the rest is on disk.
  INFO("rss before " << before << " kB, peak in flight " << peak << " kB");
  std::printf("mugaid RSS: %ld kB idle, %ld kB with 20 x 20 MB in flight\n", before, peak);
  CHECK(peak < before + 96 * 1024);
  for (int fd : fds) {
    (void)::send(fd, ".\r\nQUIT\r\n", 9, MSG_NOSIGNAL);
  }
  for (int fd : fds) {
    char buf[512];
    timeval tv{60, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string got;
    for (ssize_t n; got.find("221 ") == std::string::npos && (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, static_cast<std::size_t>(n));
    CHECK(got.find("250 2.0.0 Ok: queued") != std::string::npos);
    ::close(fd);
  }
  daemon.stop(SIGTERM);  // before the files go: it may still be working on them
  fs::remove_all(d);
}

TEST_CASE("mugaid: with recipient verification on, no DSN goes to an untrusted client's sender", "[mugaid][dsn][side-doors]") {
  fs::path d = mugai::test::freshTempDir("mugaid-probe-nodsn");
  mugai::test::SmtpSink sink(d / "sink");
  Mugaid daemon(d, "delivery = \"smtp:" + sink.hostPort() + "\"\nrelay_domains = [\"example.lg.jp\"]\ntrusted_networks = []\n"
                   "recipient_verification = \"probe\"\n[stage.signature_scan]\non_match = \"reject\"\n");
  // Accepted (the probe says the recipient exists), then rejected by policy after the 250.
  mugai::test::writeFile(d / "eicar.eml", "From: x@forged.example\r\nSubject: v\r\n\r\n" + mugai::test::eicar() + "\r\n");
  auto r = python("import smtplib\ns = smtplib.SMTP('127.0.0.1', " + std::to_string(daemon.port()) +
                  ")\ns.sendmail('victim@third-party.example', ['ok@example.lg.jp'], open('" + (d / "eicar.eml").string() +
                  "', 'rb').read())\ns.quit()\nprint('sent')\n");
  INFO(r.out << daemon.log());
  REQUIRE(r.out.find("sent") != std::string::npos);
  REQUIRE(waitFor([&] { return daemon.log().find("no DSN for to=<ok@example.lg.jp> status=5.7.1") != std::string::npos; }, 20));
  CHECK(daemon.log().find("untrusted client and recipient_verification = probe") != std::string::npos);
  CHECK(sink.messages().empty());  // neither the message nor a DSN to the forged sender
  daemon.stop(SIGTERM);  // before the files go: it may still be working on them
  fs::remove_all(d);
}
