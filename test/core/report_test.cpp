// The JSON report: what an operator reads to learn what happened.
#include <catch2/catch_test_macros.hpp>

#include <nlohmann/json.hpp>

#include "core/report.h"
#include "test/common/corpus.h"

using namespace mugai;

TEST_CASE("the report lists every node and marks those inside a removed part", "[report]") {
  std::string in =
      "From: a@example.jp\r\nSubject: r\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"
      "--o\r\nContent-Type: text/plain\r\n\r\nkept\r\n"
      "--o\r\nContent-Type: multipart/mixed; boundary=i\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n"
      "--i\r\nContent-Type: text/plain\r\n\r\na\r\n--i\r\nContent-Type: text/html\r\n\r\n<b>b</b>\r\n--i--\r\n"
      "--o--\r\n";
  auto o = test::runIdentity(in);
  auto r = nlohmann::json::parse(dumpReport(o.report, false));
  CHECK(r["verdict"] == "changed");
  CHECK(r["id"] == "00000000000000000000000000000000");
  CHECK(r["input"]["subject"] == "r");
  CHECK(r["input"]["size"] == in.size());
  REQUIRE(r["nodes"].size() == 6);  // message, mixed, text, inner multipart, 2 leaves
  CHECK(r["nodes"][2]["path"] == "1.1");
  CHECK(r["nodes"][2]["action"] == "keep");
  CHECK_FALSE(r["nodes"][2].contains("inside_removed"));
  CHECK(r["nodes"][3]["path"] == "1.2");
  CHECK(r["nodes"][3]["action"] == "remove");
  CHECK(r["nodes"][3]["reason_code"] == "mime.conflicting_header");
  CHECK(r["nodes"][4]["inside_removed"] == true);
  CHECK(r["nodes"][5]["inside_removed"] == true);
  CHECK(o.output.find("<b>b</b>") == std::string::npos);
  CHECK(o.output.find("kept") != std::string::npos);
}

TEST_CASE("invalid UTF-8 from the mail is written as U+FFFD, never thrown", "[report]") {
  auto o = test::runIdentity("Subject: \xFF\xFE bad\r\nContent-Type: text/plain; name=\"\xC3\x28.txt\"\r\n\r\nx\r\n");
  std::string dumped = dumpReport(o.report, false);
  CHECK(nlohmann::json::parse(dumped)["input"]["subject"].get<std::string>().find("bad") != std::string::npos);
}
