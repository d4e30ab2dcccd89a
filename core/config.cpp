// See config.h.
#include "core/config.h"

#include <fstream>
#include <sstream>

namespace mugai {
namespace {

template <class T>
T readInt(const toml::table& t, std::string_view key, T current, std::int64_t min, std::int64_t max,
          const std::string& source) {
  const toml::node* n = t.get(key);
  if (!n) return current;
  auto v = n->value<std::int64_t>();
  if (!n->is_integer() || !v) configFail(source, n, std::string(key) + " must be an integer");
  if (*v < min || *v > max)
    configFail(source, n, std::string(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  return static_cast<T>(*v);
}

std::string readString(const toml::table& t, std::string_view key, const std::string& current,
                       const std::string& source) {
  const toml::node* n = t.get(key);
  if (!n) return current;
  if (!n->is_string()) configFail(source, n, std::string(key) + " must be a string");
  return std::string(*n->value<std::string_view>());
}

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

}  // namespace

void configFail(const std::string& source, const toml::node* at, const std::string& what) {
  std::string where = source;
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

Config parseConfig(std::string_view text, const std::string& sourceName) {
  auto doc = std::make_shared<toml::table>();
  try {
    *doc = toml::parse(text, sourceName);
  } catch (const toml::parse_error& e) {
    throw ConfigError(sourceName + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  const toml::table& root = *doc;
  Config c;
  c.source = sourceName;
  c.document = doc;
  checkKeys(root, {"limits", "pipeline", "stage", "notice"}, sourceName, "top level");
  auto section = [&](std::string_view name) -> const toml::table* {
    const toml::node* n = root.get(name);
    if (!n) return nullptr;
    if (!n->is_table()) configFail(sourceName, n, "[" + std::string(name) + "] must be a table");
    return n->as_table();
  };
  if (const auto* t = section("limits")) readLimits(*t, c.limits, sourceName);
  const toml::table* stageOptions = section("stage");
  if (const auto* t = section("pipeline")) {
    checkKeys(*t, {"stages"}, sourceName, "pipeline");
    if (const toml::node* n = t->get("stages")) {
      if (!n->is_array()) configFail(sourceName, n, "stages must be an array of sanitizer names");
      c.stages.clear();
      for (const auto& item : *n->as_array()) {
        if (!item.is_string()) configFail(sourceName, &item, "stages must hold sanitizer names (strings)");
        StageConfig s{std::string(*item.value<std::string_view>()), nullptr};
        if (stageOptions)
          if (const toml::node* o = stageOptions->get(s.name)) {
            if (!o->is_table()) configFail(sourceName, o, "[stage." + s.name + "] must be a table");
            s.options = o->as_table();
          }
        c.stages.push_back(std::move(s));
      }
    }
  }
  if (stageOptions)
    for (const auto& [key, node] : *stageOptions) {
      bool used = false;
      for (const auto& s : c.stages) used = used || s.name == key.str();
      if (!used) configFail(sourceName, &node, "[stage." + std::string(key.str()) + "] is not in [pipeline] stages");
    }
  if (const auto* t = section("notice")) {
    checkKeys(*t, {"enabled", "intro_ja", "intro_en"}, sourceName, "notice");
    if (const toml::node* n = t->get("enabled")) {
      if (!n->is_boolean()) configFail(sourceName, n, "enabled must be true or false");
      c.notice.enabled = *n->value<bool>();
    }
    c.notice.introJa = readString(*t, "intro_ja", c.notice.introJa, sourceName);
    c.notice.introEn = readString(*t, "intro_en", c.notice.introEn, sourceName);
  }
  return c;
}

Config loadConfigFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ConfigError(path + ": cannot read config file (設定ファイルを読めません)");
  std::stringstream ss;
  ss << f.rdbuf();
  return parseConfig(ss.str(), path);
}

}  // namespace mugai
