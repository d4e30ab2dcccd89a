// See sigs_command.h.
#include "cli/sigs_command.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "core/match/loader.h"
#include "core/match/matcher.h"
#include "sanitizers/signature_scan/signature_scan.h"

namespace mugai::cli {
namespace {

struct SigsOptions {
  CommonOptions common;
  std::vector<std::string> paths;
  bool noBuiltin = false;
  bool strict = false;
  std::string output;
  std::vector<std::string> files;
};

/// The source from the command line, or else from the config.
match::SignatureSource sourceOf(const SigsOptions& o) {
  match::SignatureSource s;
  if (o.paths.empty()) {
    const Config config = loadConfig(o.common);
    for (const auto& st : config.stages)
      if (st.name == "signature_scan" && st.options)
        s = sanitizers::signature_scan::parseOptions(*st.options, config.source).source;
  } else {
    s.paths = o.paths;
  }
  if (o.noBuiltin) s.builtin = false;
  if (o.strict) s.strict = true;
  return s;
}

match::DatabasePtr load(const SigsOptions& o, int& exitCode) {
  std::vector<match::SignatureError> warnings;
  std::string error;
  auto db = match::loadDatabase(sourceOf(o), warnings, error);
  for (const auto& w : warnings)
    std::cerr << "mugai: signature skipped (ウイルス定義を読み飛ばしました): " << w.where << ": " << w.message << "\n";
  if (!db) {
    std::cerr << "mugai: signatures (ウイルス定義): " << error << "\n";
    exitCode = kUsage;
  }
  return db;
}

void printInfo(const match::Database& db) {
  const auto i = db.info();
  std::cout << "body signatures (パターン定義): " << i.bodySignatures << "\n"
            << "hash signatures (ハッシュ定義): " << i.hashSignatures << "\n"
            << "atoms: " << i.atoms << "\n"
            << "filters: " << (i.groups.empty() ? "(none)" : i.groups) << "\n"
            << "database bytes: " << i.blobBytes << "\n"
            << "kernel: " << match::defaultKernel() << " (supported: ";
  const auto kernels = match::supportedKernels();
  for (std::size_t k = 0; k < kernels.size(); ++k) std::cout << (k ? ", " : "") << kernels[k];
  std::cout << ")\n";
}

/// Streams one file through the matcher; "" or the error.
std::string testFile(match::Matcher& m, const std::string& path, match::MatchResult& result) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read";
  std::vector<char> buf(1 << 20);
  m.begin();
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n) m.feed(std::as_bytes(std::span(buf.data(), n)));
  }
  if (in.bad()) return "read error";
  result = m.finish();
  return "";
}

}  // namespace

void addSigsCommand(CLI::App& app, int& exitCode) {
  auto o = std::make_shared<SigsOptions>();
  CLI::App* sigs = app.add_subcommand("sigs", "Compile, inspect and try signatures (ウイルス定義の管理)");
  sigs->require_subcommand(1);
  auto addSource = [&](CLI::App* cmd) {
    cmd->add_option("-c,--config", o->common.config, "Config file (its [stage.signature_scan])");
    cmd->add_flag("--no-builtin", o->noBuiltin, "Leave out the built-in sample signatures");
    cmd->add_flag("--strict", o->strict, "A malformed signature line is an error");
  };

  CLI::App* compile = sigs->add_subcommand("compile", "Compile signature files into one database (.mugai)");
  compile->add_option("paths", o->paths, ".ndb/.hdb/.hsb files or directories")->required();
  compile->add_option("-o,--output", o->output, "Database file to write")->required();
  addSource(compile);
  compile->callback([o, &exitCode] {
    const auto t0 = std::chrono::steady_clock::now();
    auto db = load(*o, exitCode);
    if (!db) return;
    std::string error;
    if (!db->save(o->output, error)) {
      std::cerr << "mugai: cannot write " << o->output << ": " << error << "\n";
      exitCode = kOutputError;
      return;
    }
    const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const auto i = db->info();
    std::cout << "compiled " << i.bodySignatures << " body and " << i.hashSignatures << " hash signatures into "
              << o->output << " (" << i.blobBytes << " bytes, " << static_cast<long>(ms) << " ms)\n";
    exitCode = kUnchanged;
  });

  CLI::App* info = sigs->add_subcommand("info", "What a signature source or database holds");
  info->add_option("paths", o->paths, "Files, directories or one .mugai database (default: the config's)");
  addSource(info);
  info->callback([o, &exitCode] {
    auto db = load(*o, exitCode);
    if (!db) return;
    printInfo(*db);
    exitCode = kUnchanged;
  });

  CLI::App* test = sigs->add_subcommand("test", "Scan files and print each signature found (like clamscan --allmatch)");
  test->add_option("-d,--database", o->paths, "Signature file, directory or .mugai database (repeatable)")
      ->allow_extra_args(false);
  test->add_option("files", o->files, "Files to scan")->required();
  addSource(test);
  test->callback([o, &exitCode] {
    auto db = load(*o, exitCode);
    if (!db) return;
    match::Matcher m(db);
    bool found = false, failed = false;
    for (const auto& f : o->files) {
      match::MatchResult r;
      if (auto error = testFile(m, f, r); !error.empty()) {
        std::cout << f << ": ERROR " << error << "\n";
        failed = true;
        continue;
      }
      for (auto sig : r.signatures) std::cout << f << ": " << db->name(sig) << " FOUND\n";
      if (r.overflow) std::cout << f << ": INCOMPLETE (too many partial matches)\n";
      if (r.signatures.empty() && !r.overflow) std::cout << f << ": OK\n";
      found = found || !r.signatures.empty() || r.overflow;
    }
    exitCode = failed ? kInputError : found ? kChanged : kUnchanged;
  });
}

}  // namespace mugai::cli
