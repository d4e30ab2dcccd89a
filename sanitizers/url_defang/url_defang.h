// url_defang: URLs in text parts stop being links (URLリンク無効化).
// Runs on text/plain body parts and on the text html_to_text made from
// HTML: every http(s)/ftp URL and "www." host is rewritten by
// core/url_defang (hxxps://example[.]com, IDN hosts shown both ways) or
// removed, per `urls`. The part keeps its charset when it can hold the
// result. Text without URLs is left untouched.
#pragma once

#include "core/config.h"
#include "core/pipeline.h"
#include "core/sanitizer_registry.h"
#include "core/url_defang.h"

namespace mugai::sanitizers::url_defang {

class UrlDefang final : public Sanitizer {
 public:
  explicit UrlDefang(UrlMode mode) : mode_(mode) {}
  std::string_view name() const override { return "url_defang"; }
  bool accepts(const Node& node) const override;
  Decision run(const Node& node, ScanContext& ctx) override;

 private:
  UrlMode mode_;
};

/// [stage.url_defang] urls = "defang" | "remove" | "leave".
UrlMode parseMode(const toml::table& table, const std::string& source);
void registerFactory(SanitizerRegistry& registry);

}  // namespace mugai::sanitizers::url_defang
