// See html_to_text.h.
#include "sanitizers/html_to_text/html_to_text.h"

#include "core/charset/charset.h"
#include "sanitizers/html_to_text/html_render.h"

namespace mugai::sanitizers::html_to_text {
namespace {

bool isHtml(const Node& n) { return n.kind == NodeKind::Leaf && n.declaredType == "text/html"; }

bool isBodyPart(const Node& n) { return n.filename.empty() && n.disposition != "attachment"; }

const Node* enclosing(const Node& n, std::string_view type) {
  return n.parent && n.parent->declaredType == type ? n.parent : nullptr;
}

bool hasTextSibling(const Node& html) {
  const Node* alt = enclosing(html, "multipart/alternative");
  if (!alt) {
    // multipart/alternative { text/plain, multipart/related { text/html, images } }
    const Node* rel = enclosing(html, "multipart/related");
    alt = rel ? enclosing(*rel, "multipart/alternative") : nullptr;
  }
  if (!alt) return false;
  for (const auto& c : alt->children)
    if (c->kind == NodeKind::Leaf && c->declaredType == "text/plain" && c->action == Action::Keep) return true;
  return false;
}

// A resource of the HTML in a multipart/related: any sibling of an HTML
// body part that is not itself that HTML.
bool isRelatedResource(const Node& n) {
  const Node* rel = enclosing(n, "multipart/related");
  if (!rel || isHtml(n)) return false;
  for (const auto& c : rel->children)
    if (isHtml(*c) && isBodyPart(*c)) return true;
  return false;
}

// Charset of the HTML: the MIME label first, else the page's own <meta>,
// else the shape of the bytes.
std::string htmlCharset(const Node& n) {
  if (!n.charset.empty()) return n.charset;
  std::string head = toLower(std::string_view(n.content()).substr(0, 4096));
  auto at = head.find("charset=");
  if (at != std::string::npos) {
    at += 8;
    while (at < head.size() && (head[at] == '"' || head[at] == '\'')) ++at;
    auto end = head.find_first_of("\"'; />", at);
    return head.substr(at, end == std::string::npos ? std::string::npos : end - at);
  }
  return charset::guess(n.content());
}

}  // namespace

bool HtmlToText::accepts(const Node& n) const {
  return (isHtml(n) && isBodyPart(n)) || (n.kind == NodeKind::Leaf && isRelatedResource(n));
}

Decision HtmlToText::run(const Node& n, ScanContext&) {
  if (!isHtml(n))
    return Decision::remove("html.related_resource", "resource of the HTML version (removed with it)",
                            "HTML 版の埋め込み画像などを HTML とともに削除しました");
  if (options_.preferExistingText && hasTextSibling(n))
    return Decision::remove("html.alternative_dropped", "HTML version removed; the sender's text version is kept",
                            "HTML 版を削除し、送信者のテキスト版を残しました");
  if (n.content().size() > options_.maxHtmlBytes)
    return Decision::remove("html.too_large",
                            "HTML part larger than " + std::to_string(options_.maxHtmlBytes) + " bytes",
                            "HTML パートが大きすぎるため削除しました");
  const std::string label = htmlCharset(n);
  Rendered r = renderHtml(charset::decodeText(n.content(), label), options_.urls);
  // Keep the sender's charset when it can hold the text (Japanese mailers
  // read ISO-2022-JP best), else UTF-8.
  charset::EncodedText out = charset::encodeForPart(r.text, label);
  std::string why = "HTML converted to plain text";
  if (!r.links.empty()) why += "; " + std::to_string(r.links.size()) + " link(s) listed as footnotes";
  if (r.disabledLinks) why += "; " + std::to_string(r.disabledLinks) + " script/data/file link(s) disabled";
  return Decision::replace({std::move(out.bytes), "text/plain", out.charset, ""}, "html.converted", why,
                           "HTML メールをテキストに変換しました");
}

}  // namespace mugai::sanitizers::html_to_text
