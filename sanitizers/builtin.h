// Every sanitizer built into mugai, added to a registry by name. New
// sanitizers add one line to builtin.cpp (explicit, so static linking
// cannot drop a registration).
#pragma once

#include "core/sanitizer_registry.h"

namespace mugai::sanitizers {

/// A registry holding every built-in sanitizer.
SanitizerRegistry builtinRegistry();

}  // namespace mugai::sanitizers
