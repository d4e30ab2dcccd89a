// `mugai mail IN.eml [-o OUT.eml] [--report R.json] [--config C.toml]`.
// Reads one message, runs the configured pipeline, writes the rebuilt
// message and the JSON report, prints a one-screen summary. Input is
// untrusted; files are written via a temporary name and rename so that a
// crash never leaves half a message behind.
#include "cli/mail_command.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/exit_codes.h"
#include "core/mail_job.h"
#include "core/notice.h"
#include "sanitizers/builtin.h"

namespace mugai::cli {
namespace {

struct MailOptions {
  std::string input;
  std::string output;
  std::string report;
  std::string config;
};

bool readFile(const std::string& path, std::string& out, std::string& error) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    out = ss.str();
    if (std::cin.bad()) error = "read error on standard input";
    return !std::cin.bad();
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "is a directory";
    return false;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

bool writeFileAtomic(const std::string& path, const std::string& bytes, std::string& error) {
  if (path == "-") {
    std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::cout.flush();
    return static_cast<bool>(std::cout);
  }
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f || !f.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) || !f.flush()) {
      error = std::strerror(errno);
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = std::strerror(errno);
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

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
  if (!o.input.subject.empty()) os << "  subject: " << o.input.subject << "\n";
  o.input.root->forEach([&](const Node& n) {
    if (n.action == Action::Keep) return;
    std::string ja = reasonJa(n);
    os << "  " << actionName(n.action) << " part " << (n.path.empty() ? "0" : n.path) << " "
       << (n.filename.empty() ? n.declaredType : "\"" + n.filename + "\"") << ": " << n.reason
       << (ja.empty() ? "" : " (" + ja + ")") << "\n";
  });
  for (const auto& f : o.findings)
    if (f.critical) os << "  finding " << f.code << " at part " << (f.nodePath.empty() ? "0" : f.nodePath) << ": " << f.detail << "\n";
}

int runMail(const MailOptions& opt) {
  Config config;
  if (!opt.config.empty()) config = loadConfigFile(opt.config);  // ConfigError reaches main()
  Pipeline pipeline = sanitizers::builtinRegistry().build(config);

  std::string bytes, error;
  if (!readFile(opt.input, bytes, error)) {
    std::cerr << "mugai: cannot read " << opt.input << ": " << error << " (入力を読めません)\n";
    return kInputError;
  }
  MailOutcome o = processMail(std::move(bytes), config, pipeline);

  // The summary never mixes with a message or report written to stdout.
  std::ostream& summary = opt.output == "-" || opt.report == "-" ? std::cerr : std::cout;
  if (!opt.output.empty() && o.verdict != Verdict::Rejected && !writeFileAtomic(opt.output, o.output, error)) {
    std::cerr << "mugai: cannot write " << opt.output << ": " << error << " (出力を書けません)\n";
    return kOutputError;
  }
  if (!opt.report.empty() && !writeFileAtomic(opt.report, dumpReport(o.report, true) + "\n", error)) {
    std::cerr << "mugai: cannot write report " << opt.report << ": " << error << " (レポートを書けません)\n";
    return kOutputError;
  }
  printSummary(summary, opt.input, o);
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
  cmd->add_option("-c,--config", opt->config, "TOML config (default: built-in defaults)");
  cmd->footer(
      "Exit codes (終了コード): 0 unchanged, 1 changed or removed, 2 rejected, 3 bad usage or config,\n"
      "4 input unreadable, 5 output not written, 6 internal error.");
  cmd->callback([opt, &exitCode] { exitCode = runMail(*opt); });
}

}  // namespace mugai::cli
