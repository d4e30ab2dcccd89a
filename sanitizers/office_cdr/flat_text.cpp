// The text spreadsheets: CSV/TSV and SYLK (see flat_formats.h).
//
// CSV: Excel runs a cell as a formula when it starts (after spaces, tabs)
// with = + - or @, quoted or not. One that holds a DDE pipe or calls a
// program-starting / fetching function (flat::judgeFormula) gets a `'` in
// front of its text (inside the quotes when quoted), so Excel shows it as
// text (OWASP "CSV injection"). Plain formulas (=1+2, =SUM(A1:A3)) and
// numbers (-5, +81-3-...) are left alone: they compute, they do not run
// anything. Which separator the reader will use is unknown (`,` in Japan,
// `;` in much of Europe, tab for .tsv), so the cells are found under all
// three and every insertion point any of them yields is applied: a `'`
// too many inside a text is harmless, a cell missed is not.
// Bytes are never transcoded (Shift_JIS, UTF-8, anything ASCII-compatible):
// the separators, quotes, CR/LF and the trigger characters are ASCII and
// never a Shift_JIS trail byte, except `|` (0x7C) which is: a cell starting
// with = + - @ that holds e.g. "ポ" (0x83 0x7C) is made text too. That is
// the fail-closed side: such a cell is a formula anyway, and Excel on a
// non-Japanese code page would read that byte as a pipe. UTF-16 CSV (NUL
// bytes) is refused: our byte scan cannot see its cells.
//
// SYLK: refused whole (office.flat_active) when it declares a macro sheet
// (O record ;E), macro names (NN with ;K command key or ;F function, or an
// Auto_* name), external links (NE/NU records) or a cell/name whose ;E
// expression starts a program; also when read as CSV (Excel falls back to
// text for a broken SYLK) it holds a dangerous cell. Why not clean it: SYLK
// is what Excel 4 macro droppers use (excel4_sample_macro.slk) and almost
// never legitimate in mail; its records are stateful (current cell, shared
// formulas), so rewriting some of them safely is more than it is worth.
// Trust: hostile bytes; one pass per separator, linear, deadline checked.
#include <algorithm>
#include <cctype>

#include "core/node.h"
#include "sanitizers/office_cdr/flat_internal.h"

namespace mugai::sanitizers::office_cdr::flat {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t'; }
bool isTrigger(char c) { return c == '=' || c == '+' || c == '-' || c == '@'; }

// Where the next `c` at or after a position is, found with memchr and
// remembered: positions only grow, so each byte is searched once per
// character (a cell end needs the nearest of three; searching each from
// every cell start would be quadratic).
class NextOf {
 public:
  NextOf(std::string_view b, char c) : b_(b), c_(c) {}
  std::size_t from(std::size_t pos) {
    if (!known_ || (at_ != std::string_view::npos && at_ < pos)) {
      at_ = b_.find(c_, pos);
      known_ = true;
    }
    return at_;
  }

 private:
  std::string_view b_;
  char c_;
  std::size_t at_ = 0;
  bool known_ = false;
};

// One scan of `b` with separator `sep`; adds a finding per dangerous cell.
bool scanCsv(std::string_view b, char sep, ScanContext& ctx, std::vector<CsvFinding>& out) {
  std::size_t pos = 0, row = 1, column = 1, cells = 0;
  const std::size_t n = b.size();
  std::string unquoted;
  NextOf nextSep(b, sep), nextCr(b, '\r'), nextLf(b, '\n');
  auto cellEnd = [&](std::size_t from) {
    return std::min({nextSep.from(from), nextCr.from(from), nextLf.from(from), n});
  };
  while (pos < n) {
    if ((++cells & 0xFFFF) == 0 && ctx.expired()) return false;
    std::size_t i = pos, insertAt = pos;
    bool candidate = false;
    std::string_view content;
    if (b[pos] == '"') {
      // RFC 4180 quoted field; Excel appends what follows the closing quote
      // up to the separator, and so do we (it cannot start the cell).
      insertAt = pos + 1;
      std::size_t first = pos + 1;  // inside quotes a line break may precede the `=` too
      while (first < n && (isSpace(b[first]) || b[first] == '\r' || b[first] == '\n')) ++first;
      candidate = first < n && isTrigger(b[first]);
      unquoted.clear();
      i = pos + 1;
      while (i < n) {
        const std::size_t q = b.find('"', i);
        const std::size_t stop = q == std::string_view::npos ? n : q;
        if (candidate) unquoted.append(b.substr(i, stop - i));
        if (q == std::string_view::npos) { i = n; break; }
        if (q + 1 < n && b[q + 1] == '"') {
          if (candidate) unquoted.push_back('"');
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      i = cellEnd(i);
      content = unquoted;
    } else {
      i = cellEnd(pos);
      content = b.substr(pos, i - pos);
      std::size_t first = 0;
      while (first < content.size() && isSpace(content[first])) ++first;
      candidate = first < content.size() && isTrigger(content[first]);
    }
    if (candidate) {
      const FormulaRisk risk = judgeFormula(content, true);
      if (risk.risky()) out.push_back({insertAt, row, column, risk.what()});
    }
    if (i >= n) break;
    if (b[i] == sep) {
      ++column;
      pos = i + 1;
      if (pos == n) break;
      continue;
    }
    // CR, LF or CRLF ends the record.
    pos = i + 1;
    if (b[i] == '\r' && pos < n && b[pos] == '\n') ++pos;
    ++row;
    column = 1;
  }
  return true;
}

std::string cellName(const CsvFinding& f) { return "R" + std::to_string(f.row) + "C" + std::to_string(f.column); }

std::vector<Hit> csvHits(const std::vector<CsvFinding>& found) {
  std::vector<Hit> hits;
  for (std::size_t i = 0; i < found.size() && i < kListedRemovals; ++i)
    hits.push_back({cellName(found[i]), "CSV cell",
                    "formula that can start a program or fetch data (" + found[i].what + ") made text",
                    "プログラムの起動やデータ取得ができる数式（" + found[i].what + "）を文字列にしました"});
  return hits;
}

bool hasUtf16OrNul(std::string_view b) {
  if (b.size() >= 2 && ((b[0] == '\xFF' && b[1] == '\xFE') || (b[0] == '\xFE' && b[1] == '\xFF'))) return true;
  return b.find('\0') != std::string_view::npos;
}

}  // namespace

bool findCsvFormulas(std::string_view b, ScanContext& ctx, std::vector<CsvFinding>& out) {
  out.clear();
  for (char sep : {',', ';', '\t'})
    if (!scanCsv(b, sep, ctx, out)) return false;
  // One `'` per position, in order; the first separator's row/column stays.
  std::stable_sort(out.begin(), out.end(), [](const CsvFinding& a, const CsvFinding& c) { return a.insertAt < c.insertAt; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const CsvFinding& a, const CsvFinding& c) { return a.insertAt == c.insertAt; }),
            out.end());
  return true;
}

Result cleanCsv(std::string_view bytes, ScanContext& ctx) {
  if (hasUtf16OrNul(bytes))
    return Result::refuse("office.unreadable", "CSV in UTF-16 or with NUL bytes: its cells cannot be checked",
                          "UTF-16 または NUL を含む CSV のため、セルを検査できません");
  std::vector<CsvFinding> found;
  if (!findCsvFormulas(bytes, ctx, found))
    return Result::refuse("limit.time", "time limit reached while checking the CSV", "CSV の検査が制限時間を超えました");
  if (found.empty()) return Result::clean();
  if (!ctx.chargeDecoded(bytes.size() + found.size()))
    return Result::refuse("limit.decoded_bytes", "size limit reached while rewriting the CSV",
                          "CSV の書き換えがサイズ制限を超えました");
  Result r;
  r.outcome = Outcome::Cleaned;
  r.bytes.reserve(bytes.size() + found.size());
  std::size_t from = 0;
  for (const CsvFinding& f : found) {
    r.bytes.append(bytes.substr(from, f.insertAt - from));
    r.bytes.push_back('\'');
    from = f.insertAt;
  }
  r.bytes.append(bytes.substr(from));
  // No second scan of our output: a `'` is neither a quote, a separator nor
  // a line end, so every reading keeps its cells; it goes at a cell start
  // (after a separator or line end, never inside a name), so no formula
  // gains a call; and a cell starting with `'` is not a formula. The test
  // has an outside judge (test/tools/flat_judge.py) read what we write.
  r.removals = capRemovals(csvHits(found), found.size(), "office.formula_neutralised");
  return r;
}

namespace {

// One SYLK record split into its fields; ";;" is a literal ';' (kept
// doubled: the judges only look for letters, pipes and names).
std::vector<std::string_view> sylkFields(std::string_view rec) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= rec.size(); ++i) {
    if (i < rec.size() && rec[i] != ';') continue;
    if (i + 1 < rec.size() && rec[i + 1] == ';') { ++i; continue; }
    out.push_back(rec.substr(start, i - start));
    start = i + 1;
  }
  return out;
}


// Judges one record; adds hits.
void judgeSylkRecord(std::string_view rec, std::size_t line, std::vector<Hit>& hits) {
  const auto fields = sylkFields(rec);
  if (fields.empty()) return;
  const std::string_view type = fields[0];
  const std::string where = "line " + std::to_string(line);
  if (type == "O") {
    for (std::size_t i = 1; i < fields.size(); ++i)
      if (fields[i] == "E")
        hits.push_back({where, "SYLK macro sheet", "Excel 4.0 macro sheet declared (O;E)",
                        "Excel 4.0 マクロシートの宣言（O;E）"});
    return;
  }
  if (type == "NE" || type == "NU") {
    hits.push_back({where, "SYLK external link", "link to another file (" + std::string(type) + " record)",
                    "別ファイルへのリンク（" + std::string(type) + " レコード）"});
    return;
  }
  if (type == "NN") {
    for (std::size_t i = 1; i < fields.size(); ++i) {
      const std::string_view f = fields[i];
      if (f.empty()) continue;
      if (f[0] == 'N' && startsWithIgnoreCase(f.substr(1), "auto_"))
        hits.push_back({where, "SYLK name", "auto-run macro name (" + clip(f.substr(1), 40) + ")",
                        "自動実行マクロの名前（" + clip(f.substr(1), 40) + "）"});
      else if (f[0] == 'K' || f[0] == 'F')  // ;K command-macro key, ;F function macro
        hits.push_back({where, "SYLK name", "macro name (command or function macro)", "マクロの名前（コマンド／関数マクロ）"});
    }
  }
  if (type != "C" && type != "F" && type != "NN") return;
  for (std::size_t i = 1; i < fields.size(); ++i) {
    if (fields[i].empty() || fields[i][0] != 'E') continue;
    const FormulaRisk risk = judgeFormula(fields[i].substr(1), false);
    if (risk.risky())
      hits.push_back({where, "SYLK formula", "formula that starts a program (" + risk.what() + ")",
                      "プログラムを起動する数式（" + risk.what() + "）"});
  }
}

}  // namespace

Result cleanSylk(std::string_view bytes, ScanContext& ctx) {
  std::vector<Hit> hits;
  std::size_t pos = 0, line = 0;
  while (pos < bytes.size()) {
    if ((++line & 0xFFFF) == 0 && ctx.expired())
      return Result::refuse("limit.time", "time limit reached while checking the SYLK file", "SYLK の検査が制限時間を超えました");
    std::size_t end = bytes.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = bytes.size();
    judgeSylkRecord(bytes.substr(pos, end - pos), line, hits);
    pos = end + 1;
    if (end < bytes.size() && bytes[end] == '\r' && pos < bytes.size() && bytes[pos] == '\n') ++pos;
    if (hits.size() > 100000) break;  // enough to refuse; do not grow without bound
  }
  // A SYLK Excel cannot read is opened as text: the CSV view must be clean too.
  std::vector<CsvFinding> cells;
  if (!findCsvFormulas(bytes, ctx, cells))
    return Result::refuse("limit.time", "time limit reached while checking the SYLK file", "SYLK の検査が制限時間を超えました");
  for (const CsvFinding& c : cells)
    hits.push_back({cellName(c), "SYLK line read as CSV", "cell that starts a program (" + c.what + ")",
                    "プログラムを起動するセル（" + c.what + "）"});
  if (hits.empty()) return Result::clean();
  Result r;
  r.outcome = Outcome::Refuse;
  r.removals = capRemovals(hits, hits.size(), "office.flat_active");
  r.removals.front().detail = "SYLK spreadsheet with macros or program-starting formulas: " + r.removals.front().detail;
  r.removals.front().detailJa = "マクロまたはプログラムを起動する数式を含む SYLK ファイル: " + r.removals.front().detailJa;
  return r;
}

}  // namespace mugai::sanitizers::office_cdr::flat
