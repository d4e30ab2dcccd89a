// One log field from untrusted data (a file name, a path, an error that
// quotes one), made safe for a line-oriented log: whatever the bytes, the
// value stays on its line and within its field, so a hostile name can
// neither forge a whole log line ("a\nkept x") nor a key=value pair.
//
// Trusts nothing about the input: any bytes, any length, invalid UTF-8.
// Never fails and never throws (beyond std::bad_alloc); valid UTF-8 other
// than the characters listed below passes unchanged, so Japanese names stay
// readable. Shared by `mugai watch`/`mugai scan` and the daemon's log.
#pragma once

#include <string>
#include <string_view>

namespace mugai {

/// Escapes `raw` for one field of a log line.
///  - Control bytes (0x00–0x1F, 0x7F) become `\xNN` (two upper-case hex digits).
///  - Bytes that are not part of valid UTF-8 (stray continuation bytes,
///    overlong forms, surrogates, code points past U+10FFFF, a sequence
///    cut short) become `\xNN`, one escape per byte.
///  - Code points that end or reorder lines in some viewers become
///    `\u{XXXX}`: the C1 controls U+0080–U+009F (NEL U+0085 among them),
///    U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR and the bidi
///    overrides U+202A–U+202E, U+2066–U+2069 ("Trojan Source").
///  - A backslash becomes `\\`, so every escape above is unambiguous.
///  - The result is put in double quotes (with `"` written as `\"`) when it
///    is empty or contains a space, a quote (`"` or `'`) or `=`.
/// @param raw any bytes
/// @return a value without line breaks or control bytes, ready to print.
[[nodiscard]] std::string logValue(std::string_view raw);

}  // namespace mugai
