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
// Trust: names, bytes and the shape of the tree under IN are hostile.
// Symlinks and special files are never opened (they are logged and left in
// place). IN is opened once and everything below it is reached from that
// descriptor (tree_walk.h): directories without following any symlink, so
// a folder swapped for a symlink after the walk can never make us read,
// quarantine, copy or remove a file outside IN; the original is removed by
// unlinkat on the descriptor it was read through, and only if the name
// still holds the file we read. Names reach the log only through
// logValue(), so a name with a newline cannot forge a line.
#include "cli/watch_command.h"

#include <fcntl.h>
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
#include "cli/tree_walk.h"
#include "core/c_handles.h"
#include "core/durable_file.h"
#include "core/log_escape.h"

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
  Watcher(const WatchOptions& opt, const Config& config, quarantine::QuarantineStore& store)
      : opt_(opt), config_(config), store_(store), pool_(startPool(config)),
        inRoot_(fs::absolute(opt.in).lexically_normal()), outRoot_(fs::absolute(opt.out).lexically_normal()) {}

  int run() {
    inFd_.reset(::open(inRoot_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!inFd_) throw std::runtime_error("cannot open " + inRoot_.string() + ": " + std::strerror(errno));
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
    logLine("watching " + logValue(inRoot_.string()) + " -> " + logValue(outRoot_.string()) + " (quarantine " +
            logValue(store_.location()) + ")");
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
  // Watches the directory open as `dirFd` (known as `dir`), through its
  // /proc/self/fd name so that the watch lands on the directory we reached
  // beneath IN, not on whatever `dir` names by now.
  void addWatch(int dirFd, const fs::path& dir) {
    const std::uint32_t mask =
        IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_ATTRIB | IN_ONLYDIR | IN_EXCL_UNLINK;
    const std::string self = "/proc/self/fd/" + std::to_string(dirFd);
    int wd = ::inotify_add_watch(inotify_.get(), self.c_str(), mask);
    if (wd < 0 && errno == ENOENT)  // no /proc: the path, at least not followed at its end
      wd = ::inotify_add_watch(inotify_.get(), dir.c_str(), mask | IN_DONT_FOLLOW);
    if (wd < 0) {
      logLine("error cannot watch " + logValue(dir.string()) + ": " + std::strerror(errno));
      return;
    }
    dirs_[wd] = dir;
  }

  // Finds every file under IN (and watches every directory): at start,
  // after an overflow and every --rescan seconds.
  void walk() {
    addWatch(inFd_.get(), inRoot_);
    walkFrom(inFd_.get(), "");
  }

  // Everything below the directory open as `dirFd`, IN/`base`.
  void walkFrom(int dirFd, const std::string& base) {
    walkTree(dirFd, base, [&](const TreeEntry& e) {
      if (ignoredName(e.name)) return false;
      if (e.kind == EntryKind::Directory) {
        addWatch(e.dirFd, inRoot_ / e.rel);
        return true;
      }
      if (e.kind == EntryKind::File) touch(inRoot_ / e.rel, false, true);
      return false;
    });
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
          logLine("inotify queue overflow: rescanning " + logValue(inRoot_.string()));
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
    const std::string rel = dir.lexically_relative(inRoot_).string();
    UniqueFd fd = openDirBeneath(inFd_.get(), rel);
    if (!fd) return;  // gone, or not a directory beneath IN (a symlink): nothing to watch
    addWatch(fd.get(), dir);
    walkFrom(fd.get(), rel);
  }

  // lstat of IN/`rel`, reached beneath IN without a symlink; false when it
  // is gone or not reachable that way.
  bool statBeneath(const fs::path& rel, struct stat& st) {
    UniqueFd dir = openDirBeneath(inFd_.get(), rel.parent_path().string());
    return dir && ::fstatat(dir.get(), rel.filename().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
  }

  void processReady() {
    auto now = Clock::now();
    std::vector<std::string> ready;
    for (auto& [path, p] : pending_) {
      auto quiet = now - p.lastChange;
      if (p.writing && quiet < std::chrono::seconds(opt_.staleSeconds)) continue;
      if (quiet < std::chrono::milliseconds(opt_.settleMs)) continue;
      struct stat st {};
      if (!statBeneath(fs::path(path).lexically_relative(inRoot_), st)) {
        ready.push_back(path);  // gone (or not beneath IN any more): processFile says which
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
    const fs::path rel = fs::path(path).lexically_relative(inRoot_);
    const std::string name = logValue(rel.string()), base = rel.filename().string();
    // Everything from here goes through `dir`, reached from IN's
    // descriptor without a symlink: what we read, quarantine, copy and
    // remove is the file beneath IN, even if a folder is swapped meanwhile.
    UniqueFd dir = openDirBeneath(inFd_.get(), rel.parent_path().string());
    if (!dir) {
      if (errno != ENOENT)
        logLine("skipped " + name + ": a folder on its path is not a folder beneath " + logValue(inRoot_.string()) +
                " (symlink?): not followed, left in place");
      return;  // ENOENT: removed by its owner before we got to it
    }
    UniqueFd fd;
    struct stat st {};
    if (std::string e = openFileAt(dir.get(), base, fd, st); !e.empty()) {
      if (errno != ENOENT) logLine("skipped " + name + ": " + logValue(e) + " (left in place)");
      return;
    }
    std::string bytes;
    if (std::string e = readWholeFd(fd.get(), static_cast<std::uint64_t>(st.st_size), bytes, config_.limits.maxDecodedBytes);
        !e.empty()) {
      moveAside(dir.get(), base, rel, "cannot read: " + e);
      return;
    }
    fd.reset();
    const std::int64_t mtime = mtimeNs(st);
    const std::string origin = "watch:" + rel.string() + ":" + std::to_string(mtime) + ":" + std::to_string(bytes.size());
    DropJob job{rel.string(), (outRoot_ / rel).string(), origin, true, (outRoot_ / ".mugai" / "tmp").string(), true, {},
                (inRoot_ / rel).string()};
    DropResult r = cleanBytes(job, std::move(bytes), mtime, *pool_, &store_);
    std::string why;
    for (const auto& c : r.reasons) why += (why.empty() ? " (" : ", ") + logValue(c);
    if (!why.empty()) why += ")";
    if (r.status == DropStatus::Error) {
      // Our side failed (disk full, quarantine unwritable): the file stays
      // in IN and is tried again at the next rescan.
      logLine("error " + name + ": " + logValue(r.error) + " (left in " + logValue(inRoot_.string()) + ", retried later)");
      return;
    }
    const std::string done = std::string(dropStatusName(r.status)) + " " + name + why + " -> " + logValue(r.written) +
                             " [quarantine " + logValue(r.id) + "]";
    // Output and quarantine are durable: only now does the original leave
    // IN, and only if the name still holds the file we read (a new upload
    // under the same name is cleaned on its own).
    struct stat now {};
    if (::fstatat(dir.get(), base.c_str(), &now, AT_SYMLINK_NOFOLLOW) != 0 || now.st_dev != st.st_dev ||
        now.st_ino != st.st_ino) {
      logLine(done + " (the name was replaced meanwhile; left in place)");
      return;
    }
    if (::unlinkat(dir.get(), base.c_str(), 0) != 0) {
      logLine("error " + name + ": cannot remove the original: " + std::strerror(errno));
      return;
    }
    (void)::fsync(dir.get());
    logLine(done);
  }

  // A file we cannot read (too large, permissions) would be retried for
  // ever: it moves to IN/.mugai-failed/ (hidden, never picked up again)
  // where the operator finds it. It never reaches OUT. Both ends are
  // reached by descriptors beneath IN.
  void moveAside(int dirFd, const std::string& base, const fs::path& rel, const std::string& why) {
    const fs::path target = fs::path(".mugai-failed") / rel;
    UniqueFd to = makeDirsBeneath(inFd_.get(), target.parent_path().string());
    std::string failure;
    if (!to || ::renameat(dirFd, base.c_str(), to.get(), base.c_str()) != 0) failure = std::strerror(errno);
    logLine("error " + logValue(rel.string()) + ": " + logValue(why) +
            (failure.empty() ? " (moved to " + logValue((inRoot_ / target).string()) + ")"
                             : " (could not move aside: " + failure + ")"));
  }

  const WatchOptions& opt_;
  const Config& config_;
  quarantine::QuarantineStore& store_;
  std::unique_ptr<job::Pool> pool_;  // the files are parsed in its confined workers
  fs::path inRoot_, outRoot_;
  UniqueFd inFd_, inotify_, signals_;
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
  auto owned = quarantine::openStore(config.quarantine);
  quarantine::QuarantineStore& store = *owned;
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
