// `mugai watch IN --out OUT`: a drop-folder service. Files that appear
// under IN (recursively) are cleaned once they are complete; the clean
// copy (or NAME.removed.txt) appears under OUT at the same relative path,
// the original moves to quarantine (always, changed or not: 原本保管), and
// only then is it removed from IN. IN is the queue: whatever is still in
// it after a crash or restart is simply done again, and the quarantine's
// origin key (path, content hash, mtime) makes the redo a no-op there.
//
// "Complete": a file someone is writing (created or modified, not yet
// closed) waits for its close and then for --settle ms without change in
// size or mtime. Files found by a directory walk (at start, after an
// inotify overflow, every --rescan s) only need to stay unchanged for
// --settle. Hidden names (".x") and *.part / *.tmp / *.crdownload / "~"
// are uploads in progress by convention and are left alone.
//
// Trust: names and bytes under IN are hostile. Symlinks and special files
// are never opened (they are logged and left in place).
#include "cli/watch_command.h"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <unordered_map>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "cli/file_drop.h"
#include "cli/time_text.h"
#include "core/c_handles.h"
#include "core/durable_file.h"
#include "sanitizers/builtin.h"

namespace mugai::cli {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

struct WatchOptions {
  std::string in;
  std::string out;
  int settleMs = 2000;
  int rescanSeconds = 60;
  int staleSeconds = 3600;
  bool once = false;
  CommonOptions common;
};

struct Pending {
  bool writing = false;          ///< opened for writing and not yet closed
  Clock::time_point lastChange;  ///< last event or observed change
  off_t size = -1;
  std::int64_t mtime = -1;
};

bool ignoredName(const std::string& name) {
  auto endsWith = [&](std::string_view s) {
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return name.empty() || name[0] == '.' || endsWith(".part") || endsWith(".tmp") || endsWith(".crdownload") ||
         endsWith("~");
}

void logLine(const std::string& s) { std::cout << s << std::endl; }  // one line per event, for journald

class Watcher {
 public:
  Watcher(const WatchOptions& opt, const Config& config, quarantine::Store& store)
      : opt_(opt), config_(config), store_(store), pipeline_(sanitizers::builtinRegistry().build(config)),
        inRoot_(fs::absolute(opt.in).lexically_normal()), outRoot_(fs::absolute(opt.out).lexically_normal()) {}

  int run() {
    inotify_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!inotify_) throw std::runtime_error(std::string("inotify_init1: ") + std::strerror(errno));
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    ::sigprocmask(SIG_BLOCK, &mask, nullptr);
    signals_.reset(::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
    std::error_code ec;
    fs::create_directories(outRoot_ / ".mugai" / "tmp", ec);
    for (const auto& e : fs::directory_iterator(outRoot_ / ".mugai" / "tmp", ec)) fs::remove(e.path(), ec);
    walk();  // what a previous run left is done first
    auto nextRescan = Clock::now() + std::chrono::seconds(opt_.rescanSeconds);
    logLine("watching " + inRoot_.string() + " -> " + outRoot_.string() + " (quarantine " + store_.dir() + ")");
    while (!stopping_) {
      pollfd fds[2] = {{inotify_.get(), POLLIN, 0}, {signals_.get(), POLLIN, 0}};
      ::poll(fds, 2, 100);
      if (fds[1].revents & POLLIN) {
        signalfd_siginfo si;
        if (::read(signals_.get(), &si, sizeof si) > 0) {
          logLine("signal " + std::to_string(si.ssi_signo) + ": finishing and stopping");
          stopping_ = true;
        }
      }
      if (fds[0].revents & POLLIN) readEvents();
      if (Clock::now() >= nextRescan) {
        walk();
        nextRescan = Clock::now() + std::chrono::seconds(opt_.rescanSeconds);
      }
      processReady();
      if (opt_.once && pending_.empty()) break;
    }
    logLine("stopped");
    return kUnchanged;
  }

 private:
  void addWatch(const fs::path& dir) {
    int wd = ::inotify_add_watch(inotify_.get(), dir.c_str(),
                                 IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_ATTRIB | IN_ONLYDIR |
                                     IN_DONT_FOLLOW | IN_EXCL_UNLINK);
    if (wd < 0) {
      logLine("error cannot watch " + dir.string() + ": " + std::strerror(errno));
      return;
    }
    dirs_[wd] = dir;
  }

  // Finds every file under IN (and watches every directory): at start,
  // after an overflow and every --rescan seconds.
  void walk() {
    addWatch(inRoot_);
    std::error_code ec;
    for (fs::recursive_directory_iterator it(inRoot_, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (ignoredName(name)) {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (it->is_symlink(ec)) continue;
      if (it->is_directory(ec)) {
        addWatch(it->path());
        continue;
      }
      if (it->is_regular_file(ec)) touch(it->path(), false, true);
    }
  }

  void touch(const fs::path& p, bool writing, bool fromWalk) {
    auto [it, fresh] = pending_.try_emplace(p.string());
    if (fromWalk && !fresh) return;  // already known: events keep it current
    it->second.writing = writing;
    it->second.lastChange = Clock::now();
  }

  void readEvents() {
    alignas(inotify_event) char buf[64 * 1024];
    for (;;) {
      ssize_t n = ::read(inotify_.get(), buf, sizeof buf);
      if (n <= 0) return;
      for (char* p = buf; p < buf + n;) {
        auto* ev = reinterpret_cast<inotify_event*>(p);
        p += sizeof(inotify_event) + ev->len;
        if (ev->mask & IN_Q_OVERFLOW) {
          logLine("inotify queue overflow: rescanning " + inRoot_.string());
          walk();
          continue;
        }
        auto dir = dirs_.find(ev->wd);
        if (dir == dirs_.end() || ev->len == 0) continue;
        std::string name(ev->name);
        if (ignoredName(name)) continue;
        fs::path path = dir->second / name;
        if (ev->mask & IN_ISDIR) {
          if (ev->mask & (IN_CREATE | IN_MOVED_TO)) walkNewDir(path);
          continue;
        }
        if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) touch(path, false, false);
        else if (ev->mask & (IN_CREATE | IN_MODIFY)) touch(path, true, false);
        else if (ev->mask & IN_ATTRIB) touch(path, pending_[path.string()].writing, false);
      }
    }
  }

  // A directory that appears (mkdir or mv) may already hold files.
  void walkNewDir(const fs::path& dir) {
    addWatch(dir);
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (ignoredName(it->path().filename().string()) || it->is_symlink(ec)) continue;
      if (it->is_directory(ec)) addWatch(it->path());
      else if (it->is_regular_file(ec)) touch(it->path(), false, true);
    }
  }

  void processReady() {
    auto now = Clock::now();
    std::vector<std::string> ready;
    for (auto& [path, p] : pending_) {
      auto quiet = now - p.lastChange;
      if (p.writing && quiet < std::chrono::seconds(opt_.staleSeconds)) continue;
      if (quiet < std::chrono::milliseconds(opt_.settleMs)) continue;
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0) {
        ready.push_back(path);  // gone: forget it below
        continue;
      }
      std::int64_t mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
      if (st.st_size != p.size || mtime != p.mtime) {  // changed since the last look: wait again
        p.size = st.st_size;
        p.mtime = mtime;
        p.lastChange = now;
        continue;
      }
      ready.push_back(path);
    }
    for (const auto& path : ready) {
      if (stopping_) return;
      pending_.erase(path);
      processFile(path);
    }
  }

  void processFile(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return;  // removed by its owner before we got to it
    fs::path rel = fs::path(path).lexically_relative(inRoot_);
    if (!S_ISREG(st.st_mode)) {
      logLine("skipped " + rel.string() + ": not a regular file (left in place)");
      return;
    }
    std::string bytes;
    auto mtime = fileMtimeNs(path);
    if (std::string e = readWholeFile(path, bytes, config_.limits.maxDecodedBytes); !e.empty()) {
      moveAside(path, rel, "cannot read: " + e);
      return;
    }
    const std::string origin = "watch:" + rel.string() + ":" + std::to_string(mtime.value_or(0)) + ":" +
                               std::to_string(bytes.size());
    DropJob job{rel.string(), (outRoot_ / rel).string(), origin, true, (outRoot_ / ".mugai" / "tmp").string(), true, {}};
    DropResult r = cleanBytes(job, std::move(bytes), mtime, config_, pipeline_, &store_);
    std::string why;
    for (const auto& c : r.reasons) why += (why.empty() ? " (" : ", ") + c;
    if (!why.empty()) why += ")";
    if (r.status == DropStatus::Error) {
      // Our side failed (disk full, quarantine unwritable): the file stays
      // in IN and is tried again at the next rescan.
      logLine("error " + rel.string() + ": " + r.error + " (left in " + inRoot_.string() + ", retried later)");
      return;
    }
    // Output and quarantine are durable: only now does the original leave IN.
    if (::unlink(path.c_str()) != 0) {
      logLine("error " + rel.string() + ": cannot remove the original: " + std::strerror(errno));
      return;
    }
    (void)syncDirectory(fs::path(path).parent_path().string());
    logLine(std::string(dropStatusName(r.status)) + " " + rel.string() + why + " -> " + r.written + " [quarantine " +
            r.id + "]");
  }

  // A file we cannot read (too large, permissions) would be retried for
  // ever: it moves to IN/.mugai-failed/ (hidden, never picked up again)
  // where the operator finds it. It never reaches OUT.
  void moveAside(const std::string& path, const fs::path& rel, const std::string& why) {
    fs::path target = inRoot_ / ".mugai-failed" / rel;
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    fs::rename(path, target, ec);
    logLine("error " + rel.string() + ": " + why + (ec ? " (could not move aside: " + ec.message() + ")"
                                                       : " (moved to " + target.string() + ")"));
  }

  const WatchOptions& opt_;
  const Config& config_;
  quarantine::Store& store_;
  Pipeline pipeline_;
  fs::path inRoot_, outRoot_;
  UniqueFd inotify_, signals_;
  std::unordered_map<int, fs::path> dirs_;
  std::map<std::string, Pending> pending_;
  bool stopping_ = false;
};

int runWatch(const WatchOptions& opt) {
  Config config = loadConfig(opt.common);
  if (!config.quarantine.enabled) {
    std::cerr << "mugai watch: the quarantine is disabled, but watch moves every original there "
                 "(原本保管が無効です); enable [quarantine] or give --quarantine DIR\n";
    return kUsage;
  }
  std::error_code ec;
  if (!fs::is_directory(opt.in, ec)) {
    std::cerr << "mugai watch: " << opt.in << " is not a directory\n";
    return kUsage;
  }
  fs::path in = fs::absolute(opt.in).lexically_normal(), out = fs::absolute(opt.out).lexically_normal();
  auto under = [](const fs::path& a, const fs::path& b) { return (a.string() + "/").rfind(b.string() + "/", 0) == 0; };
  if (under(in, out) || under(out, in)) {
    std::cerr << "mugai watch: IN and OUT must not contain each other (入力と出力を分けてください)\n";
    return kUsage;
  }
  quarantine::Store store(config.quarantine.dir);
  Watcher w(opt, config, store);
  return w.run();
}

}  // namespace

void addWatchCommand(CLI::App& app, int& exitCode) {
  auto opt = std::make_shared<WatchOptions>();
  CLI::App* cmd = app.add_subcommand("watch", "Drop-folder service: clean files as they arrive (inotify)");
  cmd->add_option("in", opt->in, "Drop folder watched recursively (files leave it once cleaned)")->required();
  cmd->add_option("-o,--out", opt->out, "Where clean copies appear (same relative paths)")->required();
  cmd->add_option("--settle", opt->settleMs, "Milliseconds a closed file must stay unchanged (default 2000)")
      ->check(CLI::Range(0, 3'600'000));
  cmd->add_option("--rescan", opt->rescanSeconds, "Seconds between full walks of IN (default 60)")
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--stale", opt->staleSeconds,
                  "Seconds after which a file still open for writing is taken anyway (default 3600)")
      ->check(CLI::Range(1, 864000));
  cmd->add_flag("--once", opt->once, "Clean what is in IN now, then exit (for cron and tests)");
  addCommonOptions(cmd, opt->common, false);
  cmd->footer("Stops on SIGTERM/SIGINT after the file in hand. Logs one line per file to stdout (journald).");
  cmd->callback([opt, &exitCode] { exitCode = runWatch(*opt); });
}

}  // namespace mugai::cli
