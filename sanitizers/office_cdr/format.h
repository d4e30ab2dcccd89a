// Which document format a file is, from its bytes (never from its name or
// declared type alone: an OOXML named .doc, an RTF named .doc and an OLE2
// .msi all exist). office_cdr.cpp dispatches on this.
// Trust: the bytes are hostile; the checks read bounded prefixes and the
// ZIP's central directory names only. Never throws.
#pragma once

#include <string_view>

namespace mugai::sanitizers::office_cdr {

enum class Format {
  None,      ///< not a document office_cdr handles
  Ooxml,     ///< ZIP with [Content_Types].xml (Word/Excel/PowerPoint 2007+, also XPS-like OPC); a ZIP our
             ///< structure walk cannot read counts by the names in its bytes (the cleaner refuses it)
  Odf,       ///< ZIP with META-INF/manifest.xml or a "mimetype" entry (OpenDocument)
  Ole2,      ///< Compound File (D0 CF 11 E0 A1 B1 1A E1): .doc/.xls/.ppt, encrypted OOXML
  Rtf,       ///< starts with "{\rt"
  FlatXml,   ///< Word 2003 XML, SpreadsheetML 2003, Flat OPC, flat ODF (.xml/.fodt Office opens)
  Sylk,      ///< SYLK spreadsheet ("ID;" first record)
  Csv,       ///< comma/tab separated text named .csv/.tsv (Excel opens it, formulas included)
};

std::string_view formatName(Format f);

/// The format of `bytes`; `extension` (lower case, "" for none) only tells
/// CSV from other text.
Format detectFormat(std::string_view bytes, std::string_view extension);

}  // namespace mugai::sanitizers::office_cdr
