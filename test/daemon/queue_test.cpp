// mugaid's spool: what was acknowledged is on disk whole, survives a
// kill -9, moves forward one stage at a time, and hostile ids never
// become paths.
#include <catch2/catch_test_macros.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include "daemon/queue.h"
#include "test/common/corpus.h"
#include "test/common/cli_run.h"

namespace fs = std::filesystem;
using namespace mugai::daemon;

namespace {

Envelope sampleEnvelope() {
  Envelope e;
  e.helo = "mx.example.net";
  e.mailFrom = "a@example.net";
  e.recipients = {"b@example.lg.jp", "c@example.lg.jp"};
  e.eightBit = true;
  e.peer = "192.0.2.7";
  return e;
}

}  // namespace

TEST_CASE("queue: a received message reads back whole, then moves to outgoing", "[queue]") {
  fs::path d = mugai::test::freshTempDir("queue");
  Queue q(d.string());
  const char bytes[] = "Subject: x\r\n\r\nbinary \0 and 8-bit \xE6\x97\xA5\r\n";
  const std::string data(bytes, sizeof bytes - 1);  // the NUL inside counts, the terminating one not
  std::string id = q.receive(sampleEnvelope(), data);
  CHECK(validQueueId(id));
  CHECK(q.list(Stage::Incoming) == std::vector<std::string>{id});
  QueuedMessage m = q.load(id, Stage::Incoming);
  CHECK(m.data == data);
  CHECK(m.envelope.mailFrom == "a@example.net");
  CHECK(m.envelope.recipients == sampleEnvelope().recipients);
  CHECK(m.envelope.eightBit);
  CHECK(m.receivedAt > 0);

  QueuedMessage clean = m;
  clean.data = "Subject: x\r\n\r\nclean\r\n";
  q.promote(clean);
  CHECK(q.list(Stage::Incoming).empty());
  CHECK(q.load(id, Stage::Outgoing).data == "Subject: x\r\n\r\nclean\r\n");
  CHECK(q.load(id, Stage::Outgoing).receivedAt == m.receivedAt);

  DeliveryState s;
  s.attempts = 2;
  s.nextAttempt = 12345;
  s.lastError = "451 4.3.0 try later";
  s.delivered = {"b@example.lg.jp"};
  q.saveState(id, s);
  CHECK(q.state(id).attempts == 2);
  CHECK(q.state(id).delivered == std::vector<std::string>{"b@example.lg.jp"});
  q.remove(id, Stage::Outgoing);
  CHECK(q.list(Stage::Outgoing).empty());
  CHECK(q.state(id).attempts == 0);
  fs::remove_all(d);
}

TEST_CASE("queue: ids from outside never become paths; strangers in the spool are ignored", "[queue]") {
  fs::path d = mugai::test::freshTempDir("queue-ids");
  Queue q(d.string());
  CHECK_THROWS_AS(q.load("../../etc/passwd", Stage::Incoming), QueueError);
  CHECK_THROWS_AS(q.remove("..", Stage::Outgoing), QueueError);
  mugai::test::writeFile(d / "incoming" / "README", "not a message");
  mugai::test::writeFile(d / "incoming" / "0123456789ABCDEF0123456789ABCDEF", "upper case: not ours");
  CHECK(q.list(Stage::Incoming).empty());
  fs::remove_all(d);
}

TEST_CASE("queue: recover drops unacknowledged temp files and superseded incoming copies", "[queue]") {
  fs::path d = mugai::test::freshTempDir("queue-recover");
  Queue q(d.string());
  std::string a = q.receive(sampleEnvelope(), "A\r\n");
  std::string b = q.receive(sampleEnvelope(), "B\r\n");
  // A crash after promote() wrote outgoing/b but before it removed incoming/b.
  fs::copy_file(d / "incoming" / b, d / "outgoing" / b);
  mugai::test::writeFile(d / "tmp" / "w.tmp-1-2", "half a mess");  // the layout of earlier versions
  mugai::test::writeFile(d / "incoming" / (a + ".tmp-1-3"), "half a message");
  mugai::test::writeFile(d / "outgoing" / (b + ".tmp-1-4"), "half a sanitized one");
  Queue again(d.string());
  CHECK(again.recover() == 3);
  CHECK(again.list(Stage::Incoming) == std::vector<std::string>{a});
  CHECK(again.list(Stage::Outgoing) == std::vector<std::string>{b});
  CHECK(fs::is_empty(d / "tmp"));
  CHECK(std::distance(fs::directory_iterator(d / "incoming"), fs::directory_iterator()) == 1);
  CHECK(std::distance(fs::directory_iterator(d / "outgoing"), fs::directory_iterator()) == 1);
  fs::remove_all(d);
}

TEST_CASE("queue: kill -9 while receiving loses no acknowledged message", "[queue][crash]") {
  fs::path d = mugai::test::freshTempDir("queue-kill");
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(fds[0]);
    Queue q(d.string());
    for (int i = 0;; ++i) {
      std::string id = q.receive(sampleEnvelope(), "Message-ID: <" + std::to_string(i) + "@x>\r\n\r\n" + std::string(3000, 'x'));
      // What the client hears as 250: only after receive() returned.
      std::string line = id + " " + std::to_string(i) + "\n";
      if (::write(fds[1], line.data(), line.size()) < 0) ::_exit(1);
    }
  }
  ::close(fds[1]);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  std::vector<std::pair<std::string, int>> acked;
  FILE* f = ::fdopen(fds[0], "r");
  char id[64];
  int n;
  while (std::fscanf(f, "%63s %d", id, &n) == 2) acked.push_back({id, n});
  std::fclose(f);
  REQUIRE(acked.size() > 10);
  Queue q(d.string());
  q.recover();
  auto listed = q.list(Stage::Incoming);
  std::set<std::string> present(listed.begin(), listed.end());
  for (const auto& [ackedId, i] : acked) {
    INFO(ackedId);
    REQUIRE(present.count(ackedId) == 1);
    CHECK(q.load(ackedId, Stage::Incoming).data.rfind("Message-ID: <" + std::to_string(i) + "@x>", 0) == 0);
  }
  CHECK(listed.size() <= acked.size() + 1);  // at most the one written but not yet acknowledged
  fs::remove_all(d);
}

TEST_CASE("queue: concurrent writers share directory fsyncs and each hears of a failure", "[queue]") {
  fs::path d = mugai::test::freshTempDir("dirsync");
  mugai::DirectorySync ok(d.string()), missing((d / "gone").string());
  std::atomic<int> good = 0, bad = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        good += ok.sync().empty();
        bad += !missing.sync().empty();  // every caller gets the error, none is told "durable"
      }
    });
  for (auto& t : threads) t.join();
  CHECK(good == 400);
  CHECK(bad == 400);
  // And the spool's writers, many at once: every message is there, whole.
  Queue q((d / "spool").string());
  std::vector<std::string> ids(64);
  threads.clear();
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 8; ++i) ids[t * 8 + i] = q.receive(sampleEnvelope(), "Message " + std::to_string(t * 8 + i) + "\r\n");
    });
  for (auto& t : threads) t.join();
  CHECK(q.list(Stage::Incoming).size() == 64);
  for (int i = 0; i < 64; ++i) CHECK(q.load(ids[i], Stage::Incoming).data == "Message " + std::to_string(i) + "\r\n");
  fs::remove_all(d);
}

TEST_CASE("durable file: a new file is linked in whole, leaves no temporary name, and never replaces one", "[queue]") {
  fs::path d = mugai::test::freshTempDir("createnew");
  fs::create_directories(d);
  mugai::WriteOptions o;
  o.createNew = true;
  CHECK(mugai::writeFileDurably((d / "a").string(), "first", o).empty());
  CHECK(mugai::test::readFile(d / "a") == "first");
  CHECK_FALSE(mugai::writeFileDurably((d / "a").string(), "second", o).empty());  // exists: refused
  CHECK(mugai::test::readFile(d / "a") == "first");
  CHECK(std::distance(fs::directory_iterator(d), fs::directory_iterator()) == 1);  // nothing beside it
  fs::remove_all(d);
}
