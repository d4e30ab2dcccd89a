// See worker_process.h.
#include "sanitizers/pdf_rerender/worker_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>

#include "core/broker.h"
#include "sanitizers/pdf_rerender/worker_protocol.h"

namespace mugai::sanitizers::pdf_rerender {
namespace {

std::string firstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

bool spawn(Worker& w, const std::string& path, const std::vector<std::string>& args) {
  UniqueFd inR, inW, outR, outW, errR, errW;
  if (!makePipe(inR, inW) || !makePipe(outR, outW) || !makePipe(errR, errW)) return false;
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  char* envp[] = {const_cast<char*>("PATH=/usr/bin:/bin"), nullptr};
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed mugai leaves no renderer behind
    if (::dup2(inR.get(), 0) < 0 || ::dup2(outW.get(), 1) < 0 || ::dup2(errW.get(), 2) < 0) ::_exit(127);
    // Nothing else of ours reaches the renderer: not a client's socket, not
    // a spool file, whatever flags they were opened with.
    ::close_range(3, ~0U, 0);
    ::execve(path.c_str(), argv.data(), envp);
    ::_exit(127);
  }
  w.pid = pid;
  w.in = std::move(inW);
  w.out = std::move(outR);
  w.err = std::move(errR);
  ::fcntl(w.in.get(), F_SETFL, O_NONBLOCK);
  return true;
}

std::vector<std::string> workerArgs(const RenderOptions& o, int stride, int offset) {
  return {"--dpi", std::to_string(o.dpi), "--max-pages", std::to_string(o.maxPages), "--max-page-pixels",
          std::to_string(o.maxPagePixels), "--max-total-pixels", std::to_string(o.maxTotalPixels), "--flate-level",
          std::to_string(o.flateLevel), "--stride", std::to_string(stride), "--offset", std::to_string(offset),
          "--photo", o.jpegQuality > 0 ? "1" : "0", "--vector", o.vector ? "1" : "0",
          "--memory-mb", std::to_string(o.memoryBytes >> 20), "--cpu-seconds", std::to_string(o.timeoutSeconds + 1)};
}

bool pump(std::vector<Worker>& ws, std::chrono::steady_clock::time_point deadline, std::uint64_t outputCap) {
  char buf[1 << 16];
  while (true) {
    std::vector<pollfd> fds;
    std::vector<std::pair<Worker*, int>> who;  // 0 stdin, 1 stdout, 2 stderr
    for (auto& w : ws) {
      if (w.in) fds.push_back({w.in.get(), POLLOUT, 0}), who.push_back({&w, 0});
      if (w.out) fds.push_back({w.out.get(), POLLIN, 0}), who.push_back({&w, 1});
      if (w.err) fds.push_back({w.err.get(), POLLIN, 0}), who.push_back({&w, 2});
    }
    if (fds.empty()) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) return false;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      auto& [w, which] = who[i];
      if (which == 0) {
        const ssize_t k = ::write(w->in.get(), w->input.data() + w->written, w->input.size() - w->written);
        if (k > 0) w->written += static_cast<std::size_t>(k);
        if (k < 0 && errno != EAGAIN) w->in.reset();  // the worker stopped reading (it failed; we learn why below)
        if (w->written == w->input.size()) w->in.reset();
        continue;
      }
      UniqueFd& fd = which == 1 ? w->out : w->err;
      std::string& sink = which == 1 ? w->stdoutBytes : w->stderrBytes;
      const ssize_t k = ::read(fd.get(), buf, sizeof buf);
      if (k <= 0) {
        fd.reset();
      } else if (sink.size() + static_cast<std::size_t>(k) > (which == 1 ? outputCap : 4096)) {
        if (which == 1) return false;  // more output than any allowed document: treat as runaway
      } else {
        sink.append(buf, static_cast<std::size_t>(k));
      }
    }
  }
  return true;
}

void reap(std::vector<Worker>& ws, bool kill) {
  for (auto& w : ws) {
    if (w.pid <= 0 || w.exited) continue;
    if (kill) ::kill(w.pid, SIGKILL);
    while (::waitpid(w.pid, &w.status, 0) < 0 && errno == EINTR) {
    }
    w.exited = true;
  }
}

namespace {

RunStatus runLocally(std::vector<Worker>& ws, const std::string& path, const std::vector<std::vector<std::string>>& args,
                     std::chrono::milliseconds timeout, std::uint64_t outputCap) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (std::size_t i = 0; i < ws.size(); ++i) {
    if (!spawn(ws[i], path, args[i])) {
      reap(ws, true);
      return RunStatus::NotStarted;
    }
  }
  const bool inTime = pump(ws, deadline, outputCap);
  reap(ws, !inTime);
  return inTime ? RunStatus::Done : RunStatus::TimedOut;
}

}  // namespace

RunStatus runWorkers(std::vector<Worker>& ws, const std::string& path, const std::vector<std::vector<std::string>>& args,
                     std::chrono::milliseconds timeout, std::uint64_t outputCap) {
  // A worker that dies early must make our write fail with EPIPE, not
  // kill the process.
  ::signal(SIGPIPE, SIG_IGN);
  if (!broker::active()) return runLocally(ws, path, args, timeout, outputCap);
  const std::string ms = std::to_string(timeout.count()), cap = std::to_string(outputCap), n = std::to_string(ws.size());
  bool same = true;
  for (const auto& w : ws) same = same && w.input == ws[0].input;
  std::vector<std::string> packedArgs;
  for (const auto& a : args) packedArgs.push_back(broker::pack(std::vector<std::string_view>(a.begin(), a.end())));
  std::vector<std::string_view> request{path, ms, cap, n, same ? "1" : "0"};
  for (const auto& a : packedArgs) request.push_back(a);
  for (std::size_t i = 0; i < (same ? 1 : ws.size()); ++i) request.push_back(ws[i].input);
  const auto reply = broker::call("pdf", request);
  if (!reply || reply->size() != 1 + 3 * ws.size()) return RunStatus::NotStarted;
  for (std::size_t i = 0; i < ws.size(); ++i) {
    ws[i].status = std::atoi((*reply)[1 + 3 * i].c_str());
    ws[i].stdoutBytes = std::move((*reply)[2 + 3 * i]);
    ws[i].stderrBytes = std::move((*reply)[3 + 3 * i]);
    ws[i].exited = true;
  }
  const std::string& status = (*reply)[0];
  return status == "done" ? RunStatus::Done : status == "timeout" ? RunStatus::TimedOut : RunStatus::NotStarted;
}

namespace {

// The renderer's options a request may set (workerArgs, --rebuild), each
// with a decimal number no larger than its cap; nothing else reaches argv.
bool checkedArgs(std::string_view packed, std::vector<std::string>& out) {
  static const std::map<std::string_view, double> kCaps{
      {"--dpi", 1200},          {"--max-pages", 1e6},   {"--max-page-pixels", 1e10}, {"--max-total-pixels", 1e12},
      {"--flate-level", 12},    {"--stride", 8},        {"--offset", 7},             {"--photo", 1},
      {"--vector", 1},          {"--memory-mb", 65536}, {"--cpu-seconds", 3601},     {"--rebuild", 1}};
  std::vector<std::string_view> a;
  if (!broker::unpack(packed, a, 64) || a.size() % 2 != 0) return false;
  for (std::size_t i = 0; i < a.size(); i += 2) {
    const auto cap = kCaps.find(a[i]);
    const std::string v(a[i + 1]);
    if (cap == kCaps.end() || v.empty() || v.size() > 20 || v.find_first_not_of("0123456789.") != std::string::npos ||
        std::strtod(v.c_str(), nullptr) > cap->second)
      return false;
    out.emplace_back(a[i]);
    out.push_back(v);
  }
  return true;
}

}  // namespace

std::optional<std::vector<std::string>> runWorkersForBroker(const std::vector<std::string_view>& r) {
  if (r.size() < 6) return std::nullopt;
  const std::string path(r[0]);
  if (!broker::programAllowed("pdf", path)) return std::nullopt;  // only the configured renderer, whatever a request names
  const long long ms = std::atoll(std::string(r[1]).c_str());
  const long long n = std::atoll(std::string(r[3]).c_str());
  // All the renderers' output goes back in one reply, within kMaxMessage.
  const unsigned long long cap = std::min<unsigned long long>(std::strtoull(std::string(r[2]).c_str(), nullptr, 10),
                                                              broker::kMaxMessage / std::max(1LL, std::min(n, 8LL)) - (1 << 20));
  const bool same = r[4] == "1";
  if (n < 1 || n > 8 || ms < 1 || ms > 3'600'000 ||
      r.size() != 5 + static_cast<std::size_t>(n) * (same ? 1 : 2) + (same ? 1 : 0))
    return std::nullopt;
  // As runWorkers: a renderer that dies early makes our write fail with
  // EPIPE; the broker must not depend on having inherited SIG_IGN.
  ::signal(SIGPIPE, SIG_IGN);
  std::vector<Worker> ws(static_cast<std::size_t>(n));
  std::vector<std::vector<std::string>> args(ws.size());
  for (std::size_t i = 0; i < ws.size(); ++i) {
    if (!checkedArgs(r[5 + i], args[i])) return std::nullopt;
    ws[i].input.assign(r[5 + ws.size() + (same ? 0 : i)]);
  }
  const RunStatus status = runLocally(ws, path, args, std::chrono::milliseconds(ms), cap);
  std::vector<std::string> out{status == RunStatus::Done ? "done" : status == RunStatus::TimedOut ? "timeout" : "not_started"};
  for (auto& w : ws) {
    out.push_back(std::to_string(w.status));
    out.push_back(std::move(w.stdoutBytes));
    out.push_back(std::move(w.stderrBytes));
  }
  return out;
}

RenderResult failure(std::string code, std::string detail) {
  RenderResult r;
  r.code = std::move(code);
  r.detail = std::move(detail);
  return r;
}


/// The worker's exit into a result code.
RenderResult fromExit(const Worker& w) {
  if (WIFSIGNALED(w.status)) {
    const int sig = WTERMSIG(w.status);
    return failure(sig == SIGSYS ? "pdf.worker_forbidden_call" : "pdf.worker_crashed",
                   std::string("the renderer died with signal ") + std::to_string(sig) +
                       (sig == SIGSYS ? " (a forbidden system call)" : sig == SIGXCPU ? " (CPU limit)" : ""));
  }
  const int code = WEXITSTATUS(w.status);
  const std::string detail = firstLine(w.stderrBytes);
  switch (code) {
    case kUnreadable: return failure("pdf.unreadable", "not a readable PDF: " + detail);
    case kEncrypted: return failure("pdf.encrypted", "the PDF is protected by a password that was not given");
    case kTooManyPages: return failure("pdf.too_many_pages", detail);
    case kPageTooLarge: return failure("pdf.page_too_large", detail);
    case kRenderFailed: return failure("pdf.render_failed", detail);
    case kRebuildRefused: return failure("pdf.vector_refused", detail);
    case kSandboxUnavailable: return failure("pdf.sandbox_unavailable", detail);
    case 127: return failure("pdf.worker_missing", "the PDF renderer could not be started");
    default: return failure("pdf.worker_crashed", "the renderer failed (exit " + std::to_string(code) + "): " + detail);
  }
}

}  // namespace mugai::sanitizers::pdf_rerender
