// See config.h.
#include "core/config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mugai {
namespace {

void readLimits(const toml::table& t, Limits& l, const std::string& source) {
  checkKeys(t,
            {"max_message_bytes", "max_header_bytes", "max_headers", "max_depth", "max_parts", "max_decoded_bytes",
             "max_seconds"},
            source, "limits");
  constexpr std::int64_t kTiB = 1ll << 40;
  l.maxMessageBytes = readInt(t, "max_message_bytes", l.maxMessageBytes, 1024, kTiB, source);
  l.maxHeaderBytes = readInt(t, "max_header_bytes", l.maxHeaderBytes, 998, 64 << 20, source);
  l.maxHeaders = readInt(t, "max_headers", l.maxHeaders, 16, 1'000'000, source);
  l.maxDepth = readInt(t, "max_depth", l.maxDepth, 1, 1000, source);
  l.maxParts = readInt(t, "max_parts", l.maxParts, 1, 10'000'000, source);
  l.maxDecodedBytes = readInt(t, "max_decoded_bytes", l.maxDecodedBytes, 1024, kTiB, source);
  l.maxTime = std::chrono::seconds(
      readInt<std::int64_t>(t, "max_seconds", l.maxTime.count() / 1000, 1, 86400, source));
}

// Reads a stage list and the options of each stage. `where` names the
// sections in messages ("pipeline" / "release").
std::vector<StageConfig> readStages(const toml::node* list, const toml::table* stageOptions, const std::string& source,
                                    const std::string& where, const std::string& optionsPrefix) {
  std::vector<StageConfig> stages;
  if (!list->is_array()) configFail(source, list, "stages must be an array of sanitizer names");
  for (const auto& item : *list->as_array()) {
    if (!item.is_string()) configFail(source, &item, "stages must hold sanitizer names (strings)");
    StageConfig s{std::string(*item.value<std::string_view>()), nullptr};
    if (stageOptions)
      if (const toml::node* o = stageOptions->get(s.name)) {
        if (!o->is_table()) configFail(source, o, "[" + optionsPrefix + s.name + "] must be a table");
        s.options = o->as_table();
      }
    stages.push_back(std::move(s));
  }
  if (stageOptions)
    for (const auto& [key, node] : *stageOptions) {
      bool used = false;
      for (const auto& s : stages) used = used || s.name == key.str();
      if (!used) configFail(source, &node, "[" + optionsPrefix + std::string(key.str()) + "] is not in [" + where + "] stages");
    }
  return stages;
}

const toml::table* subTable(const toml::table& t, std::string_view name, const std::string& source,
                            const std::string& label) {
  const toml::node* n = t.get(name);
  if (!n) return nullptr;
  if (!n->is_table()) configFail(source, n, "[" + label + "] must be a table");
  return n->as_table();
}

std::vector<StageConfig> readRelease(const toml::table& release, const std::string& source) {
  checkKeys(release, {"stages", "stage"}, source, "release");
  const toml::node* list = release.get("stages");
  if (!list) configFail(source, &release, "[release] needs stages (the release policy's pipeline)");
  return readStages(list, subTable(release, "stage", source, "release.stage"), source, "release", "release.stage.");
}

void readQuarantine(const toml::table& t, QuarantineConfig& q, const std::string& source) {
  checkKeys(t, {"enabled", "dir", "retention_days", "release_relay", "release_from"}, source, "quarantine");
  q.releaseRelay = readString(t, "release_relay", q.releaseRelay, source);
  if (q.releaseRelay.find(':') == std::string::npos)
    configFail(source, t.get("release_relay"), "release_relay must be host:port");
  q.releaseFrom = readString(t, "release_from", q.releaseFrom, source);
  q.enabled = readBool(t, "enabled", q.enabled, source);
  q.dir = readString(t, "dir", q.dir, source);
  if (q.dir.empty()) configFail(source, t.get("dir"), "dir must not be empty");
  q.retentionDays = readInt(t, "retention_days", q.retentionDays, 1, 36500, source);
}

std::shared_ptr<const toml::table> builtinReleaseDocument() {
  static const auto doc = std::make_shared<const toml::table>(toml::parse(std::string_view(kDefaultReleasePolicy), std::string_view("(built-in release policy)")));
  return doc;
}

}  // namespace

const char* const kDefaultReleasePolicy = R"toml(
[release]
stages = ["signature_scan", "attachment_strip", "zip_scan", "html_to_text", "url_defang"]

[release.stage.attachment_strip]
mode = "deny"
deny_categories = ["executable", "script", "shortcut", "installer", "disk_image", "java", "help_file"]
unknown = "keep"
)toml";

Config::Config() {
  document = std::make_shared<const toml::table>();
  releaseDocument = builtinReleaseDocument();
  releaseStages = readRelease(*releaseDocument->get("release")->as_table(), "(built-in release policy)");
}

Config Config::forRelease() const {
  Config c = *this;
  c.stages = releaseStages;
  return c;
}

std::int64_t readInteger(const toml::table& t, std::string_view key, std::int64_t current, std::int64_t min,
                         std::int64_t max, const std::string& source) {
  const toml::node* n = t.get(key);
  if (!n) return current;
  auto v = n->value<std::int64_t>();
  if (!n->is_integer() || !v) configFail(source, n, std::string(key) + " must be an integer");
  if (*v < min || *v > max)
    configFail(source, n, std::string(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  return *v;
}

std::string readString(const toml::table& t, std::string_view key, const std::string& current,
                       const std::string& source) {
  const toml::node* n = t.get(key);
  if (!n) return current;
  if (!n->is_string()) configFail(source, n, std::string(key) + " must be a string");
  return std::string(*n->value<std::string_view>());
}

std::string readChoice(const toml::table& t, std::string_view key, const std::string& current,
                       std::initializer_list<std::string_view> choices, const std::string& source) {
  const toml::node* n = t.get(key);
  if (!n) return current;
  const auto v = n->value<std::string_view>();
  if (v && std::find(choices.begin(), choices.end(), *v) != choices.end()) return std::string(*v);
  std::string what = std::string(key) + " must be ";
  std::size_t i = 0;
  for (std::string_view c : choices) {
    what += i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ";
    what += "\"" + std::string(c) + "\"";
    ++i;
  }
  configFail(source, n, what);
}

bool readBool(const toml::table& t, std::string_view key, bool current, const std::string& source) {
  const toml::node* n = t.get(key);
  if (!n) return current;
  if (!n->is_boolean()) configFail(source, n, std::string(key) + " must be true or false");
  return *n->value<bool>();
}

std::vector<std::string> readStrings(const toml::table& t, std::string_view key, std::vector<std::string> current,
                                     const std::string& source) {
  const toml::node* n = t.get(key);
  if (!n) return current;
  if (!n->is_array()) configFail(source, n, std::string(key) + " must be an array of strings");
  std::vector<std::string> out;
  for (const auto& item : *n->as_array()) {
    if (!item.is_string()) configFail(source, &item, std::string(key) + " must hold strings");
    out.emplace_back(*item.value<std::string_view>());
  }
  return out;
}

void configFail(const std::string& source, const toml::node* at, const std::string& what) {
  // A node names the file it was read from: with conf.d, not always `source`.
  std::string where = at && at->source().path ? *at->source().path : source;
  if (at && at->source().begin.line) where += ":" + std::to_string(at->source().begin.line);
  throw ConfigError(where + ": " + what);
}

void checkKeys(const toml::table& table, std::initializer_list<std::string_view> allowed, const std::string& source,
               const std::string& section) {
  for (const auto& [key, node] : table) {
    bool ok = false;
    for (auto a : allowed) ok = ok || key.str() == a;
    if (!ok) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      configFail(source, &node, "unknown key \"" + std::string(key.str()) + "\" in [" + section + "] (allowed: " + list + ")");
    }
  }
}

namespace {

toml::table parseToml(std::string_view text, const std::string& sourceName) {
  try {
    return toml::parse(text, sourceName);
  } catch (const toml::parse_error& e) {
    throw ConfigError(sourceName + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
}

std::string readConfigText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ConfigError(path + ": cannot read config file (設定ファイルを読めません)");
  std::stringstream ss;
  ss << f.rdbuf();
  if (f.bad()) throw ConfigError(path + ": read error (設定ファイルを読めません)");
  return ss.str();
}

// Checks a merged document: the sections and their keys, as parseConfig
// does for one file. Stage options point into `doc`.
Config readDocument(std::shared_ptr<toml::table> doc, std::string text, const std::string& sourceName);

}  // namespace

Config parseConfig(std::string_view text, const std::string& sourceName) {
  return readDocument(std::make_shared<toml::table>(parseToml(text, sourceName)), std::string(text), sourceName);
}

toml::table parseTomlFile(const std::string& path) { return parseToml(readConfigText(path), path); }

void mergeToml(toml::table& base, toml::table&& over) {
  for (auto&& [key, node] : over) {
    toml::node* old = base.get(key.str());
    if (old && old->is_table() && node.is_table()) {
      mergeToml(*old->as_table(), std::move(*node.as_table()));
      continue;
    }
    base.insert_or_assign(key, std::move(node));
  }
}

std::string resolveConfigPath(const std::string& given) {
  if (!given.empty()) return given;
  std::error_code ec;
  return std::filesystem::exists(kSystemConfig, ec) ? kSystemConfig : "";
}

std::vector<std::string> configFiles(const std::string& path) {
  namespace fs = std::filesystem;
  std::vector<std::string> files{path};
  const fs::path dir = fs::path(path).parent_path() / "conf.d";
  std::error_code ec;
  if (!fs::exists(dir, ec) && !ec) return files;
  std::vector<std::string> names;
  fs::directory_iterator it(dir, ec);
  // Fail closed: local settings that cannot be read are not silently dropped.
  if (ec) throw ConfigError(dir.string() + ": cannot read directory (設定ディレクトリを読めません): " + ec.message());
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || name.size() <= 5 || name.compare(name.size() - 5, 5, ".toml") != 0) continue;
    if (!entry.is_regular_file(ec)) continue;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());  // byte order: "10-x" before "20-y", as in rspamd's local.d
  for (const auto& n : names) files.push_back((dir / n).string());
  return files;
}

namespace {

Config readDocument(std::shared_ptr<toml::table> doc, std::string text, const std::string& sourceName) {
  const toml::table& root = *doc;
  Config c;
  c.source = sourceName;
  c.text = std::move(text);
  c.document = doc;
  // [daemon] belongs to mugaid, which reads and checks it (daemon/daemon_config.cpp).
  checkKeys(root, {"limits", "pipeline", "stage", "notice", "quarantine", "release", "worker", "daemon"}, sourceName, "top level");
  auto section = [&](std::string_view name) -> const toml::table* {
    const toml::node* n = root.get(name);
    if (!n) return nullptr;
    if (!n->is_table()) configFail(sourceName, n, "[" + std::string(name) + "] must be a table");
    return n->as_table();
  };
  if (const auto* t = section("limits")) readLimits(*t, c.limits, sourceName);
  const toml::table* stageOptions = section("stage");
  const toml::node* stageList = nullptr;
  if (const auto* t = section("pipeline")) {
    checkKeys(*t, {"stages"}, sourceName, "pipeline");
    stageList = t->get("stages");
  }
  toml::array defaultStages;  // options given for the built-in stage list apply to it
  for (const auto& s : c.stages) defaultStages.push_back(s.name);
  c.stages = readStages(stageList ? stageList : &defaultStages, stageOptions, sourceName, "pipeline", "stage.");
  if (const auto* t = section("quarantine")) readQuarantine(*t, c.quarantine, sourceName);
  if (const auto* t = section("release")) c.releaseStages = readRelease(*t, sourceName);
  if (const auto* t = section("worker")) {
    checkKeys(*t, {"max_jobs", "timeout_seconds", "memory_mb", "cpu_seconds", "attempts"}, sourceName, "worker");
    WorkerConfig& w = c.worker;
    w.maxJobs = readInt(*t, "max_jobs", w.maxJobs, 1, 100000, sourceName);
    w.timeoutSeconds = readInt(*t, "timeout_seconds", w.timeoutSeconds, 5, 86400, sourceName);
    w.memoryMb = readInt(*t, "memory_mb", w.memoryMb, 256, 1 << 20, sourceName);
    w.cpuSeconds = readInt(*t, "cpu_seconds", w.cpuSeconds, 10, 1 << 30, sourceName);
    w.attempts = readInt(*t, "attempts", w.attempts, 1, 20, sourceName);
  }
  if (const auto* t = section("notice")) {
    checkKeys(*t, {"enabled", "intro_ja", "intro_en", "file_intro_ja", "file_intro_en", "request_ja", "request_en"}, sourceName, "notice");
    c.notice.enabled = readBool(*t, "enabled", c.notice.enabled, sourceName);
    c.notice.introJa = readString(*t, "intro_ja", c.notice.introJa, sourceName);
    c.notice.introEn = readString(*t, "intro_en", c.notice.introEn, sourceName);
    c.notice.fileIntroJa = readString(*t, "file_intro_ja", c.notice.fileIntroJa, sourceName);
    c.notice.fileIntroEn = readString(*t, "file_intro_en", c.notice.fileIntroEn, sourceName);
    c.notice.requestJa = readString(*t, "request_ja", c.notice.requestJa, sourceName);
    c.notice.requestEn = readString(*t, "request_en", c.notice.requestEn, sourceName);
  }
  return c;
}

}  // namespace

Config loadConfigFile(const std::string& path) {
  const std::vector<std::string> files = configFiles(path);
  std::string text = readConfigText(path);
  if (files.size() == 1) return parseConfig(text, path);
  auto doc = std::make_shared<toml::table>(parseToml(text, path));
  for (std::size_t i = 1; i < files.size(); ++i) mergeToml(*doc, parseTomlFile(files[i]));
  // The job workers get the merged result as one TOML text (Config::text).
  std::ostringstream merged;
  merged << toml::toml_formatter(*doc);
  return readDocument(doc, merged.str(), path);
}

}  // namespace mugai
