// See config.h.
#include "core/config.h"

#include "core/request_link.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mugai {
namespace {

std::atomic<DsnJudge> dsnJudge{nullptr};  // constant-initialised: set before main() by pg_store.cpp

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

// The position of a config file in the merge order, for "which came last".
class FileOrder {
 public:
  explicit FileOrder(const std::vector<ConfigText>& texts) {
    for (const auto& t : texts) names_.push_back(t.name);
  }
  /// The latest file any line of `n` comes from (-1: none of ours).
  int latest(const toml::node& n) const { return rank(*latestNode(n)); }
  /// The node (n or one inside it) from the latest file: where to point an error.
  const toml::node* latestNode(const toml::node& n) const {
    const toml::node* best = &n;
    auto consider = [&](const toml::node& v) {
      const toml::node* c = latestNode(v);
      if (rank(*c) > rank(*best)) best = c;
    };
    if (const toml::table* t = n.as_table())
      for (const auto& [k, v] : *t) consider(v);
    if (const toml::array* a = n.as_array())
      for (const auto& v : *a) consider(v);
    return best;
  }
  int rank(const toml::node& n) const {
    const auto& p = n.source().path;
    if (!p) return -1;
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == *p) return static_cast<int>(i);
    return -1;
  }

 private:
  std::vector<std::string> names_;
};

// Reads a stage list and the options of each stage. `where` names the
// sections in messages ("pipeline" / "release"). Options of a stage the
// list does not run are an error (a typo guard), unless they all come from
// files before the one that set the list.
std::vector<StageConfig> readStages(const toml::node* list, const toml::table* stageOptions, const std::string& source,
                                    const std::string& where, const std::string& optionsPrefix, const FileOrder& order,
                                    bool listIsBuiltIn) {
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
      if (!used && !listIsBuiltIn && order.latest(node) < order.rank(*list)) continue;  // dropped by a later file
      if (!used)
        configFail(source, order.latestNode(node),
                   "[" + optionsPrefix + std::string(key.str()) + "] is not in [" + where + "] stages");
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

std::vector<StageConfig> readRelease(const toml::table& release, const std::string& source, const FileOrder& order) {
  checkKeys(release, {"stages", "stage"}, source, "release");
  const toml::node* list = release.get("stages");
  if (!list) configFail(source, &release, "[release] needs stages (the release policy's pipeline)");
  return readStages(list, subTable(release, "stage", source, "release.stage"), source, "release", "release.stage.", order,
                    false);
}

void readQuarantine(const toml::table& t, QuarantineConfig& q, const std::string& source) {
  checkKeys(t, {"enabled", "backend", "dir", "dsn", "pool_size", "retention_days", "release_relay", "release_from"}, source,
            "quarantine");
  q.backend = readString(t, "backend", q.backend, source);
  if (q.backend != "sqlite" && q.backend != "postgresql")
    configFail(source, t.get("backend"), "backend must be \"sqlite\" or \"postgresql\" (保管先は sqlite か postgresql です)");
  q.dsn = readString(t, "dsn", q.dsn, source);
  if (q.backend == "postgresql" && q.dsn.empty())
    configFail(source, t.get("backend"), "backend = \"postgresql\" needs dsn (a libpq connection string, e.g. \"service=mugai\")");
  const DsnJudge judge = dsnJudge.load();
  if (std::string problem = q.dsn.empty() || !judge ? "" : judge(q.dsn); !problem.empty())
    configFail(source, t.get("dsn"),
               "dsn: " + problem + (problem.find("password") != std::string::npos
                                        ? ": the password must not be in the config: put it in a passfile (passfile=..., "
                                          "~/.pgpass) or pg_service.conf (パスワードは設定ファイルに書かず passfile か "
                                          "pg_service.conf に置いてください)"
                                        : ""));
  q.poolSize = readInt(t, "pool_size", q.poolSize, 0, 256, source);
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
  releaseStages = readRelease(*releaseDocument->get("release")->as_table(), "(built-in release policy)", FileOrder({}));
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

// Checks a merged document: the sections and their keys. Stage options
// point into `doc`.
Config readDocument(std::shared_ptr<toml::table> doc, std::vector<ConfigText> texts);

}  // namespace

Config parseConfig(std::string_view text, const std::string& sourceName) {
  return parseConfigTexts({{sourceName, std::string(text)}});
}

Config parseConfigTexts(std::vector<ConfigText> texts) {
  if (texts.empty()) return Config();
  auto doc = std::make_shared<toml::table>(parseToml(texts[0].text, texts[0].name));
  for (std::size_t i = 1; i < texts.size(); ++i) mergeToml(*doc, parseToml(texts[i].text, texts[i].name));
  return readDocument(doc, std::move(texts));
}


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

void setDsnJudge(DsnJudge judge) { dsnJudge.store(judge); }

std::string resolveConfigPath(const std::string& given) {
  if (!given.empty()) return given;
  std::error_code ec;
  const bool exists = std::filesystem::exists(kSystemConfig, ec);
  // Fail closed: a config that exists but cannot be looked at is not "none".
  if (ec) throw ConfigError(std::string(kSystemConfig) + ": " + ec.message() + " (設定ファイルを確認できません)");
  return exists ? kSystemConfig : "";
}

namespace {

// A conf.d directory or file may hold a policy: only root or the user
// running us may own it, and nobody else may write to it (else a local
// user could, say, empty [pipeline] stages beside a config in /tmp).
void checkTrusted(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0)
    throw ConfigError(p.string() + ": " + std::strerror(errno) + " (設定を読めません)");
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    throw ConfigError(p.string() + ": owned by uid " + std::to_string(st.st_uid) +
                      ", neither root nor this user: not read (所有者が root でも実行ユーザーでもないため読みません)");
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    throw ConfigError(p.string() + ": writable by group or others: not read (他のユーザーが書き込めるため読みません)");
}

}  // namespace

std::vector<std::string> configFiles(const std::string& path) {
  namespace fs = std::filesystem;
  std::vector<std::string> files{path};
  const fs::path dir = fs::path(path).parent_path() / "conf.d";
  std::error_code ec;
  const fs::file_status link = fs::symlink_status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw ConfigError(dir.string() + ": " + ec.message() + " (設定ディレクトリを確認できません)");
  if (!fs::exists(link)) return files;
  // Fail closed from here: local settings that cannot be read are never
  // silently dropped (a dangling link, a directory named x.toml, EACCES).
  if (!fs::is_directory(dir, ec)) throw ConfigError(dir.string() + ": not a directory (ディレクトリではありません)");
  checkTrusted(dir);
  std::vector<std::string> names;
  fs::directory_iterator it(dir, ec);
  if (ec) throw ConfigError(dir.string() + ": cannot read directory (設定ディレクトリを読めません): " + ec.message());
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || name.size() <= 5 || name.compare(name.size() - 5, 5, ".toml") != 0) continue;
    if (!entry.is_regular_file(ec))
      throw ConfigError(entry.path().string() + ": not a regular file (通常のファイルではありません)");
    checkTrusted(entry.path());
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());  // byte order: "10-x" before "20-y", as in rspamd's local.d
  for (const auto& n : names) files.push_back((dir / n).string());
  return files;
}

namespace {

Config readDocument(std::shared_ptr<toml::table> doc, std::vector<ConfigText> texts) {
  const toml::table& root = *doc;
  const std::string sourceName = texts.front().name;
  const FileOrder order(texts);
  Config c;
  c.source = sourceName;
  c.texts = std::move(texts);
  c.document = doc;
  // [daemon] belongs to mugaid and [web] to mugai-web, which read and check them (daemon/daemon_config.cpp, web/web_config.cpp).
  checkKeys(root, {"limits", "pipeline", "stage", "notice", "quarantine", "release", "worker", "daemon", "web"}, sourceName, "top level");
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
  c.stages = readStages(stageList ? stageList : &defaultStages, stageOptions, sourceName, "pipeline", "stage.", order,
                        stageList == nullptr);
  if (const auto* t = section("quarantine")) readQuarantine(*t, c.quarantine, sourceName);
  if (const auto* t = section("release")) c.releaseStages = readRelease(*t, sourceName, order);
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
    checkKeys(*t,
              {"enabled", "intro_ja", "intro_en", "file_intro_ja", "file_intro_en", "request_ja", "request_en", "console_url",
               "console_key_file", "request_link_days", "request_link_ja", "request_link_en"},
              sourceName, "notice");
    c.notice.enabled = readBool(*t, "enabled", c.notice.enabled, sourceName);
    c.notice.introJa = readString(*t, "intro_ja", c.notice.introJa, sourceName);
    c.notice.introEn = readString(*t, "intro_en", c.notice.introEn, sourceName);
    c.notice.fileIntroJa = readString(*t, "file_intro_ja", c.notice.fileIntroJa, sourceName);
    c.notice.fileIntroEn = readString(*t, "file_intro_en", c.notice.fileIntroEn, sourceName);
    c.notice.requestJa = readString(*t, "request_ja", c.notice.requestJa, sourceName);
    c.notice.requestEn = readString(*t, "request_en", c.notice.requestEn, sourceName);
    c.notice.consoleUrl = readString(*t, "console_url", c.notice.consoleUrl, sourceName);
    if (!c.notice.consoleUrl.empty() && c.notice.consoleUrl.rfind("https://", 0) != 0)
      configFail(sourceName, t->get("console_url"), "[notice] console_url must start with https:// (the console speaks only HTTPS)");
    for (unsigned char ch : c.notice.consoleUrl)
      if (ch <= 0x20 || ch >= 0x7F || ch == '"' || ch == '<' || ch == '>')
        configFail(sourceName, t->get("console_url"), "[notice] console_url must be a plain URL (no spaces, quotes or non-ASCII)");
    c.notice.consoleKeyFile = readString(*t, "console_key_file", c.notice.consoleKeyFile, sourceName);
    c.notice.requestLinkDays = readInt(*t, "request_link_days", c.notice.requestLinkDays, 1, 365, sourceName);
    c.notice.requestLinkJa = readString(*t, "request_link_ja", c.notice.requestLinkJa, sourceName);
    c.notice.requestLinkEn = readString(*t, "request_link_en", c.notice.requestLinkEn, sourceName);
  }
  return c;
}

}  // namespace

Config loadConfigFile(const std::string& path) {
  std::vector<ConfigText> texts;
  for (const auto& f : configFiles(path)) texts.push_back({f, readConfigText(f)});
  Config c = parseConfigTexts(std::move(texts));
  // The request links' key: read here, by the parent (a job worker reads
  // no files; it gets the key in its setup frame).
  if (!c.notice.consoleUrl.empty()) {
    std::string error;
    c.notice.consoleKey = readRequestKey(c.notice.consoleKeyFile, error);
    if (c.notice.consoleKey.empty()) throw ConfigError(path + ": [notice] console_url is set, but " + error);
  }
  return c;
}

}  // namespace mugai
