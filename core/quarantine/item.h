// Builds the quarantine index row of one run (mail or file) from its
// decided tree, findings and report.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/node.h"
#include "core/pipeline.h"
#include "core/quarantine/store.h"

namespace mugai::quarantine {

struct RunFacts {
  std::string id;
  std::string source;                   ///< "mail" or "file"
  const ParsedInput* input = nullptr;
  Verdict verdict = Verdict::Unchanged;
  const std::vector<Finding>* findings = nullptr;
  const nlohmann::json* report = nullptr;
  std::string filename;                 ///< file runs: the path as given
  std::string envelopeSender;           ///< mail from SMTP; "" = the From field
  std::vector<std::string> envelopeRecipients;  ///< empty = the To field
  /// The run came with an SMTP envelope (mugaid): it is recorded as the
  /// item's envelope, the only addresses a release may use by default.
  bool envelopeRecorded = false;
};

/// The item for `facts`: reasons are the codes of decided nodes and
/// critical findings (each once); actions list each decided node.
Item itemFor(const RunFacts& facts);

}  // namespace mugai::quarantine
