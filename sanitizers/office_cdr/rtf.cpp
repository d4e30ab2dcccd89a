// See rtf.h. (Placeholder until the tokenizer lands: fails closed.)
#include "sanitizers/office_cdr/rtf.h"

namespace mugai::sanitizers::office_cdr {

Result cleanRtf(std::string_view, const Options&, ScanContext&) {
  return Result::refuse("office.rtf_unchecked", "RTF not yet inspected", "検査できない RTF 文書です");
}

}  // namespace mugai::sanitizers::office_cdr
