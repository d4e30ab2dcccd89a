// mugai-web's HTTPS listener: Boost.Beast over Boost.Asio and OpenSSL
// (TLS 1.2 and up, the host's certificate), C++20 coroutines, one strand
// per connection. Requests are parsed here with hard limits and handed to
// the Console on a separate thread pool (a release may wait a minute on
// the relay; the listener keeps serving meanwhile).
//
// Limits: a TLS handshake must finish in 5 s; a request's header within
// 16 KiB and its body within 1 MiB (431 / 413 otherwise), the first request
// within 30 s and each next one within 15 s (idle keep-alive), at most 100
// requests per connection; max_connections connections at once and 20 from
// one address (more are closed at accept).
#pragma once

#include <memory>
#include <string>

#include "web/console.h"
#include "web/web_config.h"

namespace mugai::web {

class Server {
 public:
  /// Loads the certificate and binds web.listen. Throws std::runtime_error.
  Server(Console& console, const WebConfig& web);
  ~Server();
  /// "host:port" actually bound (port 0 in the config = a free one).
  std::string bound() const;
  /// Serves until stop(), on `threads` threads (and the handler pool).
  void run(int threads);
  /// Stops accepting and ends run(); safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mugai::web
