// See log.h.
#include "daemon/log.h"

#include <ctime>
#include <iostream>
#include <mutex>

namespace mugai::daemon {

void logEvent(const std::string& line) {
  static std::mutex mutex;
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard lock(mutex);
  std::cout << stamp << " " << line << std::endl;
}

}  // namespace mugai::daemon
