// identity: keeps every node. The pipeline still parses, applies the
// parser's and the limits' fail-closed decisions, and rebuilds, so
// "identity" shows exactly what the foundation alone does to a message.
#pragma once

#include "core/pipeline.h"
#include "core/sanitizer_registry.h"

namespace mugai::sanitizers::identity {

class IdentitySanitizer final : public Sanitizer {
 public:
  std::string_view name() const override { return "identity"; }
  bool accepts(const Node& node) const override { return node.kind == NodeKind::Leaf; }
  Decision run(const Node& node, ScanContext& ctx) override;
};

/// Adds "identity" (no options) to `registry`.
void registerFactory(SanitizerRegistry& registry);

}  // namespace mugai::sanitizers::identity
