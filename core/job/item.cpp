// See job.h: the quarantine index row of a finished job.
#include <algorithm>

#include "core/job/job.h"

namespace mugai::job {

quarantine::Item itemFor(const Result& r, const std::string& source, const std::string& filename,
                         const std::string& envelopeFrom, const std::vector<std::string>& envelopeTo,
                         bool envelopeRecorded) {
  quarantine::Item it;
  it.id = r.id;
  it.source = source;
  it.verdict = r.verdict;
  it.filename = filename;
  if (envelopeRecorded) it.envelope = quarantine::Envelope{envelopeFrom, envelopeTo};
  it.subject = r.subject;
  it.sender = envelopeFrom.empty() ? r.from : envelopeFrom;
  it.recipients = envelopeTo;
  if (it.recipients.empty() && !r.to.empty()) it.recipients.push_back(r.to);
  auto actions = nlohmann::json::array();
  for (const Part& p : r.parts) {
    if (p.action == "keep") continue;
    it.reasons.push_back(p.code);
    nlohmann::json a{{"path", p.path.empty() ? "0" : p.path}, {"action", p.action}, {"code", p.code}};
    if (!p.filename.empty()) a["name"] = p.filename;
    actions.push_back(std::move(a));
  }
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  it.actionsJson = actions.dump(-1, ' ', false, kReplace);
  for (const Finding& f : r.findings)
    if (f.critical) it.reasons.push_back(f.code);
  std::sort(it.reasons.begin(), it.reasons.end());
  it.reasons.erase(std::unique(it.reasons.begin(), it.reasons.end()), it.reasons.end());
  if (!r.report.is_null()) it.reportJson = r.report.dump(-1, ' ', false, kReplace);
  return it;
}

}  // namespace mugai::job
