// Pieces of the flat-format cleaner (flat_formats.h) shared by its files:
// the formula judge every format uses (SpreadsheetML ss:Formula, SYLK ;E
// fields, CSV cells) and one cleaner per format.
// Trust: every input is hostile bytes; nothing here throws or allocates more
// than a copy of one cell or one bounded list of findings.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/pipeline.h"
#include "sanitizers/office_cdr/result.h"

namespace mugai::sanitizers::office_cdr::flat {

/// What makes a spreadsheet formula start a program or fetch something.
struct FormulaRisk {
  bool dde = false;       ///< a `|` outside string literals: app|topic!item (DDE)
  std::string function;   ///< first dangerous function called ("EXEC", "WEBSERVICE"), "" = none
  bool risky() const { return dde || !function.empty(); }
  /// "DDE" or the function's name, for the notice.
  std::string what() const { return dde ? "DDE" : function; }
};

/// Judges one formula's text (with or without its leading `=`). Double-quoted
/// string literals ("" escapes a quote) are skipped; everything else counts.
/// `hyperlinkCounts`: HYPERLINK( is dangerous too (CSV: it opens a URL on a
/// click and is the usual exfiltration trick; SpreadsheetML keeps it, links
/// are not active content there).
FormulaRisk judgeFormula(std::string_view formula, bool hyperlinkCounts);

/// At most `n` bytes of hostile text for a notice, not cutting a UTF-8
/// sequence in two (display_text.h masks what is left).
std::string clip(std::string_view s, std::size_t n);

/// At most this many Removals are listed one by one; one more says how many
/// were left out (a hostile file can hold millions of cells).
inline constexpr std::size_t kListedRemovals = 20;

/// One active element found (before capping into Removals).
struct Hit {
  std::string where;
  std::string type;
  std::string detail;
  std::string detailJa;
};

/// `hits` as Removals with `code`: the first kListedRemovals, then one that
/// counts the rest.
std::vector<Removal> capRemovals(const std::vector<Hit>& hits, std::size_t total, const std::string& code);

Result cleanFlatXml(std::string_view bytes, ScanContext& ctx);
Result cleanSylk(std::string_view bytes, ScanContext& ctx);
Result cleanCsv(std::string_view bytes, ScanContext& ctx);

/// CSV cells (under `,`, `;` and tab at once) that a spreadsheet would run
/// as a program-starting formula; `positions` gets where to insert the
/// neutralising `'`. Returns false when the deadline passed.
struct CsvFinding {
  std::size_t insertAt;  ///< byte offset of the `'` to insert
  std::size_t row, column;
  std::string what;      ///< FormulaRisk::what()
};
[[nodiscard]] bool findCsvFormulas(std::string_view bytes, ScanContext& ctx, std::vector<CsvFinding>& out);

}  // namespace mugai::sanitizers::office_cdr::flat
