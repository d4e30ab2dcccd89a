// See server.h.
#include "daemon/server.h"

#include <arpa/inet.h>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <atomic>
#include <map>
#include <optional>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/log_escape.h"
#include "core/ids.h"
#include "core/smtp_address.h"
#include "daemon/log.h"
#include "daemon/message_body.h"
#include "daemon/proxy_protocol.h"
#include "daemon/recipient_probe.h"
#include "daemon/smtp_session.h"
#include "daemon/trace.h"

namespace mugai::daemon {

using asio::ip::tcp;

struct Server::Impl {
  SettingsHolder& settings;
  const SettingsPtr boot;       // the start-up snapshot: listen, TLS, metrics
  const DaemonConfig& config;   // = boot->daemon
  Queue& queue;
  Metrics& metrics;
  Handlers handlers;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  tcp::acceptor metricsAcceptor{io};
  std::unique_ptr<asio::ssl::context> tls;  // null: no STARTTLS
  std::mutex mutex;
  int connections = 0;
  std::map<std::string, int> perClient;  // by clientKey()
  std::atomic<int> metricsConnections{0};
  MemoryBudget budget;                   // message bytes held in memory by all sessions
  RecipientProbe probe;

  // Spooling (an fsync) and before-queue sanitizing block: they run here.
  // Several at once, so that one session's fsync does not hold up the rest
  // (concurrent fsyncs share the device's flushes). Declared last: it is
  // joined first when the server goes away.
  asio::thread_pool messageThreads{8};
  // Recipient probes wait on the next hop: a pool of their own, so that a
  // flood of probes (or a next hop that does not answer) never holds up
  // the spooling of messages already sent. Its size caps the probes in
  // flight to the next hop.
  asio::thread_pool probeThreads{4};

  Impl(SettingsHolder& s, Queue& q, Metrics& m, Handlers h)
      : settings(s), boot(s.get()), config(boot->daemon), queue(q), metrics(m), handlers(std::move(h)),
        budget(boot->daemon.memoryBudgetBytes) {
    if (config.tlsCert.empty()) return;
    tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    // TLS 1.2 and up only; the library's defaults for ciphers.
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                     asio::ssl::context::single_dh_use);
    tls->use_certificate_chain_file(config.tlsCert);  // throws with the file's name on error
    tls->use_private_key_file(config.tlsKey, asio::ssl::context::pem);
  }

  using Message = std::optional<std::pair<Envelope, MessageBody>>;

  // Reads, feeds the session, writes its replies, until the session ends,
  // asks for TLS, or the connection fails. Plain and TLS streams alike. A
  // complete message (left in `message` by the session's handler) is
  // handled on the message threads while the session waits.
  template <class Stream>
  asio::awaitable<void> converse(Stream& stream, SmtpSession& smtp, Message& message, const DaemonConfig& config,
                                 asio::steady_timer& idle, const std::function<void()>& arm, asio::error_code& ec,
                                 std::string_view first = {}) {
    char buf[64 * 1024];
    while (!ec) {
      std::string_view in = first;
      first = {};
      if (in.empty()) {
        arm();
        std::size_t n = co_await stream.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        in = std::string_view(buf, n);
      }
      std::string out = smtp.feed(in);
      for (;;) {
        // The idle limit is for the client; while we work for it (a probe
        // of the next hop, a before-queue verdict that can take minutes)
        // the clock stops.
        if (smtp.waitingForRecipient()) {
          idle.cancel();
          std::string refusal = co_await asio::co_spawn(probeThreads, verify(smtp.pendingRecipient(), config),
                                                        asio::use_awaitable);
          out += smtp.completeRecipient(refusal);
          continue;
        }
        if (!smtp.waiting() || !message) break;
        Envelope envelope = std::move(message->first);
        MessageBody body = std::move(message->second);
        message.reset();
        idle.cancel();
        std::string reply = co_await asio::co_spawn(
            messageThreads, handle(config.beforeQueue(), std::move(envelope), std::move(body)), asio::use_awaitable);
        out += smtp.complete(reply);
      }
      if (!out.empty())
        co_await asio::async_write(stream, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
      if (smtp.wantsClose() || smtp.wantsTls()) break;
    }
  }

  // The key connections are counted under: the address, or for IPv6 its
  // /64 (one host usually has a whole /64 to pick addresses from).
  static std::string clientKey(const std::string& peer) {
    unsigned char a[16];
    char text[INET6_ADDRSTRLEN] = {};
    if (inet_pton(AF_INET6, peer.c_str(), a) != 1) return peer;  // IPv4 (or "unknown")
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(a, a + 12, kMapped)) {  // an IPv4 client in any IPv6 spelling: its IPv4 address
      inet_ntop(AF_INET, a + 12, text, sizeof text);
      return text;
    }
    std::fill(a + 8, a + 16, 0);
    inet_ntop(AF_INET6, a, text, sizeof text);
    return std::string(text) + "/64";
  }

  static bool relayAllowed(const DaemonConfig& d, const std::string& peer) {
    for (const auto& n : d.trustedNetworks)
      if (n.contains(peer)) return true;
    return false;
  }

  // Relay control for one RCPT path (its syntax already checked by the
  // session): "" accepts, SmtpSession::kLater asks the next hop first.
  std::string checkRecipient(const DaemonConfig& d, bool trusted, const std::string& path) {
    if (trusted) return "";
    const EnvelopePath p = parseEnvelopePath(path);
    // Sender-specified routing (Postfix allow_untrusted_routing = no): the
    // next hop might forward "user%evil@relay" to evil, making us an open
    // relay one hop further on.
    if ((p.sourceRoute || hasSenderRouting(p.mailbox)) && !d.allowUntrustedRouting)
      return "550 5.7.1 <" + path + ">: sender-specified routing is not allowed (送信者指定の経路は使えません)";
    std::size_t at = p.mailbox.rfind('@');
    std::string domain = at == std::string::npos ? "" : p.mailbox.substr(at + 1);
    for (auto& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ours = false;
    for (const auto& r : d.relayDomains) ours = ours || domain == r;
    if (!ours) return "554 5.7.1 <" + path + ">: Relay access denied";
    if (!d.probeRecipients()) return "";
    if (auto known = probe.cached(p.mailbox)) return *known;
    return SmtpSession::kLater;
  }

  // On a message thread: asks the next hop about one recipient.
  asio::awaitable<std::string> verify(std::string path, const DaemonConfig& d) {
    try {
      co_return probe.probe(parseEnvelopePath(path).mailbox, d);
    } catch (const std::exception& e) {
      logEvent("verify failed: " + logValue(e.what()));
      co_return "450 4.1.1 <" + path + ">: Recipient address rejected: unverified address, try again later";
    }
  }

  // On a message thread: the reply to one complete message.
  asio::awaitable<std::string> handle(bool beforeQueue, Envelope envelope, MessageBody body) {
    try {
      co_return beforeQueue ? inspect(std::move(envelope), std::move(body)) : spool(std::move(envelope), std::move(body));
    } catch (const std::exception& e) {
      logEvent("message handling failed: " + logValue(e.what()) + " (the client was told to retry)");
      co_return "451 4.3.0 Error: local error in processing, try again later";
    }
  }

  void logReceived(const std::string& id, const Envelope& envelope, std::size_t size) {
    metrics.messagesReceived++;
    metrics.bytesReceived += size;
    std::string to;
    for (const auto& r : envelope.recipients) to += (to.empty() ? "" : ",") + logValue(r);
    // Every field from the client is escaped: one event, one line, no forged fields.
    logEvent(id + " received from=<" + logValue(envelope.mailFrom) + "> to=" + to + " size=" + std::to_string(size) +
             " client=" + logValue(envelope.peer) + " helo=" + logValue(envelope.helo) +
             " tls=" + (envelope.tls ? "yes" : "no") + " trusted=" + (envelope.trustedClient ? "yes" : "no"));
  }

  // After-queue: durably in incoming/, then 250.
  std::string spool(Envelope envelope, MessageBody body) {
    auto t0 = std::chrono::steady_clock::now();
    try {
      std::string id = queue.receive(envelope, body);
      metrics.acceptSeconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      logReceived(id, envelope, body.size());
      handlers.received(id);
      return "250 2.0.0 Ok: queued as " + id;
    } catch (const std::exception& e) {
      metrics.spoolErrors++;
      logEvent("spool error: " + logValue(e.what()));
      // No space is the usual cause: RFC 3463 4.3.1, the client retries.
      return "452 4.3.1 Insufficient system storage";
    }
  }

  // Before-queue: the verdict is the reply (the Processor writes outgoing/
  // before it says 250, and answers 451/452 for failures of ours).
  std::string inspect(Envelope envelope, MessageBody body) {
    auto t0 = std::chrono::steady_clock::now();
    std::string id = envelope.id.empty() ? newId() : envelope.id;
    logReceived(id, envelope, body.size());
    std::string reply = handlers.beforeQueue(id, std::move(envelope), std::move(body));
    metrics.acceptSeconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    logEvent(id + " replied " + logValue(reply));
    return reply;
  }

  asio::awaitable<void> session(tcp::socket socket) {
    const SettingsPtr now = settings.get();  // this session runs under the settings of its start
    const DaemonConfig& config = now->daemon;
    std::string peer = "?";
    asio::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (!ec) peer = ep.address().to_string();
    std::string early;  // bytes after a PROXY header, fed to the session after the banner
    bool proxyUnknown = false;
    if (config.proxyProtocol) {
      bool fromProxy = false;
      for (const auto& n : config.proxyNetworks) fromProxy = fromProxy || n.contains(peer);
      ProxyHeader header;
      ProxyParse parsed = ProxyParse::Bad;
      if (fromProxy) {
        asio::steady_timer limit(socket.get_executor());
        limit.expires_after(std::chrono::seconds(config.commandTimeoutSeconds));
        limit.async_wait([&socket](const asio::error_code& e) {
          if (!e) {
            asio::error_code ignored;
            socket.close(ignored);
          }
        });
        char buf[512];
        while ((parsed = parseProxyHeader(early, header)) == ProxyParse::NeedMore && early.size() < 65536 + 16) {
          std::size_t n = co_await socket.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
          if (ec) break;
          early.append(buf, n);
        }
        limit.cancel();
      }
      if (parsed != ProxyParse::Ok) {
        logEvent("proxy protocol: " + std::string(fromProxy ? "bad or missing header" : "not a configured proxy") +
                 " from " + peer + ": connection closed");
        socket.close(ec);
        co_return;
      }
      early.erase(0, header.length);
      // UNKNOWN, LOCAL and UNSPEC name no client: the connection keeps
      // no address at all, never the balancer's own (which is trusted).
      if (header.source.empty()) {
        logEvent("proxy protocol: no client address from " + peer + " (UNKNOWN/LOCAL): served as an untrusted client");
        peer = "unknown";
        proxyUnknown = true;
      } else {
        peer = header.source;
      }
    }
    const bool trusted = !proxyUnknown && relayAllowed(config, peer);
    const std::string key = clientKey(peer);
    bool admitted = false;
    {
      std::lock_guard lock(mutex);
      if (connections < config.maxConnections && perClient[key] < config.maxConnectionsPerClient) {
        ++connections;
        ++perClient[key];
        admitted = true;
      }
    }
    if (admitted) {
      metrics.sessionsTotal++;
      metrics.sessionsActive++;
    } else {
      metrics.sessionsRefused++;
    }
    if (!admitted) {
      std::string busy = "421 4.7.0 " + config.hostname + " Error: too many connections\r\n";
      co_await asio::async_write(socket, asio::buffer(busy), asio::redirect_error(asio::use_awaitable, ec));
      co_return;
    }
    // The session's place is given back however the coroutine ends (an
    // exception included): a leak would end in 421 for every client.
    struct Release {
      Impl& impl;
      std::string key;
      ~Release() {
        impl.metrics.sessionsActive--;
        std::lock_guard lock(impl.mutex);
        --impl.connections;
        if (--impl.perClient[key] == 0) impl.perClient.erase(key);
      }
    } release{*this, key};
    Message message;  // the session's complete message, until converse() hands it on
    SmtpSession smtp(
        config.hostname, config.session, peer,
        [this, now, trusted](const std::string& r) { return checkRecipient(now->daemon, trusted, r); },
        [&message](Envelope e, MessageBody b) {
          message.emplace(std::move(e), std::move(b));
          return std::string();  // the reply comes from the message threads
        });
    smtp.setTrustedClient(trusted);
    // DATA goes to memory within the budget, else to the spool as it arrives.
    // Spilled bodies may not take the spool's last 2 x max_message_bytes:
    // that room is for the mail already acknowledged.
    smtp.setBodyFactory([this, now] {
      return MessageBody(&budget, now->daemon.messageMemoryBytes, boot->daemon.spoolDir + "/tmp",
                         2 * now->daemon.session.maxMessageBytes);
    });
    // The id is chosen at DATA: it names the trace field, the spool file and the log lines.
    smtp.setTrace([now](Envelope& e) {
      e.id = newId();
      return receivedField(e, now->daemon.hostname, epochSeconds());
    });
    // Idle timeout: the timer closes the socket, which ends the pending read.
    asio::steady_timer idle(socket.get_executor());
    auto arm = [&] {
      idle.expires_after(std::chrono::seconds(config.commandTimeoutSeconds));
      idle.async_wait([&socket](const asio::error_code& e) {
        if (!e) {
          asio::error_code ignored;
          socket.close(ignored);
        }
      });
    };
    smtp.offerTls(tls != nullptr);
    std::string greeting = smtp.greeting();
    co_await asio::async_write(socket, asio::buffer(greeting), asio::redirect_error(asio::use_awaitable, ec));
    std::function<void()> armer = arm;
    if (!ec) co_await converse(socket, smtp, message, config, idle, armer, ec, early);  // bytes after a PROXY header first
    if (!ec && smtp.wantsTls()) {
      asio::ssl::stream<tcp::socket&> secure(socket, *tls);
      arm();
      co_await secure.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        logEvent("tls handshake failed client=" + logValue(peer) + ": " + ec.message());
      } else {
        const std::string protocol = SSL_get_version(secure.native_handle());
        const std::string cipher = SSL_get_cipher_name(secure.native_handle());
        smtp.tlsStarted(protocol + " " + cipher);
        logEvent("tls started client=" + logValue(peer) + " protocol=" + protocol + " cipher=" + cipher);
        co_await converse(secure, smtp, message, config, idle, armer, ec);
        asio::error_code ignored;
        co_await secure.async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
      }
    }
    idle.cancel();
    socket.close(ec);
  }

  // One request per connection: "GET /metrics" gets the exposition text.
  // At most metrics_max_connections at once, each closed after 10 s: idle
  // scrapers must not take the descriptors SMTP needs.
  asio::awaitable<void> serveMetrics(tcp::socket socket) {
    asio::error_code ec;
    struct Count {
      std::atomic<int>& n;
      ~Count() { --n; }
    } count{metricsConnections};
    if (++metricsConnections > config.metricsMaxConnections) {
      socket.close(ec);
      co_return;
    }
    asio::steady_timer limit(socket.get_executor());
    limit.expires_after(std::chrono::seconds(10));
    limit.async_wait([&socket](const asio::error_code& e) {
      if (!e) {
        asio::error_code ignored;
        socket.close(ignored);
      }
    });
    std::string request;
    char buf[1024];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
      std::size_t n = co_await socket.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      request.append(buf, n);
    }
    bool ok = request.rfind("GET /metrics ", 0) == 0 || request.rfind("GET /metrics?", 0) == 0;
    std::string body = ok ? metrics.render() : "not found\n";
    std::string response = std::string("HTTP/1.1 ") + (ok ? "200 OK" : "404 Not Found") +
                           "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    co_await asio::async_write(socket, asio::buffer(response), asio::redirect_error(asio::use_awaitable, ec));
    limit.cancel();
    socket.close(ec);
  }

  // Accepts on `acceptor` until it is closed; each connection gets `serve`.
  asio::awaitable<void> acceptLoop(tcp::acceptor& acceptor, asio::awaitable<void> (Impl::*serve)(tcp::socket)) {
    for (;;) {
      asio::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!acceptor.is_open()) co_return;
        continue;
      }
      // Replies are small and alternate with the client's commands: no
      // Nagle delay behind the client's delayed ACK.
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(io, (this->*serve)(std::move(socket)), asio::detached);
    }
  }
};

Server::Server(SettingsHolder& settings, Queue& queue, Metrics& metrics, Handlers handlers)
    : impl_(std::make_unique<Impl>(settings, queue, metrics, std::move(handlers))) {}

Server::~Server() = default;

namespace {

tcp::endpoint resolveListen(asio::io_context& io, const std::string& listen) {
  std::size_t colon = listen.rfind(':');
  std::string host = listen.substr(0, colon), port = listen.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  tcp::resolver resolver(io);
  return *resolver.resolve(host, port, tcp::resolver::passive | tcp::resolver::numeric_service).begin();
}

// Opens `acceptor` on `listen` ("host:port"); returns the address as bound.
std::string listenOn(tcp::acceptor& acceptor, asio::io_context& io, const std::string& listen) {
  tcp::endpoint ep = resolveListen(io, listen);
  acceptor.open(ep.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen(asio::socket_base::max_listen_connections);
  auto bound = acceptor.local_endpoint();
  return bound.address().to_string() + ":" + std::to_string(bound.port());
}

}  // namespace

std::string Server::bindMetrics() {
  if (impl_->config.metricsListen.empty()) return "";
  return listenOn(impl_->metricsAcceptor, impl_->io, impl_->config.metricsListen);
}

std::string Server::bind() { return listenOn(impl_->acceptor, impl_->io, impl_->config.listen); }

void Server::run(int threads) {
  asio::co_spawn(impl_->io, impl_->acceptLoop(impl_->acceptor, &Impl::session), asio::detached);
  if (impl_->metricsAcceptor.is_open())
    asio::co_spawn(impl_->io, impl_->acceptLoop(impl_->metricsAcceptor, &Impl::serveMetrics), asio::detached);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (auto& t : pool) t.join();
}

void Server::stop() {
  asio::post(impl_->io, [this] {
    asio::error_code ec;
    impl_->acceptor.close(ec);
    impl_->metricsAcceptor.close(ec);
    impl_->io.stop();
  });
}

}  // namespace mugai::daemon
