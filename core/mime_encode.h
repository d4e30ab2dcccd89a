// Encoders for what rebuild.cpp writes: base64 bodies, RFC 2047 words and
// RFC 2231 parameters for non-ASCII file names, MIME charset labels, and
// the RFC 5322 line-length rule (folding header fields, checking bodies).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mugai {

/// Base64 with lines of 76 characters, each ended by `eol`.
std::string encodeBase64Lines(std::string_view bytes, std::string_view eol);
/// One or more RFC 2047 B-words in UTF-8 for a UTF-8 string (never splits a
/// character across words), joined by `eol` + space.
std::string encodeWordUtf8(std::string_view utf8, std::string_view eol);
/// RFC 2231 extended value "UTF-8''%E8%AB%8B..." for a UTF-8 string.
std::string encodeRfc2231(std::string_view utf8);
/// `name="value"` when ASCII and safe, else `name*=UTF-8''...` followed by
/// a RFC 2047 quoted `name="=?UTF-8?B?...?="` for clients without RFC 2231.
std::string fileNameParams(std::string_view param, std::string_view utf8, std::string_view eol);
/// RFC 5322 2.1.1 allows at most 998 octets in a line. Returns `field` (a
/// whole header field, name to value, folding kept) with every longer line
/// folded before a blank (`eol` inserted), or nullopt when a line holds
/// more than 998 octets without a blank to fold at. Shorter lines are
/// copied as they are.
std::optional<std::string> foldLongLines(std::string_view field, std::string_view eol);
/// True when no line of `body` is longer than 998 octets (line ends not
/// counted) and it holds no NUL: the bytes may go out under 7bit or 8bit.
bool fitsMailLines(std::string_view body);
/// The label to put in a Content-Type for a canonical charset ("cp932" ->
/// "Shift_JIS", "euc-jp-ms" -> "EUC-JP", "iso-2022-jp" -> "ISO-2022-JP").
std::string mimeCharsetLabel(std::string_view canonical);

}  // namespace mugai
