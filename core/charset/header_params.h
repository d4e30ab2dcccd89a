// Structured header fields with parameters (Content-Type,
// Content-Disposition): "value; name=token; name="quoted"; name*=cs'lang'%XX;
// name*0*=...; name*1=...". Decodes RFC 2231 (continuations are joined
// before percent- and charset-decoding, so splits inside a character or
// even inside a %XX escape still give the sender's name), RFC 2047 words
// inside quoted values (forbidden by RFC 2047 section 5, sent by most
// Japanese mailers) and raw 8-bit values, including Shift_JIS whose trail
// byte 0x5C must not be read as a quoted-pair backslash.
// Never fails; oddities are reported in `problems`.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mugai::charset {

struct StructuredField {
  std::string value;                          ///< lower-cased, e.g. "text/plain"
  std::map<std::string, std::string> params;  ///< lower-cased name -> UTF-8 value
  std::vector<std::string> problems;          ///< codes such as "param.duplicate"
};

/// Parses a raw (possibly folded) header value. `hint` is the charset to try
/// first for raw 8-bit parameter values.
StructuredField parseStructured(std::string_view raw, std::string_view hint = {});

}  // namespace mugai::charset
