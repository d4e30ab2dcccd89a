// One message through the whole pipeline: parse, sanitize, rebuild,
// report. The daemon and the CLI both call this; they only move bytes.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/ids.h"
#include "core/node.h"
#include "core/pipeline.h"
#include "core/report.h"

namespace mugai {

struct MailOutcome {
  std::string id;
  Verdict verdict = Verdict::Unchanged;
  ParsedInput input;                 ///< the original bytes and the decided tree
  std::vector<Finding> findings;     ///< parser's and pipeline's
  std::string output;                ///< rebuilt message; empty when rejected
  Timings timings;
  nlohmann::json report;
};

/// Runs `bytes` through `pipeline` under `config`. Never throws for bad
/// input; `id` names the run (tests pass a fixed one). `passwords` are
/// tried on protected archives, besides those written in the message's
/// own text (PPAP).
MailOutcome processMail(std::string bytes, const Config& config, const Pipeline& pipeline, std::string id = newId(),
                        const std::vector<std::string>& passwords = {});

}  // namespace mugai
