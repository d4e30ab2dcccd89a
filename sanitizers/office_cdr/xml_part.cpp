// See xml_part.h.
#include "sanitizers/office_cdr/xml_part.h"

#include <libxml/parser.h>
#include <libxml/xmlsave.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace mugai::sanitizers::office_cdr {
namespace {

std::string_view sv(const xmlChar* s) { return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view(); }

bool nsIs(const xmlNs* ns, std::string_view uri) { return uri.empty() ? true : ns && sv(ns->href) == uri; }

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
  static std::once_flag initialised;  // libxml2's lazy global init is not thread-safe
  std::call_once(initialised, [] { xmlInitParser(); });
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
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
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
  std::vector<xmlNode*> stack{root};
  while (!stack.empty()) {
    xmlNode* n = stack.back();
    stack.pop_back();
    if (n->type != XML_ELEMENT_NODE) continue;
    out.push_back(n);
    std::vector<xmlNode*> kids;
    for (xmlNode* c = n->children; c; c = c->next) kids.push_back(c);
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.push_back(*it);
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

}  // namespace mugai::sanitizers::office_cdr
