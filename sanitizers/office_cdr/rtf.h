// RTF rewritten without its active groups, by a bounded, non-recursive
// tokenizer: \object groups (the \result picture stays), \*\datastore,
// \*\template, and DDE / INCLUDE fields (the \fldrslt text stays).
#pragma once

#include <string_view>

#include "core/pipeline.h"
#include "sanitizers/office_cdr/result.h"

namespace mugai::sanitizers::office_cdr {

/// Cleans one RTF document. Never throws for bad input.
Result cleanRtf(std::string_view bytes, const Options& options, ScanContext& ctx);

}  // namespace mugai::sanitizers::office_cdr
