// Where mugai's helper programs (mugai-job-worker, mugai-pdf-worker) are:
// next to the running program (a build tree's worker/ has both workers
// side by side with nothing else; an installed job worker finds the PDF
// worker beside it), then PREFIX/lib/mugai/ for an installed program in
// PREFIX/bin or PREFIX/sbin (`cmake --install`, the package), then this
// build tree's copy, then /usr/lib/mugai/.
#pragma once

#include <string>
#include <string_view>

namespace mugai {

/// The first executable `name` of the places above. `buildPath` is the
/// build tree's copy ("" = none).
std::string helperProgram(std::string_view name, std::string_view buildPath);

}  // namespace mugai
