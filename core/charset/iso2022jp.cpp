// ISO-2022-JP with the CP50220 extensions (see charset.h).
//
// Decoding maps every JIS X 0208 pair to its Shift_JIS code and lets glibc's
// CP932 table turn that into Unicode. That one step gives the NEC row 13
// characters (①, ㈱, ...) exactly as Windows shows them, which glibc's own
// ISO-2022-JP converter replaces with garbage. JIS X 0201 kana (ESC ( I, or
// SO ... SI) become single-byte CP932 kana 0xA1-0xDF. JIS X 0212
// (ESC $ ( D, ISO-2022-JP-1/2) goes through EUC-JP-MS with the 0x8F prefix.
//
// Every CR or LF returns to ASCII: RFC 1468 requires lines to end in ASCII,
// and senders that forget ESC ( B must not turn the next line into kanji.
#include <cstdint>
#include <string>

#include "core/charset/charset.h"
#include "core/charset/iconv_codec.h"

namespace mugai::charset {
namespace {

enum class Mode { Ascii, Jis0208, Kana, Jis0212, Unknown };

// JIS X 0208 row/cell (0x21..0x7E each) to Shift_JIS. Rows are paired into
// one lead byte; odd rows take trail bytes 0x40..0x9E (skipping 0x7F),
// even rows 0x9F..0xFC.
void jisToSjis(std::uint8_t j1, std::uint8_t j2, std::string& out) {
  std::uint8_t s1 = static_cast<std::uint8_t>(((j1 - 0x21) >> 1) + 0x81);
  if (s1 > 0x9F) s1 += 0x40;
  std::uint8_t s2;
  if (j1 & 1) {
    s2 = static_cast<std::uint8_t>(j2 + 0x1F + (j2 >= 0x60 ? 1 : 0));
  } else {
    s2 = static_cast<std::uint8_t>(j2 + 0x7E);
  }
  out += static_cast<char>(s1);
  out += static_cast<char>(s2);
}

bool isJisByte(std::uint8_t b) { return b >= 0x21 && b <= 0x7E; }

// Flushes collected CP932 / EUC-JP-MS bytes into UTF-8.
struct Sink {
  std::string utf8;
  std::string pending;
  const char* pendingCharset = "CP932";
  bool errors = false;

  void flush() {
    if (pending.empty()) return;
    auto strict = iconvConvert(pending, pendingCharset, "UTF-8", true);
    if (strict) {
      utf8 += *strict;
    } else {
      errors = true;
      utf8 += iconvConvert(pending, pendingCharset, "UTF-8", false).value_or("\xEF\xBF\xBD");
    }
    pending.clear();
  }
  void use(const char* cs) {
    if (pendingCharset != cs) flush();
    pendingCharset = cs;
  }
  void bad() {
    flush();
    utf8 += "\xEF\xBF\xBD";
    errors = true;
  }
};

}  // namespace

std::string iso2022jpToUtf8(std::string_view in, bool* hadErrors) {
  Sink sink;
  Mode mode = Mode::Ascii;
  Mode beforeShiftOut = Mode::Ascii;
  std::size_t i = 0;
  while (i < in.size()) {
    auto b = static_cast<std::uint8_t>(in[i]);
    if (b == 0x1B) {
      std::string_view rest = in.substr(i + 1);
      auto starts = [&](std::string_view p) { return rest.substr(0, p.size()) == p; };
      if (starts("(B") || starts("(J") || starts("(H")) {
        mode = Mode::Ascii, i += 3;
      } else if (starts("$B") || starts("$@") || starts("$(B") || starts("$(Q") ||
                 starts("&@\x1B$B")) {
        // ESC & @ ESC $ B announces JIS X 0208-1990; $(Q is JIS X 0213 plane 1,
        // whose 0208 subset decodes the same.
        mode = Mode::Jis0208;
        i += 1 + (starts("&@\x1B$B") ? 5 : starts("$B") || starts("$@") ? 2 : 3);
      } else if (starts("(I")) {
        mode = Mode::Kana, i += 3;
      } else if (starts("$(D")) {
        mode = Mode::Jis0212, i += 4;
      } else {
        // Unknown designation (ISO-2022-JP-2 Latin/Greek/Chinese sets): we
        // cannot decode what follows until the next known escape.
        sink.bad();
        mode = Mode::Unknown;
        i += 1;
      }
      continue;
    }
    if (b == 0x0E) {  // SO: JIS X 0201 kana until SI
      beforeShiftOut = mode == Mode::Kana ? Mode::Ascii : mode;
      mode = Mode::Kana;
      ++i;
      continue;
    }
    if (b == 0x0F) {  // SI
      mode = beforeShiftOut;
      ++i;
      continue;
    }
    if (b == '\r' || b == '\n') {
      mode = Mode::Ascii;
      sink.use("CP932");
      sink.pending += static_cast<char>(b);
      ++i;
      continue;
    }
    switch (mode) {
      case Mode::Ascii:
        if (b >= 0x80) {
          // Raw 8-bit bytes have no place in ISO-2022-JP, but Japanese
          // mailers leak Shift_JIS into it (uuencode "begin" lines, pasted
          // names). Decode them as CP932 and flag the input as not strict.
          sink.errors = true;
          auto t = i + 1 < in.size() ? static_cast<std::uint8_t>(in[i + 1]) : 0;
          bool lead = (b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC);
          bool trail = (t >= 0x40 && t <= 0x7E) || (t >= 0x80 && t <= 0xFC);
          sink.use("CP932");
          if (lead && trail) {
            sink.pending += static_cast<char>(b);
            sink.pending += static_cast<char>(t);
            ++i;
          } else {
            sink.pending += static_cast<char>(b);  // kana 0xA1-0xDF, or U+FFFD from iconv
          }
        } else {
          sink.use("CP932");
          sink.pending += static_cast<char>(b);
        }
        ++i;
        break;
      case Mode::Kana:
        if (b >= 0x21 && b <= 0x5F) {
          sink.use("CP932");
          sink.pending += static_cast<char>(b + 0x80);
        } else if (b < 0x21) {
          sink.use("CP932");
          sink.pending += static_cast<char>(b);
        } else {
          sink.bad();
        }
        ++i;
        break;
      case Mode::Jis0208:
      case Mode::Jis0212:
        if (b < 0x21) {  // control characters and space pass through
          sink.use("CP932");
          sink.pending += static_cast<char>(b);
          ++i;
        } else if (i + 1 < in.size() && isJisByte(b) &&
                   isJisByte(static_cast<std::uint8_t>(in[i + 1]))) {
          auto b2 = static_cast<std::uint8_t>(in[i + 1]);
          if (mode == Mode::Jis0208) {
            sink.use("CP932");
            jisToSjis(b, b2, sink.pending);
          } else {
            sink.use("EUC-JP-MS");
            sink.pending += '\x8F';
            sink.pending += static_cast<char>(b | 0x80);
            sink.pending += static_cast<char>(b2 | 0x80);
          }
          i += 2;
        } else {
          sink.bad();
          ++i;
        }
        break;
      case Mode::Unknown:
        if (b < 0x80 && b >= 0x20) {
          // Skip silently: one U+FFFD was already written for the escape.
        } else {
          sink.use("CP932");
          sink.pending += static_cast<char>(b);
        }
        ++i;
        break;
    }
  }
  sink.flush();
  if (hadErrors) *hadErrors = sink.errors;
  return std::move(sink.utf8);
}

std::optional<std::string> utf8ToIso2022jp(std::string_view utf8) {
  // Go through CP932 (after the wave-dash normalisation in fromUtf8's
  // caller), then turn each Shift_JIS pair back into JIS X 0208.
  auto sjis = iconvConvert(utf8, "UTF-8", "CP932", true);
  if (!sjis) return std::nullopt;
  std::string out;
  bool inJis = false;
  const std::string& s = *sjis;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto b = static_cast<std::uint8_t>(s[i]);
    if (b < 0x80) {
      if (inJis) out += "\x1B(B", inJis = false;
      out += static_cast<char>(b);
      continue;
    }
    // Half-width kana and IBM/user-defined extensions (lead 0xF0+) have no
    // place in ISO-2022-JP that every client reads: refuse, UTF-8 follows.
    if (b >= 0xA1 && b <= 0xDF) return std::nullopt;
    if (i + 1 >= s.size() || b >= 0xF0) return std::nullopt;
    auto t = static_cast<std::uint8_t>(s[++i]);
    std::uint8_t row = static_cast<std::uint8_t>(((b >= 0xE0 ? b - 0x40 : b) - 0x81) * 2 + 0x21);
    std::uint8_t cell;
    if (t >= 0x9F) {
      ++row;
      cell = static_cast<std::uint8_t>(t - 0x7E);
    } else {
      cell = static_cast<std::uint8_t>(t - 0x1F - (t >= 0x80 ? 1 : 0));
    }
    if (!isJisByte(row) || !isJisByte(cell)) return std::nullopt;
    if (!inJis) out += "\x1B$B", inJis = true;
    out += static_cast<char>(row);
    out += static_cast<char>(cell);
  }
  if (inJis) out += "\x1B(B";
  return out;
}

}  // namespace mugai::charset
