// See decrypt.h. The python program that drives msoffcrypto, the private
// directory it runs in, and what an opened document becomes (a Result).
// Trust: the document and the child's output are hostile (read back capped,
// cleaned by cleanOoxml / cleanOle2). Passwords are hostile too (quoted by
// the sender) and secret: they only ever go to a 0600 file. How it fails:
// a Decrypted that is not Opened, turned into office.encrypted (or
// limit.time). Never throws for bad input.
#include "sanitizers/office_cdr/decrypt.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/broker.h"
#include "sanitizers/office_cdr/brokered.h"
#include "core/c_handles.h"
#include "core/file_type.h"
#include "sanitizers/office_cdr/convert.h"
#include "sanitizers/office_cdr/format.h"
#include "sanitizers/office_cdr/ole2.h"
#include "sanitizers/office_cdr/ooxml.h"

namespace mugai::sanitizers::office_cdr {
namespace {

constexpr const char* kPython = "/usr/bin/python3";

// Run as `python3 -I -B -c kDriver` in the private directory (-I: no
// PYTHON* variables, no user site, not the working directory on sys.path;
// -B: no .pyc written). Exit 0: `output` written; 2: no candidate fitted;
// 3: the file cannot be decrypted (its class name printed); 4: msoffcrypto
// is not installed. It prints no password and does not say which fitted.
// A candidate fits when: standard encryption, its verifier matches; agile
// encryption, the decrypted package is a ZIP whose every entry passes its
// CRC (msoffcrypto 5.0.0's agile password verifier and HMAC check reject
// the right password of Excel's own files, so they cannot be used; a wrong
// key yields noise, which has no ZIP directory and no matching CRCs).
constexpr const char* kDriver = R"PY(
import io, sys, zipfile
try:
    import msoffcrypto
    from msoffcrypto.exceptions import InvalidKeyError
    from msoffcrypto.format.ooxml import OOXMLFile
except Exception as e:
    print("import:", type(e).__name__); sys.exit(4)
with open("passwords", "rb") as f:
    candidates = [p for p in f.read().split(b"\0") if p]
with open("input", "rb") as f:
    data = f.read()
other = None
for raw in candidates:
    try:
        doc = msoffcrypto.OfficeFile(io.BytesIO(data))
        pw = raw.decode("utf-8", "replace")
        standard = isinstance(doc, OOXMLFile) and doc.type == "standard"
        if standard:
            doc.load_key(password=pw, verify_password=True)
        else:
            doc.load_key(password=pw)
        out = io.BytesIO()
        doc.decrypt(out)
        if isinstance(doc, OOXMLFile):
            with zipfile.ZipFile(out) as z:
                if z.testzip() is not None:
                    raise InvalidKeyError()
    except (InvalidKeyError, zipfile.BadZipFile):
        continue
    except Exception as e:
        other = type(e).__name__
        continue
    with open("output", "wb") as f:
        f.write(out.getvalue())
    sys.exit(0)
if other is not None:
    print("error:", other); sys.exit(3)
sys.exit(2)
)PY";

// The child's one line ("error: ParseError"), bounded, printable.
std::string said(const std::string& path) {
  std::string text;
  if (!readCappedFile(path, 4096, text)) return "";
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.size() > 120) text.resize(120);
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) c = ' ';
  return text;
}

Decrypted notTried(std::string detail, bool timedOut = false) {
  Decrypted d;
  d.detail = std::move(detail);
  d.timedOut = timedOut;
  return d;
}

Result refuseEncrypted(const std::string& detail, const std::string& detailJa) {
  return Result::refuse("office.encrypted", "password-protected document: " + detail, detailJa);
}

// The delivered extension when the inner cleaner named none: that of the
// decrypted document's type (a document sent as .doc that was an
// encrypted .docx is delivered as .docx), "" = keep the name.
std::string extensionFor(const std::string& mime) {
  static const std::pair<const char*, const char*> kKnown[] = {
      {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
      {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
      {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"},
      {"application/msword", "doc"},
      {"application/vnd.ms-excel", "xls"},
      {"application/vnd.ms-powerpoint", "ppt"},
  };
  for (const auto& [m, e] : kKnown)
    if (mime == m) return e;
  return "";
}

}  // namespace

Decrypted decryptOffice(std::string_view encrypted, const std::vector<std::string>& passwords,
                        std::chrono::milliseconds timeout, bool assumeNoNamespaces) {
  if (broker::active()) return decryptThroughBroker(encrypted, passwords, timeout, assumeNoNamespaces);  // in a job worker
  if (::access(kPython, X_OK) != 0) return notTried("python3 is not installed (/usr/bin/python3)");
  std::string list;
  std::size_t count = 0;
  for (const auto& p : passwords) {
    if (count == kMaxPasswordTries) break;
    if (p.empty() || p.find('\0') != std::string::npos) continue;  // cannot be an Office password
    list += p;
    list += '\0';
    ++count;
  }
  if (count == 0) {
    Decrypted d;
    d.status = Decrypted::Status::NoPassword;
    d.detail = "no password was given or found in the message";
    return d;
  }

  PrivateDir dir;
  if (dir.path().empty()) return notTried("cannot make a private directory: " + dir.error());
  const std::string d = dir.path();
  // Made 0600 before a byte is written (O_CREAT|O_EXCL, mode 0600).
  if (::mkdir((d + "/home").c_str(), 0700) != 0 || !writePrivateFile(d + "/passwords", list) || !writePrivateFile(d + "/input", encrypted))
    return notTried("cannot prepare the private directory");

  ConfinedRun run;
  run.argv = {kPython, "-I", "-B", "-c", kDriver};
  run.home = d + "/home";
  run.workDir = d;
  run.outputFile = d + "/python.log";
  run.timeout = timeout;
  run.cpuSeconds = static_cast<std::uint32_t>(std::max<std::int64_t>(timeout.count() / 1000, 1) + 1);
  run.memoryBytes = 1ull << 30;
  run.fileBytes = 2 * static_cast<std::uint64_t>(encrypted.size()) + (1ull << 20);  // ciphertext + padding only
  run.openFiles = 64;
  run.assumeNoNamespaces = assumeNoNamespaces;
  const RunOutcome r = runConfined(run);
  const std::string line = said(run.outputFile);
  if (r.status == RunOutcome::Status::TimedOut) return notTried("the decryption " + r.detail, true);
  if (r.status == RunOutcome::Status::NoSandbox)
    return notTried("the decryption cannot be confined (" + r.detail + ")");
  if (r.status != RunOutcome::Status::Exited) return notTried("the decryption failed: " + r.detail);
  Decrypted out;
  switch (r.code) {
    case 0:
      if (!readCappedFile(d + "/output", run.fileBytes, out.bytes) || out.bytes.empty())
        return notTried("the decryption wrote no document");
      out.status = Decrypted::Status::Opened;
      return out;
    case 2:
      out.status = Decrypted::Status::NoMatch;
      out.detail = "none of the " + std::to_string(count) + " password" + (count == 1 ? "" : "s") +
                   " given or found in the message opens it";
      return out;
    case 3: return notTried("its encryption cannot be opened (" + line + ")");
    case 4: return notTried("msoffcrypto (Debian package python3-msoffcrypto-tool) is not installed");
    default: return notTried("the decryption failed: exit status " + std::to_string(r.code) + (line.empty() ? "" : " (" + line + ")"));
  }
}

Result openEncrypted(std::string_view bytes, const Options& options, ScanContext& ctx) {
  const auto timeout = std::min<std::chrono::milliseconds>(std::chrono::seconds(options.decryptTimeoutSeconds), ctx.remaining());
  const Decrypted dec = decryptOffice(bytes, ctx.passwords(), timeout);
  if (dec.status == Decrypted::Status::NoMatch)
    return refuseEncrypted(dec.detail, "メール本文などで示されたパスワードでは開けない、パスワードで保護された文書のため削除しました");
  if (dec.status == Decrypted::Status::NoPassword)
    return refuseEncrypted(dec.detail, "パスワードが示されておらず、中身を検査できない文書のため削除しました");
  if (dec.status != Decrypted::Status::Opened) {
    if (ctx.expired())
      return Result::refuse("limit.time", "the input's time ran out while opening the password-protected document",
                            "処理時間の上限を超えたため文書を削除しました");
    std::cerr << "mugai: office_cdr: password-protected document not opened: " << dec.detail << "\n";
    return refuseEncrypted("its content cannot be inspected; could not try the passwords: " + dec.detail,
                           "パスワードで保護された文書を開けず、中身を検査できないため削除しました");
  }
  if (!ctx.chargeDecoded(dec.bytes.size()))
    return Result::refuse("limit.decoded_bytes", "the decrypted document exceeds the decoded-bytes budget",
                          "展開後のデータ量が上限を超えたため文書を削除しました");
  // The decrypted document is cleaned as any other; one layer only: a
  // document encrypted again inside is refused (encrypted = "remove").
  Options inner = options;
  inner.encrypted = EncryptedPolicy::Remove;
  Result r;
  switch (detectFormat(dec.bytes, "")) {
    case Format::Ooxml: r = cleanOoxml(dec.bytes, inner, ctx); break;
    case Format::Ole2: r = cleanOle2(dec.bytes, inner, ctx); break;
    default:
      return Result::refuse("office.unreadable", "the password-protected document holds no Office document once opened",
                            "パスワードを外した中身が Office 文書ではないため削除しました");
  }
  if (r.outcome == Outcome::Refuse) {
    for (auto& x : r.removals) x.detail += " (inside the password-protected document, opened with a password from the message)";
    return r;
  }
  Result out;
  out.outcome = Outcome::Cleaned;
  out.removals.push_back({"office.encryption_removed", "", "encrypted Office document",
                          "password-protected document opened with a password from the message and delivered without protection",
                          "パスワードで保護された文書をメールで示されたパスワードで開き、保護を外して配送します", 0});
  for (auto& x : r.removals) out.removals.push_back(std::move(x));
  out.mimeType = r.mimeType.empty() ? trueType(r.outcome == Outcome::Cleaned ? r.bytes : dec.bytes) : r.mimeType;
  out.extension = r.extension.empty() ? extensionFor(out.mimeType) : r.extension;
  out.bytes = r.outcome == Outcome::Cleaned ? std::move(r.bytes) : dec.bytes;
  return out;
}

}  // namespace mugai::sanitizers::office_cdr
