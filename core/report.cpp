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
  if (!n.filename.empty()) putInputName(j, "filename", n.filename);
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

namespace {

void putShown(nlohmann::json& object, const std::string& key, const std::string& text, std::string shown) {
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

}  // namespace

void putInputText(nlohmann::json& object, const std::string& key, const std::string& text) {
  putShown(object, key, text, maskedText(text));
}

void putInputName(nlohmann::json& object, const std::string& key, const std::string& text) {
  putShown(object, key, text, displayName(text));
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
  const std::string dumped = report.dump(pretty ? 2 : -1, ' ', false, nlohmann::json::error_handler_t::replace);
  // nlohmann escapes only C0 controls; DEL, C1, line separators and bidi
  // controls would reach a terminal or viewer as they are. They can stand
  // only inside strings (the rest of JSON is ASCII), where \uXXXX is the
  // same value. The dump is valid UTF-8 (invalid bytes became U+FFFD).
  std::string out;
  out.reserve(dumped.size());
  auto escape = [&out](std::uint32_t unit) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += {'\\', 'u', kHex[(unit >> 12) & 0xF], kHex[(unit >> 8) & 0xF], kHex[(unit >> 4) & 0xF], kHex[unit & 0xF]};
  };
  for (std::size_t i = 0; i < dumped.size();) {
    std::uint32_t cp = 0;
    const std::size_t len = charset::nextCodePoint(dumped, i, cp);
    if (cp >= 0x7F && mustNotShow(cp)) {
      if (cp > 0xFFFF) {
        escape(0xD800 + ((cp - 0x10000) >> 10));
        escape(0xDC00 + ((cp - 0x10000) & 0x3FF));
      } else {
        escape(cp);
      }
    } else {
      out.append(dumped, i, len);
    }
    i += len;
  }
  return out;
}

}  // namespace mugai
