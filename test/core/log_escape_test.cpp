// logValue: one log field from hostile bytes stays one field on one line.
#include <catch2/catch_test_macros.hpp>

#include <string>

#include "core/log_escape.h"

using mugai::logValue;

TEST_CASE("logValue leaves plain names, Japanese included, as they are", "[core][log]") {
  CHECK(logValue("report.txt") == "report.txt");
  CHECK(logValue("team/memo.txt") == "team/memo.txt");
  CHECK(logValue("議事録_令和6年.docx") == "議事録_令和6年.docx");
}

TEST_CASE("logValue: a name cannot forge a log line", "[core][log]") {
  SECTION("control bytes") {
    CHECK(logValue("a\nkept x") == "\"a\\x0Akept x\"");
    CHECK(logValue("a\rb") == "a\\x0Db");
    CHECK(logValue(std::string("a\0b", 3)) == "a\\x00b");
    CHECK(logValue("a\x1b[2Jb") == "a\\x1B[2Jb");
    CHECK(logValue("a\x7f") == "a\\x7F");
  }
  SECTION("Unicode line and paragraph separators, NEL, bidi overrides") {
    CHECK(logValue("a\u2028b") == "a\\u{2028}b");
    CHECK(logValue("a\u2029b") == "a\\u{2029}b");
    CHECK(logValue("a\u0085b") == "a\\u{0085}b");
    CHECK(logValue("a\u202Eexe.txt") == "a\\u{202E}exe.txt");
  }
  SECTION("invalid UTF-8, byte by byte") {
    CHECK(logValue("a\xff") == "a\\xFF");
    CHECK(logValue("\x80") == "\\x80");
    CHECK(logValue("\xc0\x8a") == "\\xC0\\x8A");          // overlong '\n'
    CHECK(logValue("\xed\xa0\x80") == "\\xED\\xA0\\x80");  // a surrogate
    CHECK(logValue("\xe3\x81") == "\\xE3\\x81");          // cut short
    CHECK(logValue("\xf4\x90\x80\x80") == "\\xF4\\x90\\x80\\x80");  // past U+10FFFF
  }
  SECTION("a backslash is escaped, so an escape in the name is not taken for ours") {
    CHECK(logValue("a\\x0Ab") == "a\\\\x0Ab");
  }
  for (unsigned c = 0; c < 256; ++c) {
    std::string v = logValue(std::string(1, static_cast<char>(c)) + "x");
    for (unsigned char b : v) CHECK((b >= 0x20 && b != 0x7F && b < 0x80));
  }
}

TEST_CASE("logValue quotes a value with spaces, quotes or '=' so that it stays one field", "[core][log]") {
  CHECK(logValue("my file.txt") == "\"my file.txt\"");
  CHECK(logValue("status=kept") == "\"status=kept\"");
  CHECK(logValue("it's") == "\"it's\"");
  CHECK(logValue("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(logValue("") == "\"\"");
}
