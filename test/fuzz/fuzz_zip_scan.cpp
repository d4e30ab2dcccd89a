// libFuzzer target: any bytes through zip_scan as a file ("f.zip"): our
// structure walk, the direct inflate, libzip for the rest, the batches and
// our own writer. Beyond "no crash, no leak, no hang", it checks the
// writer: a re-packed archive, scanned again, is one our structure walk
// finds clean, whose entries all inflate to their declared sizes and CRCs
// (no zip.corrupt_entry or zip.size_mismatch), and which is not changed
// again but for its notices.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/config.h"
#include "core/file_job.h"
#include "core/zip/layout.h"
#include "sanitizers/builtin.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "re-packed archive: %s %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const mugai::Config config = [] {
    mugai::Config c = mugai::parseConfig(
        "[limits]\nmax_seconds = 10\n[pipeline]\nstages = [\"attachment_strip\", \"zip_scan\"]\n"
        "[stage.zip_scan]\nmax_entries = 2000\n",
        "fuzz_zip_scan");
    return c;
  }();
  static const mugai::Pipeline pipeline = mugai::sanitizers::builtinRegistry().build(config);

  auto first = mugai::processFile(std::string(reinterpret_cast<const char*>(data), size), "f.zip", config, pipeline, "fuzz");
  if (first.removed || first.input.root->action != mugai::Action::Replace ||
      first.input.root->decidedBy != "zip_scan")
    return 0;
  mugai::zip::Layout layout = mugai::zip::readLayout(first.output, 100000);
  if (!layout.isZip) fail("has no end record", "");
  if (const auto* f = layout.firstCritical()) fail("has a critical finding", f->code + ": " + f->detail);
  auto second = mugai::processFile(first.output, "f.zip", config, pipeline, "fuzz");
  for (const auto& f : second.findings)
    if (f.code == "zip.corrupt_entry" || f.code == "zip.size_mismatch" || f.code == "zip.reader_disagrees")
      fail("reads back wrong", f.code + ": " + f.detail);
  second.input.root->forEach([](const mugai::Node& n) {
    if (n.reasonCode == "zip.corrupt_entry" || n.reasonCode == "zip.size_mismatch" || n.reasonCode == "zip.reader_disagrees")
      fail("reads back wrong", n.reasonCode + ": " + n.reason);
  });
  return 0;
}
