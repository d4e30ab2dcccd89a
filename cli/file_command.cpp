// `mugai file IN [-o OUT] [--report R.json]`: cleans one file (a ZIP, a
// document, a saved mail) with the same policy as mail and `mugai scan`,
// keeps the original in quarantine when anything changed, and writes the
// clean file, or, when the file is removed, OUT.removed.txt with the notice.
#include "cli/file_command.h"

#include <filesystem>
#include <iostream>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "core/display_text.h"
#include "core/ids.h"

namespace mugai::cli {
namespace {

struct FileOptions {
  std::string input;
  std::string output;
  std::string report;
  CommonOptions common;
};

void printSummary(std::ostream& os, const std::string& input, const job::Result& o) {
  const char* verdict = o.removed ? "removed (削除)" : o.changed() ? "changed (無害化済み)" : "unchanged (変更なし)";
  os << input << ": " << verdict << " — " << maskedText(o.rootType) << ", id " << o.id
     << (o.asMail ? " (cleaned as a mail message)" : "") << "\n";
  for (const job::Part& p : o.parts) {
    if (p.action == "keep") continue;
    os << "  " << p.action << " " << (p.filename.empty() ? maskedText(p.type) : "\"" + displayName(p.filename) + "\"")
       << ": " << maskedText(p.reason) << (p.reasonJa.empty() ? "" : " (" + maskedText(p.reasonJa) + ")") << "\n";
  }
  for (const auto& f : o.findings)
    if (f.critical) os << "  finding " << f.code << ": " << maskedText(f.detail) << "\n";
}

int runFile(const FileOptions& opt) {
  Config config = loadConfig(opt.common);
  const auto pool = startPool(config);
  std::string bytes;
  if (std::string error = readInput(opt.input, bytes, config.limits.maxDecodedBytes); !error.empty()) {
    std::cerr << "mugai: cannot read " << opt.input << ": " << error << " (入力を読めません)\n";
    return kInputError;
  }
  const std::string name = opt.input == "-" ? "stdin" : opt.input;
  job::Request request{job::Kind::File, job::Policy::Main, newId(), name, opt.common.passwords, std::move(bytes)};
  const job::Result o = pool->run(request);  // WorkerFailed reaches main(): nothing is written
  if (o.changed()) {
    quarantine::Item item = job::itemFor(o, "file", name);
    if (!o.asMail) item.subject.clear();
    if (!keepOriginal(config, std::move(item), request.bytes)) return kOutputError;
  }
  std::ostream& summary = opt.output == "-" || opt.report == "-" ? std::cerr : std::cout;
  if (!opt.output.empty()) {
    const bool toStdout = opt.output == "-";
    std::string target = o.removed && !toStdout ? opt.output + ".removed.txt" : opt.output;
    // Nothing safe to put on stdout for a removed file; the summary says why.
    const std::string notice = o.removed && !toStdout ? noticeFileText(o.notice) : std::string();
    const std::string& bytesOut = o.removed ? notice : o.output;  // the output is not copied
    if (std::string error = writeOutput(target, bytesOut); !error.empty()) {
      std::cerr << "mugai: cannot write " << target << ": " << error << " (出力を書けません)\n";
      return kOutputError;
    }
    if (o.removed && !toStdout) summary << "  notice written to " << target << "\n";
  }
  if (!writeReport(opt.report, o.report)) return kOutputError;
  printSummary(summary, opt.input, o);
  summary << originalLine(config, o.id, o.changed());
  return o.changed() ? kChanged : kUnchanged;
}

}  // namespace

void addFileCommand(CLI::App& app, int& exitCode) {
  auto opt = std::make_shared<FileOptions>();
  CLI::App* cmd = app.add_subcommand("file", "Sanitize one file: archive, document, saved mail (ファイル1つを無害化)");
  cmd->add_option("input", opt->input, "File to clean, '-' for stdin")->required();
  cmd->add_option("-o,--output", opt->output,
                  "Write the clean file here ('-' for stdout); a removed file writes OUTPUT.removed.txt instead");
  cmd->add_option("--report", opt->report, "Write the JSON report here ('-' for stdout)");
  addCommonOptions(cmd, opt->common, true);
  addPasswordOption(cmd, opt->common);
  cmd->footer(
      "Exit codes (終了コード): 0 unchanged, 1 changed or removed, 3 bad usage or config, 4 input unreadable,\n"
      "5 output not written (or the original could not be quarantined), 6 internal error.");
  cmd->callback([opt, &exitCode] { exitCode = runFile(*opt); });
}

}  // namespace mugai::cli
