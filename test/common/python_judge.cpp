// See python_judge.h.
#include "test/common/python_judge.h"

#include <sstream>

#include <catch2/catch_test_macros.hpp>

#include "test/common/cli_run.h"

namespace fs = std::filesystem;

namespace mugai::test {

namespace {
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string item; std::getline(in, item, sep);)
    if (!item.empty() && item != "-") out.push_back(item);
  return out;
}
}  // namespace

bool PythonReading::hasPart(const std::string& part) const {
  for (const auto& p : parts)
    if (p == part) return true;
  return false;
}

bool PythonReading::hasFile(const std::string& filename) const {
  for (const auto& p : parts) {
    auto colon = p.find(':');
    if (colon != std::string::npos && p.substr(colon + 1) == filename) return true;
  }
  return false;
}

std::map<std::string, PythonReading> readWithPython(const fs::path& dir) {
  auto r = runCommand("python3 " + std::string(MUGAI_SOURCE_DIR) + "/test/tools/email_judge.py " + dir.string());
  REQUIRE(r.code == 0);
  std::map<std::string, PythonReading> out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto t1 = line.find('\t'), t2 = line.find('\t', t1 == std::string::npos ? t1 : t1 + 1);
    REQUIRE(t2 != std::string::npos);
    PythonReading reading{split(line.substr(t1 + 1, t2 - t1 - 1), ','), split(line.substr(t2 + 1), ' ')};
    out[fs::path(line.substr(0, t1)).filename().string()] = std::move(reading);
  }
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  REQUIRE(out.size() == files);
  return out;
}

PythonReading readWithPython(const std::string& message) {
  fs::path dir = freshTempDir("python-judge");
  writeFile(dir / "message.eml", message);
  auto all = readWithPython(dir);
  fs::remove_all(dir);
  REQUIRE(all.count("message.eml"));
  return all["message.eml"];
}

std::string judgeRtf(const std::string& rtf) {
  fs::path dir = freshTempDir("rtf-judge");
  writeFile(dir / "doc.rtf", rtf);
  auto r = runCommand("python3 " + std::string(MUGAI_SOURCE_DIR) + "/test/tools/rtf_judge.py " + (dir / "doc.rtf").string());
  fs::remove_all(dir);
  REQUIRE(r.code == 0);
  const auto tab = r.out.find('\t');
  REQUIRE(tab != std::string::npos);
  std::string found = r.out.substr(tab + 1);
  while (!found.empty() && (found.back() == '\n' || found.back() == '\r')) found.pop_back();
  return found == "-" ? "" : found;
}

}  // namespace mugai::test
