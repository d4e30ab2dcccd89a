// See file_drop.h.
#include "cli/file_drop.h"

#include <filesystem>

#include "core/durable_file.h"
#include "core/file_job.h"
#include "core/quarantine/item.h"
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

std::string deliveredPath(const std::string& output, const Node& root) {
  if (root.action != Action::Replace || !root.replacement || root.replacement->filename.empty()) return output;
  const std::string newExt = fs::path(root.replacement->filename).extension().string();
  const fs::path out(output);
  if (newExt.empty() || newExt == out.extension().string() || newExt == "." || root.filename.empty() ||
      fs::path(root.filename).extension() == newExt)
    return output;
  return fs::path(out).replace_extension(newExt).string();
}

std::string macroFreeOutput(const std::string& output) {
  fs::path p(output);
  const std::string ext = p.extension().string();
  const std::string twin = ext.size() > 1 ? sanitizers::office_cdr::macroFreeExtension(ext.substr(1)) : "";
  return twin.empty() ? "" : p.replace_extension("." + twin).string();
}

DropResult cleanBytes(const DropJob& job, std::string bytes, std::optional<std::int64_t> mtime, const Config& config,
                      const Pipeline& pipeline, quarantine::Store* store) {
  DropResult r;
  r.size = bytes.size();
  FileOutcome o = processFile(std::move(bytes), job.name, config, pipeline, newId(), job.passwords);
  r.id = o.id;
  r.report = std::move(o.report);
  o.input.root->forEach([&](const Node& n) {
    if (n.action != Action::Keep) r.reasons.push_back(n.reasonCode);
  });
  r.status = o.removed ? DropStatus::Removed : o.verdict == Verdict::Unchanged ? DropStatus::Kept : DropStatus::Changed;

  if (store && (o.verdict != Verdict::Unchanged || job.quarantineAlways)) {
    try {
      quarantine::Item item = quarantine::itemFor(
          {o.id, "file", &o.input, o.verdict, &o.findings, &r.report, job.name, "", {}});
      if (!o.asMail) item.subject.clear();
      item.origin = job.origin;
      r.id = store->put(std::move(item), o.input.original());
      r.quarantined = true;
    } catch (const std::exception& e) {
      return failed(std::move(r), std::string("cannot keep the original in quarantine: ") + e.what());
    }
  }

  std::error_code ec;
  const std::string output = deliveredPath(job.output, *o.input.root);
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
