// The JSON report written for every input: what came in, what every node
// is, what was decided and why, the findings, timings and the verdict.
// Strings from the input may be invalid UTF-8: they are written with
// U+FFFD replacement, never by throwing. Names, subjects and addresses are
// written masked (display_text.h: no line breaks, controls or invisible
// characters) with the exact original beside them when it differs.
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

/// @brief Sets object[key] to maskedText(text); when that differs from
/// `text`, also object[key + "_raw"] = `text` (the exact string; bytes that
/// are not UTF-8 become U+FFFD when dumped) and, for text that is not valid
/// UTF-8, object[key + "_hex"] = its exact bytes in lowercase hex.
void putInputText(nlohmann::json& object, const std::string& key, const std::string& text);

/// Serialises with invalid UTF-8 replaced, pretty or on one line.
std::string dumpReport(const nlohmann::json& report, bool pretty);

}  // namespace mugai
