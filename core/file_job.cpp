// See file_job.h.
#include "core/file_job.h"

#include <chrono>

#include "core/file_type.h"
#include "core/hash.h"
#include "core/notice.h"
#include "core/parallel.h"
#include "core/report.h"

namespace mugai {
namespace {

double msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

std::string baseName(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

ParsedInput fileTree(std::string bytes, const std::string& name) {
  ParsedInput in;
  auto root = std::make_unique<Node>();
  root->kind = NodeKind::Leaf;
  root->filename = baseName(name);
  root->extensionType = typeFromExtension(root->filename);
  // A file has no Content-Type: what its name claims is what a user's
  // desktop would believe, so the extension is the declared type.
  root->declaredType = root->extensionType.empty() ? "application/octet-stream" : root->extensionType;
  root->disposition = "attachment";
  root->decoded = std::move(bytes);
  root->bodyDecoded = true;
  in.root = std::move(root);
  in.rootIsInput = true;
  return in;
}

// A header block that mail software would read as a message: the file
// starts with "Name: value" lines and names at least two of the fields
// every message carries. libmagic calls many saved mails text/html or
// text/plain (the body decides), and they come named .txt, .msg, .raw.
bool hasMessageHeader(std::string_view bytes) {
  static constexpr std::string_view kFields[] = {"from",       "to",       "subject",      "date",
                                                 "message-id", "received", "mime-version", "return-path",
                                                 "content-type"};
  int seen = 0;
  std::size_t pos = 0;
  for (int line = 0; line < 200 && pos < bytes.size() && pos < 65536; ++line) {
    std::size_t eol = bytes.find('\n', pos);
    std::string_view l = bytes.substr(pos, eol == std::string_view::npos ? bytes.size() - pos : eol - pos);
    pos = eol == std::string_view::npos ? bytes.size() : eol + 1;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.empty()) break;                                       // end of the header block
    if (l.front() == ' ' || l.front() == '\t') continue;         // folded line
    if (line == 0 && l.rfind("From ", 0) == 0) continue;        // mbox separator
    std::size_t colon = l.find(':');
    if (colon == std::string_view::npos || colon == 0 || !validFieldName(l.substr(0, colon))) return false;
    std::string name = toLower(l.substr(0, colon));
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    for (auto f : kFields) seen += name == f;
  }
  return seen >= 2;
}

bool looksLikeMail(std::string_view bytes) {
  std::string t = trueType(bytes);
  return t == "message/rfc822" || t == "message/news" || hasMessageHeader(bytes);
}

FileOutcome fromMail(MailOutcome&& m) {
  FileOutcome o;
  o.id = std::move(m.id);
  o.verdict = m.verdict;
  o.asMail = true;
  o.removed = m.verdict == Verdict::Rejected;
  o.output = std::move(m.output);
  o.input = std::move(m.input);
  o.findings = std::move(m.findings);
  o.report = std::move(m.report);
  return o;
}

}  // namespace

// Inputs from this size on have their digest computed beside the pipeline;
// below it, handing the work over costs about what it saves.
constexpr std::size_t kBackgroundDigestBytes = 1 << 20;

FileOutcome processFile(std::string bytes, const std::string& name, const Config& config, const Pipeline& pipeline,
                        std::string id, const std::vector<std::string>& passwords) {
  if (looksLikeMail(bytes)) {
    FileOutcome o = fromMail(processMail(std::move(bytes), config, pipeline, std::move(id), passwords));
    if (o.verdict != Verdict::Unchanged)
      o.notice = noticeText(*o.input.root, config.notice, o.id, config.quarantine.enabled, NoticeSubject::File);
    o.report["source"] = "file";
    putInputName(o.report["input"], "name", name);
    o.report["processed_as"] = "mail";
    return o;
  }
  FileOutcome o;
  o.id = std::move(id);
  auto start = std::chrono::steady_clock::now();
  o.input = fileTree(std::move(bytes), name);
  ScanContext ctx(config.limits, start + config.limits.maxTime);
  ctx.addPasswords(passwords);
  if (o.input.original().size() > config.limits.maxDecodedBytes) {
    Node& root = *o.input.root;
    root.action = Action::Remove;
    root.reasonCode = "limit.decoded_bytes";
    root.reason = "file larger than max_decoded_bytes (" + std::to_string(config.limits.maxDecodedBytes) + ")";
    root.decidedBy = "limits";
  } else if (o.input.original().size() < kBackgroundDigestBytes) {
    pipeline.run(o.input, ctx);
  } else {
    // The report's digest of the input, on a free core while the pipeline
    // runs (a large archive is tens of milliseconds of SHA-256).
    std::string digest;
    {
      BackgroundFor hash(1, [&](std::size_t) { digest = sha256Hex(o.input.original()); });
      pipeline.run(o.input, ctx);
      hash.wait();
    }
    if (!o.input.root->sha256Cache) o.input.root->sha256Cache = std::move(digest);
  }
  Timings timings;
  timings.sanitizeMs = msSince(start);
  o.findings = std::move(ctx.findings());
  o.verdict = verdictOf(*o.input.root);
  const Node& root = *o.input.root;
  o.removed = root.action == Action::Remove || root.action == Action::Reject;
  // The replacement's bytes are not read again: moved, not copied.
  if (root.action == Action::Replace) o.output = std::move(o.input.root->replacement->bytes);
  else if (!o.removed) o.output = o.input.original();
  if (o.verdict != Verdict::Unchanged)
    o.notice = noticeText(root, config.notice, o.id, config.quarantine.enabled, NoticeSubject::File);
  o.report = buildReport(o.input, o.id, o.verdict, o.findings, timings, o.removed ? std::string() : o.output);
  if (o.removed) o.report.erase("output");
  o.report["source"] = "file";
  putInputName(o.report["input"], "name", name);
  o.report["processed_as"] = "file";
  return o;
}

}  // namespace mugai
