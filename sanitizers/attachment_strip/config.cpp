// [stage.attachment_strip]: checks the section and builds the policy.
// Every key and default is listed in README.md and samples/mugai.toml.
#include "core/config.h"
#include "sanitizers/attachment_strip/attachment_strip.h"

namespace mugai::sanitizers::attachment_strip {
namespace {

std::set<std::string> readList(const toml::table& t, std::string_view key, const std::string& source, bool lower = true) {
  std::set<std::string> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  if (!n->is_array()) configFail(source, n, std::string(key) + " must be an array of strings");
  for (const auto& item : *n->as_array()) {
    if (!item.is_string()) configFail(source, &item, std::string(key) + " must hold strings");
    std::string v(*item.value<std::string_view>());
    if (lower) v = toLower(v);
    if (!v.empty() && v[0] == '.') v.erase(0, 1);  // ".exe" and "exe" both work
    out.insert(v);
  }
  return out;
}

}  // namespace

Policy parsePolicy(const toml::table& t, const std::string& source) {
    checkKeys(t,
              {"mode", "deny_categories", "deny_types", "deny_extensions", "allow_types", "allow_extensions",
               "inline_images", "unknown", "bidi_names", "type_mismatch"},
              source, "stage.attachment_strip");
    Policy p = defaultPolicy();
    std::string mode = readChoice(t, "mode", "deny", {"deny", "allow", "strip_all"}, source);
    p.mode = mode == "allow" ? Mode::Allow : mode == "strip_all" ? Mode::StripAll : Mode::Deny;
    if (t.get("deny_categories")) {
      p.denyCategories = readList(t, "deny_categories", source);
      for (const auto& name : p.denyCategories) {
        bool known = false;
        for (const auto& c : builtinCategories()) known = known || c.name == name;
        if (!known) {
          std::string list;
          for (const auto& c : builtinCategories()) list += (list.empty() ? "" : ", ") + std::string(c.name);
          configFail(source, t.get("deny_categories"), "unknown category \"" + name + "\" (known: " + list + ")");
        }
      }
    }
    p.denyTypes = readList(t, "deny_types", source);
    p.denyExtensions = readList(t, "deny_extensions", source);
    p.allowTypes = readList(t, "allow_types", source);
    p.allowExtensions = readList(t, "allow_extensions", source);
    if (p.mode == Mode::Allow && p.allowTypes.empty())
      configFail(source, t.get("mode"), "mode = \"allow\" needs allow_types");
    p.keepInlineImages = readChoice(t, "inline_images", "keep", {"keep", "strip"}, source) == "keep";
    p.removeUnknown = readChoice(t, "unknown", "remove", {"remove", "keep"}, source) == "remove";
    p.removeBidiNames = readChoice(t, "bidi_names", "remove", {"remove", "report"}, source) == "remove";
    p.removeTypeMismatch = readChoice(t, "type_mismatch", "report", {"report", "remove"}, source) == "remove";
    return p;
}

void registerFactory(SanitizerRegistry& registry) {
  registry.add("attachment_strip", [](const toml::table& t, const std::string& source) -> SanitizerPtr {
    return std::make_unique<AttachmentStrip>(parsePolicy(t, source));
  });
}

}  // namespace mugai::sanitizers::attachment_strip
