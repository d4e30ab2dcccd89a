// `mugai scan SRC... --out DIR [--report R.jsonl] [--jobs N]`: walks files
// and directories (never following symlinks; special files are skipped and
// reported), cleans each file with the same policy as the relay, and
// writes clean copies under DIR with the same relative paths and mtimes.
// A removed file leaves NAME.removed.txt with the notice. Sources are only
// read. Every input gets one line in the JSON Lines report, skipped ones
// included, so that the report accounts for the whole tree.
//
// Trust: the names and the shape of a source tree are hostile (someone may
// swap a folder for a symlink while we run). Each source directory is
// walked and read by descriptors (tree_walk.h): a file is read only if it
// is still beneath its source, reached without any symlink. Names reach
// the log only through logValue(). Outputs, the report included, are only
// written as regular files (temporary file, rename); a FIFO, symlink or
// directory at an output name is refused (exit 5).
#include "cli/scan_command.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "cli/file_drop.h"
#include "cli/progress.h"
#include "cli/scan_state.h"
#include "cli/tree_walk.h"
#include "core/c_handles.h"
#include "core/durable_file.h"
#include "core/hash.h"
#include "core/log_escape.h"
#include "core/report.h"

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
  std::string path;  ///< as found (for the report)
  std::string rel;   ///< relative path under --out
  int root = -1;     ///< index of its source directory's descriptor (`rel` is below it); -1: a file named on the command line
  std::uint64_t size = 0;
  std::string skip;  ///< why it is not processed ("" = process)
};

bool inside(const fs::path& child, const fs::path& parent) {
  auto c = child.lexically_normal().string(), p = parent.lexically_normal().string();
  if (!p.empty() && p.back() != '/') p += '/';
  return (c + "/").rfind(p, 0) == 0;
}

// The open source directories: every file below one is reached from its
// descriptor, never again by the path the user gave.
using Roots = std::vector<UniqueFd>;

// Every input under the sources, in a stable order (names in byte order).
// The output tree is never walked even when it lies inside a source (same
// device and inode as --out).
std::vector<Input> collect(const ScanOptions& opt, const struct stat& outSt, Roots& roots, std::ostream& log) {
  std::vector<Input> inputs;
  for (const auto& src : opt.sources) {
    const std::string name = fs::path(src).filename().string();
    struct stat st {};
    if (::lstat(src.c_str(), &st) != 0) {
      inputs.push_back({src, name, -1, 0, std::string("cannot read: ") + std::strerror(errno)});
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      std::string why = S_ISREG(st.st_mode) ? "" : notRegularReason(st.st_mode);
      inputs.push_back({src, name, -1, why.empty() ? static_cast<std::uint64_t>(st.st_size) : 0, why});
      continue;
    }
    UniqueFd dir(::open(src.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) {
      const std::string why = std::strerror(errno);
      log << "mugai scan: cannot open " << logValue(src) << ": " << why << "\n";
      inputs.push_back({src, name, -1, 0, "cannot read: " + why});
      continue;
    }
    const int root = static_cast<int>(roots.size());
    const std::string base = fs::path(src).lexically_normal().string();
    walkTree(dir.get(), "", [&](const TreeEntry& e) {
      const std::string path = (fs::path(base) / e.rel).string();
      switch (e.kind) {
        case EntryKind::Directory:
          return !(e.st.st_dev == outSt.st_dev && e.st.st_ino == outSt.st_ino);
        case EntryKind::File:
          inputs.push_back({path, e.rel, root, static_cast<std::uint64_t>(e.st.st_size), ""});
          return false;
        case EntryKind::Skipped:
        case EntryKind::Error:
          inputs.push_back({path, e.rel, root, 0, e.why});
          return false;
      }
      return false;
    });
    roots.push_back(std::move(dir));
  }
  return inputs;
}

// Opens the input for reading: from its source directory's descriptor,
// through directories reached without a symlink, the file itself without
// following one. "" or why not.
std::string openInput(const Roots& roots, const Input& in, UniqueFd& fd, struct stat& st) {
  const fs::path p = in.root < 0 ? fs::path(in.path) : fs::path(in.rel);
  UniqueFd parent;
  if (in.root < 0) {
    // A file named on the command line: the user chose that path.
    std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
    parent.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  } else {
    parent = openDirBeneath(roots[static_cast<std::size_t>(in.root)].get(), p.parent_path().string());
  }
  if (!parent) {
    if (errno == ELOOP || errno == EXDEV || errno == ENOTDIR)
      return "a folder on its path is no longer a folder beneath the source (symlink?): not followed";
    return std::strerror(errno);
  }
  return openFileAt(parent.get(), p.filename().string(), fd, st);
}

// The JSON Lines report: lines go to a temporary file beside it, which
// becomes the report at the end (StagedFile); "-" is standard output.
class ReportWriter {
 public:
  /// "" or why the report cannot be written (a FIFO or symlink there...).
  std::string open(const std::string& path) {
    path_ = path;
    if (path.empty() || path == "-") return "";
    return file_.open(path);
  }
  void line(const nlohmann::json& j) {
    if (path_.empty()) return;
    std::string text = dumpReport(j, false) + "\n";
    std::lock_guard lock(mutex_);
    if (path_ == "-") {
      std::cout << text;
    } else if (error_.empty()) {
      error_ = file_.append(text);
    }
  }
  /// Puts the report in place: "" or the error.
  std::string finish() {
    if (path_.empty()) return "";
    if (path_ == "-") return std::cout.flush() ? "" : "write error on standard output";
    return error_.empty() ? file_.commit() : error_;
  }

 private:
  std::mutex mutex_;
  std::string path_, error_;
  StagedFile file_;
};

struct Shared {
  const ScanOptions& opt;
  const Roots& roots;
  const Config& config;
  quarantine::QuarantineStore* store;
  ScanState& state;
  ReportWriter& report;
  Summary& summary;
  Tally& tally;
  bool tty;
  std::string tmpDir;
  std::mutex logMutex;
  std::atomic<std::size_t> outputFailures{0};  ///< files whose output or original could not be written
};

void logLine(Shared& sh, const std::string& text) {
  if (sh.tty) return;  // the progress line speaks on a terminal
  std::lock_guard lock(sh.logMutex);
  std::cerr << text << "\n";
}

void finish(Shared& sh, const Input& in, const std::string& status, nlohmann::json line,
            const std::vector<std::string>& reasons) {
  sh.summary.add(status, reasons);
  line["path"] = in.path;  // JSON escapes any byte: no logValue here
  line["rel"] = in.rel;
  line["status"] = status;
  sh.report.line(line);
  sh.tally.filesDone++;
  sh.tally.bytesDone += in.size;
}

void processOne(Shared& sh, job::Pool& pool, const Input& in) {
  const std::string name = logValue(in.rel);
  if (!in.skip.empty()) {
    logLine(sh, "skipped " + name + ": " + logValue(in.skip));
    finish(sh, in, in.skip.rfind("cannot", 0) == 0 ? "error" : "skipped", {{"reason", in.skip}}, {});
    return;
  }
  const std::string output = (fs::path(sh.opt.out) / in.rel).string();
  std::string bytes;
  UniqueFd fd;
  struct stat st {};
  std::string e = openInput(sh.roots, in, fd, st);
  if (e.empty()) e = readWholeFd(fd.get(), static_cast<std::uint64_t>(st.st_size), bytes, sh.config.limits.maxDecodedBytes);
  if (!e.empty()) {
    logLine(sh, "error " + name + ": " + logValue("cannot read: " + e));
    finish(sh, in, "error", {{"error", "cannot read: " + e}}, {});
    return;
  }
  fd.reset();
  const std::int64_t mtime = mtimeNs(st);
  const std::string sha = sha256Hex(bytes);
  if (!sh.opt.force)
    if (auto id = sh.state.doneId(in.rel, sha); id && (fs::exists(output) || fs::exists(output + ".removed.txt") ||
                                                       fs::exists(macroFreeOutput(output)) ||
                                                       fs::exists(output + fs::path(macroFreeOutput(output)).extension().string()))) {
      logLine(sh, "skipped " + name + ": " + logValue("already done as " + *id));
      finish(sh, in, "skipped", {{"reason", "already done (same content)"}, {"id", *id}, {"sha256", sha}}, {});
      return;
    }
  // Sources stay where they are, so outputs need not be durable one by
  // one: ScanState syncs them in groups before it records them (sync=false).
  DropJob job{in.rel, output, "scan:" + fs::absolute(in.path).lexically_normal().string() + ":" + sha, false,
              sh.tmpDir, false, sh.opt.common.passwords, in.path};
  DropResult r = cleanBytes(job, std::move(bytes), mtime, pool, sh.store);
  std::string status(dropStatusName(r.status));
  nlohmann::json line{{"id", r.id}, {"sha256", sha}, {"size", r.size}};
  if (!r.written.empty() && r.status != DropStatus::Error) line["output"] = r.written;
  if (r.quarantined) line["quarantine_id"] = r.id;
  if (!r.reasons.empty()) line["reasons"] = r.reasons;
  if (!r.error.empty()) line["error"] = r.error;
  if (!r.report.is_null()) line["report"] = r.report;
  if (r.outputFailed) sh.outputFailures++;
  if (r.status != DropStatus::Error) {
    try {
      sh.state.record(in.rel, sha, status, r.id);
    } catch (const std::exception& x) {
      line["warning"] = x.what();  // the file is done; a rerun will only redo it
    }
  }
  std::string why;
  for (const auto& c : r.reasons) why += (why.empty() ? " (" : ", ") + logValue(c);
  if (!why.empty()) why += ")";
  logLine(sh, status + " " + name + why + (r.error.empty() ? "" : ": " + logValue(r.error)));
  finish(sh, in, status, std::move(line), r.reasons);
}

int runScan(const ScanOptions& opt) {
  Config config = loadConfig(opt.common);
  // Every file is parsed in a confined job worker (core/job/pool.h); a bad
  // stage option fails here, when the first worker builds the pipeline.
  const auto pool = startPool(config);
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
  // O_NOFOLLOW|O_NONBLOCK: a symlink or FIFO planted there is neither followed nor waited on.
  UniqueFd lock(::open((work / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0640));
  if (!lock) {
    std::cerr << "mugai scan: cannot open " << logValue((work / "lock").string()) << ": " << std::strerror(errno) << "\n";
    return kOutputError;
  }
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    std::cerr << "mugai scan: another scan is writing " << opt.out << " (別の scan が実行中です)\n";
    return kUsage;
  }
  for (const auto& e : fs::directory_iterator(work / "tmp", ec)) fs::remove(e.path(), ec);
  std::unique_ptr<quarantine::QuarantineStore> store;
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
    if (std::string root = store->deferredSyncRoot(); !root.empty()) syncRoots.push_back(root);
  }
  ScanState state((outAbs / ".mugai" / "scan-state.sqlite").string(), syncRoots);
  ReportWriter report;
  if (std::string e = report.open(opt.report); !e.empty()) {
    std::cerr << "mugai scan: cannot write report " << logValue(opt.report) << ": " << e << " (レポートを書けません)\n";
    return kOutputError;
  }
  Summary summary;
  Tally tally;

  const bool tty = ::isatty(STDERR_FILENO) == 1;
  struct stat outSt {};
  if (::stat(outAbs.c_str(), &outSt) != 0) {
    std::cerr << "mugai scan: cannot stat " << opt.out << ": " << std::strerror(errno) << "\n";
    return kOutputError;
  }
  Roots roots;
  std::vector<Input> inputs = collect(opt, outSt, roots, std::cerr);
  tally.filesTotal = inputs.size();
  for (const auto& in : inputs) tally.bytesTotal += in.size;
  Shared sh{opt, roots, config, store.get(), state, report, summary, tally, tty, (work / "tmp").string(), {}, {}};

  unsigned jobs = opt.jobs ? opt.jobs : std::max(1u, std::thread::hardware_concurrency());
  auto start = std::chrono::steady_clock::now();
  std::optional<ProgressLine> progress;
  if (tty) progress.emplace(std::cerr, tally);
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < jobs; ++w)
    workers.emplace_back([&] {
      // Each thread runs its files on a job worker of its own.
      for (std::size_t i; (i = next++) < inputs.size();) {
        try {
          processOne(sh, *pool, inputs[i]);
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
  std::ostream& out = opt.report == "-" ? std::cerr : std::cout;  // stdout carries the report then
  summary.print(out, secs, tally.bytesDone);
  if (store) out << "Originals of changed and removed files: " << store->location() << " (原本の保管先)\n";
  if (std::string e = report.finish(); !e.empty()) {
    std::cerr << "mugai scan: the report " << logValue(opt.report) << " could not be written: " << e << "\n";
    return kOutputError;
  }
  if (sh.outputFailures > 0) return kOutputError;
  if (summary.count("error") > 0) return kInputError;
  return summary.count("changed") + summary.count("removed") > 0 ? kChanged : kUnchanged;
}

}  // namespace

void addScanCommand(CLI::App& app, int& exitCode) {
  auto opt = std::make_shared<ScanOptions>();
  CLI::App* cmd = app.add_subcommand("scan", "Sanitize files and directory trees (ファイル無害化)");
  cmd->add_option("sources", opt->sources, "Files and directories to clean (only read, never changed)")->required();
  cmd->add_option("-o,--out", opt->out, "Directory for the clean copies (same relative paths)")->required();
  cmd->add_option("--report", opt->report,
                  "Write a JSON Lines report here, one object per input ('-' = stdout; the file appears when the "
                  "scan ends)");
  cmd->add_option("-j,--jobs", opt->jobs, "Parallel workers (default: the number of cores)");
  cmd->add_flag("--force", opt->force, "Redo files already done with the same content");
  addCommonOptions(cmd, opt->common, true);
  addPasswordOption(cmd, opt->common);
  cmd->footer(
      "Exit codes (終了コード): 0 every file unchanged (or already done), 1 something changed or removed,\n"
      "3 bad usage or config, 4 some inputs could not be processed (see the report), 5 output or quarantine\n"
      "not writable (also: a FIFO, symlink or directory where an output or the report goes), 6 internal error.");
  cmd->callback([opt, &exitCode] { exitCode = runScan(*opt); });
}

}  // namespace mugai::cli
