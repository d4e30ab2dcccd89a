// See attachment_strip.h.
#include "sanitizers/attachment_strip/attachment_strip.h"

#include "core/display_text.h"
#include "sanitizers/attachment_strip/name_checks.h"

namespace mugai::sanitizers::attachment_strip {
namespace {

constexpr const char* kBidiReason =
    "file name hides its real extension or forges text with invisible, bidi or line-breaking characters "
    "(e.g. U+202E, U+2028, U+200B)";
constexpr const char* kBidiReasonJa =
    "ファイル名に表示を偽装する制御文字・不可視文字（U+202E、U+2028、U+200B など）が含まれています";

bool startsWith(const std::string& s, std::string_view p) { return s.compare(0, p.size(), p) == 0; }

bool isUnknownType(const std::string& t) {
  return t.empty() || t == "application/octet-stream" || t == "application/x-unknown";
}

std::string describe(const Node& n) {
  return n.filename.empty() ? n.declaredType : "\"" + displayName(n.filename) + "\"";
}

}  // namespace

bool isAttachment(const Node& n) {
  if (!n.filename.empty() || n.disposition == "attachment") return true;
  return !startsWith(n.declaredType, "text/") && !startsWith(n.declaredType, "message/");
}

bool isInlineImage(const Node& n) {
  bool image = startsWith(n.declaredType, "image/");
  return image && n.disposition != "attachment" && (n.header("Content-ID") || n.disposition == "inline");
}

std::string typeFamily(const std::string& t) {
  if (isUnknownType(t) || t == "application/x-empty" || t == "application/x-download" || startsWith(t, "binary/"))
    return "";
  if (startsWith(t, "text/")) return "text";
  if (startsWith(t, "image/")) return t == "image/svg+xml" ? "svg" : "image";
  if (startsWith(t, "audio/") || startsWith(t, "video/")) return "media";
  if (t.find("zip") != std::string::npos || t.find("openxmlformats") != std::string::npos ||
      t.find("java-archive") != std::string::npos || t.find("opendocument") != std::string::npos)
    return "zip";
  if (t == "application/msword" || t.find("ms-excel") != std::string::npos ||
      t.find("ms-powerpoint") != std::string::npos || t == "application/x-ole-storage" || t == "application/cdfv2" ||
      t.find("vbaproject") != std::string::npos)
    return "office";
  if (t == "application/pdf") return "pdf";
  if (t.find("dosexec") != std::string::npos || t.find("portable-executable") != std::string::npos ||
      t.find("msdownload") != std::string::npos || t == "application/x-executable")
    return "exe";
  return t;
}

Decision AttachmentStrip::run(const Node& node, ScanContext& ctx) {
  // After an earlier stage replaced the node (office_cdr's cleaned .docx for
  // a .docm), what will be delivered is judged: the replacement's name and
  // type; the original's other name readings are no longer written out.
  const bool replaced = node.replacement.has_value();
  const std::string& name = replaced && !node.replacement->filename.empty() ? node.replacement->filename : node.filename;
  const std::string trueType = toLower(replaced ? node.replacement->mimeType : node.trueType());
  const std::string ext = effectiveExtension(name);
  const bool attachment = isAttachment(node);

  for (const auto& f : checkName(name)) ctx.addFinding({f.code, f.detail, node.path, false});
  // The same set the notice masks (display_text.h): a name the notice
  // could only show garbled is not delivered either.
  if (policy_.removeBidiNames && hasHiddenChars(name))
    return Decision::remove("name.bidi", kBidiReason, kBidiReasonJa);

  const std::string declaredFamily = typeFamily(node.declaredType), trueFamily = typeFamily(trueType);
  // A replacement's type is ours, not the sender's claim: nothing to compare.
  const bool mismatch = !replaced && !declaredFamily.empty() && !trueFamily.empty() && declaredFamily != trueFamily;
  if (mismatch)
    ctx.addFinding({"type.mismatch", "declared " + node.declaredType + " but the bytes are " + trueType, node.path, false});
  const std::string extFamily = typeFamily(node.extensionType);
  if (!replaced && !extFamily.empty() && !trueFamily.empty() && extFamily != trueFamily)
    ctx.addFinding({"name.extension_mismatch", "named ." + ext + " but the bytes are " + trueType, node.path, false});

  // Dangerous content goes whatever the part claims to be; the extension
  // counts for attachments (what the client would save and open).
  // Every reading of the name a client may act on is checked.
  std::vector<std::string> exts{ext};
  for (const auto& other : replaced ? std::vector<std::string>{} : node.otherNames) {
    exts.push_back(effectiveExtension(other));
    // Some other readings are the raw 8-bit header read as ISO-8859-1, where
    // every Shift_JIS lead byte 0x80-0x9F is a "C1 control": those do not
    // count there (the name itself is checked in full above).
    if (policy_.removeBidiNames && hasHiddenChars(other, true))
      return Decision::remove("name.bidi", kBidiReason, kBidiReasonJa);
  }
  for (const auto& e : exts) {
    if (const Category* c = deniedCategory(policy_, trueType, attachment ? e : std::string(), attachment)) {
      return Decision::remove("type." + std::string(c->name),
                              describe(node) + " is " + std::string(c->labelEn) + " (" + trueType +
                                  (e.empty() ? "" : ", ." + e) + ")",
                              std::string(c->labelJa) + "は受け取れません");
    }
    if (policy_.denyTypes.count(trueType) || (attachment && !e.empty() && policy_.denyExtensions.count(e)))
      return Decision::remove("type.denied", describe(node) + " has a type the policy denies (" + trueType + ")",
                              "ポリシーで禁止されている種類のファイルです");
  }
  if (mismatch && attachment && policy_.removeTypeMismatch)
    return Decision::remove("type.mismatch", "declared " + node.declaredType + " but the bytes are " + trueType,
                            "申告された種類と中身が一致しません");

  // Body text is shown, never opened: only the denied categories above
  // apply to it (ISO-2022-JP with SO/SI looks like binary to libmagic).
  if (!attachment) return Decision::keep();
  const bool inlineImage = isInlineImage(node) && startsWith(trueType, "image/");
  switch (policy_.mode) {
    case Mode::StripAll:
      if (inlineImage && policy_.keepInlineImages) return Decision::keep();
      return Decision::remove("policy.strip_all", "every attachment is removed by policy (strip_all)",
                              "ポリシーによりすべての添付ファイルを削除しています");
    case Mode::Allow:
      if (inlineImage && policy_.keepInlineImages) return Decision::keep();
      if (policy_.allowTypes.count(trueType) &&
          (ext.empty() || policy_.allowExtensions.empty() || policy_.allowExtensions.count(ext)))
        return Decision::keep();
      return Decision::remove("policy.not_allowed", describe(node) + " (" + trueType + ") is not on the allow list",
                              "許可リストにない種類のファイルです");
    case Mode::Deny:
      break;
  }
  if (inlineImage && !policy_.keepInlineImages)
    return Decision::remove("policy.inline_image", "inline images are removed by policy", "ポリシーにより本文中の画像を削除しています");
  if (policy_.removeUnknown && isUnknownType(trueType))
    return Decision::remove("type.unknown", describe(node) + ": the file type cannot be determined",
                            "ファイルの種類を判別できません");
  return Decision::keep();
}

}  // namespace mugai::sanitizers::attachment_strip
