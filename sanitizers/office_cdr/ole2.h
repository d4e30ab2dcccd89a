// Legacy Office binaries (.doc/.xls/.ppt and their templates) and encrypted
// OOXML, both OLE2 compound files, read with libgsf.
// A file with no active content passes as it is; one with VBA, XLM macro
// sheets, embedded or linked objects, or DDE is removed whole under
// legacy = "remove" (the finding names what it held), or converted to OOXML
// and cleaned under legacy = "convert" (convert.h); encrypted files are
// removed (office.encrypted), or under encrypted = "password" opened with
// the message's passwords and judged as what they hold (decrypt.h). An OLE2 file that is not an Office document
// (an .msi, a .msg) is left to the other stages (Format::None there).
#pragma once

#include <string_view>

#include "core/pipeline.h"
#include "sanitizers/office_cdr/result.h"

namespace mugai::sanitizers::office_cdr {

/// Whether the compound file holds an Office document (WordDocument,
/// Workbook/Book, PowerPoint Document, or an EncryptedPackage).
bool isOfficeOle2(std::string_view bytes);

/// Judges one OLE2 Office file. Never throws for bad input.
Result cleanOle2(std::string_view bytes, const Options& options, ScanContext& ctx);

}  // namespace mugai::sanitizers::office_cdr
