// Files Excel or Word open that are not packages: Word 2003 XML,
// SpreadsheetML 2003, Flat OPC, SYLK and CSV. A cell that would start a
// program (DDE, "=cmd|...", "@SUM(...)|...") becomes text; embedded objects
// and macros in the XML forms remove the file.
#pragma once

#include <string_view>

#include "core/pipeline.h"
#include "sanitizers/office_cdr/format.h"
#include "sanitizers/office_cdr/result.h"

namespace mugai::sanitizers::office_cdr {

/// Cleans one flat document of format `f` (FlatXml, Sylk or Csv). Never
/// throws for bad input.
Result cleanFlat(Format f, std::string_view bytes, const Options& options, ScanContext& ctx);

}  // namespace mugai::sanitizers::office_cdr
