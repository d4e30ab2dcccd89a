// The release-request links in notices (隔離解除申請): when the console is
// configured ([notice] console_url), the notice of each changed mail carries
//
//   CONSOLE_URL/request/ID?until=EPOCH&sig=HMAC
//
// HMAC-SHA256, keyed with the 32 bytes of [notice] console_key_file (64 hex
// digits, made by `mugai web key`), over "mugai-request-v1\nID\nUNTIL". The
// link lets whoever holds the mail *ask* for the original until UNTIL; it
// never releases anything (an administrator decides in the console). It is
// not bound to one recipient: one copy of a mail goes to all of them, and
// the request page asks for the requester's address, which must be one of
// the item's recipients (the decision is mailed there).
//
// The key reaches the job worker that writes the notice in its setup
// frame: a worker taken over by its input could forge links, which let it
// ask, not release.
#pragma once

#include <cstdint>
#include <string>

namespace mugai {

/// The signature of a link for item `id` valid until `until` (seconds since
/// the epoch), as 64 hex digits. `keyHex` is the key file's 64 hex digits.
std::string requestSignature(const std::string& keyHex, const std::string& id, std::int64_t until);
/// Whether `sig` is that signature (constant time).
bool validRequestSignature(const std::string& keyHex, const std::string& id, std::int64_t until, const std::string& sig);
/// The whole link.
std::string requestLink(const std::string& consoleUrl, const std::string& keyHex, const std::string& id, std::int64_t until);
/// Reads a key file: 64 hex digits (a trailing newline allowed). Returns ""
/// and sets `error` when it cannot be read or is not such a key.
std::string readRequestKey(const std::string& path, std::string& error);
/// A new random key (64 hex digits).
std::string newRequestKey();

}  // namespace mugai
