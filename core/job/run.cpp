// See run.h.
#include "core/job/run.h"

#include <filesystem>

#include "core/file_job.h"
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

}  // namespace

Result runJob(Request request, const Config& config, const Pipeline& pipeline) {
  Result r;
  if (request.kind == Kind::Mail) {
    MailOutcome o = processMail(std::move(request.bytes), config, pipeline, request.id, request.passwords);
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
