// mugaid under systemd (Type=notify): EXTEND_TIMEOUT_USEC before it opens
// the quarantine (a migration may take long), READY=1 only once it listens,
// RELOADING=1 then READY=1 around a SIGHUP (also when the new config is
// refused, or systemd would wait for the reload forever), STOPPING=1 on
// SIGTERM. The test plays systemd: a datagram socket named by NOTIFY_SOCKET.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "test/common/mugaid_process.h"

using namespace mugai::test;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;

namespace {

class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    REQUIRE(path.string().size() < sizeof a.sun_path);
    std::memcpy(a.sun_path, path.c_str(), path.string().size());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~NotifySocket() { ::close(fd_); }
  /// The next datagram, or "" after `seconds`.
  std::string next(int seconds) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, seconds * 1000) != 1) return "";
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace

TEST_CASE("mugaid tells systemd when it is ready, reloading and stopping", "[daemon]") {
  auto d = freshTempDir("sdnotify");
  NotifySocket systemd(d / "notify");
  Mugaid m(d, "", "NOTIFY_SOCKET=" + (d / "notify").string());
  // Opening the quarantine may migrate it: the start timeout is extended first.
  CHECK_THAT(systemd.next(15), StartsWith("EXTEND_TIMEOUT_USEC="));
  const std::string ready = systemd.next(15);
  CHECK_THAT(ready, ContainsSubstring("READY=1"));
  CHECK_THAT(ready, ContainsSubstring("STATUS=listening on 127.0.0.1:" + std::to_string(m.port())));

  m.signal(SIGHUP);
  CHECK_THAT(systemd.next(15), StartsWith("RELOADING=1") && ContainsSubstring("MONOTONIC_USEC="));
  CHECK(systemd.next(15) == "READY=1");
  REQUIRE(waitFor([&] { return m.log().find("reloaded") != std::string::npos; }, 10));

  // A config that does not load: the running one stays, and systemd hears READY=1 all the same.
  writeFile(d / "mugaid.toml", "[limits]\nmax_prats = 1\n");
  m.signal(SIGHUP);
  CHECK_THAT(systemd.next(15), StartsWith("RELOADING=1"));
  CHECK(systemd.next(15) == "READY=1");
  CHECK_THAT(m.log(), ContainsSubstring("reload failed"));

  m.signal(SIGTERM);
  CHECK(systemd.next(15) == "STOPPING=1");
  CHECK(m.stop(SIGTERM) == 0);
}
