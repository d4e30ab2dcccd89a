// OOXML (Word, Excel, PowerPoint 2007+) rebuilt from what is allowed.
// See ooxml.cpp for the rules part by part.
#pragma once

#include <string_view>

#include "core/pipeline.h"
#include "sanitizers/office_cdr/result.h"

namespace mugai::sanitizers::office_cdr {

/// Cleans one OOXML package. Never throws for bad input: anything it
/// cannot read or rebuild safely is Outcome::Refuse with a named code.
Result cleanOoxml(std::string_view bytes, const Options& options, ScanContext& ctx);

/// Cleans one ODF package (odt/ods/odp...): macros (Basic/, Scripts/),
/// embedded objects (Object N/, ObjectReplacements kept) and links out.
Result cleanOdf(std::string_view bytes, const Options& options, ScanContext& ctx);

}  // namespace mugai::sanitizers::office_cdr
