// Small helpers for the node tree (see node.h).
#include "core/node.h"

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

bool Node::changedBelow() const {
  bool changed = false;
  forEach([&](const Node& n) { changed = changed || n.action != Action::Keep; });
  return changed;
}

const Header* Node::header(std::string_view name) const {
  for (const auto& h : headers)
    if (equalsIgnoreCase(h.name, name)) return &h;
  return nullptr;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace mugai
