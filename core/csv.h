// CSV for people's spreadsheets (the audit log's export: `mugai quarantine
// audit --csv` and the console's /audit.csv).
#pragma once

#include <string>

namespace mugai {

/// One RFC 4180 cell, always quoted. A cell a spreadsheet would run as a
/// formula gets a leading ' (OWASP "CSV injection"): after any leading
/// blanks, one of = + - @ or the full-width ＝ ＋ － ＠. Control bytes are
/// written as \xNN, so the CSV on a terminal cannot move the cursor.
std::string csvCell(const std::string& v);

}  // namespace mugai
