// The message delivered instead of one no job worker could finish
// ([worker] attempts failures: a crash, the seccomp filter, the
// deadline). Built here from nothing the sender wrote (mugaid does not
// parse messages): a new text/plain message, Japanese then English, that
// names the quarantine id, from MAILER-DAEMON to the original envelope's
// recipients.
#pragma once

#include <cstdint>
#include <string>

#include "core/config.h"

namespace mugai::daemon {

std::string crashNotice(const std::string& id, const std::string& hostname, const Config& config, bool kept,
                        std::int64_t now);

}  // namespace mugai::daemon
