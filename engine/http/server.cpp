#include "engine/http/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <array>
#include <functional>
#include <mutex>
#include <optional>
#include <type_traits>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "engine/http/tls_server_context.h"

namespace tocsin::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

Result<std::pair<std::string, std::uint16_t>> parse_listen_address(std::string_view s) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) {
    return invalid_argument("listen address \"" + std::string(s) + "\": missing port");
  }
  std::string host(s.substr(0, colon));
  std::string_view port_text = s.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  unsigned port = 0;
  if (port_text.empty() || port_text.size() > 5) {
    return invalid_argument("listen address \"" + std::string(s) + "\": bad port");
  }
  for (char c : port_text) {
    if (c < '0' || c > '9') {
      return invalid_argument("listen address \"" + std::string(s) + "\": bad port");
    }
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535) return invalid_argument("listen address \"" + std::string(s) + "\": bad port");
  return std::make_pair(host, static_cast<std::uint16_t>(port));
}

// What sessions share with the server: the current security and the basic-auth machinery.
struct HttpServer::Shared {
  mutable std::mutex mu;
  std::shared_ptr<const WebSecurity> security;
  BasicAuthVerifier verifier;
  asio::thread_pool auth_pool{1};  // bcrypt checks, one at a time, off the I/O thread

  std::shared_ptr<const WebSecurity> current() const {
    std::lock_guard lock(mu);
    return security;
  }
};

// Open connections against ServerOptions::max_connections. Each session holds a Slot for its
// life; at the limit the server stops accepting, and the slot released below the limit posts
// the next accept. `accept` is cleared by ~HttpServer (both run on the I/O thread).
struct HttpServer::Connections {
  std::mutex mu;
  std::size_t open = 0;
  bool paused = false;
  std::function<void()> accept;
  prometheus::Gauge* gauge = nullptr;

  struct Slot {
    explicit Slot(std::shared_ptr<Connections> c) : owner(std::move(c)) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { owner->release(); }
    std::shared_ptr<Connections> owner;
  };

  void release() {
    std::lock_guard lock(mu);
    --open;
    if (gauge) gauge->Decrement();
    if (paused && accept) {
      paused = false;
      accept();
    }
  }
};

// Null counters when the server has no registry.
struct ServerRejections {
  prometheus::Counter* body_too_large = nullptr;
  prometheus::Counter* headers_too_large = nullptr;
};

namespace {

void count(prometheus::Counter* c) {
  if (c) c->Increment();
}

// One connection: plain (beast::tcp_stream) or TLS (beast::ssl_stream over it).
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

 public:
  Session(tcp::socket socket, const Router& router, const ServerOptions& options,
          std::shared_ptr<const ServerRejections> rejections,
          std::shared_ptr<HttpServer::Shared> shared)
    requires(!kTls)
      : stream_(std::move(socket)),
        router_(router),
        options_(options),
        rejections_(std::move(rejections)),
        shared_(std::move(shared)) {}

  Session(tcp::socket socket, std::shared_ptr<asio::ssl::context> tls,
          std::vector<std::string> allowed_sans, const Router& router,
          const ServerOptions& options, std::shared_ptr<const ServerRejections> rejections,
          std::shared_ptr<HttpServer::Shared> shared)
    requires kTls
      : tls_(std::move(tls)),
        allowed_sans_(std::move(allowed_sans)),
        stream_(std::move(socket), *tls_),
        router_(router),
        options_(options),
        rejections_(std::move(rejections)),
        shared_(std::move(shared)) {}

  // Keeps `token` (the connection's slot) as long as the session lives.
  void hold(std::shared_ptr<void> token) { token_ = std::move(token); }

  void run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if constexpr (kTls) {
        self->handshake();
      } else {
        self->do_read();
      }
    });
  }

 private:
  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }
  void expires_after(std::chrono::steady_clock::duration d) {
    beast::get_lowest_layer(stream_).expires_after(d);
  }

  // TLS first; with client_allowed_sans, the verified client certificate must carry one.
  void handshake() {
    if constexpr (kTls) {
      expires_after(options_.read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close_socket();  // no/bad cert, not TLS
                                if (!self->allowed_sans_.empty() &&
                                    !peer_has_allowed_san(self->stream_.native_handle(),
                                                          self->allowed_sans_)) {
                                  return self->close();
                                }
                                self->do_read();
                              });
    }
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    expires_after(options_.read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t n) {
    if (ec) return on_read(ec, n);
    auto length = parser_->content_length();
    if (length && *length > options_.max_body_bytes) return reject_oversize();
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  // Answers 413, then reads and discards what the client still sends (bounded in bytes and
  // time) so it sees the answer instead of a connection reset.
  void reject_oversize() {
    keep_alive_ = false;
    draining_ = true;
    count(rejections_->body_too_large);
    std::string source = options_.body_limit_source.empty()
                             ? std::string()
                             : ", " + options_.body_limit_source;
    send(Response::text(413, "request body too large: the limit is " +
                                 std::to_string(options_.max_body_bytes) + " bytes" + source +
                                 "\n"),
         false);
  }

  void drain() {
    expires_after(std::chrono::seconds(2));
    stream_.async_read_some(
        asio::buffer(drain_buf_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
          self->drained_ += n;
          if (ec || self->drained_ > 4 * self->options_.max_body_bytes) return self->close();
          self->drain();
        });
  }

  void on_read(beast::error_code ec, std::size_t) {
    security_ = shared_->current();
    if (ec == bhttp::error::end_of_stream) return close();
    if (ec == bhttp::error::body_limit) return reject_oversize();
    if (ec == bhttp::error::header_limit) {
      keep_alive_ = false;
      count(rejections_->headers_too_large);
      return send(Response::text(431, "request header fields too large\n"), false);
    }
    if (ec) return close();  // timeout, reset, malformed request

    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    head_ = msg.method() == bhttp::verb::head;
    Request req;
    req.method = std::string(msg.method_string());
    std::string_view target = msg.target();
    size_t q = target.find('?');
    req.path = url_decode(target.substr(0, q), false);
    if (q != std::string_view::npos) {
      req.query = std::string(target.substr(q + 1));
      req.params = parse_form(req.query);
    }
    for (const auto& field : msg) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[name] = std::string(field.value());
    }
    req.body = std::move(msg.body());
    auto ct = req.header("content-type");
    if (req.method == "POST" && ct.find("application/x-www-form-urlencoded") == 0) {
      auto form = parse_form(req.body);
      req.params.insert(req.params.end(), form.begin(), form.end());
    }
    beast::error_code ignored;
    auto ep = socket().remote_endpoint(ignored);
    if (!ignored) req.remote = ep.address().to_string() + ":" + std::to_string(ep.port());
    authorize(std::move(req));
  }

  // Basic auth when users are configured, then the router.
  void authorize(Request req) {
    auto sec = security_;
    if (!sec || sec->basic_auth_users.empty()) return route(std::move(req));
    auto creds = parse_basic_authorization(req.header("authorization"));
    req.headers.erase("authorization");  // handlers never see the password
    if (!creds) return unauthorized();
    auto it = sec->basic_auth_users.find(creds->user);
    const std::string* hash = it == sec->basic_auth_users.end() ? nullptr : &it->second;
    if (auto known = shared_->verifier.cached(*creds, hash)) {
      return *known && hash != nullptr ? route(std::move(req)) : unauthorized();
    }
    // bcrypt is slow: check on the auth thread, then come back to this session's strand.
    asio::post(shared_->auth_pool, [self = shared_from_this(), sec, hash, creds = std::move(*creds),
                                    req = std::move(req)]() mutable {
      bool ok = self->shared_->verifier.verify(creds, hash) && hash != nullptr;
      asio::dispatch(self->stream_.get_executor(), [self, ok, req = std::move(req)]() mutable {
        if (ok) {
          self->route(std::move(req));
        } else {
          self->unauthorized();
        }
      });
    });
  }

  void unauthorized() {
    // What exporter-toolkit answers (Go's http.Error).
    Response res = Response::text(401, "Unauthorized\n");
    res.headers.emplace_back("WWW-Authenticate", "Basic");
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    send(std::move(res), keep_alive_);
  }

  void route(Request req) {
    auto self = shared_from_this();
    router_.dispatch(std::move(req), [self](Response res) {
      // The reply may come from another thread: hop back to the session's strand.
      asio::dispatch(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        self->send(std::move(res), self->keep_alive_);
      });
    });
  }

  void send(Response res, bool keep_alive) {
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>();
    msg->version(11);
    msg->result(static_cast<unsigned>(res.status));
    msg->set(bhttp::field::server, "tocsin");
    msg->set(bhttp::field::content_type, res.content_type);
    if (security_) {
      for (const auto& [k, v] : security_->headers) msg->set(k, v);
    }
    for (auto& [k, v] : res.headers) msg->set(k, v);
    msg->keep_alive(keep_alive);
    if (head_) {
      msg->content_length(res.body.size());
    } else {
      msg->body() = std::move(res.body);
      msg->prepare_payload();
    }
    expires_after(options_.read_timeout);
    if (head_) {
      auto sr = std::make_shared<bhttp::response_serializer<bhttp::string_body>>(*msg);
      sr->split(true);
      bhttp::async_write_header(
          stream_, *sr,
          [self = shared_from_this(), msg, sr, keep_alive](beast::error_code ec, std::size_t) {
            self->on_write(ec, keep_alive);
          });
      return;
    }
    bhttp::async_write(stream_, *msg,
                       [self = shared_from_this(), msg, keep_alive](beast::error_code ec,
                                                                    std::size_t) {
                         self->on_write(ec, keep_alive);
                       });
  }

  void on_write(beast::error_code ec, bool keep_alive) {
    if (ec) return close_socket();
    if (draining_) {
      if constexpr (!kTls) {
        beast::error_code ignored;
        socket().shutdown(tcp::socket::shutdown_send, ignored);
      }
      return drain();
    }
    if (!keep_alive) return close();
    do_read();
  }

  // Ends the connection: over TLS a close_notify first (bounded in time), then the socket.
  void close() {
    if constexpr (kTls) {
      if (!closing_) {
        closing_ = true;
        expires_after(std::chrono::seconds(2));
        stream_.async_shutdown(
            [self = shared_from_this()](beast::error_code) { self->close_socket(); });
        return;
      }
    }
    close_socket();
  }

  void close_socket() {
    beast::error_code ec;
    socket().shutdown(tcp::socket::shutdown_send, ec);
    socket().close(ec);
  }

  std::shared_ptr<asio::ssl::context> tls_;  // declared first: outlives stream_
  std::vector<std::string> allowed_sans_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const Router& router_;
  ServerOptions options_;
  std::shared_ptr<const ServerRejections> rejections_;
  std::shared_ptr<HttpServer::Shared> shared_;
  std::shared_ptr<const WebSecurity> security_;  // as of the current request
  std::shared_ptr<void> token_;
  bool keep_alive_ = true;
  bool head_ = false;
  bool draining_ = false;
  bool closing_ = false;
  std::size_t drained_ = 0;
  std::array<char, 16384> drain_buf_{};
};

}  // namespace

HttpServer::HttpServer(asio::io_context& io, const Router& router, ServerOptions options)
    : io_(io),
      router_(router),
      options_(std::move(options)),
      rejections_(std::make_shared<ServerRejections>()),
      acceptor_(asio::make_strand(io)),
      shared_(std::make_shared<Shared>()),
      connections_(std::make_shared<Connections>()) {
  // Resuming posts to the acceptor's strand; the flag is checked there, on the I/O thread.
  connections_->accept = [this, ex = acceptor_.get_executor(), weak = std::weak_ptr(connections_)] {
    asio::post(ex, [this, weak] {
      auto c = weak.lock();
      if (!c) return;
      bool alive = false;
      {
        std::lock_guard lock(c->mu);
        alive = static_cast<bool>(c->accept);
      }
      if (alive && acceptor_.is_open()) do_accept();
    });
  };
  if (options_.registry) {
    connections_->gauge = &prometheus::BuildGauge()
                               .Name("tocsin_http_open_connections")
                               .Help("Open inbound HTTP connections (at most "
                                     "--web.max-connections).")
                               .Register(*options_.registry)
                               .Add({});
    auto& family = prometheus::BuildCounter()
                       .Name("tocsin_http_requests_rejected_total")
                       .Help("Inbound HTTP requests refused before reaching a handler, by reason "
                             "(body_too_large: 413, headers_too_large: 431).")
                       .Register(*options_.registry);
    rejections_->body_too_large = &family.Add({{"reason", "body_too_large"}});
    rejections_->headers_too_large = &family.Add({{"reason", "headers_too_large"}});
  }
}

HttpServer::~HttpServer() {
  // Sessions may outlive the server (until the io_context drops them); the registry need not:
  // they stop touching its metrics.
  {
    std::lock_guard lock(connections_->mu);
    connections_->accept = nullptr;
    connections_->gauge = nullptr;
  }
  rejections_->body_too_large = nullptr;
  rejections_->headers_too_large = nullptr;
  stop();
  // No bcrypt job outlives the server (sessions on a stopped loop never resume).
  shared_->auth_pool.join();
}

void HttpServer::set_security(std::shared_ptr<const WebSecurity> security) {
  std::lock_guard lock(shared_->mu);
  shared_->security = std::move(security);
}

std::shared_ptr<const WebSecurity> HttpServer::security() const { return shared_->current(); }

const BasicAuthVerifier& HttpServer::verifier() const { return shared_->verifier; }

Status HttpServer::start() {
  beast::error_code ec;
  auto addr = asio::ip::make_address(options_.address, ec);
  if (ec) return invalid_argument("listen address \"" + options_.address + "\": " + ec.message());
  tcp::endpoint ep(addr, options_.port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return unavailable("listen on " + options_.address + ":" + std::to_string(options_.port) +
                       ": " + ec.message());
  }
  bound_port_ = acceptor_.local_endpoint(ec).port();
  do_accept();
  return {};
}

void HttpServer::stop() {
  beast::error_code ec;
  if (acceptor_.is_open()) acceptor_.close(ec);
}

void HttpServer::do_accept() {
  acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    bool full = false;
    if (!ec) {
      {
        std::lock_guard lock(connections_->mu);
        ++connections_->open;
        if (connections_->gauge) connections_->gauge->Increment();
        full = options_.max_connections != 0 && connections_->open >= options_.max_connections;
        if (full) connections_->paused = true;
      }
      auto slot = std::make_shared<Connections::Slot>(connections_);
      auto sec = shared_->current();
      if (sec && sec->tls) {
        auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            std::move(socket), sec->tls, sec->client_allowed_sans, router_, options_,
            rejections_, shared_);
        s->hold(std::move(slot));
        s->run();
      } else {
        auto s = std::make_shared<Session<beast::tcp_stream>>(std::move(socket), router_,
                                                              options_, rejections_, shared_);
        s->hold(std::move(slot));
        s->run();
      }
    }
    if (!full) do_accept();  // at the limit, the next release resumes accepting
  });
}

}  // namespace tocsin::http
