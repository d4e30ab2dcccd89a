// See name_checks.h.
#include "sanitizers/attachment_strip/name_checks.h"

#include <array>

#include "core/display_text.h"
#include "core/node.h"

namespace mugai::sanitizers::attachment_strip {
namespace {

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
  if (hasHiddenChars(name))
    out.push_back({"name.bidi", "file name holds bidi controls, line breaks, controls or invisible characters "
                                "(e.g. U+202E, U+2028, U+200B)"});
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
