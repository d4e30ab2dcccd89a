// See rtf_field.h.
#include "sanitizers/office_cdr/rtf_field.h"

namespace mugai::sanitizers::office_cdr::rtf {

void FieldName::feed(unsigned char c) {
  if (done_) {
    // After the name: a "\l" switch makes a HYPERLINK a jump inside the
    // document (a bookmark), not a link out of it.
    if (prev_ == '\\' && (c == 'l' || c == 'L')) localSwitch_ = true;
    if (c >= 0x20) prev_ = c;
    return;
  }
  if (c < 0x20 || c == 0x7f) return;  // control bytes: skipped, so they cannot split a name for us
  if (!started_) {
    if (c == ' ' || c == '\\' || c == '"' || c == '\'' || c == 0xa0) return;
    started_ = true;
  }
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (!letter) {
    done_ = true;
    prev_ = c;
    return;
  }
  if (len_ == buf_.size()) {
    overflow_ = true;
    done_ = true;
    return;
  }
  buf_[len_++] = static_cast<char>(c >= 'a' ? c - 'a' + 'A' : c);
}

namespace {

FieldKind kindOf(const FieldName& n) {
  if (n.overflow()) return FieldKind::Fetch;
  const std::string_view w = n.name();
  auto has = [&](std::string_view s) { return w.find(s) != std::string_view::npos; };
  if (has("DDE")) return FieldKind::Dde;  // DDE, DDEAUTO
  if (has("INCLUDE") || has("IMPORT") || has("DATABASE")) return FieldKind::Fetch;
  if (has("LINK") && w != "HYPERLINK") return FieldKind::Fetch;
  if (w == "HYPERLINK") return n.localSwitch() ? FieldKind::Harmless : FieldKind::Hyperlink;  // the link policy's
  return FieldKind::Harmless;
}

}  // namespace

FieldVerdict judgeField(const FieldName* names, std::size_t count, bool computedName, bool linksActive) {
  FieldVerdict v;
  for (std::size_t i = 0; i < count; ++i) {
    FieldKind k = kindOf(names[i]);
    if (k == FieldKind::Hyperlink && !linksActive) k = FieldKind::Harmless;
    if (k <= v.kind) continue;
    v.kind = k;
    v.name = names[i].overflow() ? std::string("overlong name") : std::string(names[i].name());
  }
  if (computedName && v.kind < FieldKind::Fetch) {
    v.kind = FieldKind::Fetch;
    v.name = "name computed by a nested field";
  }
  return v;
}

}  // namespace mugai::sanitizers::office_cdr::rtf
