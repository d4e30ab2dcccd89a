// The built-in defaults as TOML text (samples/mugai.toml, compiled in).
#pragma once

namespace mugai::cli {

extern const char* const kBuiltinConfigToml;

}  // namespace mugai::cli
