// See mime_encode.h.
#include "core/mime_encode.h"

#include <cstdint>
#include <optional>

#include "core/charset/charset.h"

namespace mugai {
namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t v = (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8) | std::uint8_t(in[i + 2]);
    out += kB64[v >> 18], out += kB64[(v >> 12) & 63], out += kB64[(v >> 6) & 63], out += kB64[v & 63];
  }
  if (i + 1 == in.size()) {
    std::uint32_t v = std::uint8_t(in[i]) << 16;
    out += kB64[v >> 18], out += kB64[(v >> 12) & 63], out += "==";
  } else if (i + 2 == in.size()) {
    std::uint32_t v = (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8);
    out += kB64[v >> 18], out += kB64[(v >> 12) & 63], out += kB64[(v >> 6) & 63], out += '=';
  }
  return out;
}

std::size_t utf8Len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}
}  // namespace

std::string encodeBase64Lines(std::string_view bytes, std::string_view eol) {
  std::string b = base64(bytes);
  std::string out;
  out.reserve(b.size() + b.size() / 76 * eol.size() + eol.size());
  for (std::size_t i = 0; i < b.size(); i += 76) {
    out.append(b, i, 76);
    out += eol;
  }
  return out;
}

std::string encodeWordUtf8(std::string_view utf8, std::string_view eol) {
  // 45 input bytes -> 60 base64 characters; with "=?UTF-8?B?" and "?=" a
  // word stays under RFC 2047's 75-character limit.
  std::string out;
  std::size_t i = 0;
  while (i < utf8.size()) {
    std::size_t end = i;
    while (end < utf8.size()) {
      std::size_t n = utf8Len(static_cast<unsigned char>(utf8[end]));
      if (end + n - i > 45) break;
      end += n;
    }
    if (end == i) end = std::min(utf8.size(), i + 1);
    if (!out.empty()) out += std::string(eol) + " ";
    out += "=?UTF-8?B?" + base64(utf8.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string encodeRfc2231(std::string_view utf8) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "UTF-8''";
  for (unsigned char c : utf8) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                 c == '-' || c == '_';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string fileNameParams(std::string_view param, std::string_view utf8, std::string_view eol) {
  bool safe = charset::isAscii(utf8) && utf8.size() < 200;
  for (char c : utf8) safe = safe && c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20 && c != 0x7F;
  std::string p(param);
  if (safe) return p + "=\"" + std::string(utf8) + "\"";
  return p + "*=" + encodeRfc2231(utf8) + ";" + std::string(eol) + "\t" + p + "=\"" + encodeWordUtf8(utf8, " ") + "\"";
}

constexpr std::size_t kMaxLine = 998;  // RFC 5322 2.1.1, without the CRLF

std::optional<std::string> foldLongLines(std::string_view field, std::string_view eol) {
  std::string out;
  out.reserve(field.size() + 16);
  while (!field.empty()) {
    std::size_t nl = field.find('\n');
    std::string_view line = field.substr(0, nl == std::string_view::npos ? field.size() : nl + 1);
    field.remove_prefix(line.size());
    std::size_t ending = line.ends_with("\r\n") ? 2 : line.ends_with('\n') ? 1 : 0;
    while (line.size() - ending > kMaxLine) {
      // Fold before the last blank that leaves a first piece of at most 998
      // octets; the piece must hold more than blanks (RFC 5322 3.2.2).
      std::size_t at = line.substr(0, kMaxLine + 1).find_last_of(" \t");
      if (at == std::string_view::npos || line.substr(0, at).find_first_not_of(" \t") == std::string_view::npos)
        return std::nullopt;
      out.append(line.substr(0, at));
      out.append(eol);
      line.remove_prefix(at);
    }
    out.append(line);
  }
  return out;
}

bool fitsMailLines(std::string_view body) {
  if (body.find('\0') != std::string_view::npos) return false;
  for (std::size_t start = 0; start < body.size();) {
    std::size_t nl = body.find('\n', start);
    std::size_t end = nl == std::string_view::npos ? body.size() : nl;
    std::size_t len = end - start - (end > start && body[end - 1] == '\r' ? 1 : 0);
    if (len > kMaxLine) return false;
    start = end + 1;
  }
  return true;
}

std::string mimeCharsetLabel(std::string_view canonical) {
  if (canonical == "cp932") return "Shift_JIS";
  if (canonical == "euc-jp-ms") return "EUC-JP";
  if (canonical == "iso-2022-jp") return "ISO-2022-JP";
  if (canonical == "utf-8") return "UTF-8";
  if (canonical == "us-ascii") return "US-ASCII";
  return std::string(canonical);
}

}  // namespace mugai
