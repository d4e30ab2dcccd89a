// Wall-clock time in whole seconds since the epoch: what the quarantine
// index, the spool and the audit trail record, and what retries and
// retention compare against.
#pragma once

#include <chrono>
#include <cstdint>

namespace mugai {

inline std::int64_t epochSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace mugai
