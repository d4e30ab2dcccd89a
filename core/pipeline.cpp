// See pipeline.h.
#include "core/pipeline.h"

#include <exception>

namespace mugai {
namespace {

void attachChildren(Node& node, Decision& d) {
  for (auto& c : d.children) {
    c->parent = &node;
    c->scanned = true;  // decided by scanNested; the walk does not run them again
    node.children.push_back(std::move(c));
  }
  d.children.clear();
}

void apply(Node& node, Decision&& d, std::string_view by) {
  if (d.action == Action::Replace && !d.replacement)  // a replace with nothing to put in place
    d = Decision::remove("sanitizer.failed", std::string(by) + " asked to replace without new content");
  node.action = d.action;
  node.reasonCode = std::move(d.code);
  node.reason = std::move(d.reason);
  node.reasonJa = std::move(d.reasonJa);
  node.decidedBy = std::string(by);
  if (d.replacement) node.replacement = std::move(d.replacement);
  attachChildren(node, d);
}

}  // namespace

std::string_view verdictName(Verdict v) {
  switch (v) {
    case Verdict::Unchanged: return "unchanged";
    case Verdict::Changed: return "changed";
    case Verdict::Rejected: return "rejected";
  }
  return "?";
}

Verdict verdictOf(const Node& root) {
  Verdict v = Verdict::Unchanged;
  root.forEach([&](const Node& n) {
    if (n.action == Action::Reject) v = Verdict::Rejected;
    else if (n.action != Action::Keep && v == Verdict::Unchanged) v = Verdict::Changed;
  });
  return v;
}

void ScanContext::scanNested(Node& node) {
  if (pipeline_) pipeline_->runTree(node, *this);
}

void Pipeline::run(ParsedInput& input, ScanContext& ctx) const {
  ctx.pipeline_ = this;
  runTree(*input.root, ctx);
}

void Pipeline::runTree(Node& root, ScanContext& ctx) const {
  bool timedOut = false;
  std::vector<Node*> stack{&root};
  while (!stack.empty()) {
    Node& node = *stack.back();
    stack.pop_back();
    if (node.scanned) continue;                 // a container's entry, done by scanNested
    if (node.action != Action::Keep) continue;  // decided by the parser: fail closed already
    if (!timedOut && ctx.expired()) {
      timedOut = true;
      ctx.addFinding({"limit.time", "time limit reached while sanitizing", node.path, true});
    }
    if (timedOut) {
      // Everything not yet looked at is removed; the root keeps its place.
      if (&node != &root || node.parent) {
        apply(node, Decision::remove("limit.time", "not sanitized within the time limit"), "limits");
        continue;
      }
    }
    for (const auto& stage : stages_) {
      if (!stage->accepts(node)) continue;
      Decision d;
      try {
        d = stage->run(node, ctx);
      } catch (const std::exception& e) {
        d = Decision::remove("sanitizer.failed", std::string(stage->name()) + " failed: " + e.what());
      } catch (...) {
        d = Decision::remove("sanitizer.failed", std::string(stage->name()) + " failed");
      }
      if (d.action == Action::Keep) {
        attachChildren(node, d);  // a container kept as it is still shows its entries
        continue;
      }
      apply(node, std::move(d), stage->name());
      if (node.action != Action::Replace) break;
    }
    if (node.action == Action::Remove || node.action == Action::Reject) continue;
    for (auto it = node.children.rbegin(); it != node.children.rend(); ++it) stack.push_back(it->get());
  }
}

}  // namespace mugai
