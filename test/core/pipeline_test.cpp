// The pipeline contract: closed set of actions, fail closed on exceptions
// and on the deadline, verdicts and the notice.
#include <catch2/catch_test_macros.hpp>

#include <memory>
#include <vector>

#include "core/mail_job.h"
#include "core/mime_encode.h"
#include "core/mime_parser.h"
#include "test/common/corpus.h"
#include "test/common/samples.h"
#include "test/common/test_sanitizers.h"

using namespace mugai;
using namespace mugai::test;

namespace {

const std::string kTwoAttachments =
    "From: a@example.jp\r\nTo: b@example.jp\r\nSubject: two files\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n"
    "preamble\r\n--XX\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nhello body\r\n"
    "--XX\r\nContent-Type: application/octet-stream; name=\"run.exe\"\r\n"
    "Content-Disposition: attachment; filename=\"run.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
    encodeBase64Lines(peImage(), "\r\n") +
    "--XX\r\nContent-Type: text/csv; name=\"data.csv\"\r\n\r\na,b\r\n1,2\r\n--XX--\r\nepilogue\r\n";

Pipeline make(SanitizerPtr s) {
  std::vector<SanitizerPtr> v;
  v.push_back(std::move(s));
  return Pipeline(std::move(v));
}

const Node* findByName(const Node& root, const std::string& name) {
  const Node* found = nullptr;
  root.forEach([&](const Node& n) {
    if (n.filename == name) found = &n;
  });
  return found;
}

}  // namespace

TEST_CASE("remove drops the part, lists it in the notice and keeps the rest byte-for-byte", "[pipeline]") {
  Config config;
  auto o = processMail(kTwoAttachments, config, make(std::make_unique<RemoveBySuffix>(".exe")), "feedc0de");
  REQUIRE(o.verdict == Verdict::Changed);
  const Node* exe = findByName(*o.input.root, "run.exe");
  REQUIRE(exe);
  CHECK(exe->action == Action::Remove);
  CHECK(exe->decidedBy == "test_remove");
  CHECK(o.output.find("TVqQ") == std::string::npos);
  CHECK(o.output.find("Content-Type: text/csv; name=\"data.csv\"\r\n\r\na,b\r\n1,2") != std::string::npos);
  CHECK(o.output.find("X-Mugai-Result: changed\r\n") != std::string::npos);
  CHECK(o.output.find("X-Mugai-Id: feedc0de\r\n") != std::string::npos);
  CHECK(o.output.find("preamble") == std::string::npos);
  CHECK(o.output.find("epilogue") == std::string::npos);

  // The notice is the first part and names the file, its true type, size and hash.
  auto reparsed = parseMessage(o.output, config.limits, std::chrono::steady_clock::now() + std::chrono::seconds(10));
  std::string notice = firstLeaf(*reparsed.root)->decoded;
  CHECK(notice.find("run.exe") != std::string::npos);
  CHECK(exe->trueType() == "application/vnd.microsoft.portable-executable");
  CHECK(notice.find(exe->trueType()) != std::string::npos);
  CHECK(notice.find("512 bytes") != std::string::npos);
  CHECK(notice.find(exe->sha256()) != std::string::npos);
  CHECK(notice.find("削除 / Removed") != std::string::npos);
  CHECK(notice.find("feedc0de") != std::string::npos);
}

TEST_CASE("replace puts the new content in place and later stages see it", "[pipeline]") {
  std::vector<SanitizerPtr> stages;
  stages.push_back(std::make_unique<ReplaceText>());
  stages.push_back(std::make_unique<RejectIfContains>("HELLO"));
  auto o = processMail(kTwoAttachments, defaultConfig(), Pipeline(std::move(stages)));
  CHECK(o.verdict == Verdict::Rejected);
  CHECK(o.output.empty());
}

TEST_CASE("replace alone rebuilds the part with fresh headers", "[pipeline]") {
  auto o = processMail(kTwoAttachments, defaultConfig(), make(std::make_unique<ReplaceText>()));
  REQUIRE(o.verdict == Verdict::Changed);
  CHECK(o.output.find("HELLO BODY") != std::string::npos);
  CHECK(o.output.find("hello body") == std::string::npos);
  CHECK(o.output.find("boundary=\"XX\"") == std::string::npos);  // changed multipart: fresh boundary
}

TEST_CASE("a sanitizer that throws removes the node instead of passing it", "[pipeline][fail-closed]") {
  auto o = processMail(kTwoAttachments, defaultConfig(), make(std::make_unique<Throwing>()));
  CHECK(o.verdict == Verdict::Changed);
  int removed = 0;
  o.input.root->forEach([&](const Node& n) {
    if (n.kind != NodeKind::Leaf) return;
    CHECK(n.action == Action::Remove);
    CHECK(n.reasonCode == "sanitizer.failed");
    CHECK(n.reason.find("boom") != std::string::npos);
    ++removed;
  });
  CHECK(removed == 3);
  CHECK(o.output.find("hello body") == std::string::npos);
}

TEST_CASE("the deadline removes whatever was not sanitized in time", "[pipeline][limits]") {
  Config config;
  config.limits.maxTime = std::chrono::milliseconds(1000);
  auto o = processMail(kTwoAttachments, config, make(std::make_unique<Slow>()));
  CHECK(o.verdict == Verdict::Changed);
  bool timeFinding = false;
  for (const auto& f : o.findings) timeFinding = timeFinding || f.code == "limit.time";
  CHECK(timeFinding);
  const Node* csv = findByName(*o.input.root, "data.csv");
  REQUIRE(csv);
  CHECK(csv->action == Action::Remove);
  CHECK(csv->reasonCode == "limit.time");
}

TEST_CASE("identity keeps a clean message and says so", "[pipeline]") {
  std::vector<SanitizerPtr> none;
  auto o = processMail(kTwoAttachments, defaultConfig(), Pipeline(std::move(none)));
  CHECK(o.verdict == Verdict::Unchanged);
  CHECK(o.output.find("X-Mugai-Result: unchanged") != std::string::npos);
  CHECK(o.output.find("mugai notice") == std::string::npos);
  // Leaves go out byte-for-byte; the framing is ours (fresh boundary).
  CHECK(o.output.find("Content-Type: text/csv; name=\"data.csv\"\r\n\r\na,b\r\n1,2\r\n") != std::string::npos);
  CHECK(o.output.find(encodeBase64Lines(peImage(), "\r\n")) != std::string::npos);
  CHECK(o.output.find("boundary=\"XX\"") == std::string::npos);
}
