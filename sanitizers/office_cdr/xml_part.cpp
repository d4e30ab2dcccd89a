// See xml_part.h.
#include "sanitizers/office_cdr/xml_part.h"

#include "sanitizers/libxml_init.h"

#include <libxml/parser.h>
#include <libxml/xmlsave.h>

#include <algorithm>
#include <cstring>
#include <set>

namespace mugai::sanitizers::office_cdr {

// ISO 29500 Strict names the same vocabularies under purl.oclc.org; Word
// and Excel open Strict documents, so every rule applies to both.
std::string_view transitionalNamespace(std::string_view uri) {
  static constexpr std::pair<std::string_view, std::string_view> kStrict[] = {
      {"http://purl.oclc.org/ooxml/wordprocessingml/main", kNsW},
      {"http://purl.oclc.org/ooxml/spreadsheetml/main", kNsS},
      {"http://purl.oclc.org/ooxml/presentationml/main", kNsP},
      {"http://purl.oclc.org/ooxml/drawingml/main", kNsA},
      {"http://purl.oclc.org/ooxml/officeDocument/relationships", kNsRel},
  };
  for (const auto& [strict, transitional] : kStrict)
    if (uri == strict) return transitional;
  return uri;
}

bool sameNamespace(std::string_view a, std::string_view b) {
  return a == b || transitionalNamespace(a) == transitionalNamespace(b);
}

namespace {

std::string_view sv(const xmlChar* s) { return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view(); }

bool nsIs(const xmlNs* ns, std::string_view uri) { return uri.empty() ? true : ns && sameNamespace(sv(ns->href), uri); }

// "<!DOCTYPE" anywhere before the root element, any case.
bool hasDoctype(std::string_view b) {
  const std::size_t limit = std::min<std::size_t>(b.size(), 1 << 16);
  for (std::size_t i = 0; i + 9 <= limit; ++i) {
    if (b[i] != '<' || b[i + 1] != '!') continue;
    std::string word(b.substr(i + 2, 7));
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::toupper(c); });
    if (word == "DOCTYPE") return true;
  }
  return false;
}

}  // namespace

XmlDocPtr parseXmlPart(std::string_view bytes, std::string& error) {
  initLibxml2();
  std::string_view body = bytes;
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  while (!body.empty() && (body.front() == ' ' || body.front() == '\t' || body.front() == '\r' || body.front() == '\n'))
    body.remove_prefix(1);
  if (body.empty() || body.front() != '<') {
    error = "not UTF-8 XML";
    return nullptr;
  }
  if (hasDoctype(bytes)) {
    error = "has a DOCTYPE (entity declarations are not allowed in a document part)";
    return nullptr;
  }
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) {
    error = "too large";
    return nullptr;
  }
  XmlDocPtr doc(xmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), nullptr, nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT));
  if (!doc || !xmlDocGetRootElement(doc.get())) {
    error = "not well-formed XML";
    return nullptr;
  }
  if (doc->intSubset || doc->extSubset) {
    error = "has a DOCTYPE";
    return nullptr;
  }
  return doc;
}

std::string serializeXml(xmlDoc* doc) {
  xmlChar* mem = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
  std::string out(reinterpret_cast<const char*>(mem), mem ? static_cast<std::size_t>(size) : 0);
  xmlFree(mem);
  return out;
}

std::vector<xmlNode*> elementsInOrder(xmlNode* root) {
  std::vector<xmlNode*> out;
  if (!root) return out;
  // Pre-order by the tree's own links: no recursion, no allocation per node.
  for (xmlNode* n = root;;) {
    if (n->type == XML_ELEMENT_NODE) out.push_back(n);
    if (n->type == XML_ELEMENT_NODE && n->children) {
      n = n->children;
      continue;
    }
    while (n != root && !n->next) n = n->parent;
    if (n == root) break;
    n = n->next;
  }
  return out;
}

bool isElement(const xmlNode* n, std::string_view ns, std::string_view local) {
  return n && n->type == XML_ELEMENT_NODE && sv(n->name) == local && nsIs(n->ns, ns);
}

std::optional<std::string> attribute(const xmlNode* n, std::string_view ns, std::string_view local) {
  for (const xmlAttr* a = n->properties; a; a = a->next) {
    if (sv(a->name) != local) continue;
    if (ns.empty() ? a->ns != nullptr : !nsIs(a->ns, ns)) continue;
    xmlChar* v = xmlNodeListGetString(n->doc, a->children, 1);
    std::string out(sv(v));
    xmlFree(v);
    return out;
  }
  return std::nullopt;
}

bool removeAttribute(xmlNode* n, std::string_view ns, std::string_view local) {
  for (xmlAttr* a = n->properties; a; a = a->next) {
    if (sv(a->name) != local) continue;
    if (ns.empty() ? a->ns != nullptr : !nsIs(a->ns, ns)) continue;
    xmlRemoveProp(a);
    return true;
  }
  return false;
}

std::string textOf(const xmlNode* n) {
  xmlChar* v = xmlNodeGetContent(n);
  std::string out(sv(v));
  xmlFree(v);
  return out;
}

void removeNode(xmlNode* n) {
  xmlUnlinkNode(n);
  xmlFreeNode(n);
}

void unwrapNode(xmlNode* n) {
  while (xmlNode* c = n->children) {
    xmlUnlinkNode(c);
    xmlAddPrevSibling(n, c);
  }
  removeNode(n);
}

void applyEdits(const std::vector<xmlNode*>& remove, const std::vector<xmlNode*>& unwrap) {
  std::set<xmlNode*> gone;
  auto under = [&](xmlNode* n) {
    for (xmlNode* a = n->parent; a; a = a->parent)
      if (gone.count(a)) return true;
    return false;
  };
  for (xmlNode* n : remove)  // document order: an ancestor is met before its descendants
    if (!under(n)) gone.insert(n);
  for (auto it = unwrap.rbegin(); it != unwrap.rend(); ++it)
    if (!gone.count(*it) && !under(*it)) unwrapNode(*it);
  for (xmlNode* n : gone) removeNode(n);
}

}  // namespace mugai::sanitizers::office_cdr
