// See server.h.
#include "daemon/server.h"

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <map>
#include <optional>
#include <mutex>
#include <thread>

#include "core/mail_job.h"
#include "daemon/log.h"
#include "daemon/proxy_protocol.h"
#include "daemon/smtp_session.h"

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
  std::map<std::string, int> perClient;

  // Spooling (an fsync) and before-queue sanitizing block: they run here.
  // Several at once, so that one session's fsync does not hold up the rest
  // (concurrent fsyncs share the device's flushes). Declared last: it is
  // joined first when the server goes away.
  asio::thread_pool messageThreads{8};

  Impl(SettingsHolder& s, Queue& q, Metrics& m, Handlers h)
      : settings(s), boot(s.get()), config(boot->daemon), queue(q), metrics(m), handlers(std::move(h)) {
    if (config.tlsCert.empty()) return;
    tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    // TLS 1.2 and up only; the library's defaults for ciphers.
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                     asio::ssl::context::single_dh_use);
    tls->use_certificate_chain_file(config.tlsCert);  // throws with the file's name on error
    tls->use_private_key_file(config.tlsKey, asio::ssl::context::pem);
  }

  using Message = std::optional<std::pair<Envelope, std::string>>;

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
      while (smtp.waiting() && message) {
        Envelope envelope = std::move(message->first);
        std::string data = std::move(message->second);
        message.reset();
        // The idle limit is for the client; while we work on its message
        // (a before-queue verdict can take minutes) the clock stops.
        idle.cancel();
        std::string reply = co_await asio::co_spawn(
            messageThreads, handle(config.beforeQueue(), std::move(envelope), std::move(data)), asio::use_awaitable);
        out += smtp.complete(reply);
      }
      if (!out.empty())
        co_await asio::async_write(stream, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
      if (smtp.wantsClose() || smtp.wantsTls()) break;
    }
  }

  static bool relayAllowed(const DaemonConfig& d, const std::string& peer) {
    for (const auto& n : d.trustedNetworks)
      if (n.contains(peer)) return true;
    return false;
  }

  static std::string checkRecipient(const DaemonConfig& d, const std::string& peer, const std::string& rcpt) {
    if (relayAllowed(d, peer)) return "";
    std::size_t at = rcpt.rfind('@');
    std::string domain = at == std::string::npos ? "" : rcpt.substr(at + 1);
    for (auto& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& r : d.relayDomains)
      if (domain == r) return "";
    return "554 5.7.1 <" + rcpt + ">: Relay access denied";
  }

  // On a message thread: the reply to one complete message.
  asio::awaitable<std::string> handle(bool beforeQueue, Envelope envelope, std::string data) {
    try {
      co_return beforeQueue ? inspect(std::move(envelope), std::move(data)) : spool(std::move(envelope), std::move(data));
    } catch (const std::exception& e) {
      logEvent(std::string("message handling failed: ") + e.what() + " (the client was told to retry)");
      co_return "451 4.3.0 Error: local error in processing, try again later";
    }
  }

  void logReceived(const std::string& id, const Envelope& envelope, std::size_t size) {
    metrics.messagesReceived++;
    metrics.bytesReceived += size;
    std::string to;
    for (const auto& r : envelope.recipients) to += (to.empty() ? "" : ",") + r;
    logEvent(id + " received from=<" + envelope.mailFrom + "> to=" + to + " size=" + std::to_string(size) +
             " client=" + envelope.peer + " helo=" + envelope.helo + " tls=" + (envelope.tls ? "yes" : "no"));
  }

  // After-queue: durably in incoming/, then 250.
  std::string spool(Envelope envelope, std::string data) {
    auto t0 = std::chrono::steady_clock::now();
    try {
      std::string id = queue.receive(envelope, data);
      metrics.acceptSeconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      logReceived(id, envelope, data.size());
      handlers.received(id);
      return "250 2.0.0 Ok: queued as " + id;
    } catch (const std::exception& e) {
      metrics.spoolErrors++;
      logEvent(std::string("spool error: ") + e.what());
      // No space is the usual cause: RFC 3463 4.3.1, the client retries.
      return "452 4.3.1 Insufficient system storage";
    }
  }

  // Before-queue: the verdict is the reply (the Processor writes outgoing/
  // before it says 250, and answers 451/452 for failures of ours).
  std::string inspect(Envelope envelope, std::string data) {
    auto t0 = std::chrono::steady_clock::now();
    std::string id = newId();
    logReceived(id, envelope, data.size());
    std::string reply = handlers.beforeQueue(id, std::move(envelope), std::move(data));
    metrics.acceptSeconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    logEvent(id + " replied \"" + reply + "\"");
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
      if (!header.source.empty()) peer = header.source;
    }
    bool admitted = false;
    {
      std::lock_guard lock(mutex);
      if (connections < config.maxConnections && perClient[peer] < config.maxConnectionsPerClient) {
        ++connections;
        ++perClient[peer];
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
      std::string peer;
      ~Release() {
        impl.metrics.sessionsActive--;
        std::lock_guard lock(impl.mutex);
        --impl.connections;
        if (--impl.perClient[peer] == 0) impl.perClient.erase(peer);
      }
    } release{*this, peer};
    Message message;  // the session's complete message, until converse() hands it on
    SmtpSession smtp(
        config.hostname, config.session, peer, [now, peer](const std::string& r) { return checkRecipient(now->daemon, peer, r); },
        [&message](Envelope e, std::string d) {
          message.emplace(std::move(e), std::move(d));
          return std::string();  // the reply comes from the message threads
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
        logEvent("tls handshake failed client=" + peer + ": " + ec.message());
      } else {
        smtp.tlsStarted();
        logEvent(std::string("tls started client=") + peer + " protocol=" + SSL_get_version(secure.native_handle()) +
                 " cipher=" + SSL_get_cipher_name(secure.native_handle()));
        co_await converse(secure, smtp, message, config, idle, armer, ec);
        asio::error_code ignored;
        co_await secure.async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
      }
    }
    idle.cancel();
    socket.close(ec);
  }

  // One request per connection: "GET /metrics" gets the exposition text.
  asio::awaitable<void> serveMetrics(tcp::socket socket) {
    asio::error_code ec;
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
