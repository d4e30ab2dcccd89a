// See mugaid_process.h.
#include "test/common/mugaid_process.h"

#include <fstream>
#include <iterator>

namespace mugai::test {
namespace fs = std::filesystem;

int mugaidPid(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream f(e.path() / "cmdline");
    std::string cmd((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (cmd.find("mugaid") != std::string::npos && cmd.find((dir / "mugaid.toml").string()) != std::string::npos &&
        cmd.find("sh\0-c", 0, 5) == std::string::npos && cmd.rfind("/bin/sh", 0) != 0)
      return std::stoi(name);
  }
  return -1;
}


std::vector<int> childrenOf(int pid) {
  std::vector<int> out;
  std::error_code ec;
  for (const auto& t : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream f(t.path() / "children");
    for (int c; f >> c;) out.push_back(c);
  }
  return out;
}

}  // namespace mugai::test
