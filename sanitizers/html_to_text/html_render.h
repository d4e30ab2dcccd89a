// HTML to readable plain text with libxml2's HTML parser (never gumbo:
// DESIGN.md). Paragraphs, <br>, headings, lists with bullets and numbers,
// tables as aligned rows, blockquotes, <pre>, entities, links as numbered
// footnotes, images as [画像: alt]. Nothing of script, style, head, forms,
// hidden elements or comments survives.
//
// Trust: the HTML is hostile. libxml2 runs with HTML_PARSE_NONET, on UTF-8
// we decoded ourselves (the page's own <meta charset> is ignored), under
// its default depth limit; our walk is iterative. Never throws for bad
// markup.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/url_defang.h"

namespace mugai::sanitizers::html_to_text {

struct Rendered {
  std::string text;               ///< UTF-8, lines end in "\n", footnotes at the end
  std::vector<std::string> links;  ///< link targets as written, in footnote order
  int disabledLinks = 0;          ///< javascript:/data:/file:/vbscript: links
};

/// Renders UTF-8 HTML. `urls` decides how footnote targets are shown.
Rendered renderHtml(std::string_view utf8Html, UrlMode urls);

}  // namespace mugai::sanitizers::html_to_text
