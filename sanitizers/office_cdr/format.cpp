// See format.h.
#include "sanitizers/office_cdr/format.h"

#include <algorithm>
#include <cstring>

#include "core/node.h"
#include "core/zip/layout.h"
#include "sanitizers/office_cdr/ole2.h"

namespace mugai::sanitizers::office_cdr {
namespace {

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::uint16_t le16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) | static_cast<unsigned char>(s[at + 1]) << 8);
}

// ODF: the first entry is "mimetype", stored, naming an OpenDocument type
// (ODF 1.2 part 3, 3.3). Read straight from the first local header.
bool isOdf(std::string_view b) {
  if (b.size() < 30 || !startsWith(b, std::string_view("PK\x03\x04", 4))) return false;
  const std::size_t nameLen = le16(b, 26), extraLen = le16(b, 28);
  if (nameLen != 8 || b.substr(30, 8) != "mimetype") return false;
  const std::size_t data = 30 + nameLen + extraLen;
  return data < b.size() && startsWith(b.substr(data), "application/vnd.oasis.opendocument.");
}

// OOXML (OPC): a ZIP holding [Content_Types].xml, wherever it sits.
bool isOoxml(std::string_view b) {
  if (b.size() < 22 || !startsWith(b, std::string_view("PK\x03\x04", 4))) return false;
  const zip::Layout layout = zip::readLayout(b, 1'000'000);
  return std::any_of(layout.entries.begin(), layout.entries.end(),
                     [](const zip::Entry& e) { return equalsIgnoreCase(e.rawName, "[Content_Types].xml"); });
}

bool isFlatXml(std::string_view b) {
  std::string head = toLower(b.substr(0, 4096));
  if (head.find("<?xml") == std::string::npos && head.find("<w:worddocument") == std::string::npos) return false;
  for (std::string_view marker : {"progid=\"word.document\"", "progid=\"excel.sheet\"", "progid=\"powerpoint.show\"",
                                  "schemas.microsoft.com/office/word/2003/wordml",
                                  "urn:schemas-microsoft-com:office:spreadsheet",
                                  "schemas.microsoft.com/office/2006/xmlpackage"})
    if (head.find(marker) != std::string::npos) return true;
  return false;
}

// Word and Excel read UTF-16 XML as well (BOM or "<" as 3C 00 / 00 3C):
// its ASCII code units, narrowed, go through the same markers.
std::string narrowUtf16(std::string_view b) {
  const bool little = startsWith(b, "\xFF\xFE") || startsWith(b, std::string_view("<\0", 2));
  const bool big = startsWith(b, "\xFE\xFF") || startsWith(b, std::string_view("\0<", 2));
  if (!little && !big) return {};
  const std::size_t at = (b[0] == '<' || b[0] == '\0') ? 0 : 2;  // after the BOM
  const std::size_t low = little ? 0 : 1;                          // which byte holds ASCII
  std::string narrow;
  for (std::size_t i = at; i + 1 < b.size() && narrow.size() < 4096; i += 2) narrow.push_back(b[i + low]);
  return narrow;
}

}  // namespace

std::string_view formatName(Format f) {
  switch (f) {
    case Format::None: return "none";
    case Format::Ooxml: return "OOXML";
    case Format::Odf: return "ODF";
    case Format::Ole2: return "OLE2";
    case Format::Rtf: return "RTF";
    case Format::FlatXml: return "Office XML";
    case Format::Sylk: return "SYLK";
    case Format::Csv: return "CSV";
  }
  return "?";
}

Format detectFormat(std::string_view bytes, std::string_view extension) {
  static constexpr char kOle2Magic[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
  if (startsWith(bytes, std::string_view(kOle2Magic, 8))) return isOfficeOle2(bytes) ? Format::Ole2 : Format::None;
  // Word opens "{\rt" as RTF (it does not need "{\rtf1").
  if (startsWith(bytes, "{\\rt")) return Format::Rtf;
  if (isOdf(bytes)) return Format::Odf;
  if (isOoxml(bytes)) return Format::Ooxml;
  if (startsWith(bytes, "ID;")) return Format::Sylk;
  std::string_view text = bytes;
  if (startsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' || text.front() == '\n'))
    text.remove_prefix(1);
  if (startsWith(text, "<") && isFlatXml(text)) return Format::FlatXml;
  if (const std::string narrow = narrowUtf16(bytes); !narrow.empty()) {
    const std::size_t first = narrow.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && narrow[first] == '<' && isFlatXml(std::string_view(narrow).substr(first)))
      return Format::FlatXml;
  }
  if (extension == "csv" || extension == "tsv") return Format::Csv;
  return Format::None;
}

}  // namespace mugai::sanitizers::office_cdr
