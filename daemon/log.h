// mugaid's log: one line per event, "YYYY-mm-ddTHH:MM:SS ID event k=v ...",
// on stdout (journald adds the rest). Thread-safe.
#pragma once

#include <string>

namespace mugai::daemon {

void logEvent(const std::string& line);

}  // namespace mugai::daemon
