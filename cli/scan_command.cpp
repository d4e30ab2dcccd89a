// `mugai scan SRC... --out DIR [--report R.jsonl] [--jobs N]`: walks files
// and directories (never following symlinks; special files are skipped and
// reported), cleans each file with the same policy as the relay, and
// writes clean copies under DIR with the same relative paths and mtimes.
// A removed file leaves NAME.removed.txt with the notice. Sources are only
// read. Every input gets one line in the JSON Lines report, skipped ones
// included, so that the report accounts for the whole tree.
#include "cli/scan_command.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "cli/file_drop.h"
#include "cli/progress.h"
#include "cli/scan_state.h"
#include "core/c_handles.h"
#include "core/durable_file.h"
#include "core/hash.h"
#include "core/report.h"
#include "sanitizers/builtin.h"

namespace mugai::cli {
namespace fs = std::filesystem;
namespace {

struct ScanOptions {
  std::vector<std::string> sources;
  std::string out;
  std::string report;
  unsigned jobs = 0;
  bool force = false;
  CommonOptions common;
};

struct Input {
  std::string path;  ///< as found
  std::string rel;   ///< relative path under --out
  std::uint64_t size = 0;
  std::string skip;  ///< why it is not processed ("" = process)
};

// Why a directory entry is not a file we clean, or "".
std::string skipReason(const fs::directory_entry& e) {
  std::error_code ec;
  auto st = e.symlink_status(ec);
  if (ec) return "cannot stat: " + ec.message();
  if (fs::is_symlink(st)) return "symlink (not followed)";
  if (fs::is_regular_file(st)) return "";
  if (fs::is_fifo(st)) return "special file (FIFO)";
  if (fs::is_socket(st)) return "special file (socket)";
  if (fs::is_block_file(st) || fs::is_character_file(st)) return "special file (device)";
  return "special file";
}

bool inside(const fs::path& child, const fs::path& parent) {
  auto c = child.lexically_normal().string(), p = parent.lexically_normal().string();
  if (!p.empty() && p.back() != '/') p += '/';
  return (c + "/").rfind(p, 0) == 0;
}

// Every input under the sources, in a stable order. The output tree is
// never walked even when it lies inside a source.
std::vector<Input> collect(const ScanOptions& opt, const fs::path& outAbs, std::ostream& log) {
  std::vector<Input> inputs;
  for (const auto& src : opt.sources) {
    std::error_code ec;
    fs::directory_entry top(src, ec);
    auto st = top.symlink_status(ec);
    if (ec || !fs::exists(st)) {
      inputs.push_back({src, fs::path(src).filename().string(), 0, "cannot read: " + (ec ? ec.message() : "no such file")});
      continue;
    }
    if (!fs::is_directory(st)) {
      std::string why = skipReason(top);
      inputs.push_back({src, fs::path(src).filename().string(), why.empty() ? top.file_size(ec) : 0, why});
      continue;
    }
    fs::path base = fs::absolute(src).lexically_normal();
    fs::recursive_directory_iterator it(src, fs::directory_options::none, ec), end;
    if (ec) log << "mugai scan: cannot open " << src << ": " << ec.message() << "\n";
    for (; !ec && it != end; it.increment(ec)) {
      fs::path abs = fs::absolute(it->path()).lexically_normal();
      if (inside(abs, outAbs)) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_directory(ec) && !it->is_symlink(ec)) continue;
      std::string rel = abs.lexically_relative(base).string();
      std::string why = skipReason(*it);
      inputs.push_back({it->path().string(), rel, why.empty() ? it->file_size(ec) : 0, why});
    }
    if (ec) log << "mugai scan: walking " << src << " stopped: " << ec.message() << "\n";
  }
  return inputs;
}

class ReportWriter {
 public:
  explicit ReportWriter(const std::string& path) {
    if (path.empty()) return;
    out_.open(path, std::ios::binary | std::ios::trunc);
    if (!out_) throw std::runtime_error("cannot write report " + path + ": " + std::strerror(errno));
  }
  void line(const nlohmann::json& j) {
    if (!out_.is_open()) return;
    std::lock_guard lock(mutex_);
    out_ << dumpReport(j, false) << "\n";
  }
  bool ok() { return !out_.is_open() || static_cast<bool>(out_.flush()); }

 private:
  std::mutex mutex_;
  std::ofstream out_;
};

struct Shared {
  const ScanOptions& opt;
  const Config& config;
  quarantine::Store* store;
  ScanState& state;
  ReportWriter& report;
  Summary& summary;
  Tally& tally;
  bool tty;
  std::string tmpDir;
  std::mutex logMutex;
};

void logLine(Shared& sh, const std::string& text) {
  if (sh.tty) return;  // the progress line speaks on a terminal
  std::lock_guard lock(sh.logMutex);
  std::cerr << text << "\n";
}

void finish(Shared& sh, const Input& in, const std::string& status, nlohmann::json line,
            const std::vector<std::string>& reasons) {
  sh.summary.add(status, reasons);
  line["path"] = in.path;
  line["rel"] = in.rel;
  line["status"] = status;
  sh.report.line(line);
  sh.tally.filesDone++;
  sh.tally.bytesDone += in.size;
}

void processOne(Shared& sh, const Pipeline& pipeline, const Input& in) {
  if (!in.skip.empty()) {
    logLine(sh, "skipped " + in.rel + ": " + in.skip);
    finish(sh, in, in.skip.rfind("cannot", 0) == 0 ? "error" : "skipped", {{"reason", in.skip}}, {});
    return;
  }
  const std::string output = (fs::path(sh.opt.out) / in.rel).string();
  std::string bytes;
  auto mtime = fileMtimeNs(in.path);
  if (std::string e = readWholeFile(in.path, bytes, sh.config.limits.maxDecodedBytes); !e.empty()) {
    logLine(sh, "error " + in.rel + ": cannot read: " + e);
    finish(sh, in, "error", {{"error", "cannot read: " + e}}, {});
    return;
  }
  const std::string sha = sha256Hex(bytes);
  if (!sh.opt.force)
    if (auto id = sh.state.doneId(in.rel, sha); id && (fs::exists(output) || fs::exists(output + ".removed.txt"))) {
      logLine(sh, "skipped " + in.rel + ": already done as " + *id);
      finish(sh, in, "skipped", {{"reason", "already done (same content)"}, {"id", *id}, {"sha256", sha}}, {});
      return;
    }
  // Sources stay where they are, so outputs need not be durable one by
  // one: ScanState syncs them in groups before it records them (sync=false).
  DropJob job{in.rel, output, "scan:" + fs::absolute(in.path).lexically_normal().string() + ":" + sha, false,
              sh.tmpDir, false, sh.opt.common.passwords};
  DropResult r = cleanBytes(job, std::move(bytes), mtime, sh.config, pipeline, sh.store);
  std::string status(dropStatusName(r.status));
  nlohmann::json line{{"id", r.id}, {"sha256", sha}, {"size", r.size}};
  if (!r.written.empty() && r.status != DropStatus::Error) line["output"] = r.written;
  if (r.quarantined) line["quarantine_id"] = r.id;
  if (!r.reasons.empty()) line["reasons"] = r.reasons;
  if (!r.error.empty()) line["error"] = r.error;
  if (!r.report.is_null()) line["report"] = r.report;
  if (r.status != DropStatus::Error) {
    try {
      sh.state.record(in.rel, sha, status, r.id);
    } catch (const std::exception& e) {
      line["warning"] = e.what();  // the file is done; a rerun will only redo it
    }
  }
  std::string why;
  for (const auto& c : r.reasons) why += (why.empty() ? " (" : ", ") + c;
  if (!why.empty()) why += ")";
  logLine(sh, status + " " + in.rel + why + (r.error.empty() ? "" : ": " + r.error));
  finish(sh, in, status, std::move(line), r.reasons);
}

int runScan(const ScanOptions& opt) {
  Config config = loadConfig(opt.common);
  auto registry = sanitizers::builtinRegistry();
  registry.build(config);  // a bad stage option fails here, before any work
  fs::path outAbs = fs::absolute(opt.out).lexically_normal();
  for (const auto& src : opt.sources)
    if (inside(fs::absolute(src).lexically_normal(), outAbs)) {
      std::cerr << "mugai scan: source " << src << " lies inside --out " << opt.out
                << " (入力が出力先の中にあります)\n";
      return kUsage;
    }
  // OUT/.mugai holds our state, the lock and the temporary files. Only one
  // scan writes an output tree at a time; what a killed run left in tmp/
  // is half-written and goes.
  const fs::path work = outAbs / ".mugai";
  std::error_code ec;
  fs::create_directories(work / "tmp", ec);
  if (ec) {
    std::cerr << "mugai scan: cannot create " << (work / "tmp").string() << ": " << ec.message() << "\n";
    return kOutputError;
  }
  UniqueFd lock(::open((work / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
  if (!lock || ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    std::cerr << "mugai scan: another scan is writing " << opt.out << " (別の scan が実行中です)\n";
    return kUsage;
  }
  for (const auto& e : fs::directory_iterator(work / "tmp", ec)) fs::remove(e.path(), ec);
  std::unique_ptr<quarantine::Store> store;
  try {
    store = openStore(config);
  } catch (const quarantine::StoreError& e) {
    std::cerr << "mugai scan: cannot open the quarantine (隔離保管を開けません): " << e.what()
              << "\n  use --quarantine DIR, or --no-quarantine to leave originals only in the source\n";
    return kOutputError;
  }
  std::vector<std::string> syncRoots{outAbs.string()};
  if (store) {
    store->setDeferredSync(true);  // synced in groups by ScanState, before files are recorded as done
    syncRoots.push_back(store->dir());
  }
  ScanState state((outAbs / ".mugai" / "scan-state.sqlite").string(), syncRoots);
  ReportWriter report(opt.report);
  Summary summary;
  Tally tally;

  const bool tty = ::isatty(STDERR_FILENO) == 1;
  std::vector<Input> inputs = collect(opt, outAbs, std::cerr);
  tally.filesTotal = inputs.size();
  for (const auto& in : inputs) tally.bytesTotal += in.size;
  Shared sh{opt, config, store.get(), state, report, summary, tally, tty, (work / "tmp").string(), {}};

  unsigned jobs = opt.jobs ? opt.jobs : std::max(1u, std::thread::hardware_concurrency());
  auto start = std::chrono::steady_clock::now();
  std::optional<ProgressLine> progress;
  if (tty) progress.emplace(std::cerr, tally);
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < jobs; ++w)
    workers.emplace_back([&] {
      // One pipeline per worker: sanitizers may keep per-instance scratch.
      Pipeline pipeline = registry.build(config);
      for (std::size_t i; (i = next++) < inputs.size();) {
        try {
          processOne(sh, pipeline, inputs[i]);
        } catch (const std::exception& e) {  // an internal failure of one file never ends the scan
          finish(sh, inputs[i], "error", {{"error", std::string("internal error: ") + e.what()}}, {});
        }
      }
    });
  for (auto& t : workers) t.join();
  try {
    state.flush();
  } catch (const std::exception& e) {
    std::cerr << "mugai scan: " << e.what() << " (the next run redoes the unrecorded files)\n";
  }
  if (progress) progress->stop();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.print(std::cout, secs, tally.bytesDone);
  if (store) std::cout << "Originals of changed and removed files: " << store->dir() << " (原本の保管先)\n";
  if (!report.ok()) {
    std::cerr << "mugai scan: the report " << opt.report << " could not be written completely\n";
    return kOutputError;
  }
  if (summary.count("error") > 0) return kInputError;
  return summary.count("changed") + summary.count("removed") > 0 ? kChanged : kUnchanged;
}

}  // namespace

void addScanCommand(CLI::App& app, int& exitCode) {
  auto opt = std::make_shared<ScanOptions>();
  CLI::App* cmd = app.add_subcommand("scan", "Sanitize files and directory trees (ファイル無害化)");
  cmd->add_option("sources", opt->sources, "Files and directories to clean (only read, never changed)")->required();
  cmd->add_option("-o,--out", opt->out, "Directory for the clean copies (same relative paths)")->required();
  cmd->add_option("--report", opt->report, "Write a JSON Lines report here, one object per input");
  cmd->add_option("-j,--jobs", opt->jobs, "Parallel workers (default: the number of cores)");
  cmd->add_flag("--force", opt->force, "Redo files already done with the same content");
  addCommonOptions(cmd, opt->common, true);
  addPasswordOption(cmd, opt->common);
  cmd->footer(
      "Exit codes (終了コード): 0 every file unchanged (or already done), 1 something changed or removed,\n"
      "3 bad usage or config, 4 some inputs could not be processed (see the report), 5 output or quarantine\n"
      "not writable, 6 internal error.");
  cmd->callback([opt, &exitCode] { exitCode = runScan(*opt); });
}

}  // namespace mugai::cli
