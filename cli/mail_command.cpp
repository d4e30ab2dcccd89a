// `mugai mail IN.eml [-o OUT.eml] [--report R.json] [--config C.toml]`.
// Reads one message, runs the configured pipeline, keeps the original in
// quarantine when anything changed, writes the rebuilt message and the JSON
// report, prints a one-screen summary. Input is untrusted; files are
// written durably via a temporary name and rename (core/durable_file.h).
#include "cli/mail_command.h"

#include <cstdint>
#include <iostream>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "core/display_text.h"
#include "core/mail_job.h"
#include "core/notice.h"
#include "core/quarantine/item.h"
#include "sanitizers/builtin.h"

namespace mugai::cli {
namespace {

struct MailOptions {
  std::string input;
  std::string output;
  std::string report;
  CommonOptions common;
};

std::string verdictLabel(Verdict v) {
  switch (v) {
    case Verdict::Unchanged: return "unchanged (変更なし)";
    case Verdict::Changed: return "changed (無害化済み)";
    case Verdict::Rejected: return "rejected (拒否)";
  }
  return "?";
}

void printSummary(std::ostream& os, const std::string& input, const MailOutcome& o) {
  int removed = 0, replaced = 0;
  o.input.root->forEach([&](const Node& n) {
    removed += n.action == Action::Remove;
    replaced += n.action == Action::Replace;
  });
  int parts = 0;
  o.input.root->forEach([&](const Node& n) { parts += n.kind == NodeKind::Leaf; });
  os << input << ": " << verdictLabel(o.verdict) << " — " << parts << " part(s), " << removed << " removed, "
     << replaced << " converted, " << o.findings.size() << " finding(s), id " << o.id << "\n";
  // A terminal obeys escapes and line breaks in a sender's subject or name.
  if (!o.input.subject.empty()) os << "  subject: " << maskedText(o.input.subject) << "\n";
  o.input.root->forEach([&](const Node& n) {
    if (n.action == Action::Keep) return;
    std::string ja = reasonJa(n);
    os << "  " << actionName(n.action) << " part " << (n.path.empty() ? "0" : n.path) << " "
       << (n.filename.empty() ? n.declaredType : "\"" + displayName(n.filename) + "\"") << ": "
       << maskedText(n.reason)
       << (ja.empty() ? "" : " (" + ja + ")") << "\n";
  });
  for (const auto& f : o.findings)
    if (f.critical) os << "  finding " << f.code << " at part " << (f.nodePath.empty() ? "0" : f.nodePath) << ": " << f.detail << "\n";
}

int runMail(const MailOptions& opt) {
  Config config = loadConfig(opt.common);  // ConfigError reaches main()
  Pipeline pipeline = sanitizers::builtinRegistry().build(config);

  std::string bytes;
  // No size cap here: the prescan turns an oversized message into a verdict.
  if (std::string error = readInput(opt.input, bytes, UINT64_MAX); !error.empty()) {
    std::cerr << "mugai: cannot read " << opt.input << ": " << error << " (入力を読めません)\n";
    return kInputError;
  }
  MailOutcome o = processMail(std::move(bytes), config, pipeline, newId(), opt.common.passwords);

  // The original is kept before anything is written that names its
  // quarantine id; if it cannot be kept, nothing is written (fail closed).
  if (o.verdict != Verdict::Unchanged &&
      !keepOriginal(config, quarantine::itemFor({o.id, "mail", &o.input, o.verdict, &o.findings, &o.report, "", "", {}}),
                    o.input.original()))
    return kOutputError;

  // The summary never mixes with a message or report written to stdout.
  std::ostream& summary = opt.output == "-" || opt.report == "-" ? std::cerr : std::cout;
  if (!opt.output.empty() && o.verdict != Verdict::Rejected)
    if (std::string error = writeOutput(opt.output, o.output); !error.empty()) {
      std::cerr << "mugai: cannot write " << opt.output << ": " << error << " (出力を書けません)\n";
      return kOutputError;
    }
  if (!writeReport(opt.report, o.report)) return kOutputError;
  printSummary(summary, opt.input, o);
  summary << originalLine(config, o.id, o.verdict != Verdict::Unchanged);
  switch (o.verdict) {
    case Verdict::Unchanged: return kUnchanged;
    case Verdict::Changed: return kChanged;
    case Verdict::Rejected: return kRejected;
  }
  return kInternal;
}

}  // namespace

void addMailCommand(CLI::App& app, int& exitCode) {
  auto opt = std::make_shared<MailOptions>();
  CLI::App* cmd = app.add_subcommand("mail", "Sanitize one mail message (メール1通を無害化)");
  cmd->add_option("input", opt->input, "Message file (RFC 5322 / .eml), '-' for stdin")->required();
  cmd->add_option("-o,--output", opt->output, "Write the rebuilt message here ('-' for stdout)");
  cmd->add_option("--report", opt->report, "Write the JSON report here ('-' for stdout)");
  addCommonOptions(cmd, opt->common, true);
  addPasswordOption(cmd, opt->common);
  cmd->footer(
      "Exit codes (終了コード): 0 unchanged, 1 changed or removed, 2 rejected, 3 bad usage or config,\n"
      "4 input unreadable, 5 output not written (or the original could not be quarantined), 6 internal error.");
  cmd->callback([opt, &exitCode] { exitCode = runMail(*opt); });
}

}  // namespace mugai::cli
