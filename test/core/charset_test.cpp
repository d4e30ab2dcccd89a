// The Japanese charset layer, on hand-built byte sequences whose meaning
// is known from the JIS X 0208 / CP932 tables.
#include <catch2/catch_test_macros.hpp>

#include "core/charset/charset.h"
#include "core/charset/rfc2047.h"

using namespace mugai::charset;

TEST_CASE("ISO-2022-JP decodes with the CP50220 extensions", "[charset][iso2022jp]") {
  SECTION("NEC row 13: circled digits and (株)") {
    // JIS 0x2D21 = ①, 0x2D22 = ②, 0x2D6A = ㈱ (NEC special characters)
    CHECK(toUtf8Strict("\x1B$B-!-\"-j\x1B(B", "ISO-2022-JP") == std::optional<std::string>("①②㈱"));
  }
  SECTION("JIS X 0201 kana through ESC ( I and through SO/SI") {
    CHECK(toUtf8Strict("\x1B(I1\x1B(B", "iso-2022-jp") == std::optional<std::string>("ｱ"));
    CHECK(toUtf8Strict("a\x0E" "1\x0F" "b", "iso-2022-jp") == std::optional<std::string>("aｱb"));
  }
  SECTION("a line that forgets ESC ( B does not turn the next line into kanji") {
    CHECK(toUtf8Lossy("\x1B$B0l\r\nASCII", "iso-2022-jp") == "一\r\nASCII");
  }
  SECTION("wave dash decodes as the CP932 sender meant it and encodes back to the same bytes") {
    CHECK(toUtf8Strict("\x1B$B!A\x1B(B", "iso-2022-jp") == std::optional<std::string>("\uFF5E"));
    CHECK(fromUtf8("\uFF5E", "iso-2022-jp") == std::optional<std::string>("\x1B$B!A\x1B(B"));
    CHECK(fromUtf8("\u301C", "iso-2022-jp") == std::optional<std::string>("\x1B$B!A\x1B(B"));
    CHECK(fromUtf8("\u301C", "Shift_JIS") == std::optional<std::string>("\x81\x60"));
  }
  SECTION("invalid bytes fail the strict decoder and become U+FFFD in the lossy one") {
    CHECK_FALSE(toUtf8Strict("\x1B$B!", "iso-2022-jp"));
    CHECK(toUtf8Lossy("a\x1B$B!", "iso-2022-jp") == "a\uFFFD");
  }
}

TEST_CASE("Shift_JIS labels decode as CP932 and EUC-JP as EUC-JP-MS", "[charset]") {
  // 0x8740 = ① and 0x878A = ㈱ exist only in CP932; 0xFBFC = 髙 (IBM extension)
  for (const char* label : {"Shift_JIS", "x-sjis", "SJIS", "MS932", "Windows-31J", "cp932", "\"shift_jis \""})
    CHECK(toUtf8Strict("\x87\x40\x87\x8A\xFB\xFC", label) == std::optional<std::string>("①㈱髙"));
  // EUC-JP-MS: 0xADA1 = ① (NEC row 13)
  for (const char* label : {"EUC-JP", "x-euc-jp", "EUCJP"})
    CHECK(toUtf8Strict("\xB0\xA1\xAD\xA1", label) == std::optional<std::string>("亜①"));
}

TEST_CASE("encoding keeps the original charset only when it can hold the text", "[charset]") {
  CHECK(fromUtf8("見積書①", "ISO-2022-JP") == std::optional<std::string>("\x1B$B8+@Q=q-!\x1B(B"));
  CHECK_FALSE(fromUtf8("😀", "ISO-2022-JP"));
  CHECK_FALSE(fromUtf8("ｱ", "ISO-2022-JP"));  // half-width kana: not portable in ISO-2022-JP
  CHECK_FALSE(fromUtf8("é", "us-ascii"));
  CHECK(fromUtf8("é", "utf-8") == std::optional<std::string>("é"));
}

TEST_CASE("decodeText recovers from mislabelled bodies", "[charset]") {
  CHECK(decodeText("\xEF\xBB\xBF実は", "ISO-2022-JP") == "実は");
  CHECK(decodeText("\x1B$B;qNA\x1B(B \x8E\x91\x97\xBF", "iso-2022-jp") == "資料 資料");
  CHECK(decodeText("\x8E\x91\x97\xBF", "us-ascii") == "資料");
}

TEST_CASE("guess tells Japanese encodings apart", "[charset]") {
  CHECK(guess("\x90\xBF\x8B\x81") == "cp932");       // 請求 in Shift_JIS
  CHECK(guess("\xC0\xC1\xB5\xE1") == "euc-jp-ms");   // 請求 in EUC-JP
  CHECK(guess("請求") == "utf-8");
  CHECK(guess("\x1B$B@A5a\x1B(B") == "iso-2022-jp");
}

TEST_CASE("RFC 2047 headers decode from raw bytes", "[charset][rfc2047]") {
  SECTION("a UTF-8 character split across two words") {
    CHECK(decodeHeader("=?UTF-8?B?6YeN6KaB44Gq4w==?=\r\n =?UTF-8?B?gYrnn6XjgonjgZs=?=") == "重要なお知らせ");
  }
  SECTION("ISO-2022-JP escape state carried into the next word") {
    CHECK(decodeHeader(" =?ISO-2022-JP?B?GyRCPUVNVyRK?=\r\n =?ISO-2022-JP?B?JCpDTiRpJDsbKEI=?=") == " 重要なお知らせ");
  }
  SECTION("lower-case q and b, underscores, and text around words") {
    CHECK(decodeHeader("=?iso-2022-jp?q?=1B$B3NG'=1B(B?= ok") == "確認 ok");
    CHECK(decodeHeader("Re: =?utf-8?b?44GC?=") == "Re: あ");
    CHECK(decodeHeader("=?UTF-8?Q?a_b?=") == "a b");
  }
  SECTION("whitespace between words of different charsets is still dropped") {
    CHECK(decodeHeader("=?UTF-8?B?44GC?= =?ISO-2022-JP?B?GyRCJCQbKEI=?=") == "あい");
  }
  SECTION("raw 8-bit Shift_JIS, EUC-JP and UTF-8 header bytes") {
    CHECK(decodeHeader("\x90\xBF\x8B\x81\x8F\x91") == "請求書");
    CHECK(decodeHeader("\xC0\xC1\xB5\xE1\xBD\xF1") == "請求書");
    CHECK(decodeHeader("請求書") == "請求書");
  }
  SECTION("malformed words stay as text") {
    CHECK(decodeHeader("=?UTF-8?X?abc?=") == "=?UTF-8?X?abc?=");
    CHECK(decodeHeader("=?UTF-8?B?abc") == "=?UTF-8?B?abc");
  }
}
