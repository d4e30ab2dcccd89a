// See mail_job.h.
#include "core/mail_job.h"

#include <chrono>
#include <stdexcept>

#include "core/charset/charset.h"
#include "core/hash.h"
#include "core/password_candidates.h"
#include "core/mime_parser.h"
#include "core/notice.h"
#include "core/rebuild.h"

namespace mugai {
namespace {
double msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

namespace {

// Password candidates from the message's own text parts (PPAP mails put the
// password in the body, or in a second mail we do not see here).
std::vector<std::string> passwordsInText(const Node& root) {
  std::vector<std::string> out;
  root.forEach([&](const Node& n) {
    if (n.kind != NodeKind::Leaf || !n.bodyDecoded || n.decoded.size() > (1 << 20)) return;
    if (n.declaredType != "text/plain" && n.declaredType != "text/html") return;
    for (auto& p : passwordCandidates(charset::decodeText(n.decoded, n.charset))) out.push_back(std::move(p));
  });
  if (out.size() > 20) out.resize(20);
  return out;
}

}  // namespace

MailOutcome processMail(std::string bytes, const Config& config, const Pipeline& pipeline, std::string id,
                        const std::vector<std::string>& passwords) {
  MailOutcome o;
  o.id = std::move(id);
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + config.limits.maxTime;

  o.input = parseMessage(std::move(bytes), config.limits, deadline);
  o.timings.parseMs = msSince(start);

  auto t = std::chrono::steady_clock::now();
  ScanContext ctx(config.limits, deadline);
  ctx.addPasswords(passwords);
  ctx.addPasswords(passwordsInText(*o.input.root));
  pipeline.run(o.input, ctx);
  o.timings.sanitizeMs = msSince(t);

  o.findings = o.input.findings;
  for (auto& f : ctx.findings()) o.findings.push_back(std::move(f));
  o.verdict = verdictOf(*o.input.root);

  t = std::chrono::steady_clock::now();
  if (o.verdict != Verdict::Rejected) {
    RebuildInfo info{o.id, o.verdict, ""};
    if (o.verdict == Verdict::Changed && config.notice.enabled)
      info.noticeUtf8 = noticeText(*o.input.root, config.notice, o.id, config.quarantine.enabled);
    o.output = rebuildMessage(o.input, info);
  }
  o.timings.rebuildMs = msSince(t);
  o.report = buildReport(o.input, o.id, o.verdict, o.findings, o.timings, o.output);
  return o;
}

}  // namespace mugai
