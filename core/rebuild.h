// Writes the output message from a decided tree.
//
// Guarantees: kept leaves are re-emitted byte-for-byte (their header fields
// and still-encoded body) when that encoding is canonical and strictly
// valid, else re-encoded in base64 from the bytes we scanned; every
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
