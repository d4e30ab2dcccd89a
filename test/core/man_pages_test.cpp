// Man pages (doc/man): nothing the code accepts is left out of them, with
// the code as the source of truth. The keys each config section accepts are
// read back from its own checkKeys() (fed an unknown key, it lists the
// allowed ones) and must be the keys of samples/mugai.toml; every key of the
// sample must be in mugai.toml(5) under its table; every subcommand and long
// option that `mugai --help` lists must be in mugai(1), every long option of
// `mugaid --help` in mugaid(8). Pages not built (no scdoc) skip.
#include <catch2/catch_test_macros.hpp>

#include <cctype>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/config.h"
#include "daemon/daemon_config.h"
#include "web/web_config.h"
#include "sanitizers/builtin.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"

namespace {

namespace fs = std::filesystem;
using namespace mugai;
using Keys = std::set<std::string>;

// The unknown key put into each table. toml++ keeps keys in order and "zz"
// sorts last, so a stale key in the sample is named before it (and the test
// shows that message instead of an allowed list).
constexpr const char* kProbe = "zz_not_a_key";

std::string sampleText() { return test::readFile(fs::path(MUGAI_SOURCE_DIR) / "samples" / "mugai.toml"); }

// Every table of the sample by dotted path ("" = the top level) with its
// keys as checkKeys sees them: a sub-table is a key of its parent.
void collectTables(const toml::table& t, const std::string& path, std::map<std::string, Keys>& out) {
  Keys& keys = out[path];
  for (const auto& [key, node] : t) {
    keys.insert(std::string(key.str()));
    if (node.is_table()) collectTables(*node.as_table(), (path.empty() ? "" : path + ".") + std::string(key.str()), out);
  }
}

// The keys of `table` that hold values (not sub-tables): those a page lists under [table].
Keys valueKeys(const toml::table& root, const std::string& table) {
  const toml::table* t = &root;
  std::istringstream parts(table);
  for (std::string part; t && std::getline(parts, part, '.');) t = (*t)[part].as_table();
  Keys keys;
  if (t)
    for (const auto& [key, node] : *t)
      if (!node.is_table()) keys.insert(std::string(key.str()));
  return keys;
}

// The sample with `zz_not_a_key = 1` as the first key of [table] ("" = the top level).
std::string withProbe(const std::string& text, const std::string& table) {
  const std::string probe = std::string(kProbe) + " = 1\n";
  if (table.empty()) return probe + text;
  std::istringstream in(text);
  std::string out, line;
  bool placed = false;
  while (std::getline(in, line)) {
    out += line + "\n";
    if (!placed && line == "[" + table + "]") {
      out += probe;
      placed = true;
    }
  }
  if (!placed) FAIL("samples/mugai.toml has no header line [" << table << "] to put a probe key under");
  return out;
}

// Runs what the programs run on a config: parseConfig (core sections), the
// factory of each stage whose options hold the probe (main pipeline and
// release policy; built alone), mugaid's [daemon] reader, mugai-web's [web] reader. The ConfigError
// message, or "".
std::string loadEverything(const std::string& text) {
  try {
    const Config c = parseConfig(text, "probe.toml");
    const SanitizerRegistry registry = sanitizers::builtinRegistry();
    for (const Config& policy : {c, c.forRelease()})
      for (const StageConfig& s : policy.stages)
        if (s.options && s.options->get(kProbe)) {
          Config one = policy;
          one.stages = {s};
          (void)registry.build(one);
        }
    (void)daemon::readDaemonConfig(c);
    (void)web::readWebConfig(c);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// The allowed keys in a checkKeys message about the probe: unknown key "zz_not_a_key" in [S] (allowed: a, b).
Keys allowedKeys(const std::string& error) {
  static const std::regex re(std::string("unknown key \"") + kProbe + "\" in \\[[^\\]]*\\] \\(allowed: ([^)]*)\\)");
  std::smatch m;
  if (!std::regex_search(error, m, re)) FAIL("not the probe's unknown-key error: \"" << error << "\"");
  Keys keys;
  std::istringstream list(m[1].str());
  for (std::string k; std::getline(list, k, ',');) {
    k.erase(0, k.find_first_not_of(' '));
    if (!k.empty()) keys.insert(k);
  }
  return keys;
}

// A built page (roff), or "" when the man pages were not built.
std::string builtPage(const std::string& name) {
  const fs::path p = fs::path(MUGAI_BUILD_DIR) / "doc" / name;
  return fs::exists(p) ? test::readFile(p) : "";
}

// roff as text: font escapes gone, \- and \\ as typed.
std::string plainText(std::string s) {
  static const std::regex fonts(R"(\\f[BIRP]|\\&)");
  s = std::regex_replace(s, fonts, "");
  for (auto [from, to] : {std::pair{"\\-", "-"}, std::pair{"\\\\", "\\"}})
    for (std::size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += std::string(to).size())
      s.replace(at, std::string(from).size(), to);
  return s;
}

// Each .SS subsection of a page: its heading and its raw lines up to the next .SS or .SH.
std::vector<std::pair<std::string, std::string>> subsections(const std::string& page) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(page);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(".SS ", 0) == 0) {
      out.push_back({plainText(line.substr(4)), ""});
      inside = true;
    } else if (line.rfind(".SH ", 0) == 0) {
      inside = false;
    } else if (inside) {
      out.back().second += line + "\n";
    }
  }
  return out;
}

// `text` holds `word` with no letter, digit or '-' either side (--config is not --config-dir).
bool hasWord(const std::string& text, const std::string& word) {
  auto part = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; };
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const std::size_t end = at + word.size();
    if ((at == 0 || !part(text[at - 1])) && (end == text.size() || !part(text[end]))) return true;
  }
  return false;
}

// What `PROGRAM --help` (CLI11) lists: the names under "Subcommands:" and
// the long options under "Options:" (first column only).
struct Help {
  std::vector<std::string> subcommands;
  std::vector<std::string> longOptions;
};
Help parseHelp(const std::string& out) {
  Help h;
  static const std::regex longOption("--[A-Za-z0-9][A-Za-z0-9-]*");
  std::istringstream in(out);
  std::string block;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != ' ') {
      block = line;
      continue;
    }
    if (line.size() < 3 || line[2] == ' ') continue;  // a wrapped description
    const std::string first = line.substr(2, line.find("  ", 2) - 2);
    if (block == "Subcommands:") h.subcommands.push_back(first);
    if (block == "Options:")
      for (std::sregex_iterator m(first.begin(), first.end(), longOption), end; m != end; ++m) h.longOptions.push_back(m->str());
  }
  return h;
}

}  // namespace

TEST_CASE("every key a config section accepts is in samples/mugai.toml, and no other", "[config][man]") {
  const std::string text = sampleText();
  std::map<std::string, Keys> tables;
  collectTables(toml::parse(text, std::string_view("samples/mugai.toml")), "", tables);
  REQUIRE(tables.size() > 10);
  REQUIRE(loadEverything(text).empty());
  const Keys registered = [] {
    auto names = sanitizers::builtinRegistry().names();
    return Keys(names.begin(), names.end());
  }();

  for (const auto& [table, sampleKeys] : tables) {
    INFO("[" << (table.empty() ? "top level" : table) << "]");
    if (table == "stage" || table == "release.stage") {
      // Keys are stage names, each a table of its own (checked below);
      // readStages, not checkKeys, refuses one that is not in the pipeline.
      for (const auto& name : sampleKeys) CHECK(registered.count(name) == 1);
      continue;
    }
    if (table == "daemon.transport") continue;  // free keys: recipient domain = next hop
    const Keys accepted = allowedKeys(loadEverything(withProbe(text, table)));
    if (table.rfind("release.stage.", 0) == 0) {
      // The release policy writes only what it changes from the stage's
      // built-in defaults; [stage.NAME] lists them all.
      for (const auto& k : sampleKeys) CHECK(accepted.count(k) == 1);
    } else {
      CHECK(accepted == sampleKeys);
    }
  }
  // A sanitizer the sample has no [stage.NAME] for must take no options.
  for (const auto& name : registered) {
    if (tables.count("stage." + name)) continue;
    INFO("[stage." << name << "] is not in samples/mugai.toml");
    const std::string probe = "[pipeline]\nstages = [\"" + name + "\"]\n[stage." + name + "]\n" + kProbe + " = 1\n";
    CHECK(allowedKeys(loadEverything(probe)).empty());
  }
}

TEST_CASE("mugai.toml(5) lists every key of samples/mugai.toml under its table", "[config][man]") {
  const std::string page = builtPage("mugai.toml.5");
  if (page.empty()) SKIP("man pages not built: scdoc was not found (scripts/install-deps.sh installs it)");
  const std::string text = sampleText();
  const toml::table sample = toml::parse(text, std::string_view("samples/mugai.toml"));
  std::map<std::string, Keys> tables;
  collectTables(sample, "", tables);
  std::map<std::string, std::string> bodies;
  for (const auto& [heading, body] : subsections(page)) bodies[heading] = body;

  std::size_t checked = 0;
  for (const auto& [table, keys] : tables) {
    const Keys values = valueKeys(sample, table);
    // Tables that only hold tables ("", stage, release.stage) have no header in the sample, nor a heading.
    if (values.empty() && !keys.empty()) continue;
    INFO("[" << table << "]");
    REQUIRE(bodies.count("[" + table + "]") == 1);
    const std::string& body = bodies["[" + table + "]"];
    for (const auto& key : values) {
      INFO(key);
      // The generator writes each key as the start of a line: *key* = default.
      const std::string line = "\\fB" + key + "\\fR = ";
      CHECK((body.rfind(line, 0) == 0 || body.find("\n" + line) != std::string::npos));
      ++checked;
    }
  }
  CHECK(checked > 100);
}

TEST_CASE("mugai(1) documents every subcommand and long option of mugai --help", "[man][cli]") {
  const std::string page = builtPage("mugai.1");
  if (page.empty()) SKIP("man pages not built: scdoc was not found (scripts/install-deps.sh installs it)");
  const auto sections = subsections(page);
  const std::string whole = plainText(page);

  const auto top = test::runCli("--help");
  REQUIRE(top.code == 0);
  const Help help = parseHelp(top.out);
  REQUIRE(help.subcommands.size() >= 7);
  for (const auto& option : help.longOptions) {
    INFO("mugai " << option);
    CHECK(hasWord(whole, option));
  }
  // Each subcommand, depth first: its own "## mugai PATH" heading (or those
  // of its verbs) must exist, and name each of its long options (or the
  // heading of a command above it: quarantine's -c serves every verb).
  std::vector<std::string> paths(help.subcommands.rbegin(), help.subcommands.rend());
  std::size_t checked = 0;
  while (!paths.empty()) {
    const std::string path = paths.back();
    paths.pop_back();
    INFO("mugai " << path);
    std::string text, above;
    for (const auto& [heading, body] : sections) {
      if (heading == "mugai " + path || heading.rfind("mugai " + path + " ", 0) == 0) text += heading + "\n" + body;
      if (("mugai " + path).rfind(heading + " ", 0) == 0) above += heading + "\n" + body;
    }
    CHECK_FALSE(text.empty());  // no "## mugai PATH" heading
    text = plainText(text + above);
    const auto r = test::runCli(path + " --help");
    REQUIRE(r.code == 0);
    const Help sub = parseHelp(r.out);
    for (const auto& option : sub.longOptions) {
      if (option == "--help") continue;
      INFO(option);
      CHECK(hasWord(text, option));
    }
    for (auto it = sub.subcommands.rbegin(); it != sub.subcommands.rend(); ++it) paths.push_back(path + " " + *it);
    ++checked;
  }
  CHECK(checked >= 7 + 5 + 3);  // the commands, quarantine's and sigs' verbs
}

TEST_CASE("mugaid(8) documents every long option of mugaid --help", "[man][daemon]") {
  const std::string page = builtPage("mugaid.8");
  if (page.empty()) SKIP("man pages not built: scdoc was not found (scripts/install-deps.sh installs it)");
  const auto r = test::runCommand(std::string(MUGAI_DAEMON) + " --help");
  REQUIRE(r.code == 0);
  const Help help = parseHelp(r.out);
  REQUIRE(help.longOptions.size() >= 3);
  const std::string text = plainText(page);
  for (const auto& option : help.longOptions) {
    INFO("mugaid " << option);
    CHECK(hasWord(text, option));
  }
}

TEST_CASE("mugai-web(8) documents every long option of mugai-web --help", "[man][web]") {
  const std::string page = builtPage("mugai-web.8");
  if (page.empty()) SKIP("man pages not built: scdoc was not found (scripts/install-deps.sh installs it)");
  const auto r = test::runCommand(std::string(MUGAI_BUILD_DIR) + "/web/mugai-web --help");
  REQUIRE(r.code == 0);
  const Help help = parseHelp(r.out);
  REQUIRE(help.longOptions.size() >= 3);
  const std::string text = plainText(page);
  for (const auto& option : help.longOptions) {
    INFO("mugai-web " << option);
    CHECK(hasWord(text, option));
  }
}
