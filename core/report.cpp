// See report.h.
#include "core/report.h"

#include "core/charset/charset.h"
#include "core/display_text.h"
#include "core/hash.h"

namespace mugai {
namespace {

nlohmann::json nodeJson(const Node& n) {
  nlohmann::json j{{"path", n.path.empty() ? "0" : n.path},
                   {"kind", kindName(n.kind)},
                   {"declared_type", n.declaredType},
                   {"action", actionName(n.action)}};
  if (!n.extensionType.empty()) j["extension_type"] = n.extensionType;
  if (!n.trueType().empty()) j["true_type"] = n.trueType();
  if (!n.filename.empty()) putInputText(j, "filename", n.filename);
  if (!n.charset.empty()) j["charset"] = n.charset;
  if (!n.transferEncoding.empty()) j["transfer_encoding"] = n.transferEncoding;
  if (n.kind == NodeKind::Leaf) {
    j["size"] = n.decodedSize();
    if (!n.sha256().empty()) j["sha256"] = n.sha256();
  }
  if (n.action != Action::Keep) {
    j["reason_code"] = n.reasonCode;
    j["reason"] = maskedText(n.reason);
    j["decided_by"] = n.decidedBy;
  }
  return j;
}

}  // namespace

void putInputText(nlohmann::json& object, const std::string& key, const std::string& text) {
  std::string shown = maskedText(text);
  if (shown != text) {
    object[key + "_raw"] = text;
    if (!charset::isValidUtf8(text)) {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string hex;
      for (unsigned char c : text) hex += {kHex[c >> 4], kHex[c & 0xF]};
      object[key + "_hex"] = hex;
    }
  }
  object[key] = std::move(shown);
}

nlohmann::json buildReport(const ParsedInput& input, const std::string& id, Verdict verdict,
                           const std::vector<Finding>& findings, const Timings& timings,
                           const std::string& outputBytes) {
  nlohmann::json r;
  r["id"] = id;
  r["verdict"] = verdictName(verdict);
  r["input"] = {{"size", input.original().size()},
                {"sha256", input.rootIsInput ? input.root->sha256() : sha256Hex(input.bytes)},
                {"well_formed", input.wellFormed}};
  putInputText(r["input"], "subject", input.subject);
  putInputText(r["input"], "from", input.from);
  putInputText(r["input"], "to", input.to);
  // Depth-first, like Node::forEach, but knowing whether an ancestor was
  // removed: such nodes are not in the output either ("inside_removed").
  auto& nodes = r["nodes"] = nlohmann::json::array();
  std::vector<std::pair<const Node*, bool>> stack{{input.root.get(), false}};
  while (!stack.empty()) {
    auto [n, insideRemoved] = stack.back();
    stack.pop_back();
    auto j = nodeJson(*n);
    if (insideRemoved) j["inside_removed"] = true;
    nodes.push_back(std::move(j));
    bool removed = insideRemoved || n->action == Action::Remove || n->action == Action::Reject;
    for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) stack.push_back({it->get(), removed});
  }
  auto& f = r["findings"] = nlohmann::json::array();
  for (const auto& x : findings)
    f.push_back({{"code", x.code}, {"detail", maskedText(x.detail)}, {"node", x.nodePath.empty() ? "0" : x.nodePath},
                 {"critical", x.critical}});
  r["timings_ms"] = {{"parse", timings.parseMs},
                     {"sanitize", timings.sanitizeMs},
                     {"rebuild", timings.rebuildMs},
                     {"total", timings.parseMs + timings.sanitizeMs + timings.rebuildMs}};
  if (verdict != Verdict::Rejected) r["output"] = {{"size", outputBytes.size()}, {"sha256", sha256Hex(outputBytes)}};
  return r;
}

std::string dumpReport(const nlohmann::json& report, bool pretty) {
  return report.dump(pretty ? 2 : -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mugai
