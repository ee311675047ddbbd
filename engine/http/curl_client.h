// CurlClient: tocsin's one outbound HTTP client — a libcurl multi handle driven by the engine's
// Asio io_context (curl's "multi_socket" API). Scrapes, webhook/Slack/PagerDuty notifications and
// email (libcurl's smtp:// and smtps://) all go through the same multi handle, so connections to
// the same host are reused (its cache keeps an idle connection per target, up to a quarter of the
// open-file limit) and nothing ever blocks the I/O thread: Asio watches the sockets curl
// asks for (CURLMOPT_SOCKETFUNCTION → stream_descriptor::async_wait) and one steady_timer stands
// in for curl's timeout (CURLMOPT_TIMERFUNCTION); DNS runs on curl's threaded resolver.
//
// Outcome of a request, delivered exactly once to its callback (unless cancelled):
//   - a response, whatever its status code (a 500 is a response, not an Error);
//   - kDeadlineExceeded when `timeout` passed (connect + transfer);
//   - kUnavailable when the peer cannot be reached or the connection broke (refused, reset,
//     DNS failure, TLS handshake or certificate verification failure);
//   - kResourceExhausted when the (decoded) body grew past max_response_bytes — the transfer is
//     aborted as soon as it does. The default, kDefaultMaxResponseBytes, keeps a hostile or
//     broken peer (a receiver or target answering an endless body) from exhausting memory;
//   - kInvalidArgument for a malformed URL or unreadable local TLS files; kInternal otherwise.
// Error messages read like Go's: `Get "http://host/metrics": <curl's explanation>`.
//
// libcurl itself is loaded at run time on a helper thread (engine/http/curl_library.h): requests
// made before it is there wait in the client and start, in order, once it is; if it cannot be
// loaded, each request fails with kInternal and the loader's explanation.
//
// Threads: construct, call request()/cancel() and destroy on the thread that runs the io_context
// (request() may also be called from any other thread: it is then posted to the loop). Callbacks
// run on the I/O thread and must not block; they may start new requests. Destroying the client
// drops in-flight requests without calling their callbacks. The io_context must outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <curl/curl.h>

#include "engine/common/result.h"

namespace tocsin::http {

struct CurlApi;  // engine/http/curl_library.h

struct TlsOptions {
  std::string ca_file;    // PEM bundle used to verify the server; "" = system store
  std::string cert_file;  // client certificate (PEM)
  std::string key_file;   // client key (PEM)
  std::string ca_pem;     // inline alternatives to the files above (not read from disk)
  std::string cert_pem;
  std::string key_pem;
  // Verify the server against this name (and send it as SNI) instead of the URL's host. The
  // connection still goes to the URL's host and the Host header keeps the URL's authority.
  std::string server_name;
  bool insecure_skip_verify = false;
};

struct BasicAuthCredentials {
  std::string username;
  std::string password;
};

// An Authorization header `<type> <credentials>` ("Bearer abc").
struct AuthorizationHeader {
  std::string type = "Bearer";
  std::string credentials;
};

// An email submission through libcurl's SMTP support. Set HttpRequest::smtp and use an
// `smtp://host:port/<helo-domain>` (STARTTLS per `use_ssl`) or `smtps://` (implicit TLS) url.
// `body` is the whole RFC 5322 message (headers, blank line, content), CRLF line ends. The
// response's status is the server's last reply code (250 on success).
struct SmtpRequest {
  std::string mail_from;               // envelope sender, e.g. "<alerts@example.org>"
  std::vector<std::string> mail_rcpt;  // envelope recipients
  enum class UseSsl { kNone, kTry, kRequired } use_ssl = UseSsl::kRequired;  // STARTTLS
  std::string username;  // AUTH when non-empty
  std::string password;
  std::string login_options;  // e.g. "AUTH=PLAIN"; "" = let curl choose
};

// The response body bound of every request that does not set its own (64 MiB).
inline constexpr std::size_t kDefaultMaxResponseBytes = 64u << 20;

struct HttpRequest {
  std::string method = "GET";  // ignored for SMTP
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent with POST/PUT/PATCH/...; the message for SMTP
  std::chrono::milliseconds timeout{10'000};  // whole transfer, connect included
  std::optional<BasicAuthCredentials> basic_auth;
  std::optional<AuthorizationHeader> authorization;
  TlsOptions tls;
  std::string proxy_url;              // "" = no proxy (unless proxy_from_environment)
  std::string no_proxy;               // comma-separated hosts that bypass the proxy
  bool proxy_from_environment = false;
  bool follow_redirects = true;       // at most 10, as Go's client
  bool enable_http2 = true;           // HTTP/2 over TLS when the server offers it
  bool accept_gzip = false;           // send Accept-Encoding: gzip and decode transparently
  std::size_t max_response_bytes = kDefaultMaxResponseBytes;  // decoded body bytes; 0 = unlimited
  std::string user_agent = "tocsin";
  std::optional<SmtpRequest> smtp;
  // Escape hatch for options not modelled above: runs on the I/O thread after every other
  // option is set, just before the transfer starts. Must only call `api.easy_setopt`.
  std::function<void(CURL*, const CurlApi& api)> customize;
};

struct HttpResponse {
  long status = 0;          // HTTP status, or the last SMTP reply code
  std::string status_text;  // "500 Internal Server Error" (Go's resp.Status); "" for SMTP
  std::vector<std::pair<std::string, std::string>> headers;  // lower-cased names, final response
  std::string body;
  std::chrono::microseconds total_time{0};

  // First value of a header (lower-case name), or "".
  std::string_view header(std::string_view lower_name) const;
};

using ResponseCallback = std::function<void(Result<HttpResponse>)>;
using RequestId = std::uint64_t;

class CurlClient {
 public:
  explicit CurlClient(boost::asio::io_context& io);
  ~CurlClient();
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  // Starts a request; `done` runs later on the I/O thread (never inside this call).
  RequestId request(HttpRequest request, ResponseCallback done);
  // Aborts a request in flight; its callback is not called. Unknown or finished ids are ignored.
  // I/O thread only.
  void cancel(RequestId id);
  // Requests started and not yet completed or cancelled. I/O thread only.
  std::size_t in_flight() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;  // shared so pending Asio handlers can tell it is gone
};

}  // namespace tocsin::http
