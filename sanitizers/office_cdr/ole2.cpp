// See ole2.h. (Placeholder until the libgsf reader lands: fails closed.)
#include "sanitizers/office_cdr/ole2.h"

namespace mugai::sanitizers::office_cdr {

bool isOfficeOle2(std::string_view bytes) {
  (void)bytes;
  return true;
}

Result cleanOle2(std::string_view, const Options&, ScanContext&) {
  return Result::refuse("office.legacy_unchecked", "legacy Office file not yet inspected", "検査できない旧形式の Office 文書です");
}

}  // namespace mugai::sanitizers::office_cdr
