// [stage.html_to_text]: alternative, urls, max_html_bytes (README).
#include "core/config.h"
#include "sanitizers/html_to_text/html_to_text.h"

namespace mugai::sanitizers::html_to_text {

Options parseOptions(const toml::table& t, const std::string& source) {
  checkKeys(t, {"alternative", "urls", "max_html_bytes"}, source, "stage.html_to_text");
  Options o;
  if (const toml::node* n = t.get("alternative")) {
    auto v = n->value<std::string_view>();
    if (!v || (*v != "prefer_existing_text" && *v != "always_convert"))
      configFail(source, n, "alternative must be \"prefer_existing_text\" or \"always_convert\"");
    o.preferExistingText = *v == "prefer_existing_text";
  }
  if (const toml::node* n = t.get("urls")) {
    auto mode = urlModeFromName(n->value<std::string_view>().value_or(""));
    if (!mode) configFail(source, n, "urls must be \"defang\", \"leave\" or \"remove\"");
    o.urls = *mode;
  }
  if (const toml::node* n = t.get("max_html_bytes")) {
    auto v = n->value<std::int64_t>();
    if (!n->is_integer() || !v || *v < 1024 || *v > (1ll << 30))
      configFail(source, n, "max_html_bytes must be an integer between 1024 and 1073741824");
    o.maxHtmlBytes = static_cast<std::uint64_t>(*v);
  }
  return o;
}

void registerFactory(SanitizerRegistry& registry) {
  registry.add("html_to_text", [](const toml::table& t, const std::string& source) -> SanitizerPtr {
    return std::make_unique<HtmlToText>(parseOptions(t, source));
  });
}

}  // namespace mugai::sanitizers::html_to_text
