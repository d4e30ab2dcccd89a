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

// ODF's own marker: the first entry is "mimetype", stored, naming an
// OpenDocument type (ODF 1.2 part 3, 3.3). Read from the first local header.
bool odfFirstEntry(std::string_view b) {
  const std::size_t nameLen = le16(b, 26), extraLen = le16(b, 28);
  if (nameLen != 8 || b.substr(30, 8) != "mimetype") return false;
  const std::size_t data = 30 + nameLen + extraLen;
  return data < b.size() && startsWith(b.substr(data), "application/vnd.oasis.opendocument.");
}

// A document package (OOXML or ODF) by its entry names: [Content_Types].xml
// makes OPC; META-INF/manifest.xml, a "mimetype" anywhere or a root
// content.xml makes ODF (LibreOffice opens one whose mimetype is missing,
// late or deflated, and one without a manifest).
// When our structure walk cannot read the ZIP (trailing bytes, ambiguous
// records), the names are looked for in the bytes: a laxer reader would
// still open it as a document, so the cleaner gets it and refuses it.
Format packageFormat(std::string_view b) {
  if (b.size() < 30 || !startsWith(b, std::string_view("PK\x03\x04", 4))) return Format::None;
  if (odfFirstEntry(b)) return Format::Odf;
  const zip::Layout layout = zip::readLayout(b, 1'000'000);
  if (layout.isZip && !layout.critical()) {
    bool opc = false, odf = false;
    for (const auto& e : layout.entries) {
      opc = opc || equalsIgnoreCase(e.rawName, "[Content_Types].xml");
      odf = odf || equalsIgnoreCase(e.rawName, "META-INF/manifest.xml") || e.rawName == "mimetype" ||
            e.rawName == "content.xml";
    }
    return opc ? Format::Ooxml : odf ? Format::Odf : Format::None;
  }
  if (b.find("[Content_Types].xml") != std::string_view::npos) return Format::Ooxml;
  if (b.find("META-INF/manifest.xml") != std::string_view::npos) return Format::Odf;
  return Format::None;
}

// Flat XML Office opens (Word 2003 XML, SpreadsheetML 2003, Flat OPC, flat
// OpenDocument): known by the mso-application processing instruction or
// the root element's vocabulary. The prolog (declaration, PIs, comments,
// a DOCTYPE) is read past however long it is: a marker pushed out of a
// fixed window by a long comment must still be found.
bool isFlatXml(std::string_view b) {
  std::string seen, root;  // the PIs and the root start tag, lower case
  std::size_t i = 0;
  while (i < b.size()) {
    i = b.find_first_not_of(" \t\r\n", i);
    if (i == std::string_view::npos || b[i] != '<') return false;
    std::size_t end;
    if (b.compare(i, 4, "<!--") == 0) {
      end = b.find("-->", i + 4);
      if (end == std::string_view::npos) return false;
      i = end + 3;
    } else if (b.compare(i, 2, "<?") == 0) {
      end = b.find("?>", i + 2);
      if (end == std::string_view::npos) return false;
      seen += toLower(b.substr(i, std::min<std::size_t>(end - i, 4096)));
      i = end + 2;
    } else if (b.compare(i, 2, "<!") == 0) {  // DOCTYPE, with or without an internal subset
      const std::size_t bracket = b.find('[', i), close = b.find('>', i);
      const bool subset = bracket != std::string_view::npos && bracket < close;
      end = subset ? b.find("]>", bracket) : close;
      if (end == std::string_view::npos) return false;
      i = end + (subset ? 2 : 1);
    } else {
      end = b.find('>', i);
      root = toLower(b.substr(i, std::min<std::size_t>((end == std::string_view::npos ? b.size() : end) - i, 1 << 16)));
      seen += root;
      break;
    }
  }
  // Flat OpenDocument's root is office:document (a package's content.xml,
  // office:document-content, is not a document on its own).
  const std::string rootName = root.substr(1, root.find_first_of(" \t\r\n/>") - 1);
  if ((rootName == "document" || rootName.ends_with(":document")) &&
      root.find("urn:oasis:names:tc:opendocument:xmlns:office:1.0") != std::string::npos)
    return true;
  for (std::string_view marker : {"progid=\"word.document\"", "progid=\"excel.sheet\"", "progid=\"powerpoint.show\"",
                                  "schemas.microsoft.com/office/word/2003/wordml",
                                  "urn:schemas-microsoft-com:office:spreadsheet",
                                  "schemas.microsoft.com/office/2006/xmlpackage"})
    if (seen.find(marker) != std::string::npos) return true;
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
  for (std::size_t i = at; i + 1 < b.size() && narrow.size() < (16u << 20); i += 2) narrow.push_back(b[i + low]);
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
  if (const Format f = packageFormat(bytes); f != Format::None) return f;
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
