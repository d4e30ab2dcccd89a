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
#include "core/ids.h"

namespace mugai::cli {
namespace {

struct MailOptions {
  std::string input;
  std::string output;
  std::string report;
  CommonOptions common;
};

std::string verdictLabel(const std::string& v) {
  if (v == "unchanged") return "unchanged (変更なし)";
  if (v == "changed") return "changed (無害化済み)";
  return "rejected (拒否)";
}

void printSummary(std::ostream& os, const std::string& input, const job::Result& o) {
  int removed = 0, replaced = 0, parts = 0;
  for (const job::Part& p : o.parts) {
    removed += p.action == "remove";
    replaced += p.action == "replace";
    parts += p.leaf;
  }
  os << input << ": " << verdictLabel(o.verdict) << " — " << parts << " part(s), " << removed << " removed, "
     << replaced << " converted, " << o.findings.size() << " finding(s), id " << o.id << "\n";
  // A terminal obeys escapes and line breaks in a sender's subject or name.
  if (!o.subject.empty()) os << "  subject: " << maskedText(o.subject) << "\n";
  for (const job::Part& p : o.parts) {
    if (p.action == "keep") continue;
    os << "  " << p.action << " part " << (p.path.empty() ? "0" : p.path) << " "
       << (p.filename.empty() ? maskedText(p.type) : "\"" + displayName(p.filename) + "\"") << ": " << maskedText(p.reason)
       << (p.reasonJa.empty() ? "" : " (" + maskedText(p.reasonJa) + ")") << "\n";
  }
  for (const auto& f : o.findings)
    if (f.critical)
      os << "  finding " << f.code << " at part " << (f.nodePath.empty() ? "0" : f.nodePath) << ": " << maskedText(f.detail)
         << "\n";
}

int runMail(const MailOptions& opt) {
  Config config = loadConfig(opt.common);  // ConfigError reaches main()
  const auto pool = startPool(config);

  std::string bytes;
  // No size cap here: the prescan turns an oversized message into a verdict.
  if (std::string error = readInput(opt.input, bytes, UINT64_MAX); !error.empty()) {
    std::cerr << "mugai: cannot read " << opt.input << ": " << error << " (入力を読めません)\n";
    return kInputError;
  }
  job::Request request{job::Kind::Mail, job::Policy::Main, newId(), "", opt.common.passwords, std::move(bytes)};
  const job::Result o = pool->run(request);  // WorkerFailed reaches main(): nothing is written

  // The original is kept before anything is written that names its
  // quarantine id; if it cannot be kept, nothing is written (fail closed).
  if (o.changed() && !keepOriginal(config, job::itemFor(o, "mail", ""), request.bytes))
    return kOutputError;

  // The summary never mixes with a message or report written to stdout.
  std::ostream& summary = opt.output == "-" || opt.report == "-" ? std::cerr : std::cout;
  if (!opt.output.empty() && !o.rejected())
    if (std::string error = writeOutput(opt.output, o.output); !error.empty()) {
      std::cerr << "mugai: cannot write " << opt.output << ": " << error << " (出力を書けません)\n";
      return kOutputError;
    }
  if (!writeReport(opt.report, o.report)) return kOutputError;
  printSummary(summary, opt.input, o);
  summary << originalLine(config, o.id, o.changed());
  return o.verdict == "unchanged" ? kUnchanged : o.verdict == "changed" ? kChanged : kRejected;
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
