// [stage.html_to_text]: alternative, urls, max_html_bytes (README).
#include "core/config.h"
#include "sanitizers/html_to_text/html_to_text.h"

namespace mugai::sanitizers::html_to_text {

Options parseOptions(const toml::table& t, const std::string& source) {
  checkKeys(t, {"alternative", "urls", "max_html_bytes"}, source, "stage.html_to_text");
  Options o;
  o.preferExistingText = readChoice(t, "alternative", o.preferExistingText ? "prefer_existing_text" : "always_convert",
                                    {"prefer_existing_text", "always_convert"}, source) == "prefer_existing_text";
  if (const toml::node* n = t.get("urls")) {
    auto mode = urlModeFromName(n->value<std::string_view>().value_or(""));
    if (!mode) configFail(source, n, "urls must be \"defang\", \"leave\" or \"remove\"");
    o.urls = *mode;
  }
  o.maxHtmlBytes = readInt(t, "max_html_bytes", o.maxHtmlBytes, 1024, 1ll << 30, source);
  return o;
}

void registerFactory(SanitizerRegistry& registry) {
  registry.add("html_to_text", [](const toml::table& t, const std::string& source) -> SanitizerPtr {
    return std::make_unique<HtmlToText>(parseOptions(t, source));
  });
}

}  // namespace mugai::sanitizers::html_to_text
