// Encoders for what rebuild.cpp writes: base64 bodies, RFC 2047 words and
// RFC 2231 parameters for non-ASCII file names, MIME charset labels.
#pragma once

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
/// The label to put in a Content-Type for a canonical charset ("cp932" ->
/// "Shift_JIS", "euc-jp-ms" -> "EUC-JP", "iso-2022-jp" -> "ISO-2022-JP").
std::string mimeCharsetLabel(std::string_view canonical);

}  // namespace mugai
