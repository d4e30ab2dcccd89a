// Small helpers for the node tree (see node.h).
#include "core/node.h"

#include "core/file_type.h"
#include "core/hash.h"
#include "core/parallel.h"

#include <algorithm>
#include <cctype>

namespace mugai {

std::string_view actionName(Action a) {
  switch (a) {
    case Action::Keep: return "keep";
    case Action::Replace: return "replace";
    case Action::Remove: return "remove";
    case Action::Reject: return "reject";
  }
  return "?";
}

std::string_view kindName(NodeKind k) {
  switch (k) {
    case NodeKind::Message: return "message";
    case NodeKind::Multipart: return "multipart";
    case NodeKind::Leaf: return "leaf";
  }
  return "?";
}

const std::string& Node::trueType() const {
  if (!trueTypeCache) {
    trueTypeCache = kind == NodeKind::Leaf && bodyDecoded ? mugai::trueType(decoded) : std::string();
  }
  return *trueTypeCache;
}

void computeTrueTypes(const std::vector<Node*>& nodes) {
  parallelFor(nodes.size(), [&](std::size_t i) { nodes[i]->trueType(); });  // libmagic: a cookie per thread
}

const std::string& Node::sha256() const {
  if (!sha256Cache) {
    sha256Cache = kind == NodeKind::Leaf && bodyDecoded ? sha256Hex(decoded) : std::string();
  }
  return *sha256Cache;
}

void Node::releaseDecoded() {
  trueType();
  sha256();
  releasedSize = decoded.size();
  std::string().swap(decoded);
}

bool Node::changedBelow() const {
  bool changed = false;
  forEach([&](const Node& n) { changed = changed || n.action != Action::Keep; });
  return changed;
}

const Header* Node::header(std::string_view name) const {
  for (const auto& h : headers)
    if (headerNameIs(h, name)) return &h;
  return nullptr;
}

bool validFieldName(std::string_view name) {
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  if (name.empty()) return false;
  for (unsigned char c : name)
    if (c < 33 || c > 126 || c == ':') return false;
  return true;
}

bool safeHeaderValue(std::string_view v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\0') return false;
    if (v[i] == '\r' && (i + 1 >= v.size() || v[i + 1] != '\n')) return false;
  }
  return true;
}

bool headerNameIs(const Header& h, std::string_view name) {
  std::string_view n = h.name;
  while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.remove_suffix(1);
  return equalsIgnoreCase(n, name);
}

}  // namespace mugai
