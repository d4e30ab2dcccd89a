// Times as operators type and read them: "90d", "12h", "2026-11-01",
// "2026-11-01T09:30" (local time) in, "2026-11-24 09:30:12" (local) out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mugai::cli {

/// Seconds in "90d" / "12h" / "30m" / "45s" / "2w", or nullopt.
std::optional<std::int64_t> parseDuration(const std::string& text);

/// A point in time: a date or date-time in local time, or a duration
/// meaning that long before `now`. nullopt when neither.
std::optional<std::int64_t> parseTimePoint(const std::string& text, std::int64_t now);

/// "YYYY-MM-DD HH:MM:SS" in local time.
std::string formatTime(std::int64_t epochSeconds);


}  // namespace mugai::cli
