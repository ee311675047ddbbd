#include "engine/http/curl_client.h"

#include "engine/http/curl_library.h"

#include <poll.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tocsin::http {

namespace asio = boost::asio;

namespace {

std::atomic<RequestId> g_next_id{1};

// How many idle connections the multi handle keeps for reuse. libcurl's default is 4 per
// transfer in progress, which with one scrape at a time keeps 4 connections: the fifth target
// evicts the first, and every scrape connects anew. Prometheus' client keeps idle connections per
// host (up to 20,000 in all); here a quarter of the open-file limit, so that idle connections
// never take the descriptors the API server and the state files need.
long idle_connection_cache_size() {
  rlimit rl{};
  rlim_t files = 1024;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) files = rl.rlim_cur;
  return static_cast<long>(std::clamp<rlim_t>(files / 4, 16, 20000));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// "GET" → "Get", as Go's url.Error prints the operation.
std::string go_op(std::string_view method) {
  std::string out = lower(method);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

ErrorCode code_for(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorCode::kDeadlineExceeded;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_LOGIN_DENIED:
    case CURLE_BAD_CONTENT_ENCODING:
      return ErrorCode::kInvalidArgument;
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_FAILED_INIT:
    case CURLE_NOT_BUILT_IN:
      return ErrorCode::kInternal;
    default:
      // Connection refused/reset, DNS, TLS handshake and verification, empty replies, SMTP
      // server errors: the peer side failed; trying again may work.
      return ErrorCode::kUnavailable;
  }
}

}  // namespace

std::string_view HttpResponse::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

// ---------------------------------------------------------------------------------------------

class CurlClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  explicit Impl(asio::io_context& io) : io_(io), timer_(io) {}

  ~Impl() { shutdown(); }

  // Uses libcurl at once when it is loaded; otherwise waits for the loader (requests queue).
  void begin() {
    if (const CurlApi* api = loaded_curl(&load_error_)) {
      init(api);
      return;
    }
    if (!load_error_.empty()) return;
    wait_token_ = when_curl_loaded(io_, [weak = weak_from_this()] {
      if (auto me = weak.lock()) me->library_ready();
    });
  }

  void shutdown() {
    if (stopped_) return;
    stopped_ = true;
    if (wait_token_ != 0) cancel_curl_wait(wait_token_);
    load_guard_.reset();
    waiting_.clear();
    if (multi_ == nullptr) return;
    for (auto& [id, t] : transfers_) {
      api_->multi_remove_handle(multi_, t->easy);
      t->cleanup();
    }
    transfers_.clear();
    timer_.cancel();
    api_->multi_cleanup(multi_);
    multi_ = nullptr;
    for (auto& [fd, s] : sockets_) forget(*s);
    sockets_.clear();
  }

  void start(RequestId id, HttpRequest req, ResponseCallback done) {
    if (stopped_) return;
    if (multi_ == nullptr) {
      if (load_error_.empty()) {
        waiting_.push_back(Waiting{id, std::move(req), std::move(done)});
        // Queued requests count as work on the loop until the loader reports, so that
        // io_context::run() does not return with them still here (a client without queued
        // requests keeps nothing running).
        if (!load_guard_) load_guard_.emplace(io_.get_executor());
        start_loading_curl();
        return;
      }
      auto t = std::make_unique<Transfer>();
      t->done = std::move(done);
      fail_soon(std::move(t), internal_error((req.smtp ? "Send" : go_op(req.method)) + " \"" +
                                             req.url + "\": " + load_error_));
      return;
    }
    auto t = std::make_unique<Transfer>();
    t->api = api_;
    t->id = id;
    t->req = std::move(req);
    t->done = std::move(done);
    t->op = t->req.smtp ? std::string("Send") : go_op(t->req.method);
    t->easy = api_->easy_init();
    if (t->easy == nullptr) {
      fail_soon(std::move(t), internal_error("curl_easy_init failed"));
      return;
    }
    if (auto st = configure(*t); !st) {
      Error e = st.error();
      t->cleanup();
      fail_soon(std::move(t), tl::unexpected(std::move(e)));
      return;
    }
    CURLMcode mc = api_->multi_add_handle(multi_, t->easy);
    if (mc != CURLM_OK) {
      t->cleanup();
      fail_soon(std::move(t), internal_error(std::string("curl_multi_add_handle: ") +
                                             api_->multi_strerror(mc)));
      return;
    }
    transfers_.emplace(id, std::move(t));
  }

  void cancel(RequestId id) {
    if (std::erase_if(waiting_, [id](const Waiting& w) { return w.id == id; }) != 0) {
      if (waiting_.empty()) load_guard_.reset();
      return;
    }
    if (auto it = transfers_.find(id); it != transfers_.end()) {
      api_->multi_remove_handle(multi_, it->second->easy);
      it->second->cleanup();
      transfers_.erase(it);
      return;
    }
    for (auto& t : completing_) {
      if (t && t->id == id) t->cancelled = true;
    }
  }

  std::size_t in_flight() const { return transfers_.size() + waiting_.size(); }

  asio::io_context& io() { return io_; }

 private:
  // A request made before libcurl was loaded.
  struct Waiting {
    RequestId id;
    HttpRequest req;
    ResponseCallback done;
  };

  void init(const CurlApi* api) {
    api_ = api;
    multi_ = api->multi_init();
    api->multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Impl::socket_cb);
    api->multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    api->multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Impl::timer_cb);
    api->multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    api->multi_setopt(multi_, CURLMOPT_MAXCONNECTS, idle_connection_cache_size());
  }

  // On the I/O thread, once the loader has finished: starts (or fails) the queued requests in
  // the order they were made.
  void library_ready() {
    wait_token_ = 0;
    load_guard_.reset();
    if (stopped_) return;
    if (const CurlApi* api = loaded_curl(&load_error_)) init(api);
    std::vector<Waiting> queued = std::move(waiting_);
    waiting_.clear();
    for (Waiting& w : queued) start(w.id, std::move(w.req), std::move(w.done));
  }

  struct Transfer {
    const CurlApi* api = nullptr;
    RequestId id = 0;
    CURL* easy = nullptr;
    HttpRequest req;
    ResponseCallback done;
    std::string op;  // "Get", "Post", ... for messages
    curl_slist* headers = nullptr;
    curl_slist* recipients = nullptr;
    curl_slist* connect_to = nullptr;
    HttpResponse resp;
    bool too_large = false;
    bool cancelled = false;
    CURLcode rc = CURLE_OK;
    std::string rewritten_url;  // with server_name in place of the host
    std::size_t upload_offset = 0;
    char errbuf[CURL_ERROR_SIZE] = {0};

    void cleanup() {
      if (api == nullptr) return;
      if (easy != nullptr) api->easy_cleanup(easy);
      easy = nullptr;
      api->slist_free_all(headers);
      api->slist_free_all(recipients);
      api->slist_free_all(connect_to);
      headers = recipients = connect_to = nullptr;
    }
  };

  // One socket curl asked us to watch. Handlers hold a shared_ptr and check `removed`: curl may
  // drop the socket (and the fd number may be reused) while a wait is queued.
  struct Socket {
    curl_socket_t fd;
    asio::posix::stream_descriptor desc;
    int want = 0;  // CURL_POLL_IN / OUT / INOUT
    bool read_pending = false;
    bool write_pending = false;
    bool removed = false;
    Socket(asio::io_context& io, curl_socket_t s) : fd(s), desc(io, s) {}
  };

  // --- curl callbacks (called from inside curl_multi_*; they only (re)arm Asio waits) --------

  static int socket_cb(CURL*, curl_socket_t s, int what, void* userp, void*) {
    auto* self = static_cast<Impl*>(userp);
    if (what == CURL_POLL_REMOVE) {
      if (auto it = self->sockets_.find(s); it != self->sockets_.end()) {
        self->forget(*it->second);
        self->sockets_.erase(it);
      }
      return 0;
    }
    auto it = self->sockets_.find(s);
    if (it == self->sockets_.end()) {
      it = self->sockets_.emplace(s, std::make_shared<Socket>(self->io_, s)).first;
    }
    it->second->want = what;
    self->arm(it->second);
    return 0;
  }

  static int timer_cb(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<Impl*>(userp);
    if (timeout_ms < 0) {
      self->timer_.cancel();
      return 0;
    }
    self->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
    self->timer_.async_wait([weak = self->weak_from_this()](const boost::system::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      if (auto me = weak.lock()) me->action(CURL_SOCKET_TIMEOUT, 0);
    });
    return 0;
  }

  static size_t write_cb(char* data, size_t size, size_t n, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    const size_t len = size * n;
    if (t->req.max_response_bytes != 0 && t->resp.body.size() + len > t->req.max_response_bytes) {
      t->too_large = true;
      return 0;  // aborts with CURLE_WRITE_ERROR
    }
    t->resp.body.append(data, len);
    return len;
  }

  static size_t header_cb(char* data, size_t size, size_t n, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    const size_t len = size * n;
    std::string_view line = trim(std::string_view(data, len));
    if (line.rfind("HTTP/", 0) == 0) {
      // A new response (after a redirect or a 100 Continue): keep only the final one's headers.
      t->resp.headers.clear();
      size_t sp = line.find(' ');
      t->resp.status_text = sp == std::string_view::npos ? "" : std::string(trim(line.substr(sp)));
      return len;
    }
    size_t colon = line.find(':');
    if (colon != std::string_view::npos && colon > 0) {
      t->resp.headers.emplace_back(lower(line.substr(0, colon)),
                                   std::string(trim(line.substr(colon + 1))));
    }
    return len;
  }

  static size_t read_cb(char* buffer, size_t size, size_t n, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    const size_t room = size * n;
    const size_t left = t->req.body.size() - t->upload_offset;
    const size_t len = std::min(room, left);
    std::memcpy(buffer, t->req.body.data() + t->upload_offset, len);
    t->upload_offset += len;
    return len;
  }

  // --- Asio side -----------------------------------------------------------------------------

  void forget(Socket& s) {
    s.removed = true;
    boost::system::error_code ignored;
    s.desc.cancel(ignored);
    s.desc.release();  // curl owns and closes the fd
  }

  // Makes sure a wait is queued for each direction curl wants. The reactor is edge-triggered, so
  // readiness that arrived while no wait was queued (or that curl did not drain) would never be
  // reported again: poll() the fd first and complete at once when it is already ready.
  void arm(const std::shared_ptr<Socket>& s) {
    if (s->removed) return;
    const bool want_read = (s->want & CURL_POLL_IN) != 0;
    const bool want_write = (s->want & CURL_POLL_OUT) != 0;
    if (!(want_read && !s->read_pending) && !(want_write && !s->write_pending)) return;
    pollfd p{s->fd, 0, 0};
    if (want_read && !s->read_pending) p.events |= POLLIN;
    if (want_write && !s->write_pending) p.events |= POLLOUT;
    ::poll(&p, 1, 0);
    auto weak = weak_from_this();
    auto arm_one = [&](bool read) {
      bool& pending = read ? s->read_pending : s->write_pending;
      pending = true;
      auto handler = [weak, s, read](const boost::system::error_code& ec) {
        (read ? s->read_pending : s->write_pending) = false;
        if (s->removed || ec == asio::error::operation_aborted) return;
        auto me = weak.lock();
        if (!me) return;
        int flags = read ? CURL_CSELECT_IN : CURL_CSELECT_OUT;
        if (ec) flags |= CURL_CSELECT_ERR;
        me->action(s->fd, flags);
        me->arm(s);
      };
      const short ready = read ? (POLLIN | POLLHUP | POLLERR) : (POLLOUT | POLLHUP | POLLERR);
      if ((p.revents & ready) != 0) {
        asio::post(io_, [handler] { handler(boost::system::error_code()); });
      } else {
        s->desc.async_wait(read ? asio::posix::descriptor_base::wait_read
                                : asio::posix::descriptor_base::wait_write,
                           handler);
      }
    };
    if (want_read && !s->read_pending) arm_one(true);
    if (want_write && !s->write_pending) arm_one(false);
  }

  void action(curl_socket_t fd, int flags) {
    if (multi_ == nullptr) return;
    int running = 0;
    api_->multi_socket_action(multi_, fd, flags, &running);
    check_done();
  }

  // Collects every finished transfer first, then runs their callbacks (which may start or
  // cancel other requests).
  void check_done() {
    int left = 0;
    while (CURLMsg* msg = api_->multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* raw = nullptr;
      api_->easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &raw);
      CURLcode rc = msg->data.result;
      auto it = transfers_.find(raw->id);
      if (it == transfers_.end()) continue;
      std::unique_ptr<Transfer> t = std::move(it->second);
      transfers_.erase(it);
      api_->multi_remove_handle(multi_, t->easy);
      t->rc = rc;
      completing_.push_back(std::move(t));
    }
    while (!completing_.empty()) {
      std::unique_ptr<Transfer> t = std::move(completing_.front());
      completing_.erase(completing_.begin());
      finish(std::move(t));
    }
  }

  void finish(std::unique_ptr<Transfer> t) {
    Result<HttpResponse> result = outcome(*t);
    t->cleanup();
    if (t->cancelled || !t->done) return;
    ResponseCallback done = std::move(t->done);
    t.reset();
    done(std::move(result));
  }

  Result<HttpResponse> outcome(Transfer& t) {
    const std::string where = t.op + " \"" + t.req.url + "\"";
    if (t.too_large) {
      return resource_exhausted(where + ": response body exceeded the limit of " +
                                std::to_string(t.req.max_response_bytes) + " bytes");
    }
    if (t.rc != CURLE_OK) {
      std::string detail = t.errbuf[0] != '\0' ? std::string(t.errbuf) : api_->easy_strerror(t.rc);
      if (t.rc == CURLE_OPERATION_TIMEDOUT) detail = "context deadline exceeded (" + detail + ")";
      return make_error(code_for(t.rc), where + ": " + detail);
    }
    api_->easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &t.resp.status);
    curl_off_t us = 0;
    api_->easy_getinfo(t.easy, CURLINFO_TOTAL_TIME_T, &us);
    t.resp.total_time = std::chrono::microseconds(us);
    if (t.req.smtp) t.resp.status_text.clear();
    return std::move(t.resp);
  }

  // A failure found before the transfer started is still reported asynchronously.
  void fail_soon(std::unique_ptr<Transfer> t, tl::unexpected<Error> err) {
    if (!t->done) return;
    asio::post(io_, [done = std::move(t->done), err = std::move(err)]() mutable {
      done(Result<HttpResponse>(std::move(err)));
    });
  }

  // --- easy handle options -------------------------------------------------------------------

  Status configure(Transfer& t) {
    CURL* e = t.easy;
    HttpRequest& r = t.req;
    api_->easy_setopt(e, CURLOPT_PRIVATE, &t);
    api_->easy_setopt(e, CURLOPT_ERRORBUFFER, t.errbuf);
    api_->easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    api_->easy_setopt(e, CURLOPT_URL, r.url.c_str());
    api_->easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
    api_->easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.timeout.count()));
    api_->easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::write_cb);
    api_->easy_setopt(e, CURLOPT_WRITEDATA, &t);
    api_->easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::header_cb);
    api_->easy_setopt(e, CURLOPT_HEADERDATA, &t);

    // Proxy: explicit only, unless the environment is asked for (curl reads it by default).
    if (!r.proxy_url.empty()) {
      api_->easy_setopt(e, CURLOPT_PROXY, r.proxy_url.c_str());
    } else if (!r.proxy_from_environment) {
      api_->easy_setopt(e, CURLOPT_PROXY, "");
    }
    if (!r.no_proxy.empty()) api_->easy_setopt(e, CURLOPT_NOPROXY, r.no_proxy.c_str());

    // TLS.
    const TlsOptions& tls = r.tls;
    if (!tls.ca_file.empty()) api_->easy_setopt(e, CURLOPT_CAINFO, tls.ca_file.c_str());
    if (!tls.cert_file.empty()) api_->easy_setopt(e, CURLOPT_SSLCERT, tls.cert_file.c_str());
    if (!tls.key_file.empty()) api_->easy_setopt(e, CURLOPT_SSLKEY, tls.key_file.c_str());
    auto blob = [&](CURLoption opt, const std::string& pem) {
      if (pem.empty()) return;
      curl_blob b{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
      api_->easy_setopt(e, opt, &b);
    };
    blob(CURLOPT_CAINFO_BLOB, tls.ca_pem);
    blob(CURLOPT_SSLCERT_BLOB, tls.cert_pem);
    blob(CURLOPT_SSLKEY_BLOB, tls.key_pem);
    if (!tls.cert_pem.empty()) api_->easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
    if (!tls.key_pem.empty()) api_->easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    if (tls.insecure_skip_verify) {
      api_->easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      api_->easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }

    if (r.smtp) {
      if (auto st = configure_smtp(t); !st) return st;
    } else {
      if (auto st = configure_http(t); !st) return st;
    }
    if (r.customize) r.customize(e, *api_);
    return {};
  }

  Status configure_http(Transfer& t) {
    CURL* e = t.easy;
    HttpRequest& r = t.req;
    if (!r.tls.server_name.empty()) {
      if (auto st = apply_server_name(t); !st) return st;
    }
    api_->easy_setopt(e, CURLOPT_USERAGENT, r.user_agent.c_str());
    api_->easy_setopt(e, CURLOPT_FOLLOWLOCATION, r.follow_redirects ? 1L : 0L);
    api_->easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    api_->easy_setopt(e, CURLOPT_HTTP_VERSION,
                     r.enable_http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
    if (r.accept_gzip) api_->easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
    if (r.basic_auth) {
      api_->easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      api_->easy_setopt(e, CURLOPT_USERNAME, r.basic_auth->username.c_str());
      api_->easy_setopt(e, CURLOPT_PASSWORD, r.basic_auth->password.c_str());
    }
    if (r.authorization) {
      r.headers.emplace_back("Authorization",
                             r.authorization->type + " " + r.authorization->credentials);
    }
    if (r.method == "GET") {
      api_->easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (r.method == "HEAD") {
      api_->easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
      if (r.method != "POST") api_->easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
      api_->easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      api_->easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
      // No "Expect: 100-continue" round trip for large bodies.
      t.headers = api_->slist_append(t.headers, "Expect:");
    }
    for (const auto& [k, v] : r.headers) {
      std::string line = k + ": " + v;
      t.headers = api_->slist_append(t.headers, line.c_str());
    }
    if (t.headers != nullptr) api_->easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
    return {};
  }

  // Connects to the URL's host but verifies (and sends SNI for) server_name: the URL's host is
  // replaced by server_name, CURLOPT_CONNECT_TO maps it back, and Host keeps the original.
  Status apply_server_name(Transfer& t) {
    HttpRequest& r = t.req;
    CURLU* u = api_->url();
    if (api_->url_set(u, CURLUPART_URL, r.url.c_str(), 0) != CURLUE_OK) {
      api_->url_cleanup(u);
      return invalid_argument(t.op + " \"" + r.url + "\": malformed URL");
    }
    char* host = nullptr;
    char* port = nullptr;
    api_->url_get(u, CURLUPART_HOST, &host, 0);
    api_->url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    char* explicit_port = nullptr;
    bool has_port = api_->url_get(u, CURLUPART_PORT, &explicit_port, 0) == CURLUE_OK;
    std::string orig_host = host ? host : "";
    std::string port_s = port ? port : "";
    api_->free(host);
    api_->free(port);
    api_->free(explicit_port);
    api_->url_set(u, CURLUPART_HOST, r.tls.server_name.c_str(), 0);
    char* rewritten = nullptr;
    api_->url_get(u, CURLUPART_URL, &rewritten, 0);
    std::string url = rewritten ? rewritten : r.url;
    api_->free(rewritten);
    api_->url_cleanup(u);

    std::string connect_host = orig_host;
    std::string mapping = r.tls.server_name + ":" + port_s + ":" + connect_host + ":" + port_s;
    t.connect_to = api_->slist_append(t.connect_to, mapping.c_str());
    api_->easy_setopt(t.easy, CURLOPT_CONNECT_TO, t.connect_to);
    t.rewritten_url = std::move(url);
    api_->easy_setopt(t.easy, CURLOPT_URL, t.rewritten_url.c_str());
    bool has_host = std::any_of(r.headers.begin(), r.headers.end(),
                                [](const auto& h) { return lower(h.first) == "host"; });
    if (!has_host) r.headers.emplace_back("Host", has_port ? orig_host + ":" + port_s : orig_host);
    return {};
  }

  Status configure_smtp(Transfer& t) {
    CURL* e = t.easy;
    HttpRequest& r = t.req;
    const SmtpRequest& m = *r.smtp;
    api_->easy_setopt(e, CURLOPT_MAIL_FROM, m.mail_from.c_str());
    for (const auto& rcpt : m.mail_rcpt) t.recipients = api_->slist_append(t.recipients, rcpt.c_str());
    api_->easy_setopt(e, CURLOPT_MAIL_RCPT, t.recipients);
    long ssl = m.use_ssl == SmtpRequest::UseSsl::kNone  ? CURLUSESSL_NONE
               : m.use_ssl == SmtpRequest::UseSsl::kTry ? CURLUSESSL_TRY
                                                         : CURLUSESSL_ALL;
    api_->easy_setopt(e, CURLOPT_USE_SSL, ssl);
    if (!m.username.empty()) {
      api_->easy_setopt(e, CURLOPT_USERNAME, m.username.c_str());
      api_->easy_setopt(e, CURLOPT_PASSWORD, m.password.c_str());
    }
    if (!m.login_options.empty()) api_->easy_setopt(e, CURLOPT_LOGIN_OPTIONS, m.login_options.c_str());
    api_->easy_setopt(e, CURLOPT_UPLOAD, 1L);
    api_->easy_setopt(e, CURLOPT_READFUNCTION, &Impl::read_cb);
    api_->easy_setopt(e, CURLOPT_READDATA, &t);
    api_->easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    return {};
  }

  asio::io_context& io_;
  asio::steady_timer timer_;
  const CurlApi* api_ = nullptr;  // set once libcurl is loaded
  std::string load_error_;        // why it could not be; every request then fails with it
  std::uint64_t wait_token_ = 0;  // while waiting for the loader
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> load_guard_;
  std::vector<Waiting> waiting_;  // requests made before it finished
  bool stopped_ = false;
  CURLM* multi_ = nullptr;
  std::unordered_map<RequestId, std::unique_ptr<Transfer>> transfers_;
  std::vector<std::unique_ptr<Transfer>> completing_;
  std::unordered_map<curl_socket_t, std::shared_ptr<Socket>> sockets_;
};

// ---------------------------------------------------------------------------------------------

CurlClient::CurlClient(asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {
  impl_->begin();
}

CurlClient::~CurlClient() {
  impl_->shutdown();
  impl_.reset();
}

RequestId CurlClient::request(HttpRequest request, ResponseCallback done) {
  RequestId id = g_next_id.fetch_add(1);
  asio::io_context& io = impl_->io();
  if (io.get_executor().running_in_this_thread()) {
    // Started on the next turn of the loop so that `done` never runs inside this call.
    impl_->start(id, std::move(request), std::move(done));
  } else {
    asio::post(io, [weak = std::weak_ptr<Impl>(impl_), id, request = std::move(request),
                    done = std::move(done)]() mutable {
      if (auto me = weak.lock()) me->start(id, std::move(request), std::move(done));
    });
  }
  return id;
}

void CurlClient::cancel(RequestId id) { impl_->cancel(id); }

std::size_t CurlClient::in_flight() const { return impl_->in_flight(); }

}  // namespace tocsin::http
