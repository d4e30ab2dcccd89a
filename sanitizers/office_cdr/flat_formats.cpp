// See flat_formats.h. Dispatch, plus the two helpers every flat format
// shares: the formula judge and the capped list of Removals.
//
// What each format gets, and why:
//  - Office XML (Word 2003 XML, SpreadsheetML 2003, Flat OPC): refused whole
//    (office.flat_active) when it holds anything active; otherwise delivered
//    byte for byte. Rewriting the XML would change every byte of a document
//    that is rare in mail and where the active parts (base64 OLE/VBA blobs,
//    fields, DDE formulas) are the attack, not the content (flat_xml.cpp).
//  - SYLK: refused whole when it declares a macro sheet, auto-run or macro
//    names, external links or a formula that starts a program; kept byte
//    for byte otherwise (flat_text.cpp).
//  - CSV: a cell Excel would run as a program-starting formula gets a `'`
//    in front (OWASP "CSV injection"), every other byte kept (flat_text.cpp).
// Trust: the bytes are hostile; see each file's header.
#include "sanitizers/office_cdr/flat_formats.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "sanitizers/office_cdr/flat_internal.h"

namespace mugai::sanitizers::office_cdr {

namespace flat {
namespace {

bool isNameChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || u >= 0x80;
}

// Functions that start a program, load code or fetch from the network when
// a spreadsheet computes the cell. XLM's CALL/EXEC/REGISTER/RUN work in
// Excel 4 macro sheets and (CALL, REGISTER.ID) in some Excel versions in
// ordinary cells too; RTD starts a COM server; WEBSERVICE and the Google
// Sheets IMPORT* functions fetch URLs (the CSV may be opened there too).
constexpr std::array<std::string_view, 14> kDangerous = {
    "CALL",       "EXEC",      "REGISTER",   "REGISTER.ID", "RUN",        "RTD",        "WEBSERVICE",
    "FILTERXML",  "IMPORTXML", "IMPORTDATA", "IMPORTHTML",  "IMPORTFEED", "IMPORTRANGE", "SQL.REQUEST"};

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

// `name` (upper case, before an opening parenthesis) is a call we refuse.
bool dangerousCall(std::string_view name, bool hyperlinkCounts) {
  // Newer functions are stored as _xlfn.NAME; _xll.NAME calls an XLL add-in
  // (native code), whatever its name.
  if (name.substr(0, 5) == "_XLL.") return true;
  if (name.substr(0, 6) == "_XLFN.") name.remove_prefix(6);
  if (hyperlinkCounts && name == "HYPERLINK") return true;
  for (std::string_view d : kDangerous)
    if (name == d) return true;
  return false;
}

}  // namespace

FormulaRisk judgeFormula(std::string_view f, bool hyperlinkCounts) {
  FormulaRisk risk;
  // Segments between double quotes alternate code / string literal ("" in
  // a literal closes and reopens it: the escaped quote stays inside). Each
  // code segment is searched with find() (memchr speed: a 50 MB cell takes
  // milliseconds) for a pipe, then for each '(' the name before it.
  bool inString = false;
  std::size_t pos = 0;
  while (pos <= f.size() && !risk.risky()) {
    const std::size_t quote = f.find('"', pos);
    const std::size_t segEnd = quote == std::string_view::npos ? f.size() : quote;
    if (!inString) {
      const std::string_view seg = f.substr(pos, segEnd - pos);
      // A pipe inside a 'quoted sheet name' still counts: Excel's DDE form
      // is app|'topic'!item and we would rather make a text of an odd
      // sheet name than miss app'|'... variants.
      if (seg.find('|') != std::string_view::npos) risk.dde = true;
      for (std::size_t p = seg.find('('); p != std::string_view::npos && !risk.risky(); p = seg.find('(', p + 1)) {
        std::size_t e = p;
        while (e > 0 && (seg[e - 1] == ' ' || seg[e - 1] == '\t' || seg[e - 1] == '\r' || seg[e - 1] == '\n')) --e;
        std::size_t b = e;
        while (b > 0 && isNameChar(seg[b - 1])) --b;
        // No dangerous name is longer than 64 (only _xll.* is open-ended,
        // and its prefix is enough): a 50 MB name is not copied.
        const std::string name = upper(seg.substr(b, std::min<std::size_t>(e - b, 64)));
        if (b < e && dangerousCall(name, hyperlinkCounts)) risk.function = name;
      }
    }
    if (quote == std::string_view::npos) break;
    inString = !inString;
    pos = quote + 1;
  }
  return risk;
}

std::string clip(std::string_view s, std::size_t n) {
  if (s.size() <= n) return std::string(s);
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

std::vector<Removal> capRemovals(const std::vector<Hit>& hits, std::size_t total, const std::string& code) {
  std::vector<Removal> out;
  for (std::size_t i = 0; i < hits.size() && i < kListedRemovals; ++i)
    out.push_back({code, hits[i].where, hits[i].type, hits[i].detail, hits[i].detailJa, 0});
  if (total > out.size()) {
    const std::string more = std::to_string(total - out.size());
    out.push_back({code, "", "", more + " more of the same not listed", "ほか同様の箇所 " + more + " 件（一覧省略）", 0});
  }
  return out;
}

}  // namespace flat

Result cleanFlat(Format f, std::string_view bytes, const Options&, ScanContext& ctx) {
  switch (f) {
    case Format::FlatXml: return flat::cleanFlatXml(bytes, ctx);
    case Format::Sylk: return flat::cleanSylk(bytes, ctx);
    case Format::Csv: return flat::cleanCsv(bytes, ctx);
    default: break;
  }
  return Result::refuse("office.unreadable", "not a flat Office format", "Office 文書として読み取れません");
}

}  // namespace mugai::sanitizers::office_cdr
