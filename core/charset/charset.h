// The Japanese charset layer. Converts between the charsets Japanese mail
// uses and UTF-8, working around glibc iconv's tables where they differ from
// what Japanese senders' software (Outlook, Becky!, Thunderbird) produces:
//   - Shift_JIS and its aliases are decoded as CP932 (NEC/IBM extensions);
//   - EUC-JP is decoded as EUC-JP-MS;
//   - ISO-2022-JP is decoded by our own state machine with the CP50220
//     extensions (NEC row 13 such as ① and ㈱, JIS X 0201 kana via ESC ( I
//     and SO/SI), each line starting again in ASCII as RFC 1468 requires.
// Input is never trusted: invalid sequences become U+FFFD in the lossy
// functions and a failure in the strict ones; nothing here throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mugai::charset {

/// Canonical name for a MIME charset label: "utf-8", "us-ascii",
/// "iso-2022-jp", "cp932", "euc-jp-ms", "utf-7", or the lower-cased label
/// for everything else (passed to iconv as is). Quotes and spaces trimmed.
std::string canonical(std::string_view label);

/// Decodes `bytes` labelled `label` to UTF-8; nullopt if any sequence is
/// invalid or the charset is unknown.
std::optional<std::string> toUtf8Strict(std::string_view bytes, std::string_view label);

/// Decodes `bytes` labelled `label` to UTF-8, replacing what cannot be
/// decoded with U+FFFD. An unknown label decodes as ASCII + U+FFFD.
std::string toUtf8Lossy(std::string_view bytes, std::string_view label);

/// Encodes UTF-8 text into `label`; nullopt if the charset cannot hold every
/// character (the caller then falls back to UTF-8). Wave dash and its
/// cousins (U+301C, U+2016, U+2212, U+00A2, U+00A3, U+00AC) are written as
/// the same JIS code points a CP932 sender used, so text round-trips.
std::optional<std::string> fromUtf8(std::string_view utf8, std::string_view label);

/// Text we write into a part: in the part's own charset (canonical name)
/// when that can hold it, else UTF-8. Never UTF-7, which clients treat as
/// a way to smuggle markup.
struct EncodedText {
  std::string bytes;
  std::string charset;  ///< canonical, e.g. "iso-2022-jp" or "utf-8"
};
EncodedText encodeForPart(std::string_view utf8, std::string_view label);

/// Best guess for unlabelled 8-bit Japanese bytes (raw header bytes, a
/// mislabelled body): "utf-8", "iso-2022-jp", "cp932" or "euc-jp-ms".
/// `hint` (a declared charset) wins when the bytes are valid in it.
std::string guess(std::string_view bytes, std::string_view hint = {});

/// Decodes with the declared label, but recovers from the mislabels seen in
/// Japanese mail: a UTF-8 BOM or valid UTF-8 under a 7-bit label, raw
/// 8-bit bytes under ISO-2022-JP. Always returns UTF-8 (lossy at worst).
std::string decodeText(std::string_view bytes, std::string_view label);

bool isValidUtf8(std::string_view s);
/// The strict form of nextCodePoint: the length (1-4) of the valid UTF-8
/// sequence at s[i] and its code point, or 0 when the bytes there are not
/// one (RFC 3629: no overlong form, no surrogate, nothing past U+10FFFF,
/// nothing cut short). Reads only inside `s`.
std::size_t validCodePointAt(std::string_view s, std::size_t i, std::uint32_t& cp);
/// Value of one hex digit (either case), or -1.
int hexDigitValue(char c);

/// Decodes the UTF-8 code point starting at s[i] into `cp` and returns its
/// length (1-4). A truncated or stray byte decodes as itself, length 1, so
/// a loop over hostile bytes always advances.
std::size_t nextCodePoint(std::string_view s, std::size_t i, std::uint32_t& cp);

bool isAscii(std::string_view s);

// ISO-2022-JP (CP50220 superset), used by the functions above.
std::string iso2022jpToUtf8(std::string_view bytes, bool* hadErrors = nullptr);
std::optional<std::string> utf8ToIso2022jp(std::string_view utf8);

}  // namespace mugai::charset
