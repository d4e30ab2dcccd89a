// Files Excel or Word open that are not packages: Word 2003 XML,
// SpreadsheetML 2003, Flat OPC, SYLK and CSV. A CSV cell that would start a
// program (DDE "=cmd|...", "@SUM(...)*cmd|...", =HYPERLINK/WEBSERVICE/CALL...)
// becomes text with a leading `'`; an XML form or a SYLK file with anything
// active (embedded objects, macros, DDE fields or formulas, external links,
// a DTD) is removed whole; a clean one is delivered byte for byte.
// Trust: the bytes are hostile; bounded in time (the deadline) and memory
// (no XML tree, one cell copied at most). flat_formats.cpp says why each
// format gets what it gets.
#pragma once

#include <string_view>

#include "core/pipeline.h"
#include "sanitizers/office_cdr/format.h"
#include "sanitizers/office_cdr/result.h"

namespace mugai::sanitizers::office_cdr {

/// Cleans one flat document of format `f` (FlatXml, Sylk or Csv).
/// @param f       the format detectFormat() gave for `bytes`
/// @param bytes   the whole file; read only during the call
/// @param options [stage.office_cdr] options (the flat formats use none:
///                hyperlinks are left as they are, see flat_xml.cpp)
/// @param ctx     deadline and decoded budget of the input
/// @return Clean (nothing active), Cleaned (CSV with cells made text, one
///         office.formula_neutralised Removal per cell, at most 20 listed plus
///         a count) or Refuse: office.flat_active (active content, one Removal
///         per element found, the first the main one), office.unreadable (XML
///         not well-formed, UTF-16 CSV), limit.time, limit.decoded_bytes.
///         Never throws for bad input.
Result cleanFlat(Format f, std::string_view bytes, const Options& options, ScanContext& ctx);

}  // namespace mugai::sanitizers::office_cdr
