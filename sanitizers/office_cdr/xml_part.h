// One XML part of a document package, parsed with libxml2 for editing and
// serialised back only when something was changed.
// Trust: the bytes are hostile. No network, no DTD loading, no entity
// substitution; a part with a DOCTYPE (OOXML and ODF never have one: it
// can only be an entity-expansion or external-entity attack) or that is
// not well-formed is refused by the caller. libxml2 never recurses on our
// side: the walks here are iterative. Never throws but std::bad_alloc.
#pragma once

#include <libxml/tree.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mugai::sanitizers::office_cdr {

struct XmlDocFreer {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFreer>;

/// Parses one part. nullptr when it is not well-formed UTF-8 XML or has a
/// DOCTYPE; `error` says why.
XmlDocPtr parseXmlPart(std::string_view bytes, std::string& error);

/// The document serialised as UTF-8 with its XML declaration.
std::string serializeXml(xmlDoc* doc);

/// Every element under (and including) `root`, in document order. Taken
/// before editing, so the caller may unlink what it visits.
std::vector<xmlNode*> elementsInOrder(xmlNode* root);

/// A Strict (ISO 29500, purl.oclc.org) namespace's Transitional twin; any
/// other URI as it is.
std::string_view transitionalNamespace(std::string_view uri);
/// Whether two namespace URIs name the same vocabulary (Strict = Transitional).
bool sameNamespace(std::string_view a, std::string_view b);

/// Whether `n` is an element named `local` in namespace `ns` ("" = any;
/// Strict and Transitional namespaces are the same here).
bool isElement(const xmlNode* n, std::string_view ns, std::string_view local);

/// An attribute's value by namespace URI ("" = no namespace) and local name.
std::optional<std::string> attribute(const xmlNode* n, std::string_view ns, std::string_view local);

/// Removes an attribute (namespace "" = unqualified). True if it was there.
bool removeAttribute(xmlNode* n, std::string_view ns, std::string_view local);

/// The concatenated text content of `n`.
std::string textOf(const xmlNode* n);

/// Unlinks and frees `n` with its subtree.
void removeNode(xmlNode* n);

/// Replaces `n` by its children (they move up into its place).
void unwrapNode(xmlNode* n);

/// Applies a walk's decisions: every node of `remove` goes with its
/// subtree, every node of `unwrap` is replaced by its children; a node
/// inside a removed one is not touched again (it is gone with it).
void applyEdits(const std::vector<xmlNode*>& remove, const std::vector<xmlNode*>& unwrap);

// Namespaces used by the rules.
inline constexpr std::string_view kNsRel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
inline constexpr std::string_view kNsW = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
inline constexpr std::string_view kNsS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
inline constexpr std::string_view kNsA = "http://schemas.openxmlformats.org/drawingml/2006/main";
inline constexpr std::string_view kNsP = "http://schemas.openxmlformats.org/presentationml/2006/main";

}  // namespace mugai::sanitizers::office_cdr
