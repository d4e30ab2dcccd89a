// Sanitizers that exist only for tests: each does one thing the pipeline
// must handle (remove, replace, reject, throw, overrun the deadline).
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/pipeline.h"

namespace mugai::test {

/// Removes leaves whose file name ends with `suffix`.
class RemoveBySuffix final : public Sanitizer {
 public:
  explicit RemoveBySuffix(std::string suffix) : suffix_(std::move(suffix)) {}
  std::string_view name() const override { return "test_remove"; }
  bool accepts(const Node& n) const override { return n.kind == NodeKind::Leaf; }
  Decision run(const Node& n, ScanContext&) override {
    if (n.filename.size() >= suffix_.size() && n.filename.compare(n.filename.size() - suffix_.size(), suffix_.size(), suffix_) == 0)
      return Decision::remove("test.removed", "name ends with " + suffix_);
    return Decision::keep();
  }

 private:
  std::string suffix_;
};

/// Replaces text/plain leaves with upper-cased ASCII text.
class ReplaceText final : public Sanitizer {
 public:
  std::string_view name() const override { return "test_replace"; }
  bool accepts(const Node& n) const override { return n.kind == NodeKind::Leaf && n.declaredType == "text/plain"; }
  Decision run(const Node& n, ScanContext&) override {
    std::string s(n.content());
    for (auto& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    return Decision::replace({s, "text/plain", "us-ascii", ""}, "test.replaced", "upper-cased");
  }
};

/// Rejects the message when any leaf contains `needle`.
class RejectIfContains final : public Sanitizer {
 public:
  explicit RejectIfContains(std::string needle) : needle_(std::move(needle)) {}
  std::string_view name() const override { return "test_reject"; }
  bool accepts(const Node& n) const override { return n.kind == NodeKind::Leaf; }
  Decision run(const Node& n, ScanContext&) override {
    if (n.content().find(needle_) != std::string_view::npos) return Decision::reject("test.rejected", "found " + needle_);
    return Decision::keep();
  }

 private:
  std::string needle_;
};

/// Throws on every leaf.
class Throwing final : public Sanitizer {
 public:
  std::string_view name() const override { return "test_throw"; }
  bool accepts(const Node& n) const override { return n.kind == NodeKind::Leaf; }
  Decision run(const Node&, ScanContext&) override { throw std::runtime_error("boom"); }
};

/// Sleeps on every leaf, so a short deadline passes mid-walk.
class Slow final : public Sanitizer {
 public:
  std::string_view name() const override { return "test_slow"; }
  bool accepts(const Node& n) const override { return n.kind == NodeKind::Leaf; }
  Decision run(const Node&, ScanContext&) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    return Decision::keep();
  }
};

}  // namespace mugai::test
