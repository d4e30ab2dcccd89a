// html_to_text: HTML parts become readable text/plain (HTMLメールのテキスト化).
//
//   - An HTML part beside a text/plain alternative: policy
//     "prefer_existing_text" (default) removes the HTML and keeps the
//     sender's text; "always_convert" replaces the HTML with our text.
//   - Any other HTML body part is replaced by its text rendering (HTML-only
//     mail gets a text part), in the part's own charset when that can hold
//     it, else UTF-8.
//   - Resources of a multipart/related (inline images, CSS) go with the HTML.
//   - Links become numbered footnotes, neutralised by `urls`.
// HTML attachments (with a file name) are attachment_strip's business.
#pragma once

#include <cstdint>

#include "core/config.h"
#include "core/pipeline.h"
#include "core/sanitizer_registry.h"
#include "core/url_defang.h"

namespace mugai::sanitizers::html_to_text {

struct Options {
  bool preferExistingText = true;         ///< alternative = "prefer_existing_text"
  UrlMode urls = UrlMode::Defang;         ///< urls = "defang" | "leave" | "remove"
  std::uint64_t maxHtmlBytes = 10u << 20;  ///< larger HTML parts are removed
  bool operator==(const Options&) const = default;
};

class HtmlToText final : public Sanitizer {
 public:
  explicit HtmlToText(Options o) : options_(o) {}
  std::string_view name() const override { return "html_to_text"; }
  bool accepts(const Node& node) const override;
  Decision run(const Node& node, ScanContext& ctx) override;

 private:
  Options options_;
};

/// The options a [stage.html_to_text] table describes.
Options parseOptions(const toml::table& table, const std::string& source);
void registerFactory(SanitizerRegistry& registry);

}  // namespace mugai::sanitizers::html_to_text
