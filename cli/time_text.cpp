// See time_text.h.
#include "cli/time_text.h"

#include <cstdio>
#include <ctime>

namespace mugai::cli {

std::optional<std::int64_t> parseDuration(const std::string& t) {
  if (t.size() < 2) return std::nullopt;
  std::int64_t n = 0;
  for (std::size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9' || n > 1'000'000'000) return std::nullopt;
    n = n * 10 + (t[i] - '0');
  }
  switch (t.back()) {
    case 's': return n;
    case 'm': return n * 60;
    case 'h': return n * 3600;
    case 'd': return n * 86400;
    case 'w': return n * 7 * 86400;
  }
  return std::nullopt;
}

std::optional<std::int64_t> parseTimePoint(const std::string& t, std::int64_t now) {
  if (auto d = parseDuration(t)) return now - *d;
  std::tm tm{};
  int y, mo, d, h = 0, mi = 0, s = 0;
  char sep = 0;
  int n = std::sscanf(t.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &y, &mo, &d, &sep, &h, &mi, &s);
  if (n != 3 && n < 6) return std::nullopt;
  if (n > 3 && sep != 'T' && sep != ' ') return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  std::time_t e = std::mktime(&tm);
  if (e == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<std::int64_t>(e);
}

std::string formatTime(std::int64_t epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}


}  // namespace mugai::cli
