// See ooxml.h. (Placeholder: fails closed.)
#include "sanitizers/office_cdr/ooxml.h"

namespace mugai::sanitizers::office_cdr {

Result cleanOoxml(std::string_view, const Options&, ScanContext&) {
  return Result::refuse("office.ooxml_unchecked", "OOXML not yet inspected", "検査できない Office 文書です");
}

Result cleanOdf(std::string_view, const Options&, ScanContext&) {
  return Result::refuse("office.odf_unchecked", "ODF not yet inspected", "検査できない ODF 文書です");
}

}  // namespace mugai::sanitizers::office_cdr
