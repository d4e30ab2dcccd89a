// attachment_strip: removes attachments by true type, extension and policy
// (添付ファイル削除). Runs on every leaf:
//   - a part whose true type or extension falls in a denied category goes,
//     attachment or not (an executable sent as a "text/plain" body too);
//   - attachments then follow the mode: deny (default), allow, strip_all;
//   - file-name tricks (U+202E, U+2028 and the other characters a name must
//     not show, core/display_text.h; double extensions, trailing dots, padding)
//     and declared-vs-true type mismatches are findings, and remove the part
//     when the policy says so (bidi: yes by default).
// message/rfc822 attachments are walked by the pipeline like the outer
// message, so their attachments meet the same policy. winmail.dat (TNEF)
// is treated as unscannable and removed (category "tnef").
#pragma once

#include "core/config.h"
#include "core/pipeline.h"
#include "core/sanitizer_registry.h"
#include "sanitizers/attachment_strip/policy.h"

namespace mugai::sanitizers::attachment_strip {

class AttachmentStrip final : public Sanitizer {
 public:
  explicit AttachmentStrip(Policy policy) : policy_(std::move(policy)) {}
  std::string_view name() const override { return "attachment_strip"; }
  bool accepts(const Node& node) const override { return node.kind == NodeKind::Leaf; }
  Decision run(const Node& node, ScanContext& ctx) override;

 private:
  Policy policy_;
};

/// True for a part a mail client shows as an attachment: it has a file
/// name, says "attachment", or is not text.
bool isAttachment(const Node& node);
/// True for an image shown inside the body (Content-ID or inline, no
/// "attachment" disposition).
bool isInlineImage(const Node& node);
/// Coarse family of a media type ("exe", "zip", "ole", "pdf", "text",
/// "image", ...; "" for generic types such as application/octet-stream).
std::string typeFamily(const std::string& mediaType);

/// The policy a [stage.attachment_strip] table describes (defaults for
/// missing keys). Throws ConfigError naming file and line.
Policy parsePolicy(const toml::table& table, const std::string& source);

/// Adds "attachment_strip" to `registry` ([stage.attachment_strip] keys in
/// README).
void registerFactory(SanitizerRegistry& registry);

}  // namespace mugai::sanitizers::attachment_strip
