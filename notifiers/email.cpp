#include "notifiers/email.h"

#include <cctype>
#include <chrono>
#include <memory>
#include <regex>

#include <curl/curl.h>

#include "engine/http/curl_library.h"
#include "notifiers/classify.h"
#include "notifiers/email_message.h"
#include "notifiers/fallback.h"
#include "engine/config/http_options.h"
#include "notifiers/http_send.h"

namespace tocsin::notifiers {
namespace {

// host:port → (host, port); "[::1]:25" allowed.
std::pair<std::string, std::string> split_host_port(const std::string& hp) {
  auto colon = hp.rfind(':');
  if (colon == std::string::npos) return {hp, ""};
  std::string host = hp.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, hp.substr(colon + 1)};
}

// Keeps the last reply line the SMTP server sent (libcurl's debug callback sees every line of
// the conversation; CURLINFO_HEADER_IN are the server's). libcurl reports some rejections, such
// as a 554 after DATA, only as "Weird server reply"; the reply line keeps the code.
int record_server_reply(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  if (type == CURLINFO_HEADER_IN) {
    std::string line(data, size);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    *static_cast<std::string*>(user) = std::move(line);
  }
  return 0;
}

// The code of a final 4xx/5xx reply line ("554 5.6.0 Message rejected"), or 0.
int reply_code(const std::string& line) {
  if (line.size() < 4 || line[3] != ' ' || (line[0] != '4' && line[0] != '5') ||
      !std::isdigit(static_cast<unsigned char>(line[1])) ||
      !std::isdigit(static_cast<unsigned char>(line[2]))) {
    return 0;
  }
  return std::stoi(line.substr(0, 3));
}

std::string domain_of(const std::string& address) {
  auto at = address.rfind('@');
  return at == std::string::npos ? "" : address.substr(at + 1);
}

}  // namespace

int smtp_code_in_error(std::string_view message) {
  static const std::regex kRe("(MAIL|RCPT|DATA|AUTH|EHLO|HELO|STARTTLS)[^0-9]*failed: ([2-5][0-9][0-9])");
  std::match_results<std::string_view::const_iterator> m;
  if (std::regex_search(message.begin(), message.end(), m, kRe)) return std::stoi(m[2].str());
  return 0;
}

Result<std::unique_ptr<EmailNotifier>> EmailNotifier::create(const config::EmailConfig& c,
                                                              const NotifierDeps& deps) {
  if (!deps.client) return invalid_argument("email: no SMTP client");
  if (!deps.templates) return invalid_argument("email: no templates");
  if (c.smarthost.empty()) return invalid_argument("email: no smarthost");
  if (split_host_port(c.smarthost).second.empty()) {
    return invalid_argument("email: smarthost " + c.smarthost + " has no port");
  }
  auto password = config::resolve_secret(c.auth_password, c.auth_password_file, "email auth_password_file");
  if (!password) return tl::unexpected(password.error());
  auto secret = config::resolve_secret(c.auth_secret, c.auth_secret_file, "email auth_secret_file");
  if (!secret) return tl::unexpected(secret.error());
  config::EmailConfig conf = c;
  conf.headers.try_emplace("Subject", "{{ template \"email.default.subject\" . }}");
  conf.headers.try_emplace("To", conf.to);
  conf.headers.try_emplace("From", conf.from);
  return std::unique_ptr<EmailNotifier>(new EmailNotifier(std::move(conf), *password, *secret, deps));
}

void EmailNotifier::notify(const Notification& n, std::function<void(NotifyResult)> done) {
  auto fail = [&](tl::unexpected<Error> e) {
    NotifyResult res;
    res.status = std::move(e);
    done(std::move(res));
  };
  Renderer addr(*deps_.templates, n);
  std::string from = addr.text(config_.from, "email from");
  std::string to = addr.text(config_.to, "email to");
  if (addr.failed()) {
    report_template_error(n, integration(), addr.error(), deps_.metrics);
    return fail(invalid_argument("failed to template 'from' or 'to': " + addr.error().message));
  }
  auto from_addrs = parse_address_list(from);
  if (!from_addrs) return fail(invalid_argument("parsing from addresses: " + from_addrs.error().message));
  if (from_addrs->size() != 1) return fail(invalid_argument("must be exactly one from address"));
  auto to_addrs = parse_address_list(to);
  if (!to_addrs) return fail(invalid_argument("parsing to addresses: " + to_addrs.error().message));

  EmailContent content;
  Renderer r(*deps_.templates, n);
  for (const auto& [name, tmpl] : config_.headers) {
    content.headers[name] = r.text(tmpl, "email header " + name);
  }
  content.text = r.text(config_.text, "email text");
  content.html = r.html(config_.html, "email html");
  if (r.failed()) {
    report_template_error(n, integration(), r.error(), deps_.metrics);
    // Custom headers are templates too; only the addresses (rendered above) are kept.
    content.headers = {{"From", from}, {"To", to}};
    content.headers["Subject"] = fallback_subject(n);
    content.text = fallback_text(n, r.error());
    content.html.clear();
  }
  content.date = n.now;
  content.message_id = make_message_id(n.now, domain_of((*from_addrs)[0]));
  content.boundary = random_boundary();

  auto [host, port] = split_host_port(config_.smarthost);
  bool implicit_tls = port == "465" || config_.force_implicit_tls.value_or(false);
  http::HttpRequest req;
  req.url = (implicit_tls ? "smtps://" : "smtp://") + config_.smarthost + "/" +
            (config_.hello.empty() ? "localhost" : config_.hello);
  req.body = build_email_message(content);
  req.timeout = kDefaultNotifyTimeout;
  req.tls = config::tls_options(config_.tls_config);
  http::SmtpRequest smtp;
  smtp.mail_from = "<" + (*from_addrs)[0] + ">";
  for (const auto& a : *to_addrs) smtp.mail_rcpt.push_back("<" + a + ">");
  smtp.use_ssl = implicit_tls || !config_.require_tls.value_or(true) ? http::SmtpRequest::UseSsl::kNone
                                                                     : http::SmtpRequest::UseSsl::kRequired;
  if (!config_.auth_username.empty()) {
    smtp.username = config_.auth_username;
    if (!password_.empty()) {
      smtp.password = password_;
    } else if (!secret_.empty()) {
      smtp.password = secret_;
      smtp.login_options = "AUTH=CRAM-MD5";
    }
  }
  req.smtp = std::move(smtp);
  auto last_reply = std::make_shared<std::string>();
  req.customize = [identity = config_.auth_username.empty() ? std::string() : config_.auth_identity,
                   last_reply](CURL* e, const http::CurlApi& api) {
    if (!identity.empty()) api.easy_setopt(e, CURLOPT_SASL_AUTHZID, identity.c_str());
    api.easy_setopt(e, CURLOPT_DEBUGFUNCTION, &record_server_reply);
    api.easy_setopt(e, CURLOPT_DEBUGDATA, last_reply.get());
    api.easy_setopt(e, CURLOPT_VERBOSE, 1L);  // only feeds the callback above
  };

  auto start = std::chrono::steady_clock::now();
  NotifierMetrics* metrics = deps_.metrics;
  deps_.client->request(std::move(req), [metrics, start, last_reply, done = std::move(done)](
                                            Result<http::HttpResponse> resp) {
    if (metrics) {
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      metrics->observe_latency("email", took.count());
    }
    if (!resp) {
      NotifyResult res;
      int code = reply_code(*last_reply);
      if (code == 0) code = smtp_code_in_error(resp.error().message);
      if (code != 0) {
        std::string msg = resp.error().message;
        if (!last_reply->empty() && msg.find(*last_reply) == std::string::npos) {
          msg += ": " + *last_reply;
        }
        res = classify_smtp_reply(code, msg);
      } else {
        res.status = tl::unexpected(resp.error());
      }
      done(std::move(res));
      return;
    }
    done(classify_smtp_reply(static_cast<int>(resp->status), ""));
  });
}

}  // namespace tocsin::notifiers
