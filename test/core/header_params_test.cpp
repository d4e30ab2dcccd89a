// Content-Type / Content-Disposition parameters: RFC 2231 and the ways
// Japanese mailers break it.
#include <catch2/catch_test_macros.hpp>

#include "core/charset/header_params.h"

using mugai::charset::parseStructured;

TEST_CASE("RFC 2231 parameters", "[charset][rfc2231]") {
  SECTION("charset, language and percent escapes") {
    auto f = parseStructured(" attachment; filename*=Shift_JIS'ja'%8C%A9%90%CF%8F%91.txt");
    CHECK(f.value == "attachment");
    CHECK(f.params["filename"] == "見積書.txt");
  }
  SECTION("continuations split inside a UTF-8 character are joined before decoding") {
    auto f = parseStructured("attachment;\r\n filename*0*=UTF-8''%E8%AB;\r\n filename*1*=%8B%E6%B1%82.pdf");
    CHECK(f.params["filename"] == "請求.pdf");
    CHECK(f.problems.empty());
  }
  SECTION("continuations split inside a %XX escape are joined, and reported") {
    auto f = parseStructured("attachment; filename*0*=UTF-8''%E8%A;\r\n filename*1*=B%8B.pdf");
    CHECK(f.params["filename"] == "請.pdf");
    CHECK(f.problems == std::vector<std::string>{"rfc2231.split_escape"});
  }
  SECTION("ISO-2022-JP charset in RFC 2231") {
    auto f = parseStructured("attachment; filename*=ISO-2022-JP''%1B%24B%40A5a%3Dq%1B%28B.txt");
    CHECK(f.params["filename"] == "請求書.txt");
  }
  SECTION("plain and literal sections mix") {
    auto f = parseStructured("x; name*0=\"abc\"; name*1*=%E3%81%82");
    CHECK(f.params["name"] == "abcあ");
  }
}

TEST_CASE("quoted parameter values", "[charset][params]") {
  SECTION("RFC 2047 inside quotes, as most Japanese mailers send it") {
    auto f = parseStructured("application/pdf; name=\"=?ISO-2022-JP?B?GyRCQEE1YT1xGyhCLnBkZg==?=\"");
    CHECK(f.value == "application/pdf");
    CHECK(f.params["name"] == "請求書.pdf");
  }
  SECTION("raw Shift_JIS whose trail byte is 0x5C before the closing quote") {
    // 表 = 0x95 0x5C, ソ = 0x83 0x5C: the backslash is half of a character
    auto f = parseStructured("attachment; filename=\"\x95\x5C\x83\x5C\"; size=3");
    CHECK(f.params["filename"] == "表ソ");
    CHECK(f.params["size"] == "3");
  }
  SECTION("backslash escapes in ASCII quoted strings") {
    auto f = parseStructured("attachment; filename=\"a\\\"b;c.txt\"");
    CHECK(f.params["filename"] == "a\"b;c.txt");
  }
  SECTION("duplicates are reported and the first wins") {
    auto f = parseStructured("text/plain; charset=utf-8; charset=iso-2022-jp");
    CHECK(f.params["charset"] == "utf-8");
    CHECK(f.problems == std::vector<std::string>{"param.duplicate:charset"});
  }
  SECTION("RFC 2231 wins over a plain value that says something else, and that is reported") {
    auto f = parseStructured("attachment; filename=\"a.pdf\"; filename*=UTF-8''a.exe");
    CHECK(f.params["filename"] == "a.exe");
    CHECK(f.problems == std::vector<std::string>{"param.plain_and_extended_differ:filename"});
  }
}
