// HttpServer: the inbound HTTP/1.1 server (Boost.Beast) on the engine's Asio io_context.
//
// One acceptor, one session per connection, keep-alive. Every read has a deadline so a slow
// client times out (408 is not sent; the connection is closed). A body over `max_body_bytes`
// answers 413 naming the limit — whether announced by Content-Length or found while reading a
// chunked body (the read stops at the limit, so no more than the limit is ever buffered) — and
// headers over `max_header_bytes` answer 431. With a registry, each refusal counts in
// tocsin_http_requests_rejected_total{reason="body_too_large"|"headers_too_large"}.
// Requests go to a Router; handlers run on the io_context thread and must not block.
//
// Security (--web.config.file): set_security() installs a WebSecurity that new connections and
// requests use from then on — TLS for each new connection, basic auth and extra headers for each
// request; open connections keep the TLS setup they started with. A request without valid basic
// auth answers 401 with `WWW-Authenticate: Basic` before any handler runs (every path, /-/healthy
// and /-/ready included, as in Prometheus), and handlers never see the Authorization header.
// bcrypt checks run on the server's own auth thread, never on the I/O thread; their answers are
// cached (basic_auth.h).
//
// Thread contract: construct, start() and stop() on the thread that runs the io_context (or
// before it runs). set_security() may be called from any thread. A handler's Reply may be
// invoked from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "engine/common/result.h"
#include "engine/http/basic_auth.h"
#include "engine/http/router.h"
#include "engine/http/web_security.h"

namespace prometheus {
class Registry;
}

namespace tocsin::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 9093;
  std::size_t max_body_bytes = 4 * 1024 * 1024;  // tocsin run --web.max-request-body-size
  std::chrono::milliseconds read_timeout{30'000};
  std::size_t max_header_bytes = 64 * 1024;
  // Open connections at once (tocsin run --web.max-connections, as Prometheus); 0 = unbounded.
  // At the limit the server stops accepting until a connection closes: new ones wait in the
  // listen backlog, as with Prometheus' limited listener, rather than being refused.
  std::size_t max_connections = 512;
  // Where the 413 message says the limit comes from ("--web.max-request-body-size").
  std::string body_limit_source;
  prometheus::Registry* registry = nullptr;  // may be null (no metric); must outlive the server
};

// Splits "host:port" ("[::1]:9093", ":9093" = all interfaces).
Result<std::pair<std::string, std::uint16_t>> parse_listen_address(std::string_view s);

struct ServerRejections;  // the refusal counters (server.cpp)

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, const Router& router, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. Fails with kUnavailable when the address cannot be bound.
  Status start();
  // The bound port (useful with port 0).
  std::uint16_t port() const { return bound_port_; }
  // Stops accepting; open sessions finish their current exchange.
  void stop();

  // TLS, basic auth and headers for new connections and requests; nullptr: plain HTTP, open.
  void set_security(std::shared_ptr<const WebSecurity> security);
  std::shared_ptr<const WebSecurity> security() const;
  // The basic-auth answer cache (tests look at its computation count).
  const BasicAuthVerifier& verifier() const;

  struct Shared;  // state the sessions share with the server (server.cpp)
  struct Connections;  // the open-connection count behind max_connections (server.cpp)

 private:
  void do_accept();

  boost::asio::io_context& io_;
  const Router& router_;
  ServerOptions options_;
  std::shared_ptr<ServerRejections> rejections_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t bound_port_ = 0;
  std::shared_ptr<Shared> shared_;
  std::shared_ptr<Connections> connections_;
};

}  // namespace tocsin::http
