// See file_drop.h.
#include "cli/file_drop.h"

#include <filesystem>

#include "core/display_text.h"
#include "core/durable_file.h"
#include "core/ids.h"
#include "sanitizers/office_cdr/ooxml_rules.h"

namespace mugai::cli {
namespace fs = std::filesystem;

std::string_view dropStatusName(DropStatus s) {
  switch (s) {
    case DropStatus::Kept: return "kept";
    case DropStatus::Changed: return "changed";
    case DropStatus::Removed: return "removed";
    case DropStatus::Error: return "error";
  }
  return "?";
}

namespace {

DropResult failed(DropResult r, std::string error) {
  r.status = DropStatus::Error;
  r.error = std::move(error);
  r.outputFailed = true;  // every failure after the pipeline is ours to write
  return r;
}

}  // namespace

std::string deliveredPath(const std::string& output, const std::string& newExtension, const std::string& source) {
  if (newExtension.empty()) return output;
  const fs::path out(output);
  if (newExtension == out.extension().string()) return output;
  std::error_code ec;
  if (!source.empty() && fs::exists(fs::path(source).replace_extension(newExtension), ec)) return output + newExtension;
  return fs::path(out).replace_extension(newExtension).string();
}

std::string macroFreeOutput(const std::string& output) {
  fs::path p(output);
  const std::string ext = p.extension().string();
  const std::string twin = ext.size() > 1 ? sanitizers::office_cdr::macroFreeExtension(ext.substr(1)) : "";
  return twin.empty() ? "" : p.replace_extension("." + twin).string();
}

DropResult cleanBytes(const DropJob& job, std::string bytes, std::optional<std::int64_t> mtime, job::Pool& pool, quarantine::QuarantineStore* store) {
  DropResult r;
  r.size = bytes.size();
  job::Request request{job::Kind::File, job::Policy::Main, newId(), job.name, job.passwords, std::move(bytes)};
  job::Result o;
  try {
    o = pool.run(request);
  } catch (const job::WorkerFailed& e) {
    // Fail closed: nothing is written, the input stays where it is.
    r.status = DropStatus::Error;
    r.id = request.id;
    r.reasons = {e.code()};
    r.error = std::string("not inspected (検査できません): ") + e.what();
    return r;
  }
  r.id = o.id;
  r.report = o.report;
  for (const job::Part& p : o.parts)
    if (p.action != "keep") r.reasons.push_back(p.code);
  r.status = o.removed ? DropStatus::Removed : o.changed() ? DropStatus::Changed : DropStatus::Kept;

  if (store && (o.changed() || job.quarantineAlways)) {
    try {
      quarantine::Item item = job::itemFor(o, "file", job.name);
      if (!o.asMail) item.subject.clear();
      item.origin = job.origin;
      r.id = store->put(std::move(item), request.bytes);
      r.quarantined = true;
    } catch (const std::exception& e) {
      return failed(std::move(r), std::string("cannot keep the original in quarantine: ") + e.what());
    }
  }

  std::error_code ec;
  const std::string output = deliveredPath(job.output, o.newExtension, job.source);
  fs::create_directories(fs::path(output).parent_path(), ec);
  if (ec) return failed(std::move(r), "cannot create " + fs::path(output).parent_path().string() + ": " + ec.message());
  const std::string noticePath = output + ".removed.txt";
  // A clean copy and a notice for the same name never stand side by side
  // (a rerun under another policy replaces one with the other).
  const std::string& stale = r.status == DropStatus::Removed ? output : noticePath;
  fs::remove(stale, ec);
  if (r.status == DropStatus::Removed) {
    r.written = noticePath;
    if (std::string e = writeFileDurably(noticePath, noticeFileText(o.notice), {std::nullopt, job.tmpDir, job.sync}); !e.empty())
      return failed(std::move(r), "cannot write the notice: " + e);
  } else {
    r.written = output;
    if (std::string e = writeFileDurably(output, o.output, {mtime, job.tmpDir, job.sync}); !e.empty())
      return failed(std::move(r), "cannot write: " + e);
  }
  return r;
}

}  // namespace mugai::cli
