// The notice a recipient reads when mugai changed a message: what was
// removed or converted, with file name, true type, size, SHA-256 and
// reason, in Japanese and English. Text only; rebuild.cpp chooses its
// charset and places it. Names, types and reasons from the input are shown
// through display_text.h (masked, long names shortened), so a name cannot
// break a line, reorder the text or hide part of itself.
#pragma once

#include <string>

#include "core/config.h"
#include "core/node.h"

namespace mugai {

/// What the notice speaks of: a mail (the notice part) or a file (NAME.removed.txt).
enum class NoticeSubject { Mail, File };

/// UTF-8 notice text for every non-Keep node under `root`, or "" if none.
/// `originalKept`: the original is in quarantine under `id` (the notice
/// says how to ask for it), else the notice says it was not kept. An empty
/// `id` (a notice inside a re-packed archive) says neither.
std::string noticeText(const Node& root, const NoticeConfig& config, const std::string& id, bool originalKept,
                       NoticeSubject subject = NoticeSubject::Mail);

/// `text` with every "{id}" replaced by `id`.
std::string withId(std::string text, const std::string& id);

/// Japanese wording for a reason code, or "" if the code has none.
std::string reasonJa(const std::string& code);
/// Japanese reason for a decided node: the stage's own wording, else the
/// code's, else "".
std::string reasonJa(const Node& n);

}  // namespace mugai
