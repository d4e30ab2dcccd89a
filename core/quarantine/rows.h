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

/// An insert of `item` that changed nothing met a row stored before under
/// its id or its origin (a retry, or a restart redoing interrupted work):
/// with the same original the put is done, and its id is `storedId`;
/// with another it is not the same work and throws StoreError.
std::string storedBefore(const Item& item, const std::string& storedId, const std::string& storedSha256);
/// The query that finds that row: parameters id, origin; columns id, sha256.
inline constexpr const char* kStoredBefore =
    "SELECT id, sha256 FROM items WHERE id = $1 OR origin = NULLIF($2, '') ORDER BY id = $1 DESC LIMIT 1";

}  // namespace mugai::quarantine::rows
