// signature_scan: every leaf's decoded bytes through the signature matcher
// (core/match/), and its whole-file hashes. A hit removes the leaf (the
// original is kept in quarantine) or, with on_match = "reject", refuses the
// whole message; the report and the notice name the signature.
//
// Runs on leaves only, so in a mail it sees each attachment after transfer
// decoding, and inside a ZIP each entry (zip_scan runs the pipeline on
// them). If the matcher cannot finish (more partial matches of multi-part
// signatures than it keeps), the leaf is removed: fail closed.
#pragma once

#include <string>
#include <vector>

#include "core/match/loader.h"
#include "core/match/matcher.h"
#include "core/pipeline.h"
#include "core/sanitizer_registry.h"

namespace mugai::sanitizers::signature_scan {

struct Options {
  match::SignatureSource source;  ///< signatures, builtin, strict
  bool reject = false;            ///< on_match = "reject": refuse the message instead of removing the part
};

class SignatureScan final : public Sanitizer {
 public:
  SignatureScan(Options o, match::DatabasePtr db) : options_(std::move(o)), matcher_(std::move(db)) {}
  std::string_view name() const override { return "signature_scan"; }
  bool accepts(const Node& node) const override;
  Decision run(const Node& node, ScanContext& ctx) override;

 private:
  Options options_;
  match::Matcher matcher_;  // one per pipeline, i.e. per worker thread: it holds scratch
};

Options parseOptions(const toml::table& t, const std::string& source);
void registerFactory(SanitizerRegistry& registry);

}  // namespace mugai::sanitizers::signature_scan
