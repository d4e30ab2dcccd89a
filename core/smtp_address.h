// SMTP envelope addresses (RFC 5321 4.1.2, with RFC 6531's UTF-8): the
// one place that decides whether a string may stand in MAIL FROM:<...> or
// RCPT TO:<...>, on the way in (mugaid's session) and on the way out (the
// SMTP client, quarantine release).
//
// Trust: the text is hostile (a client's command, a header a sender wrote,
// a spool file). Nothing here decodes, unquotes for use, or rewrites: a
// string is either a valid mailbox, kept byte for byte, or refused. A
// mailbox never holds a control byte (< 0x20, 0x7F), a space outside
// quotes, '<' or '>', so it can be spliced into a command line and a log
// without ending the line or the path.
//
// Sender-specified routing (user%host@relay, host!user@relay,
// "user@host"@relay, source routes @a,@b:user@c) is reported separately:
// syntax lets it through, relay policy refuses it from untrusted clients
// (as Postfix's allow_untrusted_routing = no).
#pragma once

#include <string>
#include <string_view>

namespace mugai {

/// The longest path RFC 5321 4.5.3.1.3 allows, without the angle brackets.
inline constexpr std::size_t kMaxPathOctets = 254;

/// True when `mailbox` is a Mailbox of RFC 5321 (Local-part "@" Domain or
/// address-literal; strictly valid UTF-8 allowed in both halves as RFC 6531
/// does), at most kMaxPathOctets long; a quoted local part holds no space,
/// '<' or '>'. "" (the null path) is not a mailbox.
[[nodiscard]] bool validMailbox(std::string_view mailbox);

/// A path as a client sent it inside <...>: an optional source route
/// ("@a,@b:") and the mailbox after it. `valid` is false when the route or
/// the mailbox breaks the grammar.
struct EnvelopePath {
  bool valid = false;
  bool sourceRoute = false;  ///< "@a,@b:" came first (RFC 5321 C: obsolete, to be ignored)
  std::string mailbox;       ///< the mailbox without the route
};
[[nodiscard]] EnvelopePath parseEnvelopePath(std::string_view path);

/// True when a valid mailbox's local part routes on to another host: it
/// holds '%', '!' or '@' (quoted or not), or their fullwidth or small
/// forms (U+FF05, U+FF01, U+FF20, U+FE6A, U+FE6B). A source route is
/// checked by the caller (EnvelopePath::sourceRoute).
[[nodiscard]] bool hasSenderRouting(std::string_view mailbox);

/// True when `text` holds a byte below 0x20 or 0x7F (DEL).
[[nodiscard]] bool hasControlBytes(std::string_view text);

}  // namespace mugai
