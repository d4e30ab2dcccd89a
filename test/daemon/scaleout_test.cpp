// Two mugaid nodes behind HAProxy (PROXY protocol v2) sharing one
// quarantine on PostgreSQL, on one machine (README "Several nodes"):
// 2,000 messages with attachments go in through the balancer while node A
// is killed with -9 and restarted and PostgreSQL is restarted. Then every
// message that got 250 is delivered, every original is in the shared store
// (once per acceptance: psql counts), and what node A kept is listed, shown
// and released from node B, once even when two releases start together.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "core/smtp_client.h"
#include "test/common/cli_run.h"
#include "test/common/mugaid_process.h"
#include "test/common/net.h"
#include "test/common/pg_test.h"
#include "test/common/smtp_sink.h"

namespace fs = std::filesystem;
using namespace mugai;

namespace {

constexpr int kMessages = 2000;
constexpr int kClients = 4;

std::string message(int n) {
  const std::string token = "scale-" + std::to_string(n);
  // A program (removed, so each message leaves an original in the store)
  // whose bytes differ per message: unique originals.
  std::string exe = "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA4fug4AtAnNIbgBTM0h";
  return "From: partner@example.net\r\nTo: soumu@example.lg.jp\r\nSubject: " + token +
         "\r\nMessage-ID: <" + token + "@example.net>\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody of " + token +
         "\r\n--b\r\nContent-Type: application/octet-stream; name=" + token + ".exe\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n" + exe + "\r\n--b--\r\n";
}

// Tokens ("scale-N") in the files of a maildir folder, with their counts.
std::map<std::string, int> deliveredTokens(const fs::path& dir) {
  std::map<std::string, int> out;
  std::error_code ec;
  const std::regex subject("\r?\nSubject: (scale-[0-9]+)\r?\n");
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file() || e.path().parent_path().filename() != "new") continue;
    const std::string text = test::readFile(e.path());
    std::smatch m;
    if (std::regex_search(text, m, subject)) ++out[m[1]];
  }
  return out;
}

std::string haproxyConfig(int front, int a, int b) {
  // TCP mode; each node gets the client's address in a PROXY v2 header.
  // A node that refuses connections is retried on the other (redispatch).
  return "global\n  maxconn 1000\n"
         "defaults\n  mode tcp\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n"
         "  retries 3\n  option redispatch 1\n"
         "frontend smtp\n  bind 127.0.0.1:" + std::to_string(front) + "\n  default_backend nodes\n"
         "backend nodes\n  balance roundrobin\n"
         "  server a 127.0.0.1:" + std::to_string(a) + " send-proxy-v2 check inter 500 fall 1 rise 2\n"
         "  server b 127.0.0.1:" + std::to_string(b) + " send-proxy-v2 check inter 500 fall 1 rise 2\n";
}

}  // namespace

TEST_CASE("scale-out: two mugaid nodes behind HAProxy share one PostgreSQL quarantine through kill -9 and a database restart",
          "[daemon][pg][scaleout]") {
  const fs::path d = test::freshTempDir("scaleout");
  // A cluster of its own: it is restarted mid-run.
  test::PgCluster cluster("scale", 55430);
  test::psql(cluster.dsn() + " dbname=postgres", "CREATE DATABASE mugai ENCODING 'UTF8' TEMPLATE template0");
  const std::string dsn = cluster.dsn() + " dbname=mugai";
  const std::string shared = "backend = \"postgresql\"\ndsn = \"" + dsn + "\"\n";

  const int portA = test::freePort(), portB = test::freePort(), front = test::freePort();
  auto nodeKeys = [](int port) {
    return "listen = \"127.0.0.1:" + std::to_string(port) + "\"\nproxy_protocol = true\nworkers = 3\nretry_seconds = 1\n";
  };
  std::optional<test::Mugaid> nodeA, nodeB;
  nodeA.emplace(d / "a", nodeKeys(portA), "", shared);
  nodeB.emplace(d / "b", nodeKeys(portB), "", shared);
  test::writeFile(d / "haproxy.cfg", haproxyConfig(front, portA, portB));
  test::Background haproxy("haproxy -db -f " + (d / "haproxy.cfg").string(), d / "haproxy.log");
  REQUIRE(test::waitFor([&] { return test::listening(front); }, 15));

  // Clients as an MTA would be: a message not acknowledged is tried again.
  std::set<std::string> accepted;
  std::set<std::string> retried;  // not acknowledged at first: may have been kept twice
  std::mutex m;
  std::atomic<int> next = 0, done = 0;
  std::atomic<bool> killedA = false, restartedPg = false;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&] {
      for (int n; (n = next++) < kMessages;) {
        const std::string token = "scale-" + std::to_string(n);
        for (int attempt = 0; attempt < 100; ++attempt) {
          SubmitOptions options;
          options.timeoutSeconds = 30;
          const SubmitResult r = submitMail("127.0.0.1:" + std::to_string(front), "partner@example.net",
                                            {"soumu@example.lg.jp"}, message(n), options);
          std::lock_guard lock(m);
          if (r.ok) {
            accepted.insert(token);
            break;
          }
          retried.insert(token);
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        ++done;
      }
    });
  // Node A dies with -9 a quarter of the way, and comes back; PostgreSQL
  // restarts at the middle.
  REQUIRE(test::waitFor([&] { return done >= kMessages / 4; }, 600));
  REQUIRE(nodeA->stop(SIGKILL) != -1);
  killedA = true;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  nodeA->start();
  REQUIRE(test::waitFor([&] { return done >= kMessages / 2; }, 600));
  cluster.restart();
  restartedPg = true;
  for (auto& t : clients) t.join();
  INFO("not acknowledged at first: " << retried.size());
  REQUIRE(accepted.size() == static_cast<std::size_t>(kMessages));  // every message got its 250 in the end

  // Every message that got 250 is delivered (both nodes deliver into
  // their maildirs). At least once, as with Postfix: a node killed after a
  // delivery and before it struck the message from its spool delivers it
  // again when it comes back; never more than twice here.
  std::map<std::string, int> delivered;
  REQUIRE(test::waitFor(
      [&] {
        delivered = deliveredTokens(d / "a" / "maildir");
        for (auto& [t, n] : deliveredTokens(d / "b" / "maildir")) delivered[t] += n;
        return delivered.size() == accepted.size();
      },
      300));
  int twice = 0;
  for (const auto& [token, n] : delivered) {
    INFO(token);
    CHECK(n <= 2);
    twice += n - 1;
  }
  WARN("delivered twice (kill -9 between delivery and spool removal): " << twice << "; not acknowledged at first: "
                                                                          << retried.size());
  // Every original is in the shared store: each message's, and one item per
  // acceptance (a node that sanitizes again after kill -9 stores nothing
  // twice; a message kept twice is one whose first 250 was lost), psql says.
  CHECK(test::psql(dsn, "SELECT count(DISTINCT subject), count(*) - count(DISTINCT origin) FROM items") ==
        std::to_string(kMessages) + "|0\n");
  CHECK(std::stoul(test::psql(dsn, "SELECT count(*) FROM items")) - kMessages <= retried.size());
  CHECK(test::psql(dsn, "SELECT count(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM objects o WHERE o.sha256 = i.sha256)") ==
        "0\n");
  // Both nodes did the work, and node A's log shows its restart.
  const std::string logA = test::readFile(d / "a" / "log1") + test::readFile(d / "a" / "log2");
  std::smatch kept;
  REQUIRE(std::regex_search(logA, kept, std::regex("([0-9a-f]{32}) sanitized verdict=changed")));
  const std::string idA = kept[1];
  CHECK(nodeB->log().find(idA) == std::string::npos);
  CHECK(killedA);
  CHECK(restartedPg);

  // What node A kept, from node B: listed, shown, released once.
  // A slow relay (3 s per message) holds each release open: two started
  // together overlap, however slowly each process starts (ASan).
  test::SmtpSink sink(d / "sink", {}, 0, {"--data-delay", "3"});
  const std::string configB = test::readFile(nodeB->config());
  test::writeFile(d / "b-cli.toml", std::regex_replace(configB, std::regex("\\[daemon\\]"),
                                                       "release_relay = \"" + sink.hostPort() + "\"\n[daemon]"));
  const std::string q = "quarantine -c " + (d / "b-cli.toml").string() + " ";
  CHECK(test::runCli(q + "list --limit 10000").out.find(idA) != std::string::npos);
  CHECK(test::runCli(q + "show " + idA).code == 0);
  auto both = test::runCommand("(" + test::cliCommand(q + "release " + idA) + " & " + test::cliCommand(q + "release " + idA) +
                               " & wait)");
  INFO(both.out);
  CHECK(sink.messages().size() == 1);
  CHECK(both.out.find("is under way") != std::string::npos);

  nodeA->stop(SIGTERM);
  nodeB->stop(SIGTERM);
  haproxy.stop(SIGTERM);
  fs::remove_all(d);
}

TEST_CASE("scale-out: with the database away nothing is lost or passed: 451 before the queue, kept in the spool after it",
          "[daemon][pg][scaleout]") {
  const fs::path d = test::freshTempDir("pgaway");
  test::PgCluster cluster("away", 55429);
  const std::string dsn = cluster.dsn() + " dbname=postgres";
  const std::string shared = "backend = \"postgresql\"\ndsn = \"" + dsn + "\"\n";
  const std::string mode = GENERATE(std::string("before-queue"), std::string("after-queue"));
  test::Mugaid node(d / mode, "mode = \"" + mode + "\"\nretry_seconds = 1\n", "", shared);
  const std::string to = "127.0.0.1:" + std::to_string(node.port());
  cluster.stop();  // the database goes away

  const SubmitResult r = submitMail(to, "partner@example.net", {"soumu@example.lg.jp"}, message(1));
  if (mode == "before-queue") {
    CHECK(r.code == 451);  // the client keeps it and tries again
    CHECK(node.delivered("soumu@example.lg.jp").empty());
  } else {
    CHECK(r.code == 250);  // on disk in the spool: sanitized once the store is back
    std::this_thread::sleep_for(std::chrono::seconds(2));
    CHECK(node.delivered("soumu@example.lg.jp").empty());  // never passed without its original kept
  }
  cluster.restart();  // back
  if (mode == "before-queue")
    CHECK(submitMail(to, "partner@example.net", {"soumu@example.lg.jp"}, message(1)).code == 250);
  REQUIRE(test::waitFor([&] { return node.delivered("soumu@example.lg.jp").size() == 1; }, 60));
  CHECK(test::psql(dsn, "SELECT subject FROM items") == "scale-1\n");
  CHECK(node.log().find("cannot connect to the quarantine database") != std::string::npos);
  node.stop(SIGTERM);
  fs::remove_all(d);
}
