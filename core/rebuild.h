// Writes the output message from a decided tree.
//
// Guarantees: kept leaves are re-emitted byte-for-byte (their header fields
// and still-encoded body) when that encoding is canonical and strictly
// valid and the body's lines fit mail (998 octets, no NUL), else re-encoded
// in base64 from the bytes we scanned; a message/rfc822 part goes out as
// its rebuilt form in 7bit or 8bit, never base64 or quoted-printable
// (RFC 2046 5.2.1); header lines over 998 octets are folded at a blank (a
// field that cannot be folded is not written); every
// multipart gets a fresh boundary and a Content-Type we write; preambles and
// epilogues (where attackers park content some clients show) are dropped;
// the top-level header block has at most one of each singleton field, no
// Content-* or X-Mugai-* fields from the input, and X-Mugai-Result /
// X-Mugai-Id of our own; no field with an invalid name, a bare CR or a NUL
// is written. When anything changed, a notice part comes first. Line
// endings follow the input's first line.
#pragma once

#include <string>

#include "core/node.h"
#include "core/pipeline.h"

namespace mugai {

struct RebuildInfo {
  std::string id;          ///< X-Mugai-Id, also seeds the boundaries
  Verdict verdict = Verdict::Unchanged;
  std::string noticeUtf8;  ///< notice text, "" for none
};

/// The rebuilt message. Must not be called for Verdict::Rejected.
std::string rebuildMessage(const ParsedInput& input, const RebuildInfo& info);

}  // namespace mugai
