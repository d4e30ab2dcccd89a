// See rebuild.h.
#include "core/rebuild.h"

#include <array>
#include <cassert>
#include <set>

#include "core/charset/charset.h"
#include "core/charset/header_params.h"
#include "core/mime_encode.h"

namespace mugai {
namespace {

// RFC 5322 3.6 fields that may appear once, plus MIME's own.
constexpr std::array<std::string_view, 13> kSingletons{
    "date", "from", "sender", "reply-to", "to", "cc", "bcc", "message-id", "in-reply-to", "references", "subject",
    "mime-version", "content-type"};

bool startsWithCi(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && equalsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

std::string trimName(std::string_view n) {
  while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.remove_suffix(1);
  return std::string(n);
}

class Writer {
 public:
  Writer(const ParsedInput& in, const RebuildInfo& info) : in_(in), info_(info) {
    std::string_view b = in.bytes;
    std::size_t nl = b.find('\n');
    eol_ = nl != std::string_view::npos && nl > 0 && b[nl - 1] == '\r' ? "\r\n" : "\n";
    if (nl == std::string_view::npos) eol_ = "\r\n";
  }

  std::string run() {
    const Node& root = *in_.root;
    const Node* body = root.children.empty() ? nullptr : root.children.front().get();
    bool bodyGone = !body || body->action == Action::Remove || root.action == Action::Remove;
    writeTopHeaders(root);
    std::string notice = info_.noticeUtf8;
    if (bodyGone) {
      writeNoticePart(notice.empty() ? "(本文は削除されました / the body was removed)\n" : notice);
      return std::move(out_);
    }
    if (notice.empty()) {
      writeNode(*body);
      return std::move(out_);
    }
    std::string b = boundary();
    out_ += "Content-Type: multipart/mixed; boundary=\"" + b + "\"" + eol_ + eol_;
    out_ += "--" + b + eol_;
    writeNoticePart(notice);
    out_ += eol_ + "--" + b + eol_;
    writeNode(*body);
    out_ += eol_ + "--" + b + "--" + eol_;
    return std::move(out_);
  }

 private:
  std::string boundary() { return "=_mugai_" + info_.id + "_" + std::to_string(++boundaries_); }

  void endLine() {
    if (!out_.empty() && out_.back() != '\n') out_ += eol_;
  }

  // Fields no two parsers agree on never reach the client (the parser
  // already reported them): a bad name, a bare CR, a NUL.
  // A line over 998 octets (RFC 5322 2.1.1) is folded at a blank; a field
  // that cannot be folded is not written (the parser reported it, and
  // removed the part when it was a Content-* field).
  void writeHeader(const Header& h) {
    if (!validFieldName(h.name) || !safeHeaderValue(h.rawValue)) return;
    std::string field = trimName(h.name) + ":" + h.rawValue;
    if (field.size() > 998) {
      auto folded = foldLongLines(field, eol_);
      if (!folded) return;
      field = std::move(*folded);
    }
    out_ += field;
    endLine();
  }

  // Top-level fields: drop Content-* (the body writes its own), our own
  // X-Mugai-* (never trust a sender's), and repeated singletons.
  void writeTopHeaders(const Node& root) {
    writeMessageHeaders(root.messageHeaders);
    out_ += "MIME-Version: 1.0" + eol_;
    out_ += "X-Mugai-Result: " + std::string(verdictName(info_.verdict)) + eol_;
    out_ += "X-Mugai-Id: " + info_.id + eol_;
  }

  void writeMessageHeaders(const std::vector<Header>& headers) {
    std::set<std::string> seen;
    for (const auto& h : headers) {
      std::string name = toLower(trimName(h.name));
      if (startsWithCi(name, "content-") || name == "mime-version" || startsWithCi(name, "x-mugai-")) continue;
      bool singleton = false;
      for (auto s : kSingletons) singleton = singleton || name == s;
      if (singleton && !seen.insert(name).second) continue;
      writeHeader(h);
    }
  }

  void writeNoticePart(const std::string& utf8) {
    // The notice goes out in the charset of the message's first text part
    // when that charset can hold it (Japanese clients then show it as the
    // sender's text), else in UTF-8.
    std::string cs = "utf-8";
    in_.root->forEach([&](const Node& n) {
      if (cs == "utf-8" && n.kind == NodeKind::Leaf && n.declaredType == "text/plain" && !n.charset.empty())
        cs = charset::canonical(n.charset);
    });
    // Only labels every Japanese client knows; never the sender's raw text.
    if (cs != "iso-2022-jp" && cs != "cp932" && cs != "euc-jp-ms") cs = "utf-8";
    std::string text = utf8;
    if (eol_ == "\r\n") {
      text.clear();
      for (char c : utf8) text += c == '\n' ? std::string("\r\n") : std::string(1, c);
    }
    auto encoded = charset::fromUtf8(text, cs);
    if (!encoded) {
      cs = "utf-8";
      encoded = text;
    }
    out_ += "Content-Type: text/plain; charset=\"" + mimeCharsetLabel(cs) + "\"" + eol_;
    out_ += "Content-Disposition: inline" + eol_;
    out_ += "Content-Description: mugai notice" + eol_;
    if (cs == "iso-2022-jp") {
      out_ += "Content-Transfer-Encoding: 7bit" + eol_ + eol_ + *encoded;
    } else {
      out_ += "Content-Transfer-Encoding: base64" + eol_ + eol_ + encodeBase64Lines(*encoded, eol_);
    }
    endLine();
  }

  void writeNode(const Node& n) {
    switch (n.kind) {
      case NodeKind::Leaf: return writeLeaf(n);
      case NodeKind::Multipart: return writeMultipart(n);
      case NodeKind::Message: return writeEmbeddedMessage(n);
    }
  }

  void writeLeaf(const Node& n) {
    if (n.action == Action::Replace && n.replacement) return writeReplacement(n, *n.replacement);
    if (n.rawBody && !n.rawReusable) {
      // What we scanned is `decoded`; send exactly that, in clean base64.
      for (const auto& h : n.headers)
        if (!headerNameIs(h, "Content-Transfer-Encoding")) writeHeader(h);
      out_ += "Content-Transfer-Encoding: base64" + eol_ + eol_ + encodeBase64Lines(n.decoded, eol_);
      return;
    }
    for (const auto& h : n.headers) writeHeader(h);
    out_ += eol_;
    if (n.rawBody) {
      out_.append(source(n), n.rawBody->begin, n.rawBody->size());
    } else if (!n.decoded.empty()) {
      // No raw bytes to copy: write the decoded body back in base64 under
      // the node's own headers only if they say base64; else as is.
      out_ += n.transferEncoding == "base64" ? encodeBase64Lines(n.decoded, eol_) : n.decoded;
    }
  }

  void writeReplacement(const Node& n, const Replacement& r) {
    out_ += "Content-Type: " + r.mimeType;
    if (!r.charset.empty()) out_ += "; charset=\"" + mimeCharsetLabel(charset::canonical(r.charset)) + "\"";
    if (!r.filename.empty()) out_ += ";" + eol_ + "\t" + fileNameParams("name", r.filename, eol_);
    out_ += eol_;
    if (!r.filename.empty() || n.disposition == "attachment") {
      out_ += "Content-Disposition: " + std::string(n.disposition == "inline" ? "inline" : "attachment");
      if (!r.filename.empty()) out_ += ";" + eol_ + "\t" + fileNameParams("filename", r.filename, eol_);
      out_ += eol_;
    }
    bool seven = charset::isAscii(r.bytes) && r.bytes.find('\0') == std::string::npos;
    if (seven) {
      out_ += "Content-Transfer-Encoding: 7bit" + eol_ + eol_ + r.bytes;
    } else {
      out_ += "Content-Transfer-Encoding: base64" + eol_ + eol_ + encodeBase64Lines(r.bytes, eol_);
    }
  }

  // Every multipart gets a fresh boundary and a Content-Type we write: the
  // sender's boundary text is what GMime decoded, and a client reading the
  // raw field differently (RFC 2231, encoded words, quoting) would split
  // the body somewhere else. Our boundary cannot occur in any part.
  void writeMultipart(const Node& n) {
    std::vector<const Node*> kept;
    for (const auto& c : n.children)
      if (c->action != Action::Remove) kept.push_back(c.get());
    if (kept.empty()) return writePlaceholder();
    std::string b = boundary();
    for (const auto& h : n.headers)
      if (!headerNameIs(h, "Content-Type") && !headerNameIs(h, "Content-Transfer-Encoding")) writeHeader(h);
    std::string sub = n.declaredType.rfind("multipart/", 0) == 0 ? n.declaredType : "multipart/mixed";
    out_ += "Content-Type: " + sub + ";" + eol_ + "\tboundary=\"" + b + "\"" + keptParameters(n) + eol_ + eol_;
    // The line break before each delimiter belongs to the delimiter
    // (RFC 2046 5.1.1), so it is always written after a child's body.
    for (const Node* c : kept) {
      out_ += "--" + b + eol_;
      writeNode(*c);
      out_ += eol_;
    }
    out_ += "--" + b + "--" + eol_;
  }

  // Parameters a multipart needs besides its boundary (related: type and
  // start; signed/encrypted: protocol, micalg; report: report-type), kept
  // only when they are plain printable ASCII.
  std::string keptParameters(const Node& n) const {
    const Header* ct = nullptr;
    for (const auto& h : n.headers)
      if (headerNameIs(h, "Content-Type")) ct = &h;
    if (!ct) return "";
    auto field = charset::parseStructured(ct->rawValue);
    std::string out;
    for (const char* p : {"type", "start", "protocol", "micalg", "report-type"}) {
      auto it = field.params.find(p);
      if (it == field.params.end() || it->second.empty() || it->second.size() > 200) continue;
      bool plain = true;
      for (unsigned char c : it->second) plain = plain && c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
      if (plain) out += ";" + eol_ + "\t" + p + "=\"" + it->second + "\"";
    }
    return out;
  }

  const std::string& source(const Node& n) const { return n.rawSource ? *n.rawSource : in_.bytes; }

  // A message/rfc822 part always goes out as its rebuilt form, never
  // transfer-encoded: RFC 2046 5.2.1 allows only 7bit, 8bit and binary, and
  // strict readers (Python's email) take a base64 one for a broken text
  // part. One that came encoded was decoded and parsed; its inner parts are
  // written as any others, so no line exceeds 998 octets and no NUL is left
  // (leaves that would break that are re-encoded, long fields folded), and
  // 7bit or 8bit says truly what the bytes are.
  void writeEmbeddedMessage(const Node& n) {
    if (n.children.empty() && n.messageHeaders.empty()) {
      for (const auto& h : n.headers)
        if (!headerNameIs(h, "Content-Transfer-Encoding")) writeHeader(h);
      return;  // empty message: the delimiter's line break ends the headers
    }
    std::string outer = std::move(out_);
    out_.clear();
    writeMessageHeaders(n.messageHeaders);
    out_ += "MIME-Version: 1.0" + eol_;
    if (n.children.empty()) out_ += eol_;  // an empty body stays empty
    else if (n.children.front()->action == Action::Remove) writePlaceholder();
    else writeNode(*n.children.front());
    std::string inner = std::move(out_);
    out_ = std::move(outer);
    for (const auto& h : n.headers)
      if (!headerNameIs(h, "Content-Transfer-Encoding")) writeHeader(h);
    out_ += "Content-Transfer-Encoding: " + std::string(charset::isAscii(inner) ? "7bit" : "8bit") + eol_ + eol_;
    out_ += inner;
  }

  void writePlaceholder() {
    out_ += "Content-Type: text/plain; charset=\"UTF-8\"" + eol_;
    out_ += "Content-Transfer-Encoding: 8bit" + eol_ + eol_;
    out_ += "(mugai: この部分は削除されました / this part was removed)" + eol_;
  }

  const ParsedInput& in_;
  const RebuildInfo& info_;
  std::string eol_;
  std::string out_;
  int boundaries_ = 0;
};

}  // namespace

std::string rebuildMessage(const ParsedInput& input, const RebuildInfo& info) {
  assert(info.verdict != Verdict::Rejected);
  return Writer(input, info).run();
}

}  // namespace mugai
