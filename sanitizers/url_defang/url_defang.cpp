// See url_defang.h.
#include "sanitizers/url_defang/url_defang.h"

#include "core/charset/charset.h"

namespace mugai::sanitizers::url_defang {

bool UrlDefang::accepts(const Node& n) const {
  if (n.kind != NodeKind::Leaf || mode_ == UrlMode::Leave) return false;
  if (n.replacement) return n.replacement->mimeType == "text/plain";
  return n.declaredType == "text/plain" && n.filename.empty() && n.disposition != "attachment";
}

Decision UrlDefang::run(const Node& n, ScanContext&) {
  const std::string label = n.replacement ? n.replacement->charset : n.charset;
  const std::string text = charset::decodeText(n.content(), label);
  std::string rewritten = neutraliseUrlsInText(text, mode_);
  if (rewritten == text) return Decision::keep();
  charset::EncodedText out = charset::encodeForPart(rewritten, label);
  Replacement r{std::move(out.bytes), "text/plain", out.charset, ""};
  std::string why = mode_ == UrlMode::Remove ? "links in the text removed" : "links in the text made non-clickable";
  if (n.replacement) why = n.reason + "; " + why;
  return Decision::replace(std::move(r), n.replacement ? n.reasonCode : "url.defanged", why,
                           n.replacement ? n.reasonJa + "（リンクを無効化）" : "本文中のリンクを無効化しました");
}

UrlMode parseMode(const toml::table& t, const std::string& source) {
  checkKeys(t, {"urls"}, source, "stage.url_defang");
  const toml::node* n = t.get("urls");
  if (!n) return UrlMode::Defang;
  auto mode = urlModeFromName(n->value<std::string_view>().value_or(""));
  if (!mode) configFail(source, n, "urls must be \"defang\", \"leave\" or \"remove\"");
  return *mode;
}

void registerFactory(SanitizerRegistry& registry) {
  registry.add("url_defang", [](const toml::table& t, const std::string& source) -> SanitizerPtr {
    return std::make_unique<UrlDefang>(parseMode(t, source));
  });
}

}  // namespace mugai::sanitizers::url_defang
