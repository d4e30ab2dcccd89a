// See builtin.h.
#include "sanitizers/builtin.h"

#include "sanitizers/identity/identity.h"

namespace mugai::sanitizers {

SanitizerRegistry builtinRegistry() {
  SanitizerRegistry r;
  identity::registerFactory(r);
  return r;
}

}  // namespace mugai::sanitizers
