// See html_render.h.
#include "sanitizers/html_to_text/html_render.h"

#include <libxml/HTMLparser.h>

#include <algorithm>
#include <memory>
#include <set>

#include "core/node.h"
#include "sanitizers/html_to_text/text_builder.h"

namespace mugai::sanitizers::html_to_text {
namespace {

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

// Attribute value without allocating when it is one text node (the usual
// case); "" when absent.
std::string attr(xmlNode* n, const char* name) {
  xmlAttr* a = xmlHasProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!a) return "";
  if (a->children && !a->children->next && a->children->type == XML_TEXT_NODE && a->children->content)
    return reinterpret_cast<const char*>(a->children->content);
  xmlChar* v = xmlNodeListGetString(n->doc, a->children, 1);
  std::string s = v ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  return s;
}

// libxml2's HTML parser stores element names in lower case.
std::string_view tag(xmlNode* n) { return n->name ? reinterpret_cast<const char*>(n->name) : ""; }

bool oneOf(std::string_view t, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), t) != names.end();
}

// Elements whose content is never shown as text.
bool skipped(xmlNode* n, std::string_view t) {
  if (oneOf(t, {"script", "style", "head", "title", "noscript", "template", "iframe", "object", "embed", "applet",
                "svg", "math", "select", "option", "textarea", "button", "input", "meta", "link", "base", "frame",
                "frameset", "audio", "video", "canvas", "map"}))
    return true;
  if (!n->properties) return false;
  if (xmlHasProp(n, reinterpret_cast<const xmlChar*>("hidden"))) return true;
  if (!xmlHasProp(n, reinterpret_cast<const xmlChar*>("style"))) return false;
  std::string style = toLower(attr(n, "style"));
  style.erase(std::remove(style.begin(), style.end(), ' '), style.end());
  return style.find("display:none") != std::string::npos || style.find("visibility:hidden") != std::string::npos;
}

bool paragraphLike(std::string_view t) {
  return oneOf(t, {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "hr", "dl", "ul", "ol"});
}

bool lineLike(std::string_view t) {
  return oneOf(t, {"div", "li", "tr", "section", "article", "header", "footer", "nav", "address", "dd", "dt",
                   "center", "form", "fieldset", "figure", "figcaption", "main", "aside", "caption", "summary",
                   "details", "legend", "tbody", "thead", "tfoot"});
}

// One table being collected: rows of single-line cells.
struct Table {
  std::vector<std::vector<std::string>> rows;
};

std::string oneLine(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Multi-column tables become aligned rows ("a  | b"); tables of one column
// (layout tables, which most HTML mail is built of) become paragraphs.
void layoutTable(const Table& t, TextBuilder& out) {
  std::size_t cols = 0;
  for (const auto& r : t.rows) cols = std::max(cols, r.size());
  if (cols <= 1) {
    for (const auto& r : t.rows)
      for (const auto& c : r)
        if (!c.empty()) {
          out.block(false);
          out.text(c, true);
        }
    return;
  }
  std::vector<std::size_t> width(cols, 0);
  for (const auto& r : t.rows)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], displayWidth(r[i]));
  constexpr std::size_t kMaxAligned = 40;  // wider cells are not padded
  out.block(true);
  for (const auto& r : t.rows) {
    bool any = false;
    for (const auto& c : r) any = any || !c.empty();
    if (!any) continue;
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (i) line += " | ";
      line += r[i];
      if (i + 1 < r.size() && width[i] <= kMaxAligned) line += std::string(width[i] - displayWidth(r[i]), ' ');
    }
    out.block(false);
    out.text(line, true);
  }
  out.block(true);
}

class Renderer {
 public:
  explicit Renderer(UrlMode urls) : urls_(urls) { outputs_.emplace_back(); }

  Rendered run(xmlNode* root) {
    struct Frame {
      xmlNode* node;
      bool exiting;
    };
    std::vector<Frame> stack{{root, false}};
    while (!stack.empty()) {
      Frame f = stack.back();
      stack.pop_back();
      if (f.exiting) {
        leave(f.node);
        continue;
      }
      if (!enter(f.node)) continue;
      stack.push_back({f.node, true});
      for (xmlNode* c = f.node->last; c; c = c->prev) stack.push_back({c, false});
    }
    Rendered r;
    r.text = outputs_.front().finish();
    if (!links_.empty()) {
      r.text += "\n";
      for (std::size_t i = 0; i < links_.size(); ++i)
        r.text += "[" + std::to_string(i + 1) + "] " + neutraliseUrl(links_[i], urls_) + "\n";
    }
    r.links = links_;
    r.disabledLinks = disabled_;
    return r;
  }

 private:
  TextBuilder& out() { return outputs_.back(); }

  // Returns false when the node's children must not be visited.
  bool enter(xmlNode* n) {
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      if (n->content) out().text(reinterpret_cast<const char*>(n->content), pre_ > 0);
      return false;
    }
    if (n->type != XML_ELEMENT_NODE && n->type != XML_DOCUMENT_NODE && n->type != XML_HTML_DOCUMENT_NODE) return false;
    if (n->type != XML_ELEMENT_NODE) return true;
    std::string_view t = tag(n);
    if (skipped(n, t)) return false;
    // A list inside a list item continues it; any other block opens.
    bool nestedList = (t == "ul" || t == "ol") && !lists_.empty();
    if (paragraphLike(t) && !nestedList) out().block(true);
    else if (lineLike(t) || nestedList) out().block(false);
    if (t == "br") out().lineBreak();
    else if (t == "hr") out().text("────────────────────", true);
    else if (t == "pre") ++pre_;
    else if (t == "blockquote") out().pushPrefix("> ");
    else if (t == "h1" || t == "h2") out().marker("■ ");
    else if (t.size() == 2 && t[0] == 'h' && t[1] >= '3' && t[1] <= '6') out().marker("◆ ");
    else if (t == "ul" || t == "ol") {
      lists_.push_back({t == "ol", 0});
      if (lists_.size() > 1) out().pushPrefix("  ");
    } else if (t == "li") {
      if (lists_.empty()) out().marker("・ ");
      else if (lists_.back().ordered) out().marker(std::to_string(++lists_.back().count) + ". ");
      else out().marker("・ ");
    } else if (t == "img") {
      image(n);
    } else if (t == "table") {
      tables_.emplace_back();
    } else if (t == "tr" && !tables_.empty()) {
      tables_.back().rows.emplace_back();
    } else if ((t == "td" || t == "th") && !tables_.empty()) {
      if (tables_.back().rows.empty()) tables_.back().rows.emplace_back();
      outputs_.emplace_back();
    }
    return true;
  }

  void leave(xmlNode* n) {
    if (n->type != XML_ELEMENT_NODE) return;
    std::string_view t = tag(n);
    if (t == "a") link(n);
    if (t == "pre" && pre_ > 0) --pre_;
    else if (t == "blockquote") out().popPrefix();
    else if ((t == "ul" || t == "ol") && !lists_.empty()) {
      if (lists_.size() > 1) out().popPrefix();
      lists_.pop_back();
    } else if ((t == "td" || t == "th") && !tables_.empty() && outputs_.size() > 1) {
      std::string cell = oneLine(outputs_.back().finish());
      outputs_.pop_back();
      tables_.back().rows.back().push_back(std::move(cell));
    } else if (t == "table" && !tables_.empty()) {
      Table done = std::move(tables_.back());
      tables_.pop_back();
      layoutTable(done, out());
    }
    bool nestedList = (t == "ul" || t == "ol") && !lists_.empty();
    if (paragraphLike(t) && !nestedList) out().block(true);
    else if (lineLike(t) || nestedList) out().block(false);
  }

  void link(xmlNode* n) {
    std::string href = attr(n, "href");
    if (href.empty()) return;
    if (isDangerousUrl(href)) ++disabled_;
    auto it = std::find(links_.begin(), links_.end(), href);
    std::size_t number = it == links_.end() ? (links_.push_back(href), links_.size()) : static_cast<std::size_t>(it - links_.begin()) + 1;
    out().marker(" [" + std::to_string(number) + "]");
  }

  void image(xmlNode* n) {
    // Tracking pixels say nothing to a reader.
    if (attr(n, "width") == "1" || attr(n, "height") == "1" || attr(n, "width") == "0") return;
    std::string alt = oneLine(attr(n, "alt"));
    out().marker(alt.empty() ? "[画像]" : "[画像: " + alt + "]");
  }

  struct List {
    bool ordered;
    int count;
  };

  UrlMode urls_;
  std::vector<TextBuilder> outputs_;  // a stack: table cells write into their own
  std::vector<Table> tables_;
  std::vector<List> lists_;
  std::vector<std::string> links_;
  int disabled_ = 0;
  int pre_ = 0;
};

}  // namespace

Rendered renderHtml(std::string_view html, UrlMode urls) {
  constexpr int kOptions = HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER |
                           HTML_PARSE_IGNORE_ENC | HTML_PARSE_COMPACT;
  std::unique_ptr<xmlDoc, DocFree> doc(
      htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, "UTF-8", kOptions));
  if (!doc) return {};
  return Renderer(urls).run(reinterpret_cast<xmlNode*>(doc.get()));
}

}  // namespace mugai::sanitizers::html_to_text
