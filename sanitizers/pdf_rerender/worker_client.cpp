// See worker_client.h.
#include "sanitizers/pdf_rerender/worker_client.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libdeflate.h>
// libjpeg needs FILE and size_t declared first.
#include <cstdio>
#include <jpeglib.h>

#include <algorithm>
#include <atomic>
#include <csetjmp>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>

#include "core/c_handles.h"
#include "core/parallel.h"
#include "sanitizers/pdf_rerender/worker_protocol.h"

namespace mugai::sanitizers::pdf_rerender {
namespace {

struct Worker {
  pid_t pid = -1;
  UniqueFd in, out, err;  // our ends: child's stdin, stdout, stderr
  std::string input;      // what we still have to write
  std::size_t written = 0;
  std::string stdoutBytes, stderrBytes;
  int status = 0;
  bool exited = false;
};

std::string selfDirectory() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.parent_path().string();
}

bool makePipe(UniqueFd& readEnd, UniqueFd& writeEnd) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  readEnd = UniqueFd(fds[0]);
  writeEnd = UniqueFd(fds[1]);
  return true;
}

/// Starts one worker. The argv is built before fork: between fork and exec
/// the child only calls dup2, close and execve (async-signal-safe), since
/// the parent may have other threads.
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
          "--photo", o.jpegQuality > 0 ? "1" : "0",
          "--memory-mb", std::to_string(o.memoryBytes >> 20), "--cpu-seconds", std::to_string(o.timeoutSeconds + 1)};
}

/// Drives every worker's pipes until all have exited or the deadline
/// passes (then kills them). @return false on timeout.
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

RenderResult failure(std::string code, std::string detail) {
  RenderResult r;
  r.code = std::move(code);
  r.detail = std::move(detail);
  return r;
}

std::string firstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

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
    case 127: return failure("pdf.worker_missing", "the PDF renderer could not be started");
    default: return failure("pdf.worker_crashed", "the renderer failed (exit " + std::to_string(code) + "): " + detail);
  }
}

/// Parses one worker's stdout into `pages` (by index). "" or the problem.
std::string parseFrames(const std::string& s, const RenderOptions& o, std::uint32_t& docPages,
                        std::vector<PageImage>& pages, std::vector<bool>& seen, std::vector<bool>& raw) {
  std::size_t at = 0;
  auto take = [&](void* dst, std::size_t n) {
    if (s.size() - at < n) return false;
    std::memcpy(dst, s.data() + at, n);
    at += n;
    return true;
  };
  char magic[sizeof kMagic];
  DocHeader dh{};
  if (!take(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0 || !take(&dh, sizeof dh))
    return "no document header";
  if (dh.pages == 0 || dh.pages > o.maxPages || (docPages && dh.pages != docPages)) return "bad page count";
  docPages = dh.pages;
  pages.resize(docPages);
  seen.resize(docPages, false);
  raw.resize(docPages, false);
  const double expectW = 40000;
  while (true) {
    PageHeader ph{};
    if (!take(&ph, sizeof ph)) return "truncated page stream";
    if (ph.index == kEndOfPages) return at == s.size() ? "" : "data after the end";
    if (ph.index >= docPages || seen[ph.index]) return "bad page index";
    if (ph.width == 0 || ph.height == 0 || ph.width > expectW || ph.height > expectW ||
        std::uint64_t{ph.width} * ph.height > o.maxPagePixels || (ph.components != 1 && ph.components != 3) ||
        (ph.rotate != 0 && ph.rotate != 90 && ph.rotate != 180 && ph.rotate != 270) || !(ph.widthPt > 0) ||
        !(ph.heightPt > 0) || ph.widthPt > 14400 * 200 || ph.heightPt > 14400 * 200 || ph.dataBytes > s.size() - at ||
        (ph.encoding != kFlate && ph.encoding != kRaw) || (ph.encoding == kRaw && (o.jpegQuality <= 0 || ph.components != 3)))
      return "bad page header";
    PageImage& p = pages[ph.index];
    p.width = ph.width, p.height = ph.height, p.components = ph.components, p.rotate = ph.rotate;
    p.widthPt = ph.widthPt, p.heightPt = ph.heightPt;
    p.data.assign(s.data() + at, ph.dataBytes);
    at += ph.dataBytes;
    const std::uint64_t expect = std::uint64_t{p.width} * p.height * p.components;
    if (ph.encoding == kRaw) {
      if (p.data.size() != expect) return "page image does not match its header";
      raw[ph.index] = true;
    } else {
      // Inflate once (libdeflate: zlib format, checksum checked): the
      // stream must hold exactly the declared pixels, no more, no less.
      static thread_local std::string pixels;
      pixels.resize(expect);
      struct Free {
        void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
      };
      static thread_local std::unique_ptr<libdeflate_decompressor, Free> inflater(libdeflate_alloc_decompressor());
      std::size_t got = 0;
      if (!inflater || libdeflate_zlib_decompress(inflater.get(), p.data.data(), p.data.size(), pixels.data(), expect,
                                                  &got) != LIBDEFLATE_SUCCESS ||
          got != expect)
        return "page image does not match its header";
    }
    seen[ph.index] = true;
  }
}

// One JPEG from tightly packed RGB rows (ours: checked to be exactly
// width x height x 3 bytes). libjpeg reports errors by longjmp.
struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
};

bool encodeJpeg(PageImage& page, int quality) {
  jpeg_compress_struct c{};
  JpegError err{};
  c.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = [](j_common_ptr cinfo) { std::longjmp(reinterpret_cast<JpegError*>(cinfo->err)->jump, 1); };
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&c);
    std::free(buffer);
    return false;
  }
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, &buffer, &size);
  c.image_width = page.width;
  c.image_height = page.height;
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  jpeg_start_compress(&c, TRUE);
  const std::size_t row = std::size_t{page.width} * 3;
  while (c.next_scanline < c.image_height) {
    JSAMPROW line = reinterpret_cast<JSAMPROW>(page.data.data() + c.next_scanline * row);
    jpeg_write_scanlines(&c, &line, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  page.data.assign(reinterpret_cast<const char*>(buffer), size);
  page.jpeg = true;
  std::free(buffer);
  return true;
}

// Encodes `pages` (raw RGB) as JPEG, on every core.
bool encodeJpegs(const std::vector<PageImage*>& pages, int quality) {
  std::atomic<bool> ok = true;
  parallelFor(pages.size(), [&](std::size_t i) {
    if (!encodeJpeg(*pages[i], quality)) ok = false;
  });
  return ok;
}

}  // namespace

std::string workerPath(const RenderOptions& o) {
  if (!o.workerPath.empty()) return o.workerPath;
  const std::string beside = selfDirectory() + "/mugai-pdf-worker";
  if (::access(beside.c_str(), X_OK) == 0) return beside;
#ifdef MUGAI_PDF_WORKER_BUILD_PATH
  if (::access(MUGAI_PDF_WORKER_BUILD_PATH, X_OK) == 0) return MUGAI_PDF_WORKER_BUILD_PATH;
#endif
  return "/usr/lib/mugai/mugai-pdf-worker";
}

RenderResult renderPdf(const RenderOptions& o, std::string_view pdf, const std::vector<std::string>& passwords) {
  std::string input;
  const auto count = static_cast<std::uint32_t>(std::min<std::size_t>(passwords.size(), 64));
  input.append(reinterpret_cast<const char*>(&count), 4);
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto len = static_cast<std::uint32_t>(passwords[i].size());
    input.append(reinterpret_cast<const char*>(&len), 4);
    input += passwords[i];
  }
  input += pdf;
  const std::string path = workerPath(o);
  const int n = std::max(1, std::min(o.pageWorkers, 8));
  std::vector<Worker> ws(static_cast<std::size_t>(n));
  // Ignore SIGPIPE for this process: a worker that dies early must make our
  // write fail with EPIPE, not kill a daemon.
  ::signal(SIGPIPE, SIG_IGN);
  for (int i = 0; i < n; ++i) {
    ws[i].input = input;
    if (!spawn(ws[i], path, workerArgs(o, n, i))) {
      reap(ws, true);
      return failure("pdf.worker_missing", "the PDF renderer could not be started");
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeoutSeconds);
  const std::uint64_t cap = o.maxTotalPixels * 3 + (64u << 20);
  const bool inTime = pump(ws, deadline, cap);
  reap(ws, !inTime);
  if (!inTime)
    return failure("pdf.timeout", "rendering took longer than " + std::to_string(o.timeoutSeconds) + " s (or produced too much)");
  for (const auto& w : ws)
    if (!WIFEXITED(w.status) || WEXITSTATUS(w.status) != kOk) return fromExit(w);
  RenderResult r;
  std::uint32_t docPages = 0;
  std::vector<bool> seen, raw;
  for (const auto& w : ws)
    if (std::string e = parseFrames(w.stdoutBytes, o, docPages, r.pages, seen, raw); !e.empty())
      return failure("pdf.bad_worker_output", "the renderer's output was refused: " + e);
  if (std::find(seen.begin(), seen.end(), false) != seen.end())
    return failure("pdf.bad_worker_output", "the renderer's output was refused: a page is missing");
  std::uint64_t pixels = 0;
  for (const auto& p : r.pages) pixels += std::uint64_t{p.width} * p.height;
  if (pixels > o.maxTotalPixels)
    return failure("pdf.bad_worker_output", "the renderer's output was refused: more pixels than max_total_pixels");
  std::vector<PageImage*> photos;
  for (std::size_t i = 0; i < r.pages.size(); ++i)
    if (raw[i]) photos.push_back(&r.pages[i]);
  if (!encodeJpegs(photos, o.jpegQuality)) return failure("pdf.render_failed", "a page could not be encoded as JPEG");
  r.ok = true;
  return r;
}

int runWorkerSelftest(const RenderOptions& o, const std::string& what) {
  std::vector<Worker> ws(1);
  std::vector<std::string> args = workerArgs(o, 1, 0);
  args.push_back("--selftest");
  args.push_back(what);
  if (!spawn(ws[0], workerPath(o), args)) return -1;
  ws[0].in.reset();
  pump(ws, std::chrono::steady_clock::now() + std::chrono::seconds(10), 1 << 20);
  reap(ws, true);
  return ws[0].status;
}

}  // namespace mugai::sanitizers::pdf_rerender
