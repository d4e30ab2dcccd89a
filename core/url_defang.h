// URL neutralisation for the text path (URLリンク無効化): what a recipient
// reads must not be a link a mail client makes clickable, yet must still
// say where it pointed. Used for HTML footnotes and for links in text.
//
// Trust: URLs come from hostile mail. Schemes that run code or read local
// files (javascript:, vbscript:, data:, file:) never come out usable.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mugai {

enum class UrlMode {
  Leave,   ///< keep the URL as written (still never for dangerous schemes)
  Defang,  ///< hxxps://example[.]com/…, IDN hosts as Unicode and xn--
  Remove,  ///< "(URL removed)"
};

/// "defang", "leave" or "remove" as a mode (config values); nullopt otherwise.
std::optional<UrlMode> urlModeFromName(std::string_view name);

/// True for javascript:, vbscript:, data:, file: (any case, leading
/// whitespace and control characters ignored, as browsers do).
bool isDangerousUrl(std::string_view url);

/// The URL as the recipient should read it under `mode`.
std::string neutraliseUrl(std::string_view url, UrlMode mode);

/// Every http(s)/ftp URL and bare "www." host in plain text rewritten by
/// neutraliseUrl; the rest of the text untouched.
std::string neutraliseUrlsInText(std::string_view text, UrlMode mode);

}  // namespace mugai
