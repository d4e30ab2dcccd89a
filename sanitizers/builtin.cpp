// See builtin.h.
#include "sanitizers/builtin.h"

#include "sanitizers/attachment_strip/attachment_strip.h"
#include "sanitizers/identity/identity.h"

namespace mugai::sanitizers {

SanitizerRegistry builtinRegistry() {
  SanitizerRegistry r;
  identity::registerFactory(r);
  attachment_strip::registerFactory(r);
  return r;
}

}  // namespace mugai::sanitizers
