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

/// @brief putInputText() for a file name: object[key] is displayName(text)
/// (masked and shortened to kMaxDisplayNameChars), the whole name in
/// key + "_raw" when that differs.
void putInputName(nlohmann::json& object, const std::string& key, const std::string& text);

/// Serialises with invalid UTF-8 replaced, pretty or on one line. Every
/// code point mustNotShow() refuses (DEL, C1, U+2028/U+2029, bidi and
/// invisible characters) is written as a \uXXXX escape, so a report shown
/// on a terminal or in a viewer shows no raw control and breaks no line,
/// and a JSON parser still reads the exact value.
std::string dumpReport(const nlohmann::json& report, bool pretty);

}  // namespace mugai
