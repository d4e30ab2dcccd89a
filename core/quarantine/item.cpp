// See item.h.
#include "core/quarantine/item.h"

#include <algorithm>

#include "core/report.h"

namespace mugai::quarantine {

Item itemFor(const RunFacts& f) {
  Item it;
  it.id = f.id;
  it.source = f.source;
  it.verdict = std::string(verdictName(f.verdict));
  it.filename = f.filename;
  if (f.envelopeRecorded) it.envelope = Envelope{f.envelopeSender, f.envelopeRecipients};
  if (f.input) {
    it.subject = f.input->subject;
    it.sender = f.envelopeSender.empty() ? f.input->from : f.envelopeSender;
    it.recipients = f.envelopeRecipients;
    if (it.recipients.empty() && !f.input->to.empty()) it.recipients.push_back(f.input->to);
    auto actions = nlohmann::json::array();
    f.input->root->forEach([&](const Node& n) {
      if (n.action == Action::Keep) return;
      it.reasons.push_back(n.reasonCode);
      nlohmann::json a{{"path", n.path.empty() ? "0" : n.path}, {"action", actionName(n.action)}, {"code", n.reasonCode}};
      if (!n.filename.empty()) a["name"] = n.filename;
      actions.push_back(std::move(a));
    });
    it.actionsJson = dumpReport(actions, false);
  }
  if (f.findings)
    for (const auto& x : *f.findings)
      if (x.critical) it.reasons.push_back(x.code);
  std::sort(it.reasons.begin(), it.reasons.end());
  it.reasons.erase(std::unique(it.reasons.begin(), it.reasons.end()), it.reasons.end());
  if (f.report) it.reportJson = dumpReport(*f.report, false);
  return it;
}

}  // namespace mugai::quarantine
