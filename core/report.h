// The JSON report written for every input: what came in, what every node
// is, what was decided and why, the findings, timings and the verdict.
// Strings from the input may be invalid UTF-8: they are written with
// U+FFFD replacement, never by throwing.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/node.h"
#include "core/pipeline.h"

namespace mugai {

struct Timings {
  double parseMs = 0, sanitizeMs = 0, rebuildMs = 0;
};

nlohmann::json buildReport(const ParsedInput& input, const std::string& id, Verdict verdict,
                           const std::vector<Finding>& findings, const Timings& timings,
                           const std::string& outputBytes);

/// Serialises with invalid UTF-8 replaced, pretty or on one line.
std::string dumpReport(const nlohmann::json& report, bool pretty);

}  // namespace mugai
