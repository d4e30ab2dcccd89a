// The JSON report: what an operator reads to learn what happened.
#include <catch2/catch_test_macros.hpp>

#include <nlohmann/json.hpp>

#include "core/mime_encode.h"
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

TEST_CASE("names and subjects are written masked, the exact original beside them", "[report]") {
  // "請求書.pdf<U+2028>理由 / Reason: 安全です.exe" and a subject with U+2029 and U+200B.
  const std::string name = "請求書.pdf\u2028理由 / Reason: 安全です.exe";
  const std::string subject = "ご請求\u2029書\u200Bです";
  std::string in = "From: a@example.jp\r\nSubject: " + encodeWordUtf8(subject, " ") +
                   "\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream;\r\n " +
                   fileNameParams("name", name, "\r\n") + "\r\n\r\nx\r\n";
  auto o = test::runIdentity(in);
  auto r = nlohmann::json::parse(dumpReport(o.report, false));
  const nlohmann::json* leaf = nullptr;
  for (const auto& n : r["nodes"])
    if (n.contains("filename")) leaf = &n;
  REQUIRE(leaf);
  CHECK((*leaf)["filename"] == "請求書.pdf\uFFFD理由 / Reason: 安全です.exe");
  CHECK((*leaf)["filename_raw"] == name);
  CHECK_FALSE(leaf->contains("filename_hex"));
  CHECK(r["input"]["subject"] == "ご請求\uFFFD書\uFFFDです");
  CHECK(r["input"]["subject_raw"] == subject);
  // Fields that needed no mask carry no copy.
  CHECK(r["input"]["from"] == "a@example.jp");
  CHECK_FALSE(r["input"].contains("from_raw"));
}

TEST_CASE("a name that is not UTF-8 keeps its exact bytes in hex", "[report]") {
  nlohmann::json j = nlohmann::json::object();
  putInputText(j, "filename", "a\xFF\x0A.txt");
  auto back = nlohmann::json::parse(dumpReport(j, false));
  CHECK(back["filename"] == "a\uFFFD\uFFFD.txt");
  CHECK(back["filename_hex"] == "61ff0a2e747874");
  CHECK(back["filename_raw"].get<std::string>().find(".txt") != std::string::npos);
}

TEST_CASE("a long name is shortened in the report, its extension kept, the whole name beside it", "[report]") {
  const std::string name = std::string(300, 'a') + "請求書.pdf.exe";
  nlohmann::json j = nlohmann::json::object();
  putInputName(j, "filename", name);
  auto back = nlohmann::json::parse(dumpReport(j, false));
  const std::string shown = back["filename"];
  CHECK(shown.size() < 120);
  CHECK(shown.find("…") != std::string::npos);
  CHECK(shown.substr(shown.size() - 4) == ".exe");
  CHECK(back["filename_raw"] == name);
  // A short, clean name is written once.
  nlohmann::json k = nlohmann::json::object();
  putInputName(k, "filename", "見積書.docx");
  CHECK(k.dump() == R"({"filename":"見積書.docx"})");
}

TEST_CASE("the dumped report carries no raw line separator, bidi, C1 or DEL character; a parser reads the same value",
          "[report]") {
  // Each would reach a terminal (jq, less, cat) or a viewer as it is: U+2028
  // breaks a line, U+202E turns the rest around, U+009B is a terminal's CSI,
  // U+E0041 is an invisible tag (a surrogate pair once escaped).
  const std::string raw = "a\u2028b\u2029c\u202Ed\u2066e\xC2\x9B" "2Kf\x7Fg\u200Bh\U000E0041i 日本語";
  nlohmann::json j{{"name_raw", raw}};
  const std::string dumped = dumpReport(j, false);
  CHECK(dumped ==
        "{\"name_raw\":\"a\\u2028b\\u2029c\\u202ed\\u2066e\\u009b2Kf\\u007fg\\u200bh\\udb40\\udc41i 日本語\"}");
  CHECK(nlohmann::json::parse(dumped)["name_raw"] == raw);
  CHECK(nlohmann::json::parse(dumpReport(j, true))["name_raw"] == raw);
}
