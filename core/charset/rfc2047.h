// Header value decoding: RFC 2047 encoded words and raw 8-bit bytes, from
// the raw header bytes (never from a library's already-converted string).
// Tolerates what Japanese mailers send: lower-case q/b, words split in the
// middle of a character or an ISO-2022-JP escape state (adjacent words in
// one charset are joined before conversion), words glued to text, and raw
// Shift_JIS / EUC-JP / ISO-2022-JP / UTF-8 bytes. Never fails: what cannot
// be decoded becomes U+FFFD.
#pragma once

#include <string>
#include <string_view>

namespace mugai::charset {

/// Removes CRLF/LF folding (RFC 5322 2.2.3), keeping the whitespace after it.
std::string unfold(std::string_view raw);

/// Decodes an unstructured header value (Subject, display names, quoted
/// parameter values) to UTF-8. `hint` is a charset to try first for raw
/// 8-bit bytes (the part's declared charset), or "".
std::string decodeHeader(std::string_view raw, std::string_view hint = {});

/// Base64 decoding that skips characters outside the alphabet and accepts
/// missing padding, as mail clients do.
std::string decodeBase64Lenient(std::string_view in);

}  // namespace mugai::charset
