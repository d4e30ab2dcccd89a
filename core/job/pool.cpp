// See pool.h.
#include "core/job/pool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/c_handles.h"
#include "core/helper_path.h"

namespace mugai::job {
namespace {

using Clock = std::chrono::steady_clock;

std::string exitText(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "killed by signal " + std::to_string(sig) +
           (sig == SIGSYS    ? " (a forbidden system call)"
            : sig == SIGXCPU ? " (CPU limit)"
            : sig == SIGXFSZ ? " (it tried to write a file)"
            : sig == SIGKILL ? ""
                             : "");
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended";
}

}  // namespace

struct Pool::Worker {
  pid_t pid = -1;
  UniqueFd in, out;  // our ends of its stdin and stdout
  int jobs = 0;
  std::uint64_t generation = 0;
  int status = 0;
  bool reaped = false;

  /// Kills and reaps it; its exit status is in `status`.
  void end() {
    if (pid <= 0 || reaped) return;
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    reaped = true;
  }
  ~Worker() { end(); }

  enum class Io { Ok, Timeout, Closed, TooLarge, BadTag };
  /// Writes `send` and reads one frame back, both before `deadline`.
  Io transact(std::string_view send, Clock::time_point deadline, std::uint64_t cap, Tag& tag, std::string& payload) {
    std::size_t written = 0;
    char header[kFrameHeaderBytes];
    std::size_t got = 0;
    std::uint64_t length = 0;
    bool haveHeader = false;
    for (;;) {
      pollfd fds[2];
      int n = 0;
      if (written < send.size()) fds[n++] = {in.get(), POLLOUT, 0};
      fds[n++] = {out.get(), POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return Io::Timeout;
      const int k = ::poll(fds, static_cast<nfds_t>(n), static_cast<int>(std::min<long long>(left, 1000)));
      if (k < 0 && errno != EINTR) return Io::Closed;
      if (k <= 0) continue;
      for (int i = 0; i < n; ++i) {
        if (!fds[i].revents) continue;
        if (fds[i].fd == in.get()) {
          const ssize_t w = ::write(in.get(), send.data() + written, std::min<std::size_t>(send.size() - written, 1 << 20));
          if (w < 0 && errno != EAGAIN && errno != EINTR) return Io::Closed;  // it stopped reading: it died
          if (w > 0) written += static_cast<std::size_t>(w);
          continue;
        }
        if (!haveHeader) {
          const ssize_t r = ::read(out.get(), header + got, kFrameHeaderBytes - got);
          if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return Io::Closed;
          if (r > 0) got += static_cast<std::size_t>(r);
          if (got < kFrameHeaderBytes) continue;
          tag = parseHeader(header, length);
          if (tag == Tag::Unknown) return Io::BadTag;
          if (length > cap) return Io::TooLarge;
          haveHeader = true;
          payload.clear();
        } else {
          // Grown as bytes arrive, never to the length a worker claims.
          char buf[1 << 16];
          const ssize_t r = ::read(out.get(), buf, std::min<std::uint64_t>(sizeof buf, length - payload.size()));
          if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return Io::Closed;
          if (r > 0) payload.append(buf, static_cast<std::size_t>(r));
        }
        // A frame that ends before its input was taken whole is an answer
        // to nothing (a worker that reads a job answers after it).
        if (haveHeader && payload.size() == length) return written == send.size() ? Io::Ok : Io::BadTag;
      }
    }
  }
};

std::string workerPath() {
#ifdef MUGAI_JOB_WORKER_BUILD_PATH
  return helperProgram("mugai-job-worker", MUGAI_JOB_WORKER_BUILD_PATH);
#else
  return helperProgram("mugai-job-worker", "");
#endif
}

Setup setupFor(const Config& config) {
  return {config.source, config.texts, config.quarantine.enabled, config.quarantine.dir, config.notice.consoleKey};
}

PoolOptions optionsFor(const Config& config) {
  PoolOptions o;
  o.maxJobs = config.worker.maxJobs;
  o.timeout = std::chrono::seconds(config.worker.timeoutSeconds);
  return o;
}

Pool::Pool(Setup setup, PoolOptions options) : options_(std::move(options)), setup_(std::move(setup)) {
  if (options_.workerPath.empty()) options_.workerPath = workerPath();
  ::signal(SIGPIPE, SIG_IGN);
}

Pool::~Pool() = default;

std::unique_ptr<Pool::Worker> Pool::start(const Setup& setup, std::uint64_t generation) {
  UniqueFd inR, inW, outR, outW;
  if (!makePipe(inR, inW) || !makePipe(outR, outW))
    throw WorkerFailed("job.worker_unavailable", std::string("pipe: ") + std::strerror(errno));
  // Its stderr is /dev/null: a worker taken over by its input must not
  // write lines into our log. Sanitizer builds keep it (their reports).
#if defined(__SANITIZE_ADDRESS__) || defined(MUGAI_WORKER_STDERR)
  UniqueFd err(::fcntl(2, F_DUPFD_CLOEXEC, 3));
#else
  UniqueFd err(::open("/dev/null", O_WRONLY | O_CLOEXEC));
#endif
  // Everything the child uses is made before fork: between fork and
  // execve only async-signal-safe calls (the parent has other threads).
  const std::string path = options_.workerPath;
  char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
  char* envp[] = {nullptr};  // an empty environment
  const pid_t pid = ::fork();
  if (pid < 0) throw WorkerFailed("job.worker_unavailable", std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives its parent
    // No capability crosses execve (mugaid's unit grants
    // CAP_NET_BIND_SERVICE as an ambient capability).
    ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    sigset_t none;  // mugaid blocks its signals for a sigwait thread; the worker starts clean
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::dup2(inR.get(), 0) < 0 || ::dup2(outW.get(), 1) < 0 || ::dup2(err.get(), 2) < 0) ::_exit(127);
    ::close_range(3, ~0U, 0);  // not a client's socket, not a spool file
    ::execve(path.c_str(), argv, envp);
    ::_exit(127);
  }
  auto w = std::make_unique<Worker>();
  w->pid = pid;
  w->in = std::move(inW);
  w->out = std::move(outR);
  w->generation = generation;
  ::fcntl(w->in.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(w->out.get(), F_SETFL, O_NONBLOCK);
  const std::string payload = encodeSetup(setup);
  Tag tag = Tag::Unknown;
  std::string answer;
  const Worker::Io io =
      w->transact(frameHeader(Tag::Setup, payload.size()) + payload, Clock::now() + options_.startTimeout, 1 << 20, tag, answer);
  if (io == Worker::Io::Ok && tag == Tag::Ready) return w;
  if (io == Worker::Io::Ok && tag == Tag::Error) throw ConfigError(answer);
  w->end();
  throw WorkerFailed("job.worker_unavailable", "the job worker " + path + " did not start: " +
                                                   (io == Worker::Io::Timeout ? "no answer in time" : exitText(w->status)));
}

void Pool::check() {
  Setup setup;
  std::uint64_t generation;
  {
    std::lock_guard lock(mutex_);
    setup = setup_;
    generation = generation_;
  }
  auto w = start(setup, generation);
  std::lock_guard lock(mutex_);
  if (w->generation == generation_) idle_[std::this_thread::get_id()] = std::move(w);
}

void Pool::reconfigure(Setup setup) {
  std::unordered_map<std::thread::id, std::unique_ptr<Worker>> old;
  {
    std::lock_guard lock(mutex_);
    setup_ = std::move(setup);
    ++generation_;
    old.swap(idle_);
  }
}

std::vector<pid_t> Pool::idlePids() const {
  std::lock_guard lock(mutex_);
  std::vector<pid_t> pids;
  for (const auto& [thread, w] : idle_) pids.push_back(w->pid);
  return pids;
}

Result Pool::exchange(Worker& w, const Request& request) {
  const std::string frame = encodeRequestFrame(request);
  Tag tag = Tag::Unknown;
  std::string answer;
  const std::uint64_t cap = options_.maxResultBytes + request.bytes.size();
  const Worker::Io io = w.transact(frame, Clock::now() + options_.timeout, cap, tag, answer);
  std::string error;
  Result r;
  if (io == Worker::Io::Ok && tag == Tag::Result && decodeResult(answer, r, error) && r.id == request.id) return r;
  w.end();
  switch (io) {
    case Worker::Io::Timeout:
      throw WorkerFailed("job.worker_timeout", "the job worker did not finish within " +
                                                   std::to_string(options_.timeout.count()) + " s and was killed");
    case Worker::Io::Closed: throw WorkerFailed("job.worker_crashed", "the job worker " + exitText(w.status));
    case Worker::Io::TooLarge: throw WorkerFailed("job.worker_protocol", "the job worker's answer was too large");
    case Worker::Io::BadTag: throw WorkerFailed("job.worker_protocol", "the job worker's answer was not a frame");
    case Worker::Io::Ok: break;
  }
  if (tag == Tag::Error) throw WorkerFailed("job.worker_crashed", "the job worker failed: " + answer.substr(0, 300));
  throw WorkerFailed("job.worker_protocol",
                     "the job worker's answer was refused: " + (error.empty() ? "not a result for this job" : error));
}

Result Pool::run(const Request& request) {
  std::unique_ptr<Worker> w;
  Setup setup;
  std::uint64_t generation;
  {
    std::lock_guard lock(mutex_);
    if (auto it = idle_.find(std::this_thread::get_id()); it != idle_.end()) {
      w = std::move(it->second);
      idle_.erase(it);
    }
    setup = setup_;
    generation = generation_;
  }
  if (!w) w = start(setup, generation);
  Result r = exchange(*w, request);  // throws: `w` is killed with it
  if (++w->jobs >= options_.maxJobs) return r;  // replaced: the next job starts a fresh one
  std::lock_guard lock(mutex_);
  if (w->generation == generation_) idle_[std::this_thread::get_id()] = std::move(w);
  return r;
}

}  // namespace mugai::job
