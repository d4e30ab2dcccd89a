// See signature_scan.h.
#include "sanitizers/signature_scan/signature_scan.h"

namespace mugai::sanitizers::signature_scan {

bool SignatureScan::accepts(const Node& node) const { return node.kind == NodeKind::Leaf; }

Decision SignatureScan::run(const Node& node, ScanContext&) {
  const std::string_view bytes = node.content();
  const match::MatchResult r = matcher_.scan(bytes);
  if (r.signatures.empty() && !r.overflow) return Decision::keep();
  if (r.signatures.empty())
    return Decision::remove("signature.incomplete",
                            "too many partial signature matches to finish the check (failing closed)",
                            "ウイルス定義との照合を完了できませんでした（部分一致が多すぎるため、安全側で削除しました）");
  // Name every signature found (a few at most: the report stays readable).
  std::string names;
  const std::size_t shown = std::min<std::size_t>(r.signatures.size(), 5);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i) names += ", ";
    names += matcher_.database().name(r.signatures[i]);
  }
  if (r.signatures.size() > shown) names += " (+" + std::to_string(r.signatures.size() - shown) + ")";
  std::string reason = "matched signature " + names;
  std::string reasonJa = "ウイルス定義 " + names + " に一致しました";
  if (options_.reject) return Decision::reject("signature.match", std::move(reason), std::move(reasonJa));
  return Decision::remove("signature.match", std::move(reason), std::move(reasonJa));
}

}  // namespace mugai::sanitizers::signature_scan
