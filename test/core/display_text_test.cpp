// display_text: which code points a shown name must not carry, masking,
// invalid UTF-8, shortening. The notice and report tests check the same
// property on real output with their own decoder.
#include <catch2/catch_test_macros.hpp>

#include <cstdint>

#include "core/display_text.h"

using namespace mugai;

TEST_CASE("mustNotShow covers controls, line separators, bidi and default-ignorable characters", "[display]") {
  // Written from the Unicode tables (Cc, Zl, Zp, Default_Ignorable_Code_Point), not from the code.
  const std::uint32_t hidden[] = {0x00,   0x09,   0x0A,   0x0D,   0x1F,   0x7F,   0x80,    0x85,    0x9F,
                                  0xAD,   0x34F,  0x61C,  0x115F, 0x1160, 0x17B4, 0x17B5,  0x180B,  0x180E,
                                  0x180F, 0x200B, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029,  0x202A,  0x202E,
                                  0x2060, 0x2064, 0x2066, 0x2069, 0x206A, 0x206F, 0x3164,  0xFE00,  0xFE0F,
                                  0xFEFF, 0xFFA0, 0xFFF0, 0xFFF8, 0xFFF9, 0xFFFB, 0x1BCA0, 0x1D173, 0xE0000,
                                  0xE0001, 0xE007F, 0xE0100, 0xE01EF, 0xE0FFF};
  for (auto cp : hidden) {
    INFO("U+" << std::hex << cp);
    CHECK(mustNotShow(cp));
  }
  const std::uint32_t shown[] = {' ', 'a', '~', 0xA0, 0xA9, 0xE9, 0x3000, 0x3042, 0x8ACB, 0xFF21, 0xFFFD, 0x1F600, 0x20B9F};
  for (auto cp : shown) {
    INFO("U+" << std::hex << cp);
    CHECK_FALSE(mustNotShow(cp));
  }
}

TEST_CASE("maskedText replaces hidden characters and invalid UTF-8, one U+FFFD each", "[display]") {
  CHECK(maskedText("請求書.pdf") == "請求書.pdf");
  CHECK(maskedText("a\u2028b\r\nc\td") == "a\uFFFDb\uFFFD\uFFFDc\uFFFDd");
  CHECK(maskedText("x\u202Efdp.exe") == "x\uFFFDfdp.exe");
  CHECK(maskedText("\xC2\x85") == "\uFFFD");                  // NEL, two bytes, one character
  CHECK(maskedText("a\xFF" "b") == "a\uFFFDb");               // stray byte
  CHECK(maskedText("\xC0\xAF") == "\uFFFD\uFFFD");            // overlong '/'
  CHECK(maskedText("\xED\xA0\x80") == "\uFFFD\uFFFD\uFFFD");  // surrogate
  CHECK(maskedText("\xE3\x81") == "\uFFFD\uFFFD");            // truncated
  CHECK(hasHiddenChars("a\u200Bb"));
  CHECK_FALSE(hasHiddenChars("a\xFF" "b"));  // invalid bytes are shown as U+FFFD, not hidden
}

TEST_CASE("displayName shortens long names to the start and the extension", "[display]") {
  CHECK(displayName(std::string(80, 'a')) == std::string(80, 'a'));
  const std::string longName = std::string(200, 'a') + ".exe";
  CHECK(displayName(longName) == std::string(75, 'a') + "\u2026.exe");
  // Without a short extension, the last 10 characters.
  const std::string noExt = std::string(100, 'a') + "0123456789";
  CHECK(displayName(noExt) == std::string(69, 'a') + "\u2026" + "0123456789");
  // Counted in characters, masked first.
  std::string ja;
  for (int i = 0; i < 100; ++i) ja += "書";
  std::string head;
  for (int i = 0; i < 15; ++i) head += "書";
  CHECK(displayName(ja + "\u2028.pdf", 20) == head + "\u2026.pdf");
  CHECK(displayName("\u2028" + std::string(100, 'b'), 20).rfind("\uFFFDbbb", 0) == 0);
}
