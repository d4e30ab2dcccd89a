// Loopback helpers for tests that start servers: a free port, and whether
// something listens on one.
#pragma once

namespace mugai::test {

/// A TCP port on 127.0.0.1 that was free a moment ago.
int freePort();
/// Whether something accepts connections on 127.0.0.1:`port`.
bool listening(int port);

}  // namespace mugai::test
