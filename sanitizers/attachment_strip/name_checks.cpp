// See name_checks.h.
#include "sanitizers/attachment_strip/name_checks.h"

#include <array>
#include <cstdint>

#include "core/node.h"

namespace mugai::sanitizers::attachment_strip {
namespace {

// Decodes one UTF-8 code point at s[i] (names are UTF-8 from the charset
// layer; invalid bytes there are already U+FFFD). Returns its length.
std::size_t codePoint(const std::string& s, std::size_t i, std::uint32_t& cp) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (i + n > s.size()) n = 1;
  cp = n == 1 ? c : c & (0xFF >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return n;
}

bool isBidiOrFormat(std::uint32_t cp) {
  // Bidi embeddings/overrides/isolates and marks, zero-width characters,
  // the Arabic letter mark, soft hyphen, and the BOM / word joiner block.
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
         cp == 0x061C || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF || cp == 0x00AD ||
         (cp >= 0xFFF9 && cp <= 0xFFFB);
}

std::string trimTrailingDotsSpaces(std::string name) {
  while (!name.empty() && (name.back() == '.' || name.back() == ' ')) name.pop_back();
  return name;
}

// Extensions that make a believable "first" extension in a double-extension
// lure such as 請求書.pdf.exe or photo.jpg.lnk.
constexpr std::array<std::string_view, 22> kLureExtensions{
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "jpg", "jpeg", "png", "gif",
    "csv", "rtf", "zip", "mp4", "mp3", "htm", "html", "eml", "msg", "odt"};

}  // namespace

bool hasBidiOrFormat(const std::string& name) {
  for (std::size_t i = 0; i < name.size();) {
    std::uint32_t cp;
    i += codePoint(name, i, cp);
    if (isBidiOrFormat(cp)) return true;
  }
  return false;
}

std::string effectiveExtension(const std::string& utf8Name) {
  std::string name = trimTrailingDotsSpaces(utf8Name);
  auto slash = name.find_last_of("/\\");
  if (slash != std::string::npos) name.erase(0, slash + 1);
  auto dot = name.rfind('.');
  if (dot == std::string::npos || dot + 1 >= name.size()) return "";
  return toLower(name.substr(dot + 1));
}

std::vector<NameFinding> checkName(const std::string& name) {
  std::vector<NameFinding> out;
  if (hasBidiOrFormat(name))
    out.push_back({"name.bidi", "file name holds bidi control or invisible format characters (e.g. U+202E)"});
  if (!name.empty() && (name.back() == '.' || name.back() == ' '))
    out.push_back({"name.trailing_dot_space", "file name ends in a dot or space, which Windows drops"});
  if (name.size() > 200) out.push_back({"name.too_long", "file name is " + std::to_string(name.size()) + " bytes long"});
  std::string trimmed = trimTrailingDotsSpaces(name);
  auto last = trimmed.rfind('.');
  if (last != std::string::npos && last > 0) {
    auto prev = trimmed.rfind('.', last - 1);
    if (prev != std::string::npos) {
      std::string inner = toLower(trimmed.substr(prev + 1, last - prev - 1));
      std::string outer = toLower(trimmed.substr(last + 1));
      for (auto lure : kLureExtensions)
        if (inner == lure && outer != inner) {
          out.push_back({"name.double_extension", "double extension ." + inner + "." + outer});
          break;
        }
    }
  }
  // Many spaces before the real extension push it out of sight.
  if (trimmed.find("      ") != std::string::npos)
    out.push_back({"name.padding", "file name hides its end behind a run of spaces"});
  return out;
}

}  // namespace mugai::sanitizers::attachment_strip
