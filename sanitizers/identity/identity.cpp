// See identity.h.
#include "sanitizers/identity/identity.h"

namespace mugai::sanitizers::identity {

Decision IdentitySanitizer::run(const Node&, ScanContext&) { return Decision::keep(); }

}  // namespace mugai::sanitizers::identity
