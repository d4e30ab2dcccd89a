// `mugai config show [--config FILE]`: checks the configuration as every
// command loads it (FILE, then FILE's conf.d/*.toml in byte order; see
// core/config.h), then prints it merged over the built-in defaults, each
// value followed by where it came from: "# built-in" or "# FILE:LINE".
// [daemon] is printed but checked by `mugaid --check-config`, not here.
#include "cli/config_command.h"

#include <iostream>
#include <set>
#include <sstream>

#include "cli/builtin_config.h"
#include "cli/common.h"
#include "cli/exit_codes.h"
#include "core/config.h"

namespace mugai::cli {
namespace {

constexpr const char* kBuiltinName = "(built-in)";

bool bareKey(std::string_view k) {
  if (k.empty()) return false;
  for (char c : k)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

// A quoted key is written as a basic string with escapes (never as a
// literal or multi-line string, which a key cannot be).
std::string keyText(std::string_view k) {
  if (bareKey(k)) return std::string(k);
  std::ostringstream o;
  o << toml::toml_formatter(toml::value<std::string>(std::string(k)), toml::format_flags::allow_unicode_strings);
  return o.str();
}

// One line, whatever its length: an array's items are joined, so the
// origin comment can follow it.
std::string valueText(const toml::node& n) {
  if (const toml::array* a = n.as_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < a->size(); ++i) out += (i ? ", " : "") + valueText(*a->get(i));
    return out + "]";
  }
  std::ostringstream o;
  o << toml::toml_formatter(n, toml::format_flags::allow_unicode_strings);
  return o.str();
}

std::string origin(const toml::node& n) {
  const auto& src = n.source();
  if (!src.path || *src.path == kBuiltinName) return "built-in";
  return *src.path + ":" + std::to_string(src.begin.line);
}

// Drops [<prefix>stage.X] tables for stages the effective list does not
// run (the built-in defaults hold options for every default stage).
void keepRunStages(toml::table& root, std::string_view listSection, std::string_view optionsParent) {
  const toml::table* listTable = root[listSection].as_table();
  toml::table* parent = optionsParent.empty() ? &root : root[optionsParent].as_table();
  if (!listTable || !parent) return;
  const toml::array* stages = (*listTable)["stages"].as_array();
  toml::table* options = (*parent)["stage"].as_table();
  if (!stages || !options) return;
  std::set<std::string> run;
  for (const auto& s : *stages)
    if (auto v = s.value<std::string>()) run.insert(*v);
  for (auto it = options->begin(); it != options->end();)
    it = run.count(std::string(it->first.str())) ? std::next(it) : options->erase(it);
}

void printTable(std::ostream& out, const toml::table& t, const std::string& path) {
  bool headerDone = path.empty();
  auto header = [&] {
    if (!headerDone) out << "\n[" << path << "]\n";
    headerDone = true;
  };
  for (const auto& [key, node] : t) {
    if (node.is_table()) continue;
    header();
    out << keyText(key.str()) << " = " << valueText(node) << "  # " << origin(node) << "\n";
  }
  for (const auto& [key, node] : t) {
    if (!node.is_table()) continue;
    const std::string sub = (path.empty() ? "" : path + ".") + keyText(key.str());
    if (node.as_table()->empty()) out << "\n[" << sub << "]\n";
    printTable(out, *node.as_table(), sub);
  }
}

}  // namespace

void addConfigCommand(CLI::App& app, int& exitCode) {
  auto* config = app.add_subcommand("config", "Show the configuration (設定の表示)");
  config->require_subcommand(1);
  auto* show = config->add_subcommand(
      "show",
      "Print the effective configuration: the built-in defaults, the config file and its conf.d/*.toml merged in "
      "order, each value with the file and line it came from (有効な設定と各値の設定元を表示)");
  auto file = std::make_shared<std::string>();
  show->add_option("-c,--config", *file,
                   "TOML config file (default: " + std::string(kSystemConfig) + " when it exists, else the built-in defaults)");
  show->callback([file, &exitCode] {
    const std::string path = resolveConfigPath(*file);
    std::vector<ConfigText> files;
    if (!path.empty()) {
      // The same checks every command makes, stage options included (a job
      // worker builds both pipelines): ConfigError exits 3. What is shown
      // is the texts that were checked, not a second reading of the files.
      Config checked = loadConfigFile(path);
      startPool(checked);
      files = std::move(checked.texts);
    }
    toml::table merged = toml::parse(std::string_view(kBuiltinConfigToml), std::string_view(kBuiltinName));
    for (const auto& f : files) mergeToml(merged, toml::parse(f.text, f.name));
    keepRunStages(merged, "pipeline", "");
    keepRunStages(merged, "release", "release");
    std::cout << "# mugai config show: the effective configuration (有効な設定)\n";
    if (files.empty()) std::cout << "# files: none, the built-in defaults only (設定ファイルなし：既定値のみ)\n";
    for (std::size_t i = 0; i < files.size(); ++i)
      std::cout << (i == 0 ? "# files, in merge order (読み込み順): " : "#   then ") << files[i].name << "\n";
    std::cout << "# each value: \"# built-in\" (既定値) or \"# FILE:LINE\" (設定元)\n"
                 "# [daemon] is checked by `mugaid --check-config` ([daemon] は mugaid --check-config で検査)\n";
    printTable(std::cout, merged, "");
    exitCode = kUnchanged;
  });
}

}  // namespace mugai::cli
