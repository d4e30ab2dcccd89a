// What mugai shows of a name or subject that came from the input: the notice
// (mail and NAME.removed.txt) and the JSON report print names and subjects
// through here, and attachment_strip's `bidi_names` check asks the same
// predicate, so "what a name must not show" is decided in one place.
//
// Trusts nothing: the bytes are a sender's. A name may hold line separators
// (U+2028 makes a viewer that follows Unicode line breaking start a new line,
// so "請求書.pdf<U+2028>理由 / Reason: 安全です" forges a line of the notice),
// C0/C1 controls, bidi controls that reorder the text around them (U+202E),
// invisible characters, invalid UTF-8, or thousands of characters. Nothing
// here fails: every input gives printable UTF-8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mugai {

/// Names longer than this many code points are shortened by displayName().
inline constexpr std::size_t kMaxDisplayNameChars = 80;

/// @brief True for a code point a displayed name or subject must not carry:
/// it breaks the line, reorders the text around it or shows nothing.
///
/// The set (Unicode 15.1 UCD; DerivedCoreProperties.txt and
/// DerivedGeneralCategory.txt):
///   - General_Category Cc: U+0000–001F (TAB, LF, VT, FF, CR included),
///     U+007F, U+0080–009F (C1, NEL U+0085 included);
///   - Zl U+2028 LINE SEPARATOR, Zp U+2029 PARAGRAPH SEPARATOR;
///   - Default_Ignorable_Code_Point: U+00AD, U+034F, U+061C, U+115F–1160,
///     U+17B4–17B5, U+180B–180F, U+200B–200F, U+202A–202E, U+2060–206F,
///     U+3164, U+FE00–FE0F, U+FEFF, U+FFA0, U+FFF0–FFF8, U+1BCA0–1BCA3,
///     U+1D173–1D17A, U+E0000–E0FFF (tags, variation selectors 17–256);
///   - and, though not default-ignorable, the interlinear annotation
///     controls U+FFF9–FFFB (Cf; they hide the text between them).
/// @param cp a Unicode scalar value
bool mustNotShow(std::uint32_t cp);

/// @brief True if the UTF-8 `s` holds any code point mustNotShow() refuses.
/// Invalid UTF-8 does not count (it is shown as U+FFFD anyway).
/// @param latin1Reading `s` is raw 8-bit bytes read as ISO-8859-1 (a second
///        reading of a header, mime_parser.cpp): U+0080–U+00FF then stand
///        for the bytes of e.g. a Shift_JIS name (表 is 0x95 0x5C) and do not
///        count; C0 controls and everything past U+00FF still do.
bool hasHiddenChars(std::string_view s, bool latin1Reading = false);

/// @brief `s` with every code point mustNotShow() refuses replaced by U+FFFD,
/// and every byte that does not start a valid UTF-8 sequence too (an
/// overlong form, a surrogate, past U+10FFFF, a stray or truncated byte:
/// one U+FFFD per byte). Everything else is kept as is, at full length.
/// @return valid UTF-8 without line breaks, controls or invisible characters
std::string maskedText(std::string_view s);

/// @brief maskedText(s), shortened when longer than `maxChars` code points:
/// the start, then "…", then the extension (the last '.' and up to 15 code
/// points after it) or, without one, the last 10 code points, so
/// "請求書……(200 characters)….exe" still shows ".exe". The result is exactly
/// `maxChars` code points then.
/// @param maxChars at least 20 (smaller values are treated as 20)
std::string displayName(std::string_view s, std::size_t maxChars = kMaxDisplayNameChars);

/// A notice as a Windows-friendly text file: UTF-8 with BOM, CRLF lines
/// (Notepad on Japanese Windows reads BOM-less text as CP932).
std::string noticeFileText(const std::string& noticeUtf8);

}  // namespace mugai
