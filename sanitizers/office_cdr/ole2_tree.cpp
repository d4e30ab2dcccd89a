// See ole2_tree.h.
#include "sanitizers/office_cdr/ole2_tree.h"

#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-input.h>
#include <gsf/gsf-utils.h>

#include <algorithm>
#include <mutex>

#include "sanitizers/office_cdr/gsf_handles.h"
#include "sanitizers/office_cdr/ole2_cfb.h"

namespace mugai::sanitizers::office_cdr {
namespace {

// libgsf reports damage through g_warning / g_return_val_if_fail in its own
// log domains; on hostile mail that would flood the daemon's stderr. The
// damage reaches us as a failed call anyway, so its messages are dropped.
void dropLog(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

void initGsf() {
  static std::once_flag once;
  std::call_once(once, [] {
    gsf_init();
    const auto levels = static_cast<GLogLevelFlags>(G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION);
    for (const char* domain : {"libgsf:msole", "libgsf:utils", "libgsf"}) g_log_set_handler(domain, levels, dropLog, nullptr);
  });
}

// The recursion libgsf's directory parser reaches is bounded by the tree
// depth the structural check allows; 2048 frames stay far inside any
// thread's stack, and no real document comes near it.
constexpr std::size_t kMaxTreeDepth = 2048;

GObjectPtr<GsfInfile> openOle(std::string_view bytes, std::size_t maxEntries, CfbCheck& check) {
  check = checkCompoundFile(bytes, maxEntries, kMaxTreeDepth);
  if (!check.ok) return nullptr;
  initGsf();
  // FALSE: libgsf borrows `bytes`, which outlive every handle made here.
  GObjectPtr<GsfInput> input(
      gsf_input_memory_new(reinterpret_cast<const guint8*>(bytes.data()), static_cast<gsf_off_t>(bytes.size()), FALSE));
  if (!input) return nullptr;
  GError* raw = nullptr;
  GObjectPtr<GsfInfile> ole(gsf_infile_msole_new(input.get(), &raw));
  GErrorPtr err(raw);
  if (!ole) check.problem = err ? err->message : "libgsf cannot open it";
  return ole;
}

struct Pending {
  GObjectPtr<GsfInfile> dir;
  std::string path;
  std::size_t depth;
};

class Walker {
 public:
  Walker(const OleLimits& l, ScanContext& ctx) : limits_(l), ctx_(ctx) {}
  OleTree run(GObjectPtr<GsfInfile> root);

 private:
  bool fail(std::string code, std::string detail) {
    tree_.failCode = std::move(code);
    tree_.failDetail = std::move(detail);
    return false;
  }
  bool visit(GsfInfile* dir, const std::string& path, std::size_t depth, std::vector<Pending>& todo);
  bool readStream(GsfInput* in, const OleEntry& e);

  const OleLimits& limits_;
  ScanContext& ctx_;
  OleTree tree_;
};

OleTree Walker::run(GObjectPtr<GsfInfile> root) {
  std::vector<Pending> todo;
  todo.push_back({std::move(root), "", 0});
  while (!todo.empty()) {
    Pending p = std::move(todo.back());
    todo.pop_back();
    if (!visit(p.dir.get(), p.path, p.depth + 1, todo)) break;
  }
  return std::move(tree_);
}

bool Walker::visit(GsfInfile* dir, const std::string& path, std::size_t depth, std::vector<Pending>& todo) {
  if (depth > limits_.maxDepth) return fail("office.unreadable", "storages nested too deep");
  const int n = gsf_infile_num_children(dir);
  for (int i = 0; i < n; ++i) {
    if (ctx_.expired()) return fail("limit.time", "time limit reached while reading the compound file");
    if (tree_.entries.size() >= limits_.maxEntries)
      return fail("limit.office_parts", "more than " + std::to_string(limits_.maxEntries) + " storages and streams");
    const char* rawName = gsf_infile_name_by_index(dir, i);
    GObjectPtr<GsfInput> child(gsf_infile_child_by_index(dir, i));
    if (rawName == nullptr || !child) return fail("office.unreadable", "a storage or stream cannot be opened");
    OleEntry e;
    e.name = rawName;
    e.path = path.empty() ? e.name : path + "/" + e.name;
    e.depth = depth;
    GsfInfile* sub = GSF_IS_INFILE(child.get()) ? GSF_INFILE(child.get()) : nullptr;
    e.storage = sub != nullptr && gsf_infile_num_children(sub) >= 0;
    e.size = e.storage ? 0 : static_cast<std::uint64_t>(std::max<gsf_off_t>(gsf_input_size(child.get()), 0));
    tree_.entries.push_back(e);
    if (e.storage) {
      child.release();
      todo.push_back({GObjectPtr<GsfInfile>(sub), e.path, depth});
    } else if (!readStream(child.get(), tree_.entries.back())) {
      return false;
    }
  }
  return true;
}

// Reads the whole stream (libgsf follows its chain and fails on a block
// outside the file), keeping the bytes of the root streams we inspect.
bool Walker::readStream(GsfInput* in, const OleEntry& e) {
  if (e.size > limits_.maxStreamBytes) return fail("limit.office_part_bytes", "stream " + e.path + " is too large");
  if (!ctx_.chargeDecoded(e.size)) return fail("limit.decoded_bytes", "decoded-bytes budget exhausted");
  std::string* keep = nullptr;
  if (e.depth == 1) {
    if (oleNameIs(e.name, "WordDocument")) keep = &tree_.wordDocument;
    else if (oleNameIs(e.name, "Workbook") || (oleNameIs(e.name, "Book") && !oleNameIs(tree_.workbookName, "Workbook"))) {
      keep = &tree_.workbook;
      tree_.workbookName = e.name;
    }
    else if (oleNameIs(e.name, "PowerPoint Document")) keep = &tree_.pptDocument;
  }
  if (keep != nullptr) keep->clear();
  constexpr std::uint64_t kChunk = 64 * 1024;
  for (std::uint64_t done = 0; done < e.size;) {
    const std::uint64_t want = std::min(kChunk, e.size - done);
    const guint8* data = gsf_input_read(in, static_cast<size_t>(want), nullptr);
    if (data == nullptr) return fail("office.unreadable", "stream " + e.path + " cannot be read (broken sector chain)");
    if (keep != nullptr) keep->append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(want));
    done += want;
    if (ctx_.expired()) return fail("limit.time", "time limit reached while reading the compound file");
  }
  return true;
}

}  // namespace

bool oleNameStarts(std::string_view name, std::string_view prefix) {
  if (name.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (g_ascii_tolower(name[i]) != g_ascii_tolower(prefix[i])) return false;
  return true;
}

bool oleNameIs(std::string_view name, std::string_view want) {
  return name.size() == want.size() && oleNameStarts(name, want);
}

std::vector<std::string> oleRootNames(std::string_view bytes, bool& opened) {
  CfbCheck check = checkCompoundFile(bytes, OleLimits{}.maxEntries, kMaxTreeDepth);
  opened = check.ok;
  return check.ok ? std::move(check.rootNames) : std::vector<std::string>{};
}

OleTree readOleTree(std::string_view bytes, const OleLimits& limits, ScanContext& ctx) {
  CfbCheck check;
  GObjectPtr<GsfInfile> ole = openOle(bytes, limits.maxEntries, check);
  if (!ole) {
    OleTree t;
    t.failCode = check.tooMany ? "limit.office_parts" : "office.unreadable";
    t.failDetail = check.problem.empty() ? "the compound file cannot be read" : check.problem;
    return t;
  }
  return Walker(limits, ctx).run(std::move(ole));
}

}  // namespace mugai::sanitizers::office_cdr
