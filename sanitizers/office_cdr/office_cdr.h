// office_cdr: Word, Excel, PowerPoint, ODF and RTF documents are delivered
// with every active or outward-reaching element taken out and their text
// kept (無害化 of Office files), instead of passing through or being
// dropped whole.
//
// Which format a file is comes from its bytes (format.h). Each format has
// its cleaner (ooxml.h, ole2.h, rtf.h, flat_formats.h) that rebuilds the
// document from what is allowed, or refuses it when a part cannot be
// cleaned safely (encrypted, broken, over a limit, legacy binary with
// active content under legacy = "remove"; under "convert" that one is
// turned into OOXML by a confined LibreOffice first, convert.h). A cleaned
// document replaces the original (its name loses a macro-enabled
// extension: .docm -> .docx; a converted a.doc becomes a.docx) and each
// element taken out becomes a removed child node, so the notice and the
// report list them one by one, in Japanese and English; the original goes to quarantine as
// for every change. A refused document is removed with the cleaner's code.
//
// Runs before attachment_strip, which then judges the cleaned document
// (its new name and type), not the macro-enabled original.
// Trust: the bytes are hostile; cleaners are bounded (parts, bytes, ratio,
// the input's deadline and decoded budget) and never throw for bad input;
// anything unexpected fails closed (pipeline.h).
#pragma once

#include <string>

#include "core/pipeline.h"
#include "core/sanitizer_registry.h"
#include "sanitizers/office_cdr/result.h"

namespace mugai::sanitizers::office_cdr {

class OfficeCdr final : public Sanitizer {
 public:
  explicit OfficeCdr(Options o) : options_(o) {}
  std::string_view name() const override { return "office_cdr"; }
  bool accepts(const Node& node) const override;
  Decision run(const Node& node, ScanContext& ctx) override;

 private:
  Options options_;
};

/// `name` with its extension replaced by `extension` ("a.docm" -> "a.docx");
/// a name without an extension gets it appended. "" stays "".
std::string renamedFor(const std::string& name, const std::string& extension);

Options parseOptions(const toml::table& t, const std::string& source);
void registerFactory(SanitizerRegistry& registry);

}  // namespace mugai::sanitizers::office_cdr
