// What the parent accepts from a job worker (core/job/codec.h) and what
// the broker runs for one (core/broker.h), with the worker's side played
// by the test as a worker taken over by its input would play it.
#include <catch2/catch_test_macros.hpp>

#include "core/broker.h"
#include "core/job/codec.h"
#include "sanitizers/pdf_rerender/worker_process.h"

using namespace mugai;

namespace {

job::Result goodResult() {
  job::Result r;
  r.id = "0123456789abcdef0123456789abcdef";
  r.verdict = "changed";
  r.output = "bytes";
  r.parts.push_back({"1", "a.exe", "application/octet-stream", "remove", "type.executable", "an executable", "実行ファイル",
                     "attachment_strip", true});
  r.findings.push_back({"mime.reencoded", "detail", "1", false});
  r.report = nlohmann::json{{"id", r.id}};
  return r;
}

std::string decodeError(const job::Result& r) {
  job::Result back;
  std::string error;
  return job::decodeResult(job::encodeResult(r), back, error) ? "" : error;
}

}  // namespace

TEST_CASE("a result round-trips through the codec", "[job]") {
  job::Result back;
  std::string error;
  REQUIRE(job::decodeResult(job::encodeResult(goodResult()), back, error));
  CHECK(back.output == "bytes");
  REQUIRE(back.parts.size() == 1);
  CHECK(back.parts[0].reasonJa == "実行ファイル");
  CHECK(back.findings[0].code == "mime.reencoded");
  // Brackets, braces and escaped quotes inside strings are text, not depth:
  // a file name of 1,000 '[' and a subject of '\\"{' come back as they were.
  job::Result r = goodResult();
  r.parts[0].filename = std::string(1000, '[') + ".exe";
  r.report = nlohmann::json{{"id", r.id}, {"subject", std::string(300, '{') + "\\\"{" + std::string(300, '[')}};
  job::Result again;
  REQUIRE(job::decodeResult(job::encodeResult(r), again, error));
  REQUIRE(again.parts.size() == 1);
  CHECK(again.parts[0].filename == r.parts[0].filename);
  CHECK(again.report == r.report);
}

TEST_CASE("a result that would name a path, forge a log line or a metric is refused", "[job]") {
  job::Result r = goodResult();
  r.newExtension = "x/../../../escaped/pwned.sh";
  CHECK(decodeError(r).find("extension") != std::string::npos);
  r = goodResult();
  r.parts[0].code = "type.exe\n2026-12-06T00:00:00 FAKEID delivered";
  CHECK(decodeError(r).find("code") != std::string::npos);
  r = goodResult();
  r.parts[0].decidedBy = "x\",action=\"remove\"} 1\nmugaid_forged_metric 1337\n#";
  CHECK(!decodeError(r).empty());
  r = goodResult();
  r.findings[0].code = "a b";
  CHECK(!decodeError(r).empty());
  r = goodResult();
  r.verdict = "fine";
  CHECK(!decodeError(r).empty());
  // A worker's real codes pass: asCode() keeps them to the allowed characters.
  CHECK(job::asCode("header.param.duplicate:na\nme") == "header.param.duplicate:na_me");
}

TEST_CASE("result JSON deeper or larger than the caps is refused without exhausting the parent", "[job]") {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  std::string payload;
  const auto len = static_cast<std::uint32_t>(deep.size());
  payload.append(reinterpret_cast<const char*>(&len), 4);
  payload += deep;
  job::Result r;
  std::string error;
  CHECK_FALSE(job::decodeResult(payload, r, error));
  CHECK(error.find("deep") != std::string::npos);
  std::string big = "{\"report\":[" + std::string(job::kMaxJsonBytes, ' ') + "]}";
  payload.clear();
  const auto blen = static_cast<std::uint32_t>(big.size());
  payload.append(reinterpret_cast<const char*>(&blen), 4);
  payload += big;
  CHECK_FALSE(job::decodeResult(payload, r, error));
  CHECK(error.find("larger") != std::string::npos);
}

TEST_CASE("the broker's PDF operation runs only the renderer, with checked numbers for arguments", "[job][broker]") {
  // Another operation's program is not the renderer's.
  broker::allowProgram("office.convert", "/bin/cat");
  const std::string args = broker::pack({"--dpi", "72"});
  CHECK_FALSE(sanitizers::pdf_rerender::runWorkersForBroker({"/bin/cat", "1000", "1024", "1", "1", args, "in"}));
  // The renderer's own path, with an argument that is not one of its options.
  broker::allowProgram("pdf", "/bin/echo");
  for (const auto& bad : {broker::pack({"--cat", "/etc/passwd"}), broker::pack({"--dpi", "72;rm"}),
                          broker::pack({"--memory-mb", "99999999"}), broker::pack({"--dpi"})})
    CHECK_FALSE(sanitizers::pdf_rerender::runWorkersForBroker({"/bin/echo", "1000", "1024", "1", "1", bad, "in"}));
  // Well-formed: it runs, and says what the program printed.
  const auto reply = sanitizers::pdf_rerender::runWorkersForBroker({"/bin/echo", "1000", "1024", "1", "1", args, "in"});
  REQUIRE(reply);
  REQUIRE(reply->size() == 4);
  CHECK((*reply)[0] == "done");
  CHECK((*reply)[2] == "--dpi 72\n");
}
