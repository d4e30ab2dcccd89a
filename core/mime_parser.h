// Parses a mail message into the node tree (node.h) with GMime 3. This is
// the only file that sees GMime types.
//
// Trust: the input is hostile. Limits are checked before GMime runs
// (prescan.h) and while the tree is built (depth, parts, header fields,
// decoded bytes, deadline). GMime's warnings become findings; its critical
// ones (conflicting headers, invalid header names, nesting overflow,
// multipart without boundary, part without headers or content) and
// malformed multiparts make the affected node fail closed: it is marked
// Remove by "parser", so the rebuilt message does not carry it and the
// original is kept. So do parts whose content cannot be scanned as a client
// will see it: message/partial fragments (mime.message_partial) and
// message/external-body references (mime.external_body).
#pragma once

#include <chrono>
#include <string>

#include "core/limits.h"
#include "core/node.h"

namespace mugai {

/// Parses `bytes` (taken over) into a tree. Never fails: input that cannot
/// be parsed yields a root whose body node is removed with a finding.
/// `deadline` bounds the whole parse.
ParsedInput parseMessage(std::string bytes, const Limits& limits,
                         std::chrono::steady_clock::time_point deadline);

}  // namespace mugai
