// See run.h.
#include "core/job/run.h"

#include <filesystem>

#include "core/file_job.h"
#include "core/charset/charset.h"
#include "core/job/codec.h"
#include "core/mail_job.h"
#include "core/notice.h"

namespace mugai::job {
namespace {

void flatten(const ParsedInput& input, const std::vector<mugai::Finding>& findings, Result& r) {
  r.subject = input.subject;
  r.from = input.from;
  r.to = input.to;
  r.rootType = input.root->trueType();
  input.root->forEach([&](const Node& n) {
    Part p;
    p.path = n.path;
    p.filename = n.filename;
    p.type = n.declaredType;
    p.action = std::string(actionName(n.action));
    p.leaf = n.kind == NodeKind::Leaf;
    if (n.action != Action::Keep) {
      p.code = asCode(n.reasonCode);
      p.reason = n.reason;
      p.reasonJa = reasonJa(n);
      p.decidedBy = asCode(n.decidedBy);
    }
    r.parts.push_back(std::move(p));
  });
  for (const auto& f : findings) r.findings.push_back({asCode(f.code), f.detail, f.nodePath, f.critical});
}

// office_cdr renames what it rebuilds ("a.docm" becomes "a.docx"): the
// extension a file job is written under, or "" to keep the given one.
std::string newExtension(const Node& root) {
  namespace fs = std::filesystem;
  if (root.action != Action::Replace || !root.replacement || root.replacement->filename.empty()) return "";
  const std::string ext = fs::path(root.replacement->filename).extension().string();
  if (ext.empty() || ext == "." || root.filename.empty() || fs::path(root.filename).extension() == ext) return "";
  return ext;
}

// What a reader of the message would see: its text parts as the pipeline
// left them (an HTML body converted by html_to_text is text/plain now),
// in UTF-8, attachments (parts with a file name) left out.
std::string previewText(const Node& root) {
  std::string out;
  root.forEach([&](const Node& n) {
    if (n.kind != NodeKind::Leaf || out.size() >= kPreviewBytes || !n.filename.empty()) return;
    if (n.action == Action::Remove || n.action == Action::Reject) return;
    std::string_view bytes;
    std::string charset;
    if (n.action == Action::Replace && n.replacement) {
      if (n.replacement->mimeType != "text/plain" || !n.replacement->filename.empty()) return;
      bytes = n.replacement->bytes;
      charset = n.replacement->charset;
    } else {
      if (n.declaredType != "text/plain" || !n.bodyDecoded) return;
      bytes = n.decoded;
      charset = n.charset;
    }
    if (!out.empty()) out += "\n\n--------\n\n";
    out += charset::toUtf8Lossy(bytes, charset.empty() ? "us-ascii" : charset);
  });
  if (out.size() > kPreviewBytes) {
    out.resize(kPreviewBytes);
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();  // whole code points
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
  }
  return out;
}

}  // namespace

Result runJob(Request request, const Config& config, const Pipeline& pipeline) {
  Result r;
  if (request.kind == Kind::Mail) {
    const bool preview = request.policy == Policy::Preview;
    MailOutcome o = processMail(std::move(request.bytes), config, pipeline, request.id, request.passwords);
    if (preview) {  // the text, not the message
      r.id = o.id;
      r.verdict = std::string(verdictName(o.verdict));
      r.preview = previewText(*o.input.root);
      flatten(o.input, o.findings, r);
      return r;
    }
    r.id = o.id;
    r.verdict = std::string(verdictName(o.verdict));
    r.output = std::move(o.output);
    r.report = std::move(o.report);
    r.parseMs = o.timings.parseMs;
    r.sanitizeMs = o.timings.sanitizeMs;
    r.rebuildMs = o.timings.rebuildMs;
    flatten(o.input, o.findings, r);
    return r;
  }
  FileOutcome o = processFile(std::move(request.bytes), request.name, config, pipeline, request.id, request.passwords);
  r.id = o.id;
  r.verdict = std::string(verdictName(o.verdict));
  r.asMail = o.asMail;
  r.removed = o.removed;
  r.output = std::move(o.output);
  r.notice = std::move(o.notice);
  r.report = std::move(o.report);
  r.newExtension = newExtension(*o.input.root);
  flatten(o.input, o.findings, r);
  return r;
}

}  // namespace mugai::job
