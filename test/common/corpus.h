// Test helpers: where the shared corpora are, which files are mail
// messages, reading files, and a parse-sanitize-rebuild shortcut.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/mail_job.h"

namespace mugai::test {

/// ../shared/corpora (fails the test if it is missing).
std::filesystem::path corpora();
/// Every mail message file in the shared corpora (sorted).
std::vector<std::filesystem::path> mailFiles();
std::string readFile(const std::filesystem::path& p);
/// The built-in defaults, one shared instance.
const Config& defaultConfig();
/// The options of stage `name` in `config` (fails the test when absent).
const toml::table& stageOptions(const Config& config, const std::string& name);
/// The first leaf in depth-first order (in a rebuilt message: the notice).
const Node* firstLeaf(const Node& root);

/// Runs bytes through the identity pipeline under `config`.
MailOutcome runIdentity(std::string bytes, const Config& config);
/// Same, with the built-in defaults.
MailOutcome runIdentity(std::string bytes);
/// Runs bytes through a pipeline of just `stage`, with the default limits.
MailOutcome runStage(std::string bytes, SanitizerPtr stage);

}  // namespace mugai::test
