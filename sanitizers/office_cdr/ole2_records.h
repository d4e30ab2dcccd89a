// The records inside the three legacy Office streams that say a document
// is encrypted or active: the Word FIB and field instructions
// (WordDocument), the BIFF5/BIFF8 workbook globals (Workbook/Book), and the
// PowerPoint record tree (PowerPoint Document). Each check only reads; what
// it finds is a Removal for the refusal (legacy = "remove").
// Trust: the stream bytes are hostile. Every record is bounded by the
// stream (and by its parent record); walks are linear, iterative, and stop
// at the first record that does not fit. Never throws.
#pragma once

#include <string_view>
#include <vector>

#include "sanitizers/office_cdr/result.h"

namespace mugai::sanitizers::office_cdr {

/// What a stream check found. `malformed`: the records do not fit the
/// stream, so what lies past them was not checked (the caller refuses).
struct StreamFindings {
  std::vector<Removal> removals;
  bool malformed = false;
};

/// WordDocument: the FIB's fEncrypted bit, Word 6/95 files (WordBasic
/// macros live in the stream itself), and DDE / INCLUDE* / IMPORT fields.
/// The fields are found by a bounded scan of the whole stream for a field
/// begin mark (0x13) followed by the instruction, in both 8-bit (cp1252
/// pieces) and UTF-16LE form, not through the piece table: text stored
/// elsewhere (a fast-saved piece in another stream) is not seen, and a
/// 0x13 byte in non-text data that happens to precede "DDE" is a false alarm
/// on the safe side.
StreamFindings checkWordDocument(std::string_view stream);

/// Workbook / Book (BIFF5, BIFF8), globals substream: FilePass (encrypted),
/// BoundSheet types 1 (Excel 4.0 macro sheet) and 6 (VB module),
/// Auto_Open-style names (Lbl), DDE/OLE links (SupBook, ExternName).
/// `name` ("Workbook" or "Book") is where the removals say they were found.
StreamFindings checkWorkbook(std::string_view stream, std::string_view name);

/// PowerPoint Document: CryptSession10Container (encrypted),
/// VBAInfoContainer/Atom (VBA), ExOleEmbed/ExOleLink/ExControl containers
/// and ExOleObjStg storages (objects).
StreamFindings checkPptDocument(std::string_view stream);

}  // namespace mugai::sanitizers::office_cdr
