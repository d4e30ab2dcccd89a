// See builtin.h.
#include "sanitizers/builtin.h"

#include "sanitizers/attachment_strip/attachment_strip.h"
#include "sanitizers/html_to_text/html_to_text.h"
#include "sanitizers/identity/identity.h"
#include "sanitizers/office_cdr/office_cdr.h"
#include "sanitizers/pdf_rerender/pdf_rerender.h"
#include "sanitizers/signature_scan/signature_scan.h"
#include "sanitizers/url_defang/url_defang.h"
#include "sanitizers/zip_scan/zip_scan.h"

namespace mugai::sanitizers {

SanitizerRegistry builtinRegistry() {
  SanitizerRegistry r;
  identity::registerFactory(r);
  attachment_strip::registerFactory(r);
  html_to_text::registerFactory(r);
  url_defang::registerFactory(r);
  zip_scan::registerFactory(r);
  signature_scan::registerFactory(r);
  pdf_rerender::registerFactory(r);
  office_cdr::registerFactory(r);
  return r;
}

}  // namespace mugai::sanitizers
