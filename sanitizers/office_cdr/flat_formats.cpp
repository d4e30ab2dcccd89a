// See flat_formats.h. (Placeholder until the cleaners land: fails closed.)
#include "sanitizers/office_cdr/flat_formats.h"

namespace mugai::sanitizers::office_cdr {

Result cleanFlat(Format, std::string_view, const Options&, ScanContext&) {
  return Result::refuse("office.flat_unchecked", "flat Office file not yet inspected", "検査できない Office 文書です");
}

}  // namespace mugai::sanitizers::office_cdr
