// The trace field mugaid puts at the top of every message it accepts
// (RFC 5321 4.4): who sent it (HELO name and address), over what (TLS
// version and cipher), to whom, when and under which queue id, so the
// delivered copy can be followed back through the gateway's log, and so
// that hop counting (max_hops) sees mugaid's own hop.
//
// The HELO name comes from the client: it never holds a control byte (the
// session refused those with 501), and characters that would end the
// field's comment or its date part ("(", ")", ";", '"', '\', 8-bit) are
// written as '?'.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/smtp_session.h"

namespace mugai::daemon {

/// RFC 5322 date-time in local time ("Sun, 06 Dec 2026 16:30:00 +0900").
std::string rfc5322Date(std::int64_t epochSeconds);

/// The Received field for `e` (id, helo, peer, tls, recipients set), folded,
/// ending in CR LF.
std::string receivedField(const Envelope& e, const std::string& hostname, std::int64_t now);

}  // namespace mugai::daemon
