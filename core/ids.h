// Run ids: a report, message, spool and quarantine id is 32 lower-case hex
// digits from the OS RNG. Parser-free (mugaid's own half links it).
#pragma once

#include <string>
#include <string_view>

namespace mugai {

/// A fresh id: 32 lower-case hex digits from the OS RNG.
std::string newId();
/// True when `id` has newId()'s shape; ids from outside are checked with
/// this before they become paths or queries (quarantine, spool).
bool validId(std::string_view id);

}  // namespace mugai
