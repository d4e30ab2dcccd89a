// One file through the pipeline (the ファイル無害化 half of the job): the
// file becomes a one-node tree, the configured sanitizers decide on it,
// and the outcome says what to write instead. A file whose bytes are a mail
// message (.eml, message/rfc822) is processed as a mail, so its
// attachments are sanitized rather than the whole file judged by its type.
// Never throws for bad input; `mugai scan` and `mugai watch` call this.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/display_text.h"
#include "core/mail_job.h"

namespace mugai {

struct FileOutcome {
  std::string id;
  Verdict verdict = Verdict::Unchanged;
  bool asMail = false;        ///< processed as a mail message
  bool removed = false;       ///< nothing may be written: write the notice instead
  std::string output;         ///< the bytes to write when !removed (kept file, replacement or rebuilt mail)
  std::string notice;         ///< UTF-8 notice text when anything changed, else ""
  ParsedInput input;
  std::vector<Finding> findings;
  nlohmann::json report;
};

/// Runs `bytes`, named `name` (a path as the user gave it; only its last
/// component is used as the file name), through `pipeline`.
FileOutcome processFile(std::string bytes, const std::string& name, const Config& config, const Pipeline& pipeline,
                        std::string id = newId(), const std::vector<std::string>& passwords = {});


}  // namespace mugai
