// See convert.h. The launcher: a private directory, and one program run in
// new user, network and PID namespaces with limits, killed on its deadline.
//
// Between fork and execve only async-signal-safe calls are made (mugai runs
// stages on several threads; another thread may hold malloc's lock): every
// string, the environment and the uid/gid maps are built before fork.
// Process layout:
//   mugai --fork--> launcher (own process group; unshare USER|NET|PID;
//                   writes its uid/gid map) --fork--> program (PID 1 of the
//                   new PID namespace: limits, no_new_privs, execve)
// The launcher waits for the program and exits with its status. When the
// program (the namespace's init) dies, the kernel kills everything else in
// the namespace, so nothing LibreOffice started outlives the run even if it
// left the process group; on the deadline mugai kills the whole group.
#include "sanitizers/office_cdr/convert.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/c_handles.h"

namespace mugai::sanitizers::office_cdr {
namespace {

// Steps reported back through the error pipe when the child fails before
// execve (a fixed record: step, errno).
enum Step : int { kUnshare = 1, kSetgroups, kUidMap, kGidMap, kFork, kLimits, kNoNewPrivs, kFds, kChdir, kExec };

const char* stepName(int step) {
  switch (step) {
    case kUnshare: return "unshare(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWPID)";
    case kSetgroups: return "write /proc/self/setgroups";
    case kUidMap: return "write /proc/self/uid_map";
    case kGidMap: return "write /proc/self/gid_map";
    case kFork: return "fork inside the namespaces";
    case kLimits: return "setrlimit";
    case kNoNewPrivs: return "PR_SET_NO_NEW_PRIVS";
    case kFds: return "redirecting stdin/stdout/stderr";
    case kChdir: return "chdir";
    case kExec: return "execve";
  }
  return "?";
}

struct ChildError {
  int step = 0;
  int err = 0;
};

// Everything the child needs, built before fork, in place: argv and envp
// point into the strings (a short string's bytes move with it).
struct Prepared {
  Prepared() = default;
  Prepared(const Prepared&) = delete;
  Prepared& operator=(const Prepared&) = delete;
  std::vector<std::string> argvStore, envStore;
  std::vector<char*> argv, envp;
  std::string uidMap, gidMap;
  rlimit as{}, cpu{}, fsize{}, nofile{}, core{};
};

void prepare(const ConfinedRun& run, Prepared& p) {
  p.argvStore = run.argv;
  p.envStore = {"HOME=" + run.home, "TMPDIR=" + run.home};
  for (auto& s : p.argvStore) p.argv.push_back(s.data());
  p.argv.push_back(nullptr);
  for (auto& s : p.envStore) p.envp.push_back(s.data());
  p.envp.push_back(nullptr);
  // The program keeps mugai's uid and gid inside its namespace, so what it
  // writes in the private directory is mugai's and can be removed.
  p.uidMap = std::to_string(::getuid()) + " " + std::to_string(::getuid()) + " 1\n";
  p.gidMap = std::to_string(::getgid()) + " " + std::to_string(::getgid()) + " 1\n";
  p.as = {run.memoryBytes, run.memoryBytes};
  p.cpu = {run.cpuSeconds, run.cpuSeconds};
  p.fsize = {run.fileBytes, run.fileBytes};
  p.nofile = {run.openFiles, run.openFiles};
  p.core = {0, 0};
}

[[noreturn]] void childFail(int pipeFd, int step, int exitCode) {
  const ChildError e{step, errno};
  [[maybe_unused]] ssize_t n = ::write(pipeFd, &e, sizeof e);
  ::_exit(exitCode);
}

bool writeProcFile(const char* path, const std::string& text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

constexpr int kSetupFailed = 126;

// The program, PID 1 of the new namespace. Async-signal-safe only.
[[noreturn]] void program(const Prepared& p, const ConfinedRun& run, int errFd, int inFd, int outFd) {
  // No getppid() check for a launcher that died before this line: as PID 1
  // of its namespace the program sees its parent as 0 whatever happens, and
  // the launcher only dies early by the group's SIGKILL, which reaches the
  // program too (same process group).
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ::_exit(kSetupFailed);
  if (::setrlimit(RLIMIT_AS, &p.as) != 0 || ::setrlimit(RLIMIT_CPU, &p.cpu) != 0 ||
      ::setrlimit(RLIMIT_FSIZE, &p.fsize) != 0 || ::setrlimit(RLIMIT_NOFILE, &p.nofile) != 0 ||
      ::setrlimit(RLIMIT_CORE, &p.core) != 0)
    childFail(errFd, kLimits, kSetupFailed);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) childFail(errFd, kNoNewPrivs, kSetupFailed);
  if (::dup2(inFd, 0) < 0 || ::dup2(outFd, 1) < 0 || ::dup2(outFd, 2) < 0) childFail(errFd, kFds, kSetupFailed);
  if (::chdir(run.workDir.c_str()) != 0) childFail(errFd, kChdir, kSetupFailed);
  // Nothing of mugai's but 0-2 survives execve (the error pipe is
  // close-on-exec already and reports a failed execve).
  ::syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
  ::execve(p.argv[0], p.argv.data(), p.envp.data());
  childFail(errFd, kExec, 127);
}

// The launcher: its own group, the namespaces, then the program.
[[noreturn]] void launcher(const Prepared& p, const ConfinedRun& run, int errFd, int inFd, int outFd, pid_t mugai) {
  ::setpgid(0, 0);
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != mugai) ::_exit(kSetupFailed);
  if (run.assumeNoNamespaces) {
    errno = EPERM;
    childFail(errFd, kUnshare, kSetupFailed);
  }
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWPID) != 0) childFail(errFd, kUnshare, kSetupFailed);
  if (!writeProcFile("/proc/self/setgroups", "deny")) childFail(errFd, kSetgroups, kSetupFailed);
  if (!writeProcFile("/proc/self/uid_map", p.uidMap)) childFail(errFd, kUidMap, kSetupFailed);
  if (!writeProcFile("/proc/self/gid_map", p.gidMap)) childFail(errFd, kGidMap, kSetupFailed);
  const pid_t child = ::fork();
  if (child < 0) childFail(errFd, kFork, kSetupFailed);
  if (child == 0) program(p, run, errFd, inFd, outFd);
  ::close(errFd);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0)
    if (errno != EINTR) ::_exit(kSetupFailed);
  if (WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
  // A signal is passed on as 128 + its number (what a shell does); the
  // parent tells it from a real exit by the error pipe being empty.
  ::_exit(128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
}

// Waits for `pid` to end, until `deadline`, without reaping it (WNOWAIT):
// while it is a zombie its pid, and so its group id, cannot be reused, so
// the group kill that follows cannot hit a stranger. False when the
// deadline passed first.
bool waitUntil(pid_t pid, std::chrono::steady_clock::time_point deadline) {
  auto nap = std::chrono::milliseconds(2);
  for (;;) {
    siginfo_t info{};
    const int r = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (r == 0 && info.si_pid == pid) return true;
    if (r < 0 && errno != EINTR) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(nap);
    nap = std::min(nap * 2, std::chrono::milliseconds(50));
  }
}

}  // namespace

PrivateDir::PrivateDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base == '/' ? base : "/tmp") + "/mugai-convert-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    error_ = std::string("mkdtemp: ") + std::strerror(errno);
    return;
  }
  path_ = tmpl;  // mkdtemp makes it 0700
}

PrivateDir::~PrivateDir() {
  if (path_.empty()) return;
  std::error_code ec;  // remove_all does not follow symbolic links left inside
  std::filesystem::remove_all(path_, ec);
}

RunOutcome runConfined(const ConfinedRun& run) {
  RunOutcome out;
  if (run.argv.empty() || run.argv[0].empty() || run.argv[0][0] != '/') {
    out.detail = "no program (an absolute path is required)";
    return out;
  }
  Prepared p;
  prepare(run, p);
  UniqueFd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  UniqueFd output(run.outputFile.empty() ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
                                         : ::open(run.outputFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  int pipeFds[2];
  if (!in || !output || ::pipe2(pipeFds, O_CLOEXEC) != 0) {
    out.detail = std::string("cannot prepare the run: ") + std::strerror(errno);
    return out;
  }
  UniqueFd errRead(pipeFds[0]), errWrite(pipeFds[1]);
  const pid_t mugai = ::getpid();
  const auto deadline = std::chrono::steady_clock::now() + run.timeout;
  const pid_t pid = ::fork();
  if (pid < 0) {
    out.detail = std::string("fork: ") + std::strerror(errno);
    return out;
  }
  if (pid == 0) launcher(p, run, errWrite.get(), in.get(), output.get(), mugai);
  ::setpgid(pid, pid);  // also here: the group exists before any kill below
  errWrite.reset();

  const bool ended = waitUntil(pid, deadline);
  ::kill(-pid, SIGKILL);  // whatever is left of the group, in every case
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!ended) {
    out.status = RunOutcome::Status::TimedOut;
    out.detail = "still running after " + std::to_string(run.timeout.count()) + " ms: killed";
    return out;
  }
  ChildError e;
  if (::read(errRead.get(), &e, sizeof e) == static_cast<ssize_t>(sizeof e)) {
    const bool ns = e.step >= kUnshare && e.step <= kGidMap;
    out.status = ns ? RunOutcome::Status::NoSandbox : RunOutcome::Status::Failed;
    out.detail = std::string(stepName(e.step)) + ": " + std::strerror(e.err);
    if (ns)
      out.detail = "the kernel refuses a user and network namespace (" + out.detail +
                   "): the program is not run with network access";
    return out;
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (code > 128) {
    out.status = RunOutcome::Status::Signalled;
    out.code = code - 128;
    out.detail = std::string("killed by signal ") + strsignal(out.code);
    return out;
  }
  out.status = RunOutcome::Status::Exited;
  out.code = code;
  if (code != 0) out.detail = "exit status " + std::to_string(code);
  return out;
}

bool writePrivateFile(const std::string& path, std::string_view bytes) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return false;
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd.get(), bytes.data(), bytes.size());
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool readCappedFile(const std::string& path, std::uint64_t cap, std::string& out) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) > cap) return false;
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  out = s.str();
  return static_cast<bool>(f) || f.eof();
}

}  // namespace mugai::sanitizers::office_cdr
