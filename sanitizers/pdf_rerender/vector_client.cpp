// Vector mode, the parent's side (see worker_client.h): the renderers'
// cairo PDFs are carried, unopened, to one more sandboxed worker that
// rebuilds them with qpdf (worker_rebuild.cpp); only its output is
// returned. The frames around the drawings are checked here as in raster
// mode: page count within max_pages and equal across renderers, each
// /Rotate one of the four, byte counts exact.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstring>

#include "sanitizers/pdf_rerender/worker_process.h"
#include "sanitizers/pdf_rerender/worker_protocol.h"

namespace mugai::sanitizers::pdf_rerender {
namespace {

/// No renderer's drawing (nor the rebuilt PDF) may be larger.
constexpr std::uint64_t kMaxVectorBytes = 512ull << 20;

/// Checks one renderer's frame; its drawing goes to `doc`. "" or the problem.
std::string parseVectorFrame(const std::string& s, const RenderOptions& o, std::uint32_t& pages,
                             std::vector<std::uint32_t>& rotate, std::string_view& doc) {
  std::size_t at = 0;
  auto take = [&](void* dst, std::size_t n) {
    if (s.size() - at < n) return false;
    std::memcpy(dst, s.data() + at, n);
    at += n;
    return true;
  };
  char magic[sizeof kVectorMagic];
  DocHeader dh{};
  if (!take(magic, sizeof magic) || std::memcmp(magic, kVectorMagic, sizeof magic) != 0 || !take(&dh, sizeof dh))
    return "no document header";
  if (dh.pages == 0 || dh.pages > o.maxPages || (pages && dh.pages != pages)) return "bad page count";
  std::vector<std::uint32_t> mine(dh.pages);
  if (!take(mine.data(), 4 * mine.size())) return "truncated rotations";
  for (std::uint32_t r : mine)
    if (r != 0 && r != 90 && r != 180 && r != 270) return "bad rotation";
  if (pages && mine != rotate) return "the renderers disagree on the pages' rotation";
  pages = dh.pages;
  rotate = std::move(mine);
  std::uint64_t len = 0;
  if (!take(&len, sizeof len) || len != s.size() - at) return "bad drawing length";
  doc = std::string_view(s).substr(at);
  return "";
}

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

}  // namespace

RenderResult renderVector(const RenderOptions& o, const std::string& input) {
  const std::string path = workerPath(o);
  const int n = std::max(1, std::min(o.pageWorkers, 8));
  std::vector<Worker> ws(static_cast<std::size_t>(n));
  std::vector<std::vector<std::string>> args;
  for (int i = 0; i < n; ++i) {
    ws[i].input = input;
    args.push_back(workerArgs(o, n, i));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeoutSeconds);
  const std::string timeout = "rendering took longer than " + std::to_string(o.timeoutSeconds) + " s (or produced too much)";
  const auto left = [&] {
    return std::max(std::chrono::milliseconds(1),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
  };
  RunStatus run = runWorkers(ws, path, args, left(), kMaxVectorBytes);
  if (run == RunStatus::NotStarted) return failure("pdf.worker_missing", "the PDF renderer could not be started");
  if (run == RunStatus::TimedOut) return failure("pdf.timeout", timeout);
  for (const auto& w : ws)
    if (!WIFEXITED(w.status) || WEXITSTATUS(w.status) != kOk) return fromExit(w);

  std::uint32_t pages = 0;
  std::vector<std::uint32_t> rotate;
  std::vector<std::string_view> docs(ws.size());
  for (std::size_t k = 0; k < ws.size(); ++k)
    if (std::string e = parseVectorFrame(ws[k].stdoutBytes, o, pages, rotate, docs[k]); !e.empty())
      return failure("pdf.bad_worker_output", "the renderer's output was refused: " + e);

  std::vector<Worker> rebuild(1);
  std::string& in = rebuild[0].input;
  put(in, pages);
  put(in, static_cast<std::uint32_t>(docs.size()));
  for (std::uint32_t r : rotate) put(in, r);
  for (const auto& d : docs) {
    put(in, static_cast<std::uint64_t>(d.size()));
    in += d;
  }
  ws.clear();  // the drawings are in `in` now
  std::vector<std::string> rebuildArgs = workerArgs(o, 1, 0);
  rebuildArgs.insert(rebuildArgs.end(), {"--rebuild", "1"});
  run = runWorkers(rebuild, path, {rebuildArgs}, left(), kMaxVectorBytes);
  if (run == RunStatus::NotStarted) return failure("pdf.worker_missing", "the PDF rebuilder could not be started");
  if (run == RunStatus::TimedOut) return failure("pdf.timeout", timeout);
  if (!WIFEXITED(rebuild[0].status) || WEXITSTATUS(rebuild[0].status) != kOk) return fromExit(rebuild[0]);
  RenderResult r;
  r.pdf = std::move(rebuild[0].stdoutBytes);
  if (!r.pdf.starts_with("%PDF-")) return failure("pdf.bad_worker_output", "the rebuilt PDF is not a PDF");
  r.pageCount = pages;
  r.ok = true;
  return r;
}

}  // namespace mugai::sanitizers::pdf_rerender
