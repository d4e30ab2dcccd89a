// Debian's Postfix in front of mugaid, as a town hall runs it: the
// internet-side Postfix relays to mugaid, mugaid sanitizes and delivers.
// A private Postfix instance (its own config, queue and log in a temporary
// directory; the system's Postfix is not touched) is started by the test.
#include <catch2/catch_test_macros.hpp>

#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "test/common/cli_run.h"
#include "test/common/net.h"
#include "test/common/corpus.h"
#include "test/common/samples.h"
#include "test/common/smtp_sink.h"

namespace fs = std::filesystem;
using mugai::test::freePort;
using mugai::test::listening;
using mugai::test::waitFor;

namespace {



// A private Postfix: smtpd on 127.0.0.1:`port` (with `smtpdOptions`, "-o k=v ..."), relaying everything to `relayPort`.
class PrivatePostfix {
 public:
  PrivatePostfix(const fs::path& dir, int port, int relayPort, const std::string& smtpdOptions = "",
                 const std::string& extraMain = "", const std::string& extraMaster = "")
      : dir_(dir) {
    fs::create_directories(dir / "etc");
    fs::create_directories(dir / "spool");
    fs::create_directories(dir / "data");
    REQUIRE(std::system(("chown postfix " + (dir / "data").string()).c_str()) == 0);
    mugai::test::writeFile(dir / "etc" / "main.cf",
                           "compatibility_level = 3.6\nqueue_directory = " + (dir / "spool").string() +
                               "\ndata_directory = " + (dir / "data").string() + "\nmaillog_file = " +
                               (dir / "maillog").string() + "\nmaillog_file_prefixes = " + dir.string() +
                               "\nmyhostname = front.example.jp\nmydestination =\ninet_interfaces = 127.0.0.1\n"
                               "inet_protocols = ipv4\nmynetworks = 127.0.0.0/8\nrelayhost = [127.0.0.1]:" +
                               std::to_string(relayPort) +
                               "\nsmtpd_relay_restrictions = permit_mynetworks, reject\nsmtp_dns_support_level = disabled\n"
                               "smtp_host_lookup = native\nalias_maps =\nalias_database =\nlocal_recipient_maps =\nbiff = no\n" +
                               extraMain);
    std::string master = "127.0.0.1:" + std::to_string(port) + " inet n - n - - smtpd " + smtpdOptions + "\n";
    for (const char* line :
         {"pickup unix n - n 60 1 pickup", "cleanup unix n - n - 0 cleanup", "qmgr unix n - n 300 1 qmgr",
          "rewrite unix - - n - - trivial-rewrite", "bounce unix - - n - 0 bounce", "defer unix - - n - 0 bounce",
          "trace unix - - n - 0 bounce", "verify unix - - n - 1 verify", "flush unix n - n 1000? 0 flush",
          "proxymap unix - - n - - proxymap", "smtp unix - - n - - smtp", "relay unix - - n - - smtp",
          "showq unix n - n - - showq", "error unix - - n - - error", "retry unix - - n - - error",
          "discard unix - - n - - discard", "local unix - n n - - local", "anvil unix - - n - 1 anvil",
          "scache unix - - n - 1 scache", "postlog unix-dgram n - n - 1 postlogd"})
      master += std::string(line) + "\n";
    mugai::test::writeFile(dir / "etc" / "master.cf", master + extraMaster);
    REQUIRE(std::system(("postfix -c " + (dir / "etc").string() + " check && postfix -c " + (dir / "etc").string() +
                         " start >/dev/null 2>&1").c_str()) == 0);
    REQUIRE(waitFor([&] { return listening(port); }, 20));
  }
  ~PrivatePostfix() { std::system(("postfix -c " + (dir_ / "etc").string() + " stop >/dev/null 2>&1").c_str()); }
  std::string log() const { return fs::exists(dir_ / "maillog") ? mugai::test::readFile(dir_ / "maillog") : ""; }

 private:
  fs::path dir_;
};

}  // namespace

TEST_CASE("Postfix in front of mugaid: relayed, sanitized, delivered", "[mugaid][postfix]") {
  fs::path d = mugai::test::freshTempDir("postfix-front");
  const int mugaidPort = freePort(), postfixPort = freePort();
  mugai::test::writeFile(d / "mugaid.toml", "[quarantine]\ndir = \"" + (d / "q").string() +
                                                "\"\n[daemon]\nlisten = \"127.0.0.1:" + std::to_string(mugaidPort) +
                                                "\"\nspool_dir = \"" + (d / "spool").string() +
                                                "\"\ndelivery = \"maildir:" + (d / "maildir").string() +
                                                "\"\ntrusted_networks = []\nrelay_domains = [\"example.lg.jp\"]\n");
  mugai::test::Background daemon(std::string(MUGAI_DAEMON) + " -c " + (d / "mugaid.toml").string(), d / "mugaid.log");
  REQUIRE(waitFor([&] { return listening(mugaidPort); }, 15));
  {
    PrivatePostfix postfix(d / "pf", postfixPort, mugaidPort);
    std::string mail = mugai::test::mailWith({{"請求書.exe", "application/octet-stream", mugai::test::peImage()}});
    mugai::test::writeFile(d / "in.eml", mail);
    auto sent = mugai::test::runCommand("python3 -c \"import smtplib; s = smtplib.SMTP('127.0.0.1', " +
                                        std::to_string(postfixPort) + "); print(s.sendmail('sender@example.net', "
                                        "['soumu@example.lg.jp'], open('" + (d / "in.eml").string() +
                                        "', 'rb').read())); s.quit()\"");
    CHECK(sent.out == "{}\n");
    fs::path box = d / "maildir" / "soumu@example.lg.jp" / "new";
    bool delivered = waitFor([&] { return fs::exists(box) && !fs::is_empty(box); }, 30);
    INFO(postfix.log() << mugai::test::readFile(d / "mugaid.log"));
    REQUIRE(delivered);
    std::string out = mugai::test::readFile(fs::directory_iterator(box)->path());
    CHECK(out.find("by front.example.jp (Postfix)") != std::string::npos);  // it did pass through Postfix
    CHECK(out.find("X-Mugai-Result: changed") != std::string::npos);
    CHECK(out.find("TVqQ") == std::string::npos);
    CHECK(std::regex_search(postfix.log(), std::regex("relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:" +
                                                      std::to_string(mugaidPort) + ".*status=sent")));
  }
  daemon.stop(SIGTERM);
  fs::remove_all(d);
}

TEST_CASE("Postfix in front of mugaid before-queue (smtpd_proxy_filter): the sender hears the verdict", "[mugaid][postfix]") {
  fs::path d = mugai::test::freshTempDir("postfix-bq");
  const int mugaidPort = freePort(), postfixPort = freePort();
  mugai::test::writeFile(d / "mugaid.toml", "[quarantine]\ndir = \"" + (d / "q").string() +
                                                "\"\n[daemon]\nmode = \"before-queue\"\nlisten = \"127.0.0.1:" +
                                                std::to_string(mugaidPort) + "\"\nspool_dir = \"" + (d / "spool").string() +
                                                "\"\ndelivery = \"maildir:" + (d / "maildir").string() +
                                                "\"\n[stage.signature_scan]\non_match = \"reject\"\n");
  mugai::test::Background daemon(std::string(MUGAI_DAEMON) + " -c " + (d / "mugaid.toml").string(), d / "mugaid.log");
  REQUIRE(waitFor([&] { return listening(mugaidPort); }, 15));
  {
    PrivatePostfix postfix(d / "pf", postfixPort, mugaidPort, "-o smtpd_proxy_filter=127.0.0.1:" + std::to_string(mugaidPort));
    mugai::test::writeFile(d / "virus.eml", mugai::test::mailWith({{"readme.txt", "text/plain", mugai::test::eicar()}}));
    mugai::test::writeFile(d / "exe.eml", mugai::test::mailWith({{"請求書.exe", "application/octet-stream", mugai::test::peImage()}}));
    auto sent = mugai::test::runCommand(
        "python3 -c \"import smtplib\ns = smtplib.SMTP('127.0.0.1', " + std::to_string(postfixPort) +
        ")\nfor f in ['virus.eml', 'exe.eml']:\n  try:\n    print(f, s.sendmail('sender@example.net', ['soumu@example.lg.jp'], "
        "open('" + d.string() + "/' + f, 'rb').read()))\n  except smtplib.SMTPDataError as e:\n    print(f, e.smtp_code)\n"
        "s.quit()\"");
    INFO(sent.out << postfix.log() << mugai::test::readFile(d / "mugaid.log"));
    CHECK(sent.out.find("virus.eml 550") != std::string::npos);  // Postfix passed mugaid's verdict on
    CHECK(sent.out.find("exe.eml {}") != std::string::npos);
    fs::path box = d / "maildir" / "soumu@example.lg.jp" / "new";
    REQUIRE(waitFor([&] { return fs::exists(box) && !fs::is_empty(box); }, 30));
    CHECK(std::distance(fs::directory_iterator(box), fs::directory_iterator()) == 1);  // the virus never arrived
    std::string out = mugai::test::readFile(fs::directory_iterator(box)->path());
    CHECK(out.find("by front.example.jp (Postfix)") != std::string::npos);
    CHECK(out.find("X-Mugai-Result: changed") != std::string::npos);
    CHECK(out.find("TVqQ") == std::string::npos);
  }
  daemon.stop(SIGTERM);
  fs::remove_all(d);
}

TEST_CASE("mugaid as Postfix's content_filter: Postfix queues, mugaid sanitizes and re-injects", "[mugaid][postfix]") {
  fs::path d = mugai::test::freshTempDir("postfix-cf");
  mugai::test::SmtpSink sink(d / "sink");  // where Postfix finally relays to (the LGWAN side)
  const int mugaidPort = freePort(), postfixPort = freePort(), reinjectPort = freePort();
  mugai::test::writeFile(d / "mugaid.toml", "[quarantine]\ndir = \"" + (d / "q").string() +
                                                "\"\n[daemon]\nlisten = \"127.0.0.1:" + std::to_string(mugaidPort) +
                                                "\"\nspool_dir = \"" + (d / "spool").string() +
                                                "\"\ndelivery = \"smtp:127.0.0.1:" + std::to_string(reinjectPort) + "\"\n");
  mugai::test::Background daemon(std::string(MUGAI_DAEMON) + " -c " + (d / "mugaid.toml").string(), d / "mugaid.log");
  REQUIRE(waitFor([&] { return listening(mugaidPort); }, 15));
  {
    // The README's recipe: content_filter to mugaid, and a second smtpd
    // that takes mugaid's output back without filtering it again.
    PrivatePostfix postfix(d / "pf", postfixPort, sink.port(), "",
                           "content_filter = smtp:[127.0.0.1]:" + std::to_string(mugaidPort) + "\n",
                           "127.0.0.1:" + std::to_string(reinjectPort) +
                               " inet n - n - - smtpd -o content_filter= "
                               "-o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters "
                               "-o mynetworks=127.0.0.0/8 -o smtpd_recipient_restrictions=permit_mynetworks,reject\n");
    REQUIRE(waitFor([&] { return listening(reinjectPort); }, 20));
    mugai::test::writeFile(d / "in.eml", mugai::test::mailWith({{"請求書.exe", "application/octet-stream", mugai::test::peImage()}}));
    auto sent = mugai::test::runCommand("python3 -c \"import smtplib; s = smtplib.SMTP('127.0.0.1', " +
                                        std::to_string(postfixPort) + "); print(s.sendmail('sender@example.net', "
                                        "['soumu@example.lg.jp'], open('" + (d / "in.eml").string() +
                                        "', 'rb').read())); s.quit()\"");
    CHECK(sent.out == "{}\n");
    const bool arrived = waitFor([&] { return sink.messages().size() == 1; }, 30);
    INFO(postfix.log() << mugai::test::readFile(d / "mugaid.log"));
    REQUIRE(arrived);
    const std::string out = sink.messages()[0];
    CHECK(out.find("X-Mugai-Result: changed") != std::string::npos);  // it went through mugaid
    CHECK(out.find("TVqQ") == std::string::npos);
    CHECK(std::regex_search(postfix.log(), std::regex("relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:" +
                                                      std::to_string(mugaidPort) + ".*status=sent")));
    // Postfix logs the relay after the sink's 250, through postlogd: the
    // line may land a moment after the message did.
    const std::regex relayedToSink("relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:" + std::to_string(sink.port()) +
                                   ".*status=sent");
    CHECK(waitFor([&] { return std::regex_search(postfix.log(), relayedToSink); }, 10));
    CHECK(sink.messages().size() == 1);  // filtered once, not in a loop
  }
  daemon.stop(SIGTERM);
  fs::remove_all(d);
}
