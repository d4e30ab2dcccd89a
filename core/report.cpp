// See report.h.
#include "core/report.h"

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
  if (!n.filename.empty()) j["filename"] = n.filename;
  if (!n.charset.empty()) j["charset"] = n.charset;
  if (!n.transferEncoding.empty()) j["transfer_encoding"] = n.transferEncoding;
  if (n.kind == NodeKind::Leaf) {
    j["size"] = n.decoded.size();
    if (!n.sha256().empty()) j["sha256"] = n.sha256();
  }
  if (n.action != Action::Keep) {
    j["reason_code"] = n.reasonCode;
    j["reason"] = n.reason;
    j["decided_by"] = n.decidedBy;
  }
  return j;
}

}  // namespace

nlohmann::json buildReport(const ParsedInput& input, const std::string& id, Verdict verdict,
                           const std::vector<Finding>& findings, const Timings& timings,
                           const std::string& outputBytes) {
  nlohmann::json r;
  r["id"] = id;
  r["verdict"] = verdictName(verdict);
  r["input"] = {{"size", input.bytes.size()},
                {"sha256", sha256Hex(input.bytes)},
                {"subject", input.subject},
                {"from", input.from},
                {"to", input.to},
                {"well_formed", input.wellFormed}};
  auto& nodes = r["nodes"] = nlohmann::json::array();
  input.root->forEach([&](const Node& n) { nodes.push_back(nodeJson(n)); });
  auto& f = r["findings"] = nlohmann::json::array();
  for (const auto& x : findings)
    f.push_back({{"code", x.code}, {"detail", x.detail}, {"node", x.nodePath.empty() ? "0" : x.nodePath},
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
