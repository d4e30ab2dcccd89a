// File types: the true type (libmagic on the bytes) and the type a name's
// extension claims. libmagic runs with one cookie per thread (a shared
// magic_t crashes) and never with MAGIC_COMPRESS (it executes external
// decompressors on hostile bytes).
#pragma once

#include <string>
#include <string_view>

namespace mugai {

/// MIME type libmagic sees in `bytes` ("application/pdf"), or
/// "application/x-unknown" if libmagic fails. Looks at most at the first
/// 1 MiB (libmagic's own default window, enough for ISO at 32769).
std::string trueType(std::string_view bytes);

/// Media type implied by the file name's last extension, lower case, or ""
/// when the name has no extension we know.
std::string typeFromExtension(std::string_view filename);

}  // namespace mugai
