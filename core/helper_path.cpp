// See helper_path.h.
#include "core/helper_path.h"

#include <unistd.h>

#include <filesystem>

namespace mugai {

std::string helperProgram(std::string_view name, std::string_view buildPath) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const auto usable = [](const std::string& p) { return !p.empty() && ::access(p.c_str(), X_OK) == 0; };
  if (!ec) {
    const fs::path dir = self.parent_path();
    if (const std::string beside = (dir / name).string(); usable(beside)) return beside;
    if (const std::string installed = (dir.parent_path() / "lib" / "mugai" / name).string(); usable(installed))
      return installed;
  }
  if (usable(std::string(buildPath))) return std::string(buildPath);
  return "/usr/lib/mugai/" + std::string(name);
}

}  // namespace mugai
