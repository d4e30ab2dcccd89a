// See convert.h. LibreOffice's part: its profile, its command line, reading
// its output back; and what a converted legacy file becomes (a Result).
// Trust: the document and everything LibreOffice writes are hostile; the
// output is read back with a size cap and judged by cleanOoxml. How it
// fails: a Converted with ok = false, turned into office.convert_failed
// (or limit.time when the input's own deadline ran out). Never throws for
// bad input.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

#include "core/broker.h"
#include "sanitizers/office_cdr/brokered.h"
#include "sanitizers/office_cdr/convert.h"
#include "sanitizers/office_cdr/ooxml.h"

namespace mugai::sanitizers::office_cdr {
namespace {

struct KindInfo {
  const char* input;     // the fixed name the document is written under
  const char* filter;    // soffice --convert-to argument
  const char* output;    // the name soffice gives the result
  const char* extension;
  const char* mimeType;
  const char* legacyName;  // "Word 97-2003 (.doc)", in removal texts
};

const KindInfo& info(LegacyKind k) {
  static const KindInfo kWord{"input.doc", "docx:MS Word 2007 XML", "input.docx", "docx",
                              "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".doc"};
  static const KindInfo kExcel{"input.xls", "xlsx:Calc MS Excel 2007 XML", "input.xlsx", "xlsx",
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xls"};
  static const KindInfo kPpt{"input.ppt", "pptx:Impress MS PowerPoint 2007 XML", "input.pptx", "pptx",
                             "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".ppt"};
  return k == LegacyKind::Word ? kWord : k == LegacyKind::Excel ? kExcel : kPpt;
}

// The profile's settings (paths and values from LibreOffice's own schema,
// /usr/lib/libreoffice/share/registry/main.xcd): macro security "very high"
// (3) and macro execution disabled; VBA not loaded, not runnable, not kept
// (Writer, Calc, Impress); links never updated on load (Writer 0 = never,
// Calc 1 = never); formulas of OOXML/ODF never recalculated on load (1).
constexpr const char* kRegistry = R"(<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="ExecutePlugins" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Filter/Import/VBA"><prop oor:name="Load" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Filter/Import/VBA"><prop oor:name="Executable" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Filter/Import/VBA"><prop oor:name="Save" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Filter/Import/VBA"><prop oor:name="Load" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Filter/Import/VBA"><prop oor:name="Executable" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Filter/Import/VBA"><prop oor:name="Save" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Impress/Filter/Import/VBA"><prop oor:name="Load" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Impress/Filter/Import/VBA"><prop oor:name="Save" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
)";

bool makeDir(const std::string& path) { return ::mkdir(path.c_str(), 0700) == 0; }

// The last line LibreOffice printed, for the log (bounded, one line).
std::string lastLine(const std::string& path) {
  std::string text;
  if (!readCappedFile(path, 1 << 20, text)) return "";
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const std::size_t nl = text.rfind('\n');
  std::string line = nl == std::string::npos ? text : text.substr(nl + 1);
  if (line.size() > 200) line.resize(200);
  for (char& c : line)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return line;
}

Converted failed(std::string detail, bool timedOut = false) {
  Converted c;
  c.detail = std::move(detail);
  c.timedOut = timedOut;
  return c;
}

// office.legacy_* (a refusal) -> the code of the element the conversion
// left out, with texts saying the document was converted.
Removal asConverted(Removal r, const KindInfo& k) {
  const std::string note = std::string(" (the ") + k.legacyName + " document was converted to ." + k.extension + " without it)";
  const std::string jaNote = std::string("（旧形式 ") + k.legacyName + " を ." + k.extension + " に変換）";
  if (r.code == "office.legacy_macros") {
    r.code = "office.vba_removed";
    r.detailJa = "VBA マクロを取り除きました" + jaNote;
  } else if (r.code == "office.legacy_xlm") {
    r.code = "office.xlm_removed";
    r.detailJa = "Excel 4.0 マクロを取り除きました" + jaNote;
  } else if (r.code == "office.legacy_object") {
    r.code = "office.ole_object_removed";
    r.detailJa = "埋め込み・リンクされたオブジェクトを取り除きました" + jaNote;
  } else if (r.code == "office.legacy_dde") {
    const bool dde = r.detail.find("DDE") != std::string::npos || r.type.find("DDE") != std::string::npos;
    r.code = dde ? "office.dde_removed" : "office.field_removed";
    r.detailJa = (dde ? std::string("外部のプログラムを呼び出す DDE を取り除きました")
                      : std::string("外部のファイルを読み込むフィールドを取り除きました")) +
                 jaNote;
  }
  r.detail += note;
  return r;
}

}  // namespace

std::string findSoffice(const std::string& configured) {
  auto runnable = [](const std::string& p) { return !p.empty() && p[0] == '/' && ::access(p.c_str(), X_OK) == 0; };
  if (!configured.empty()) return runnable(configured) ? configured : "";
  if (runnable("/usr/bin/soffice")) return "/usr/bin/soffice";
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (runnable(dir + "/soffice")) return dir + "/soffice";
  return "";
}

Converted convertToOoxml(std::string_view legacy, LegacyKind kind, const std::string& soffice,
                         std::chrono::milliseconds timeout) {
  if (broker::active()) return convertThroughBroker(legacy, kind, soffice, timeout);  // in a job worker
  // LibreOffice is slow and large; two at once would only share the cores.
  static std::mutex oneAtATime;
  const auto start = std::chrono::steady_clock::now();
  std::lock_guard lock(oneAtATime);
  timeout -= std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  if (timeout <= std::chrono::milliseconds(0)) return failed("no time left while waiting for another conversion", true);
  if (soffice.empty()) return failed("LibreOffice (soffice) was not found");

  PrivateDir dir;
  if (dir.path().empty()) return failed("cannot make a private directory: " + dir.error());
  const KindInfo& k = info(kind);
  const std::string d = dir.path();
  if (!makeDir(d + "/home") || !makeDir(d + "/out") || !makeDir(d + "/profile") || !makeDir(d + "/profile/user") ||
      !writePrivateFile(d + "/profile/user/registrymodifications.xcu", kRegistry) || !writePrivateFile(d + "/" + k.input, legacy))
    return failed("cannot prepare the private directory " + d);

  ConfinedRun run;
  run.argv = {soffice, "-env:UserInstallation=file://" + d + "/profile", "--headless", "--norestore", "--nologo",
              "--nolockcheck", "--convert-to", k.filter, "--outdir", d + "/out", d + "/" + k.input};
  run.home = d + "/home";
  run.workDir = d;
  run.outputFile = d + "/soffice.log";
  run.timeout = timeout;
  run.cpuSeconds = static_cast<std::uint32_t>(std::max<std::int64_t>(timeout.count() / 1000, 1) + 1);
  run.fileBytes = 4 * static_cast<std::uint64_t>(legacy.size()) + (64ull << 20);
  const RunOutcome r = runConfined(run);
  const std::string said = lastLine(run.outputFile);
  if (r.status == RunOutcome::Status::TimedOut) return failed("LibreOffice " + r.detail, true);
  if (r.status != RunOutcome::Status::Exited || r.code != 0)
    return failed("LibreOffice did not convert the document: " + r.detail + (said.empty() ? "" : " (" + said + ")"));
  Converted c;
  if (!readCappedFile(d + "/out/" + k.output, run.fileBytes, c.bytes) || c.bytes.size() < 4 || c.bytes.compare(0, 2, "PK") != 0)
    return failed("LibreOffice wrote no document" + (said.empty() ? std::string() : " (" + said + ")"));
  c.ok = true;
  return c;
}

Result convertLegacy(std::string_view bytes, LegacyKind kind, std::vector<Removal> found, const Options& options,
                     ScanContext& ctx) {
  const KindInfo& k = info(kind);
  const auto timeout = std::min<std::chrono::milliseconds>(std::chrono::seconds(options.convertTimeoutSeconds), ctx.remaining());
  const Converted c = convertToOoxml(bytes, kind, findSoffice(options.soffice), timeout);
  if (!c.ok) {
    std::cerr << "mugai: office_cdr: legacy " << k.legacyName << " not converted: " << c.detail << "\n";
    if (ctx.expired())
      return Result::refuse("limit.time", "the input's time ran out while converting the legacy document",
                            "処理時間の上限を超えたため文書を削除しました");
    return Result::refuse("office.convert_failed",
                          std::string("legacy ") + k.legacyName + " document with active content could not be converted: " + c.detail,
                          "危険な要素を含む旧形式の Office 文書を安全な形式に変換できなかったため削除しました");
  }
  Result inner = cleanOoxml(c.bytes, options, ctx);
  if (inner.outcome == Outcome::Refuse) return inner;
  Result out;
  out.outcome = Outcome::Cleaned;
  out.bytes = inner.outcome == Outcome::Cleaned ? std::move(inner.bytes) : c.bytes;
  for (auto& r : found) out.removals.push_back(asConverted(std::move(r), k));
  for (auto& r : inner.removals) out.removals.push_back(std::move(r));
  out.extension = k.extension;
  out.mimeType = k.mimeType;
  return out;
}

}  // namespace mugai::sanitizers::office_cdr
