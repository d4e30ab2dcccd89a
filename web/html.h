// HTML for the console: escaping, the two languages, times in JST.
//
// Trust: every string the console shows that came from a mail or a file
// (subjects, names, addresses, headers, report text) is attacker-written.
// It reaches a page only through h(), which first masks what must not show
// (controls, line and paragraph separators, bidi overrides, invisible
// characters: core/display_text.h) and then escapes & < > " ' — so it is
// text in an element or a quoted attribute, never markup.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mugai::web {

enum class Lang { Ja, En };

/// Text for display: masked (core/display_text.h maskedText) and HTML-escaped.
std::string h(std::string_view text);
/// `text` escaped for a URL query value (application/x-www-form-urlencoded).
std::string urlEncode(std::string_view text);
/// Decodes one query or form value ('+' is a space); invalid %-escapes stay as they are.
std::string urlDecode(std::string_view text);

/// "2026-12-07 13:45:02" in Japan Standard Time (UTC+9, no daylight saving).
std::string jst(std::int64_t epochSeconds);
/// Seconds since the epoch of 00:00 JST on "YYYY-MM-DD"; -1 if it is not such a date.
std::int64_t jstDayStart(std::string_view date);

/// The UI text `key` in `lang` (the table is in html.cpp). Throws
/// std::logic_error for an unknown key (a test renders every page).
const char* tr(Lang lang, std::string_view key);

}  // namespace mugai::web
