// The node tree: one data model for every input mugai handles. A mail is a
// tree of Message / Multipart / Leaf nodes; later a ZIP is a container whose
// entries are children. Parsers (mime_parser.cpp) build it, sanitizers decide
// on it, rebuild.cpp writes the output from it. No parser library type
// appears here.
//
// Trust: every string in a Node comes from hostile input. Names are decoded
// to UTF-8 but may hold anything (bidi controls, "../", NUL): print them
// through the report, never use them as paths.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ascii_case.h"

namespace mugai {

enum class NodeKind {
  Message,    ///< a header block plus one body child (top level or message/rfc822)
  Multipart,  ///< multipart/*: ordered children separated by a boundary
  Leaf,       ///< a body with content
};

/// What the pipeline decided for a node. Closed set; rebuild.cpp acts on it.
enum class Action {
  Keep,     ///< emitted unchanged (byte-for-byte where the input allows)
  Replace,  ///< emitted with Node::replacement instead of the original body
  Remove,   ///< dropped from the output and listed in the notice; original quarantined
  Reject,   ///< the whole message is refused (the relay answers 550 / bounces)
};

std::string_view actionName(Action a);
std::string_view kindName(NodeKind k);

/// Something noteworthy about the input: a parser complaint, a limit, a
/// sanitizer's reason. Critical findings make the affected node fail closed.
struct Finding {
  std::string code;      ///< stable id, e.g. "mime.conflicting_header", "limit.parts"
  std::string detail;    ///< human-readable detail (English)
  std::string nodePath;  ///< "" for the whole input, else e.g. "1.2"
  bool critical = false;
};

/// One header field as it appeared: name and raw value bytes (folding kept).
struct Header {
  std::string name;
  std::string rawValue;
};

/// A byte range in the input buffer [begin, end).
struct ByteRange {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t size() const { return end - begin; }
};

/// New content chosen by a sanitizer for Action::Replace.
struct Replacement {
  std::string bytes;      ///< decoded bytes (text already in `charset`)
  std::string mimeType;   ///< e.g. "text/plain"
  std::string charset;    ///< for text types; "" otherwise
  std::string filename;   ///< UTF-8, "" for none
};

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Node {
  NodeKind kind = NodeKind::Leaf;
  std::string path;  ///< "" for the root, then "1", "1.2", ... (1-based)
  std::uint32_t depth = 0;

  // --- what the input says and what the bytes are -------------------------
  std::string declaredType;   ///< Content-Type media type, lower case ("text/plain")
  std::string extensionType;  ///< media type implied by the filename's extension, "" if none
  std::string filename;       ///< decoded UTF-8 (filename*, filename, name, in that order)
  std::string charset;        ///< Content-Type charset parameter, lower case
  std::string transferEncoding;  ///< as GMime decoded it: "base64", "quoted-printable", "x-uuencode",
                                 ///< "7bit", "8bit", "binary", or "" (none / unknown = 7bit)
  /// The raw body may be copied out as it came: its Content-Transfer-Encoding
  /// field names exactly the encoding GMime used, and the raw bytes are
  /// strictly valid in it, so every client decodes them to `decoded`; and
  /// no line is over 998 octets and no NUL is in it (RFC 5322 2.1.1).
  /// Otherwise the rebuild re-encodes `decoded` (a client's lenient decoder
  /// must not see other bytes than the ones we scanned).
  bool rawReusable = true;
  /// Other readings of the file name a client might use (Content-Type name,
  /// GMime's decoding, a reading without Shift_JIS pairing); policies check
  /// every one.
  std::vector<std::string> otherNames;
  std::string disposition;       ///< "attachment" / "inline" / ""
  std::string boundary;          ///< multipart boundary the parser used
  /// This node's own header block, raw. For the body of a message these are
  /// its Content-* fields; for a message/rfc822 part, the part's fields.
  std::vector<Header> headers;
  /// Message nodes only: the (embedded) message's header block, raw.
  std::vector<Header> messageHeaders;

  /// Decoded body (transfer encoding undone; text still in `charset`). Leaves only.
  std::string decoded;
  bool bodyDecoded = false;  ///< `decoded` holds the whole decoded body (false when a limit stopped it)

  /// Where the node's body sits, when known: in ParsedInput::bytes, or in
  /// *rawSource for nodes inside a transfer-encoded message/rfc822 part.
  std::optional<ByteRange> rawBody;
  const std::string* rawSource = nullptr;

  std::vector<NodePtr> children;
  Node* parent = nullptr;  ///< the containing node; null for the root

  // --- what the pipeline decided ------------------------------------------
  Action action = Action::Keep;
  std::string reasonCode; ///< stable id of the reason, e.g. "limit.parts" (notice translates it)
  std::string reason;     ///< why, in English (for Remove / Replace / Reject)
  std::string reasonJa;   ///< why, in Japanese, when the deciding stage gave it
  std::string decidedBy;  ///< sanitizer name or "parser" / "limits"
  std::optional<Replacement> replacement;
  bool scanned = false;   ///< a container entry already run through the pipeline (scanNested)

  /// libmagic's media type for the decoded bytes, computed on first use
  /// (libmagic is most of the parse cost); "" for containers and for leaves
  /// removed before they were decoded.
  const std::string& trueType() const;
  mutable std::optional<std::string> trueTypeCache;
  /// Hex SHA-256 of the decoded bytes (leaves), computed on first use; ""
  /// for containers and undecoded leaves unless set by the parser.
  const std::string& sha256() const;
  mutable std::optional<std::string> sha256Cache;

  /// Size of the decoded body, also after releaseDecoded().
  std::uint64_t decodedSize() const { return releasedSize ? *releasedSize : decoded.size(); }
  /// Frees `decoded` of a leaf nothing will read again (an archive entry
  /// kept as it is, whose compressed form is copied), so an archive's scan
  /// holds a batch of entries at a time, not all of them. Its true type,
  /// digest and size are computed first and stay for the report and notice.
  void releaseDecoded();
  std::optional<std::uint64_t> releasedSize;

  /// Bytes a sanitizer should look at: the replacement if there is one.
  std::string_view content() const { return replacement ? std::string_view(replacement->bytes) : std::string_view(decoded); }
  /// True when this node or any descendant is not Keep.
  bool changedBelow() const;
  /// First header with this name (case-insensitive), or nullptr.
  const Header* header(std::string_view name) const;
  /// Visits this node and every descendant depth-first, iteratively.
  template <class F>
  void forEach(F&& f) const;
  template <class F>
  void forEach(F&& f);
};

template <class F>
void Node::forEach(F&& f) const {
  std::vector<const Node*> stack{this};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    f(*n);
    for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) stack.push_back(it->get());
  }
}

template <class F>
void Node::forEach(F&& f) {
  std::vector<Node*> stack{this};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    f(*n);
    for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) stack.push_back(it->get());
  }
}

/// Computes trueType() of many leaves at once on every core (libmagic is
/// the costly part of an archive's scan: 0.2-1 ms an entry); afterwards
/// each node answers from its cache. The nodes must be distinct and not be
/// touched by anyone else meanwhile.
void computeTrueTypes(const std::vector<Node*>& nodes);

/// A parsed input: the bytes it owns and the tree that views them.
struct ParsedInput {
  std::string bytes;           ///< the original input, owned here
  /// Decoded bodies of base64/QP-encoded message/rfc822 parts, parsed as
  /// messages in their own right; nodes inside point here (rawSource).
  std::vector<std::unique_ptr<std::string>> innerBuffers;
  NodePtr root;                ///< never null after a parse
  std::vector<Finding> findings;
  bool wellFormed = true;      ///< parser raised no warning at all
  std::string subject, from, to;  ///< decoded top-level headers for reports
  /// A file job: the input was moved into the root leaf's decoded bytes
  /// (held once, not twice); `bytes` is empty then.
  bool rootIsInput = false;
  /// The original input, whichever of the two holds it.
  std::string_view original() const { return rootIsInput ? std::string_view(root->decoded) : std::string_view(bytes); }
};

/// Header name comparison that ignores case and the blanks some senders put
/// before the colon ("Subject :").
bool headerNameIs(const Header& h, std::string_view name);
/// RFC 5322 2.2 field name: printable ASCII (33-126) except ':', optionally
/// followed by blanks before the colon.
bool validFieldName(std::string_view name);
/// A header value without NUL and without a CR that is not followed by LF.
bool safeHeaderValue(std::string_view rawValue);

}  // namespace mugai
