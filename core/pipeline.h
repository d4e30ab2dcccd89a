// The pipeline: an ordered list of sanitizers run on every node of a
// parsed input, depth-first, under the input's budget (ScanContext).
//
// Contract: a sanitizer looks at one node and returns a Decision from a
// closed set (keep, replace, remove, reject). It never throws on bad input;
// if it does anyway, or the budget runs out, the node is removed: nothing
// passes unsanitized because something went wrong (fail closed).
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.h"
#include "core/node.h"

namespace mugai {

/// A sanitizer's answer for one node.
struct [[nodiscard]] Decision {
  Action action = Action::Keep;  ///< Keep: next stage runs. Replace: later stages see the
                                 ///< replacement. Remove / Reject: no further stage, no children.
  std::string code;              ///< stable reason id, e.g. "type.denied"
  std::string reason;            ///< English detail for the report and notice
  std::optional<Replacement> replacement;
  std::string reasonJa;          ///< Japanese wording for the notice ("" = the code's default)
  /// A container's entries (ZIP members), already run through the pipeline
  /// with ScanContext::scanNested; attached under the node for the report.
  std::vector<NodePtr> children;

  static Decision keep() { return {}; }
  static Decision replace(Replacement r, std::string code, std::string reason, std::string reasonJa = {}) {
    return {Action::Replace, std::move(code), std::move(reason), std::move(r), std::move(reasonJa), {}};
  }
  static Decision remove(std::string code, std::string reason, std::string reasonJa = {}) {
    return {Action::Remove, std::move(code), std::move(reason), std::nullopt, std::move(reasonJa), {}};
  }
  static Decision reject(std::string code, std::string reason, std::string reasonJa = {}) {
    return {Action::Reject, std::move(code), std::move(reason), std::nullopt, std::move(reasonJa), {}};
  }
};

class Pipeline;

/// Budget and findings of one input's run.
class ScanContext {
 public:
  ScanContext(const Limits& limits, std::chrono::steady_clock::time_point deadline)
      : limits_(limits), deadline_(deadline) {}

  const Limits& limits() const { return limits_; }
  bool expired() const { return std::chrono::steady_clock::now() > deadline_; }
  /// Time left before the input's deadline (zero when past it).
  std::chrono::milliseconds remaining() const {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
    return std::max(left, std::chrono::milliseconds(0));
  }
  void addFinding(Finding f) { findings_.push_back(std::move(f)); }
  std::vector<Finding>& findings() { return findings_; }

  /// Counts `bytes` of container content against max_decoded_bytes.
  /// @return false when the budget is exhausted (the caller fails closed).
  [[nodiscard]] bool chargeDecoded(std::uint64_t bytes) {
    decoded_ += bytes;
    return decoded_ <= limits_.maxDecodedBytes;
  }

  /// Passwords to try on protected archives: given by the operator
  /// (--password) and found in the same message's text. Never reported.
  void addPasswords(const std::vector<std::string>& pw) {
    for (const auto& p : pw)
      if (std::find(passwords_.begin(), passwords_.end(), p) == passwords_.end()) passwords_.push_back(p);
  }
  const std::vector<std::string>& passwords() const { return passwords_; }

  /// Runs the whole pipeline on `node` (a container's entry, not yet in
  /// the tree) and its descendants, under this context's budget. Containers
  /// call this instead of calling other sanitizers (STYLE: scanNested).
  void scanNested(Node& node);

 private:
  friend class Pipeline;
  const Limits& limits_;
  std::chrono::steady_clock::time_point deadline_;
  std::vector<Finding> findings_;
  std::uint64_t decoded_ = 0;
  std::vector<std::string> passwords_;
  const Pipeline* pipeline_ = nullptr;  // set by Pipeline::run
};

/// One stage of the pipeline. Implementations live in sanitizers/<name>/.
class Sanitizer {
 public:
  virtual ~Sanitizer() = default;
  /// Registry name, e.g. "attachment_strip".
  virtual std::string_view name() const = 0;
  /// Whether run() wants this node (by kind, type, name...).
  virtual bool accepts(const Node& node) const = 0;
  /// Decides for one node. May read node.content() and its metadata.
  virtual Decision run(const Node& node, ScanContext& ctx) = 0;
};
using SanitizerPtr = std::unique_ptr<Sanitizer>;

/// Overall outcome of one input.
enum class Verdict {
  Unchanged,  ///< every node kept
  Changed,    ///< something replaced or removed (original goes to quarantine)
  Rejected,   ///< a node asked to refuse the whole message
};
std::string_view verdictName(Verdict v);
Verdict verdictOf(const Node& root);

class Pipeline {
 public:
  explicit Pipeline(std::vector<SanitizerPtr> stages) : stages_(std::move(stages)) {}

  /// Runs every stage on every node not already decided by the parser.
  void run(ParsedInput& input, ScanContext& ctx) const;
  /// The same for one subtree (ScanContext::scanNested).
  void runTree(Node& root, ScanContext& ctx) const;

 private:
  std::vector<SanitizerPtr> stages_;
};

}  // namespace mugai
