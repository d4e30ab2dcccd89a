// RTF rewritten without its active groups, by a bounded, non-recursive
// tokenizer: \object groups (the \result picture stays), \*\datastore,
// \*\template, \*\xmlnstbl, and DDE / INCLUDE / IMPORT / LINK fields (the
// \fldrslt text stays). Everything else is copied byte for byte from the
// input (rtf.cpp says how, rtf_tokenizer.h and rtf_field.h what is read).
#pragma once

#include <string_view>

#include "core/pipeline.h"
#include "sanitizers/office_cdr/result.h"

namespace mugai::sanitizers::office_cdr {

/// @brief Cleans one RTF document. Never throws for bad input; linear time.
/// @param bytes the document (hostile), borrowed for the call
/// @param options unused by RTF (hyperlink fields are kept as they are)
/// @param ctx deadline (checked every 4 MB) and decoded-bytes budget (charged with the rebuilt size)
/// @return Clean when nothing active is found (deliver the input as it is);
///   Cleaned with the rebuilt bytes ("text/rtf", name kept) and one Removal per
///   element ("object 1", "field 3": office.rtf_object_removed,
///   office.rtf_datastore_removed, office.rtf_template_removed, office.dde_removed,
///   office.field_removed); Refuse with limit.rtf_depth (groups nested deeper than
///   10000), office.unreadable (\bin past the end or in another case, an active
///   element that is the document's top group or outside every group, no stable
///   result), limit.office_parts (over 1000 elements), limit.time,
///   limit.decoded_bytes.
Result cleanRtf(std::string_view bytes, const Options& options, ScanContext& ctx);

}  // namespace mugai::sanitizers::office_cdr
