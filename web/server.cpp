// See server.h.
#include "web/server.h"

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/ascii_case.h"

namespace mugai::web {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using namespace std::chrono_literals;

struct Server::Impl {
  static constexpr int kMaxPerAddress = 20;
  Console& console;
  int maxConnections;
  std::mutex perAddressMutex;
  std::map<std::string, int> perAddress;  ///< open connections per client address
  net::io_context io;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor{io};
  net::thread_pool handlers{8};  // a release may wait a minute on the relay
  std::atomic<int> open{0};

  Impl(Console& c, const WebConfig& web) : console(c), maxConnections(web.maxConnections) {}

  static net::awaitable<Response> handle(Console& console, Request request) { co_return console.handle(request); }

  static Request toRequest(const http::request<http::string_body>& req, const std::string& peer) {
    Request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.peer = peer;
    r.body = req.body();
    for (const auto& field : req) {
      const std::string name = toLower(field.name_string());
      auto [it, fresh] = r.headers.emplace(name, std::string(field.value()));
      if (!fresh) it->second += (name == "cookie" ? "; " : ", ") + std::string(field.value());
    }
    return r;
  }

  static http::response<http::string_body> simple(http::status status, unsigned version, const char* text) {
    http::response<http::string_body> res{status, version};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.keep_alive(false);
    res.body() = text;
    res.prepare_payload();
    return res;
  }

  template <class Socket>
  static std::string peerOf(const Socket& socket) {
    boost::system::error_code ec;
    std::string peer = socket.remote_endpoint(ec).address().to_string();
    if (peer.rfind("::ffff:", 0) == 0) peer = peer.substr(7);  // an IPv4 client on a v6 socket
    return peer;
  }

  net::awaitable<void> session(tcp::socket socket, std::string peer) {
    struct Count {
      Impl& impl;
      std::string peer;
      ~Count() {
        --impl.open;
        std::lock_guard lock(impl.perAddressMutex);
        if (--impl.perAddress[peer] <= 0) impl.perAddress.erase(peer);
      }
    } count{*this, peer};
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls);
    auto& lowest = beast::get_lowest_layer(stream);
    try {
      lowest.expires_after(5s);
      co_await stream.async_handshake(ssl::stream_base::server, net::use_awaitable);
      beast::flat_buffer buffer;
      for (int n = 0; n < 100; ++n) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(16 * 1024);
        parser.body_limit(1024 * 1024);
        lowest.expires_after(n == 0 ? 30s : 15s);  // the first request, then idle keep-alive
        auto [readError, bytes] = co_await http::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
        (void)bytes;
        if (readError == http::error::header_limit || readError == http::error::body_limit) {
          lowest.expires_after(10s);
          co_await http::async_write(stream,
                                     simple(readError == http::error::body_limit ? http::status::payload_too_large
                                                                                 : http::status::request_header_fields_too_large,
                                            11, "request too large\n"),
                                     net::use_awaitable);
          break;
        }
        if (readError == http::error::end_of_stream || readError == net::error::eof) break;
        if (readError) throw boost::system::system_error(readError);
        const auto& req = parser.get();
        lowest.expires_never();  // the console may take a while (a release waits on the relay)
        Response out = co_await net::co_spawn(handlers, handle(console, toRequest(req, peer)), net::use_awaitable);
        http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
        for (const auto& [name, value] : out.headers) res.insert(name, value);
        res.keep_alive(req.keep_alive());
        if (req.method() == http::verb::head) {
          res.content_length(out.body.size());
        } else {
          res.body() = std::move(out.body);
          res.prepare_payload();
        }
        lowest.expires_after(60s);
        co_await http::async_write(stream, res, net::use_awaitable);
        if (!res.keep_alive()) break;
      }
      lowest.expires_after(5s);
      co_await stream.async_shutdown(net::as_tuple(net::use_awaitable));
    } catch (const std::exception&) {
      // A timeout, a reset or a malformed request: the connection ends.
    }
  }

  net::awaitable<void> acceptLoop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(net::make_strand(io), net::as_tuple(net::use_awaitable));
      if (ec == net::error::operation_aborted) co_return;
      if (ec) continue;  // EMFILE and the like: the next accept may work
      std::string peer = peerOf(socket);
      {
        std::lock_guard lock(perAddressMutex);
        if (open.load() >= maxConnections || perAddress[peer] >= kMaxPerAddress) {
          if (perAddress[peer] == 0) perAddress.erase(peer);
          socket.close(ec);
          continue;
        }
        ++perAddress[peer];
        ++open;
      }
      auto executor = socket.get_executor();
      net::co_spawn(executor, session(std::move(socket), std::move(peer)), net::detached);
    }
  }
};

Server::Server(Console& console, const WebConfig& web) : impl_(std::make_unique<Impl>(console, web)) {
  if (web.tlsCert.empty() || web.tlsKey.empty())
    throw std::runtime_error("no TLS certificate: set [web] tls_cert and tls_key (or [daemon]'s); `mugai tls-cert` makes a "
                             "self-signed pair (証明書が設定されていません)");
  auto& tls = impl_->tls;
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  tls.use_certificate_chain_file(web.tlsCert, ec);
  if (ec) throw std::runtime_error("cannot load the certificate " + web.tlsCert + ": " + ec.message());
  tls.use_private_key_file(web.tlsKey, ssl::context::pem, ec);
  if (ec) throw std::runtime_error("cannot load the key " + web.tlsKey + ": " + ec.message());

  const std::size_t colon = web.listen.rfind(':');
  std::string host = web.listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = web.listen.substr(colon + 1);
  tcp::resolver resolver(impl_->io);
  auto results = resolver.resolve(host, port, tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) throw std::runtime_error("cannot resolve [web] listen " + web.listen + ": " + ec.message());
  const tcp::endpoint endpoint = results.begin()->endpoint();
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + web.listen + ": " + ec.message());
}

Server::~Server() {
  impl_->handlers.join();
}

std::string Server::bound() const {
  const auto ep = impl_->acceptor.local_endpoint();
  const std::string host = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(ep.port());
}

void Server::run(int threads) {
  net::co_spawn(impl_->io, impl_->acceptLoop(), net::detached);
  std::vector<std::thread> extra;
  for (int i = 1; i < threads; ++i) extra.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (auto& t : extra) t.join();
}

void Server::stop() {
  net::post(impl_->io, [this] {
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
    impl_->io.stop();
  });
}

}  // namespace mugai::web
