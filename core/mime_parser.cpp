// GMime 3 front end: builds our node tree from a message (see mime_parser.h).
//
// GMime handles are wrapped here rather than in c_handles.h so that no
// header outside this file includes GMime.
#include "core/mime_parser.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <array>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <string>
#include <vector>

#include "core/charset/charset.h"
#include "core/charset/header_params.h"
#include "core/charset/rfc2047.h"
#include "core/file_type.h"
#include "core/hash.h"
#include "core/mime_encode.h"
#include "core/prescan.h"

namespace mugai {
namespace {

struct GObjectUnref {
  void operator()(void* p) const {
    if (p) g_object_unref(p);
  }
};
template <class T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
  void operator()(void* p) const { g_free(p); }
};

struct Warning {
  gint64 offset;
  GMimeParserWarning code;
  std::string item;
};

void onWarning(gint64 offset, GMimeParserWarning code, const gchar* item, gpointer user) {
  auto* out = static_cast<std::vector<Warning>*>(user);
  if (out->size() < 1000) out->push_back({offset, code, item ? item : ""});
}

struct WarningInfo {
  const char* code;
  const char* detail;
  bool critical;
};

// What each GMime warning means for us. Critical ones say that some bytes
// may be read differently by us and by a mail client, so the part they
// touch is not delivered. A multipart without children is treated the same
// (its whole body was preamble we did not scan). A message that ends before
// its closing boundary is only a finding: every byte up to the end was
// parsed into parts and is sanitized, and the rebuilt message is framed
// afresh, so the client sees exactly the parts we saw.
WarningInfo describe(GMimeParserWarning code) {
  switch (code) {
    case GMIME_WARN_DUPLICATED_HEADER: return {"mime.duplicated_header", "header repeated with the same value", false};
    case GMIME_WARN_DUPLICATED_PARAMETER: return {"mime.duplicated_parameter", "header parameter repeated", false};
    case GMIME_WARN_UNENCODED_8BIT_HEADER: return {"mime.raw_8bit_header", "header has unencoded 8-bit bytes", false};
    case GMIME_WARN_INVALID_CONTENT_TYPE: return {"mime.invalid_content_type", "invalid Content-Type", false};
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE: return {"mime.invalid_rfc2047", "invalid RFC 2047 encoded word", false};
    case GMIME_WARN_MALFORMED_MULTIPART: return {"mime.malformed_multipart", "multipart without child parts", true};
    case GMIME_WARN_TRUNCATED_MESSAGE: return {"mime.truncated", "message ends before its closing boundary or body", false};
    case GMIME_WARN_MALFORMED_MESSAGE: return {"mime.malformed_message", "message is malformed", true};
    case GMIME_CRIT_INVALID_HEADER_NAME: return {"mime.invalid_header_name", "invalid header name", true};
    case GMIME_CRIT_CONFLICTING_HEADER: return {"mime.conflicting_header", "header repeated with a different value", true};
    case GMIME_CRIT_CONFLICTING_PARAMETER: return {"mime.conflicting_parameter", "header parameter repeated with a different value", true};
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return {"mime.multipart_without_boundary", "multipart without boundary parameter", true};
    case GMIME_WARN_INVALID_PARAMETER: return {"mime.invalid_parameter", "invalid header parameter", false};
    case GMIME_WARN_INVALID_ADDRESS_LIST: return {"mime.invalid_address_list", "invalid address list", false};
    case GMIME_CRIT_NESTING_OVERFLOW: return {"mime.nesting_overflow", "MIME nesting deeper than the parser allows", true};
    case GMIME_WARN_PART_WITHOUT_CONTENT: return {"mime.part_without_content", "part headers ended by a boundary", false};
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return {"mime.part_without_headers_or_content", "part without headers or content", true};
  }
  return {"mime.unknown_warning", "unknown parser warning", true};
}

std::vector<Header> copyHeaders(GMimeObject* obj, std::vector<gint64>* offsets) {
  std::vector<Header> out;
  GMimeHeaderList* list = g_mime_object_get_header_list(obj);
  if (!list) return out;
  int n = g_mime_header_list_get_count(list);
  out.reserve(static_cast<std::size_t>(std::max(n, 0)));
  for (int i = 0; i < n; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    const char* name = g_mime_header_get_raw_name(h);
    const char* raw = g_mime_header_get_raw_value(h);
    out.push_back({name ? name : "", raw ? raw : ""});
    if (offsets) offsets->push_back(g_mime_header_get_offset(h));
  }
  return out;
}

const Header* lastHeader(const Node& n, std::string_view name) {
  const Header* found = nullptr;
  for (const auto& h : n.headers)
    if (headerNameIs(h, name)) found = &h;
  return found;
}

void removeNode(Node& n, std::string by, std::string code, std::string reason) {
  n.action = Action::Remove;
  n.decidedBy = std::move(by);
  n.reasonCode = std::move(code);
  n.reason = std::move(reason);
}

GPtr<GMimeMessage> parseBuffer(const std::string& bytes, std::vector<Warning>& warnings);

class TreeBuilder {
 public:
  TreeBuilder(ParsedInput& in, const Limits& limits, std::chrono::steady_clock::time_point deadline)
      : in_(in), limits_(limits), deadline_(deadline) {}

  void build(GMimeMessage* message) {
    in_.root = std::make_unique<Node>();
    Node& root = *in_.root;
    root.kind = NodeKind::Message;
    root.declaredType = "message/rfc822";
    std::vector<gint64> offs;
    root.messageHeaders = copyHeaders(GMIME_OBJECT(message), &offs);
    addSpan(root, offs, in_.bytes.size());
    checkHeaders(root, root.messageHeaders);
    if (GMimeObject* body = g_mime_message_get_mime_part(message)) {
      push(root, body, &in_.bytes);
    }
    while (!stack_.empty()) {
      auto [obj, node, buffer] = stack_.back();
      stack_.pop_back();
      fill(obj, *node, buffer);
    }
    closeSpans();
  }

  /// The deepest node whose bytes contain `offset`, or the root.
  Node* nodeAt(gint64 offset) const {
    Node* best = in_.root.get();
    for (const auto& s : spans_)  // creation order: descendants come later
      if (offset >= s.begin && offset < s.end) best = s.node;
    return best;
  }

 private:
  struct Span {
    gint64 begin, end;
    Node* node;
  };

  void push(Node& parent, GMimeObject* obj, const std::string* buffer) {
    auto child = std::make_unique<Node>();
    child->parent = &parent;
    child->depth = parent.depth + 1;
    child->path = parent.path.empty() ? std::to_string(parent.children.size() + 1)
                                      : parent.path + "." + std::to_string(parent.children.size() + 1);
    Node* raw = child.get();
    parent.children.push_back(std::move(child));
    stack_.push_back({obj, raw, buffer});
  }

  void fill(GMimeObject* obj, Node& node, const std::string* buffer) {
    ++parts_;
    // Offsets of nodes inside an embedded buffer do not point into the
    // input; such nodes get no span (warnings there fail the whole part).
    std::vector<gint64> offs;
    node.headers = copyHeaders(obj, buffer == &in_.bytes ? &offs : nullptr);
    if (buffer != &in_.bytes) node.rawSource = buffer;
    if (std::chrono::steady_clock::now() > deadline_) {  // before any header is decoded
      fail(node, "limit.time", "parse time limit reached", offs);
      return;
    }
    describeContent(obj, node);
    if (parts_ > limits_.maxParts) {
      fail(node, "limit.parts", "more than " + std::to_string(limits_.maxParts) + " MIME parts", offs);
      return;
    }
    if (node.depth > limits_.maxDepth) {
      fail(node, "limit.depth", "MIME nesting deeper than " + std::to_string(limits_.maxDepth), offs);
      return;
    }
    checkHeaders(node, node.headers);
    if (node.action != Action::Keep) {  // removed for its headers: nothing below is read
      addSpan(node, offs, -1);
      return;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
      node.kind = NodeKind::Message;
      GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
      if (inner) {
        node.messageHeaders = copyHeaders(GMIME_OBJECT(inner), &offs);
        checkHeaders(node, node.messageHeaders);
        if (GMimeObject* body = g_mime_message_get_mime_part(inner)) push(node, body, buffer);
      }
      addSpan(node, offs, -1);
    } else if (GMIME_IS_MULTIPART(obj)) {
      node.kind = NodeKind::Multipart;
      GMimeMultipart* mp = GMIME_MULTIPART(obj);
      if (const char* b = g_mime_multipart_get_boundary(mp)) node.boundary = b;
      int n = g_mime_multipart_get_count(mp);
      if (n == 0) {
        // All of its body was preamble: nothing in it was parsed into parts
        // or scanned, so nothing of it may be delivered.
        in_.findings.push_back({"mime.malformed_multipart", "multipart without child parts (boundary never found)",
                                node.path, true});
        removeNode(node, "parser", "mime.malformed_multipart", "multipart without child parts");
      }
      for (int i = 0; i < n; ++i) push(node, g_mime_multipart_get_part(mp, i), buffer);
      addSpan(node, offs, -1);
    } else if (GMIME_IS_PART(obj)) {
      node.kind = NodeKind::Leaf;
      decodeLeaf(GMIME_PART(obj), node, *buffer);
      addSpan(node, offs, node.rawBody && buffer == &in_.bytes ? static_cast<gint64>(node.rawBody->end) : -1);
      if (node.action == Action::Keep) refuseUnscannable(node);
      if (node.action == Action::Keep && isEncodedMessage(node)) parseEmbedded(node);
    } else {
      node.kind = NodeKind::Leaf;
      addSpan(node, offs, -1);
    }
  }

  // Content we cannot scan as the client will see it (amavis bans both by
  // default). A message/partial fragment is one piece of a message that a
  // reassembling client puts together from several mails: nobody scans the
  // whole. A message/external-body makes the client fetch the content from
  // a URL, FTP site or mail server, past the gateway. At the top level the
  // fragment is the whole body, so the whole body goes.
  void refuseUnscannable(Node& node) {
    const char* code = node.declaredType == "message/partial"         ? "mime.message_partial"
                       : node.declaredType == "message/external-body" ? "mime.external_body"
                                                                       : nullptr;
    if (!code) return;
    const char* detail = code == std::string_view("mime.message_partial")
                             ? "message/partial fragment: the message it belongs to is never scanned whole"
                             : "message/external-body: the client would fetch content from outside the gateway";
    in_.findings.push_back({code, detail, node.path, true});
    removeNode(node, "parser", code, detail);
  }

  void fail(Node& node, const std::string& code, const std::string& detail, const std::vector<gint64>& offs) {
    node.kind = NodeKind::Leaf;
    in_.findings.push_back({code, detail, node.path, true});
    removeNode(node, "limits", code, detail);
    addSpan(node, offs, -1);
  }

  void checkHeaders(Node& node, const std::vector<Header>& headers) {
    if (headers.size() > limits_.maxHeaders) {
      in_.findings.push_back({"limit.header_count",
                              "more than " + std::to_string(limits_.maxHeaders) + " header fields", node.path, true});
      removeNode(node, "limits", "limit.header_count", "too many header fields");
    }
    for (const auto& h : headers) {
      if (!safeHeaderValue(h.rawValue)) {
        // GMime ends lines only at LF; clients that also break at a lone CR
        // would read a header (a Content-Type, a boundary) we never saw.
        in_.findings.push_back({"mime.bare_cr_in_header",
                                "header field " + h.name.substr(0, 64) + " holds a bare CR or a NUL", node.path, true});
        removeNode(node, "parser", "mime.bare_cr_in_header", "header field holds a bare CR or a NUL");
        break;
      }
      if (h.name.size() + h.rawValue.size() >= 998 && !foldLongLines(h.name + ":" + h.rawValue, "\r\n")) {
        // The rebuild folds long lines at blanks (RFC 5322 2.1.1); a field
        // with 998 octets and no blank cannot be written, so it is dropped.
        // Without its Content-* field a part would be read as another type
        // or name than the one we checked: the part goes instead.
        const bool contentField = &headers == &node.headers && h.name.size() >= 8 &&
                                  equalsIgnoreCase(std::string_view(h.name).substr(0, 8), "content-");
        in_.findings.push_back({"mime.long_header_line",
                                "header field " + h.name.substr(0, 64) +
                                    " has a line over 998 octets without a blank to fold at: not written",
                                node.path, contentField});
        if (contentField) removeNode(node, "parser", "mime.long_header_line", "header line too long to write");
        if (contentField) break;
      }
      if (h.name.size() + h.rawValue.size() > limits_.maxHeaderBytes) {
        in_.findings.push_back({"limit.header_size",
                                "header field " + h.name.substr(0, 64) + " is longer than " +
                                    std::to_string(limits_.maxHeaderBytes) + " bytes",
                                node.path, true});
        removeNode(node, "limits", "limit.header_size", "header field too long");
        break;
      }
    }
  }

  void describeContent(GMimeObject* obj, Node& node) {
    if (GMimeContentType* ct = g_mime_object_get_content_type(obj)) {
      std::unique_ptr<char, GFree> mime(g_mime_content_type_get_mime_type(ct));
      if (mime) node.declaredType = toLower(mime.get());
    }
    // GMime reads the last of repeated fields; so do we, to describe the
    // same content it parsed (repeats that differ already fail closed).
    const Header* ctH = lastHeader(node, "Content-Type");
    const Header* cdH = lastHeader(node, "Content-Disposition");
    const Header* cteH = lastHeader(node, "Content-Transfer-Encoding");
    charset::StructuredField ct, cd;
    if (ctH) ct = charset::parseStructured(ctH->rawValue);
    if (ct.params.count("charset")) node.charset = toLower(ct.params["charset"]);
    if (cdH) {
      cd = charset::parseStructured(cdH->rawValue, node.charset);
      node.disposition = cd.value;
    }
    // Raw 8-bit parameter values are read in the part's charset when known.
    if (ctH && !node.charset.empty() && !charset::isAscii(ctH->rawValue))
      ct = charset::parseStructured(ctH->rawValue, node.charset);
    if (cteH) {
      cteToken_ = toLower(charset::unfold(cteH->rawValue));
      cteToken_.erase(0, cteToken_.find_first_not_of(" \t"));
      cteToken_.erase(cteToken_.find_last_not_of(" \t") + 1);
    } else {
      cteToken_.clear();
    }
    node.transferEncoding = cteToken_;  // GMime's reading replaces it for leaves

    std::string byDisposition = cd.params.count("filename") ? cd.params["filename"] : "";
    std::string byType = ct.params.count("name") ? ct.params["name"] : "";
    node.filename = !byDisposition.empty() ? byDisposition : byType;
    // Other readings a client may act on: the name= beside filename=, and
    // the values read without Shift_JIS pairing (where "\x95\\" is an
    // escape, not 表).
    auto addName = [&](const std::string& n) {
      if (!n.empty() && n != node.filename &&
          std::find(node.otherNames.begin(), node.otherNames.end(), n) == node.otherNames.end())
        node.otherNames.push_back(n);
    };
    addName(byType);
    // Only 8-bit values can be read two ways (Shift_JIS pairing or not).
    if (cdH && !charset::isAscii(cdH->rawValue))
      addName(charset::parseStructured(cdH->rawValue, "iso-8859-1").params["filename"]);
    if (ctH && !charset::isAscii(ctH->rawValue))
      addName(charset::parseStructured(ctH->rawValue, "iso-8859-1").params["name"]);
    if (!byDisposition.empty() && !byType.empty() && byDisposition != byType)
      in_.findings.push_back({"name.disagree",
                              "Content-Disposition filename \"" + byDisposition + "\" differs from Content-Type name \"" +
                                  byType + "\"",
                              node.path, false});
    for (const auto* f : {&ct, &cd})
      for (const auto& p : f->problems) in_.findings.push_back({"header." + p, "header parameter oddity", node.path, false});
    if (!node.filename.empty()) node.extensionType = typeFromExtension(node.filename);
  }

  void decodeLeaf(GMimePart* part, Node& node, const std::string& buffer) {
    GMimeDataWrapper* w = g_mime_part_get_content(part);
    if (!w) {  // a part with no body at all
      node.bodyDecoded = true;
      return;
    }
    if (GMimeStream* src = g_mime_data_wrapper_get_stream(w)) {
      gint64 end = src->bound_end < 0 ? static_cast<gint64>(buffer.size()) : src->bound_end;
      if (src->bound_start >= 0 && src->bound_start <= end && end <= static_cast<gint64>(buffer.size()))
        node.rawBody = ByteRange{static_cast<std::size_t>(src->bound_start), static_cast<std::size_t>(end)};
    }
    // Transfer decodings never grow the data, so the raw size bounds the
    // decoded size and the budget is checked before any byte is decoded.
    std::uint64_t rawSize = node.rawBody ? node.rawBody->size() : buffer.size();
    if (decodedTotal_ + rawSize > limits_.maxDecodedBytes) {
      in_.findings.push_back({"limit.decoded_bytes",
                              "decoded parts exceed " + std::to_string(limits_.maxDecodedBytes) + " bytes", node.path,
                              true});
      removeNode(node, "limits", "limit.decoded_bytes", "decoded size limit reached");
      return;
    }
    GMimeContentEncoding enc = g_mime_part_get_content_encoding(part);
    node.transferEncoding = enc == GMIME_CONTENT_ENCODING_DEFAULT ? "" : g_mime_content_encoding_to_string(enc);
    if (const char* gname = g_mime_part_get_filename(part))
      if (*gname && gname != node.filename &&
          std::find(node.otherNames.begin(), node.otherNames.end(), gname) == node.otherNames.end())
        node.otherNames.emplace_back(gname);
    std::string_view raw = node.rawBody ? std::string_view(buffer).substr(node.rawBody->begin, node.rawBody->size())
                                        : std::string_view();
    const bool canonical = rawIsCanonical(enc, cteToken_, raw);
    // Lines over 998 octets or a NUL (RFC 5322 2.1.1, RFC 2045 2.8) break
    // SMTP relays and the 7bit/8bit message/rfc822 that may carry this part.
    node.rawReusable = node.rawBody && canonical && fitsMailLines(raw);
    if (!node.rawReusable && node.rawBody)
      in_.findings.push_back({"mime.reencoded",
                              canonical ? "a body line is longer than 998 octets or holds a NUL: the part is re-encoded"
                                        : "transfer encoding \"" + cteToken_.substr(0, 40) +
                                              "\" is not canonical or its body not strictly valid: the part is re-encoded",
                              node.path, false});
    if (node.rawBody && decodeDirect(part, raw, node.decoded)) {
      decodedTotal_ += node.decoded.size();
      node.bodyDecoded = true;
      return;
    }
    GPtr<GMimeStream> mem(g_mime_stream_mem_new());
    if (g_mime_data_wrapper_write_to_stream(w, mem.get()) < 0) {
      in_.findings.push_back({"mime.decode_failed", "part body could not be decoded", node.path, true});
      removeNode(node, "parser", "mime.decode_failed", "body could not be decoded");
      return;
    }
    GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
    node.decoded.assign(reinterpret_cast<const char*>(arr->data), arr->len);
    node.bodyDecoded = true;
    decodedTotal_ += node.decoded.size();
  }

  // True when every client decodes `raw` exactly as GMime did: the field
  // names the encoding GMime applied, in its canonical spelling, and the
  // bytes are strictly valid in it (no stray '=' in base64, no bad escapes
  // or 8-bit bytes in quoted-printable). uuencode is never reused.
  static bool rawIsCanonical(GMimeContentEncoding enc, const std::string& token, std::string_view raw) {
    switch (enc) {
      case GMIME_CONTENT_ENCODING_DEFAULT:
        return token.empty();
      case GMIME_CONTENT_ENCODING_7BIT:
        return token == "7bit";
      case GMIME_CONTENT_ENCODING_8BIT:
        return token == "8bit";
      case GMIME_CONTENT_ENCODING_BINARY:
        return token == "binary";
      case GMIME_CONTENT_ENCODING_BASE64:
        return token == "base64" && strictBase64(raw);
      case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
        return token == "quoted-printable" && strictQuotedPrintable(raw);
      default:
        return false;
    }
  }

  static bool strictBase64(std::string_view raw) {
    // One table lookup per byte: 1 alphabet, 2 line break / blank, 3 '=', 0 invalid.
    static const std::array<std::uint8_t, 256> kClass = [] {
      std::array<std::uint8_t, 256> t{};
      for (int c = 'A'; c <= 'Z'; ++c) t[c] = 1;
      for (int c = 'a'; c <= 'z'; ++c) t[c] = 1;
      for (int c = '0'; c <= '9'; ++c) t[c] = 1;
      t['+'] = t['/'] = 1;
      t['\r'] = t['\n'] = t[' '] = t['\t'] = 2;
      t['='] = 3;
      return t;
    }();
    std::size_t sig = 0, pad = 0;
    for (unsigned char c : raw) {
      switch (kClass[c]) {
        case 1:
          if (pad) return false;  // data after padding
          ++sig;
          break;
        case 2:
          break;
        case 3:
          ++pad;
          ++sig;
          break;
        default:
          return false;
      }
    }
    return pad <= 2 && sig % 4 == 0;
  }

  static bool strictQuotedPrintable(std::string_view raw) {
    for (std::size_t i = 0; i < raw.size(); ++i) {
      auto c = static_cast<unsigned char>(raw[i]);
      if (c >= 0x80 || (c < 0x20 && c != '\t' && c != '\r' && c != '\n')) return false;
      if (c != '=') continue;
      std::size_t j = i + 1;
      while (j < raw.size() && (raw[j] == ' ' || raw[j] == '\t')) ++j;
      if (j == raw.size() || raw[j] == '\n' || (raw[j] == '\r' && j + 1 < raw.size() && raw[j + 1] == '\n')) {
        i = j;  // soft line break
        continue;
      }
      if (i + 2 >= raw.size() || charset::hexDigitValue(raw[i + 1]) < 0 || charset::hexDigitValue(raw[i + 2]) < 0)
        return false;
      i += 2;
    }
    return true;
  }

  // Undoes the transfer encoding of `raw` (the part's body bytes) with
  // GMime's own decoders, straight into `out`: the same bytes as
  // g_mime_data_wrapper_write_to_stream, without a stream and filter chain
  // per part (that machinery was a fifth of the parse time). uuencode keeps
  // the stream path, which also handles its "begin" line.
  static bool decodeDirect(GMimePart* part, std::string_view raw, std::string& out) {
    GMimeContentEncoding enc = g_mime_part_get_content_encoding(part);
    switch (enc) {
      case GMIME_CONTENT_ENCODING_DEFAULT:
      case GMIME_CONTENT_ENCODING_7BIT:
      case GMIME_CONTENT_ENCODING_8BIT:
      case GMIME_CONTENT_ENCODING_BINARY:
        out.assign(raw);
        return true;
      case GMIME_CONTENT_ENCODING_BASE64:
      case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE: {
        GMimeEncoding state;
        g_mime_encoding_init_decode(&state, enc);
        out.resize(g_mime_encoding_outlen(&state, raw.size()) + 16);
        std::size_t n = g_mime_encoding_step(&state, raw.data(), raw.size(), out.data());
        n += g_mime_encoding_flush(&state, nullptr, 0, out.data() + n);
        out.resize(n);
        return true;
      }
      default:
        return false;
    }
  }

  // A message/* part that GMime left a leaf — sent base64 / QP / uuencoded
  // (forbidden by RFC 2046 5.2.1, done by many mailers) — is still shown by
  // clients as a message, attachments and all: parse it ourselves.
  static bool isEncodedMessage(const Node& n) {
    return n.declaredType == "message/rfc822" || n.declaredType == "message/global" || n.declaredType == "message/news";
  }

  // Parses the decoded body as a message of its own and grafts its tree
  // under `node`, under the same budget. Any critical problem inside fails
  // the whole embedded message.
  void parseEmbedded(Node& node) {
    auto buffer = std::make_unique<std::string>(std::move(node.decoded));
    node.decoded.clear();
    Limits remaining = limits_;
    remaining.maxParts = limits_.maxParts > parts_ ? limits_.maxParts - parts_ : 1;
    for (auto& f : prescan(*buffer, remaining)) {
      f.nodePath = node.path;
      removeNode(node, "limits", f.code, f.detail);
      in_.findings.push_back(std::move(f));
    }
    if (node.action != Action::Keep) return;
    // GMime keeps the warning callback's target in objects it may consult
    // later (lazy header parsing), so the vector lives as long as they do.
    std::vector<Warning>& warnings = embeddedWarnings_.emplace_back();
    GPtr<GMimeMessage> message = parseBuffer(*buffer, warnings);
    for (const auto& w : warnings) {
      WarningInfo info = describe(w.code);
      in_.findings.push_back({info.code, std::string(info.detail) + " (inside an encoded message)", node.path, info.critical});
      in_.wellFormed = false;
      if (info.critical && node.action == Action::Keep) removeNode(node, "parser", info.code, info.detail);
    }
    if (!message) {
      in_.findings.push_back({"mime.not_a_message", "encoded message/rfc822 part is not a message", node.path, true});
      removeNode(node, "parser", "mime.not_a_message", "encoded message/rfc822 part is not a message");
    }
    if (node.action != Action::Keep) return;
    // RFC 2046 5.2.1 allows message/rfc822 only in 7bit, 8bit or binary;
    // strict readers see an encoded one as a broken text part. The rebuild
    // sends it on unencoded (reported once: a non-canonical body already was).
    if (node.rawReusable)
      in_.findings.push_back({"mime.reencoded",
                              "message part sent with Content-Transfer-Encoding \"" + cteToken_.substr(0, 40) +
                                  "\" (RFC 2046 5.2.1): it goes out unencoded",
                              node.path, false});
    node.kind = NodeKind::Message;
    node.messageHeaders = copyHeaders(GMIME_OBJECT(message.get()), nullptr);
    checkHeaders(node, node.messageHeaders);
    if (GMimeObject* body = g_mime_message_get_mime_part(message.get())) push(node, body, buffer.get());
    embedded_.push_back(std::move(message));
    in_.innerBuffers.push_back(std::move(buffer));
  }

  void addSpan(Node& node, const std::vector<gint64>& offs, gint64 end) {
    gint64 begin = offs.empty() ? end : *std::min_element(offs.begin(), offs.end());
    spans_.push_back({begin, end, &node});
  }

  // Containers end where their last descendant ends and begin no later than
  // their first; walk the spans backwards (children were created last).
  void closeSpans() {
    std::unordered_map<Node*, Span*> byNode;
    for (auto& s : spans_) byNode[s.node] = &s;
    for (auto it = spans_.rbegin(); it != spans_.rend(); ++it) {
      if (!it->node->parent) continue;
      auto p = byNode.find(it->node->parent);
      if (p == byNode.end()) continue;
      Span& ps = *p->second;
      if (it->end > ps.end) ps.end = it->end;
      if (it->begin >= 0 && (ps.begin < 0 || it->begin < ps.begin)) ps.begin = it->begin;
    }
  }

  ParsedInput& in_;
  const Limits& limits_;
  std::chrono::steady_clock::time_point deadline_;
  struct Work {
    GMimeObject* obj;
    Node* node;
    const std::string* buffer;  // the bytes obj was parsed from
  };
  std::vector<Work> stack_;
  std::deque<std::vector<Warning>> embeddedWarnings_;  // declared first: outlives embedded_
  std::vector<GPtr<GMimeMessage>> embedded_;  // keeps embedded parses alive until built
  std::string cteToken_;  // Content-Transfer-Encoding of the node being described
  std::vector<Span> spans_;
  std::uint32_t parts_ = 0;
  std::uint64_t decodedTotal_ = 0;
};

void initGmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

// One GMime parse of `bytes`. The parser keeps (persists) offsets into its
// own copy of the bytes, which match offsets into `bytes`.
GPtr<GMimeMessage> parseBuffer(const std::string& bytes, std::vector<Warning>& warnings) {
  initGmime();
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_persist_stream(parser.get(), TRUE);
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  std::unique_ptr<GMimeParserOptions, decltype(&g_mime_parser_options_free)> options(g_mime_parser_options_new(),
                                                                                     &g_mime_parser_options_free);
  g_mime_parser_options_set_warning_callback(options.get(), onWarning, &warnings);
  return GPtr<GMimeMessage>(g_mime_parser_construct_message(parser.get(), options.get()));
}

// A message we cannot parse at all: keep its top-level header fields for
// the notice, and remove the whole body.
void failWhole(ParsedInput& in, const Limits& limits, const std::string& code, const std::string& detail) {
  in.root = std::make_unique<Node>();
  in.root->kind = NodeKind::Message;
  in.root->declaredType = "message/rfc822";
  in.root->messageHeaders = splitTopHeaders(in.bytes, limits);
  auto body = std::make_unique<Node>();
  body->path = "1";
  body->depth = 1;
  body->parent = in.root.get();
  body->declaredType = "application/octet-stream";
  body->rawBody = ByteRange{0, in.bytes.size()};
  body->sha256Cache = sha256Hex(in.bytes);
  removeNode(*body, code.rfind("limit.", 0) == 0 ? "limits" : "parser", code, detail);
  in.root->children.push_back(std::move(body));
  in.wellFormed = false;
}

void decodeSummary(ParsedInput& in) {
  for (const auto& h : in.root->messageHeaders) {
    std::string* target = headerNameIs(h, "Subject") ? &in.subject
                          : headerNameIs(h, "From")  ? &in.from
                          : headerNameIs(h, "To")    ? &in.to
                                                     : nullptr;
    if (target && target->empty()) {
      *target = charset::decodeHeader(h.rawValue);
      auto b = target->find_first_not_of(" \t");
      target->erase(0, b == std::string::npos ? target->size() : b);
    }
  }
}

}  // namespace

ParsedInput parseMessage(std::string bytes, const Limits& limits, std::chrono::steady_clock::time_point deadline) {
  ParsedInput in;
  in.bytes = std::move(bytes);
  in.findings = prescan(in.bytes, limits);
  if (!in.findings.empty()) {
    failWhole(in, limits, in.findings.front().code, in.findings.front().detail);
    decodeSummary(in);
    return in;
  }
  std::vector<Warning> warnings;
  GPtr<GMimeMessage> message = parseBuffer(in.bytes, warnings);
  if (!message) {
    in.findings.push_back({"mime.not_a_message", "input is not a mail message", "", true});
    failWhole(in, limits, "mime.not_a_message", "input is not a mail message");
    decodeSummary(in);
    return in;
  }
  TreeBuilder builder(in, limits, deadline);
  builder.build(message.get());
  for (const auto& w : warnings) {
    WarningInfo info = describe(w.code);
    // Two different Subject or Date fields are resolved by the rebuild
    // (first one kept); two different Content-* fields change how the body
    // is read, so only those fail closed.
    const bool contentField = w.item.size() >= 8 && equalsIgnoreCase(w.item.substr(0, 8), "content-");
    if (w.code == GMIME_CRIT_CONFLICTING_HEADER && !contentField)
      info = {"mime.conflicting_header", "header repeated with a different value (first one kept)", false};
    Node* at = builder.nodeAt(w.offset);
    std::string detail = info.detail;
    if (!w.item.empty()) detail += ": " + w.item.substr(0, 200);
    in.findings.push_back({info.code, detail, at->path, info.critical});
    in.wellFormed = false;
    if (!info.critical) continue;
    // The root itself cannot be dropped: its body goes instead.
    Node* victim = at == in.root.get() && !at->children.empty() ? at->children.front().get() : at;
    if (victim->action == Action::Keep) removeNode(*victim, "parser", info.code, detail);
  }
  decodeSummary(in);
  return in;
}

}  // namespace mugai
