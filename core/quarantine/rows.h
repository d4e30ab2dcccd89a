// How an item's fields are kept in a database row, shared by the
// backends (store.cpp, pg_store.cpp): lists as JSON arrays of strings, the
// envelope as a JSON object, reason codes joined by spaces, LIKE patterns.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/quarantine/quarantine_store.h"

namespace mugai::quarantine::rows {

/// `["a", "b"]`: text that is not UTF-8 becomes U+FFFD.
std::string jsonText(const std::vector<std::string>& v);
/// The strings of a JSON array; anything else is skipped.
std::vector<std::string> jsonStrings(const std::string& text);
/// `{"from": ..., "to": [...]}`.
std::string envelopeJson(const Envelope& envelope);
/// The envelope of envelopeJson(), or nothing when `text` is not one.
std::optional<Envelope> envelopeFrom(const std::string& text);
/// "a b c" -> {"a", "b", "c"}.
std::vector<std::string> splitReasons(const std::string& text);
/// A LIKE pattern matching `text` literally anywhere (with ESCAPE '\').
std::string likeContaining(const std::string& text);

}  // namespace mugai::quarantine::rows
