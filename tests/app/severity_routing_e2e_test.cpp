// The severity-routing setup small teams use (rules/examples/severity-routing.yml), end to end
// through the real binary: rules fire on a target the test serves →
//   severity=critical → PagerDuty (Events API v2) and Slack at once (group_wait 0s),
//   severity=warning  → Slack, grouped,
//   severity=info     → email over SMTP (a real aiosmtpd server run by /usr/bin/python3),
// with a critical alert inhibiting the warning of the same alertname and instance.
// The Slack and PagerDuty stand-ins answer as the real services do and the test checks the
// payloads it receives; the email is parsed back as MIME with Python's email package.
//
// Plus the escalation example of docs/notifications.md: the escalated copy of a critical alert
// (escalate="manager") goes to the manager's receiver and still to on-call.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "engine/config/load.h"
#include "engine/dispatch/routes_test.h"
#include "tests/engine/http/background_server.h"
#include "tests/support/http_client.h"
#include "tests/support/subprocess.h"

namespace tocsin::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// Debian's interpreter: python3-aiosmtpd is in its dist-packages; the `python3` on PATH (a
// pyenv shim) does not see it.
constexpr const char* kPython = "/usr/bin/python3";

bool aiosmtpd_available() {
  return std::filesystem::exists(kPython) &&
         run_program({kPython, "-c", "import aiosmtpd"}, 20s).exit_code == 0;
}

// Calls `done` every 50ms until it returns true or `timeout` passes.
bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

constexpr const char* kRoutingKey = "R0UTINGKEY0123456789abcdefABCDEF";  // 32 characters
constexpr const char* kSlackPath = "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";

// The scraped target, a Slack incoming webhook and the PagerDuty Events API v2 on one server.
class Peers {
 public:
  Peers() {
    server_.router().add("GET", "/metrics", [](const http::Request&) {
      return http::Response::text(200,
                                  "# TYPE app_disk_free_ratio gauge\n"
                                  "app_disk_free_ratio{mount=\"/data\"} 0.01\n"
                                  "# TYPE app_latency_seconds gauge\n"
                                  "app_latency_seconds{route=\"/api\"} 2.5\n"
                                  "# TYPE app_cert_expiry_days gauge\n"
                                  "app_cert_expiry_days{domain=\"example.org\"} 10\n");
    });
    // Slack incoming webhook: JSON in, the text "ok" out; a bad payload gets 400.
    server_.router().add("POST", kSlackPath, [this](const http::Request& req) {
      json m = json::parse(req.body, nullptr, false);
      std::lock_guard<std::mutex> l(mu_);
      if (m.is_discarded() || !m.is_object() ||
          (!m.contains("text") && !m.contains("attachments"))) {
        violations_.push_back("slack: invalid payload " + req.body);
        return http::Response::text(400, "invalid_payload");
      }
      slack_.push_back(m);
      auto r = http::Response::text(200, "ok");
      r.content_type = "text/html";
      return r;
    });
    // PagerDuty Events API v2: 202 for a valid event, 400 with the errors otherwise.
    server_.router().add("POST", "/v2/enqueue", [this](const http::Request& req) {
      json e = json::parse(req.body, nullptr, false);
      std::vector<std::string> errors = pagerduty_errors(e);
      std::lock_guard<std::mutex> l(mu_);
      if (!errors.empty()) {
        for (const auto& err : errors) violations_.push_back("pagerduty: " + err);
        return http::Response::json(
            400, json{{"status", "invalid event"},
                      {"message", "Event object is invalid"},
                      {"errors", errors}}.dump());
      }
      pagerduty_.push_back(e);
      return http::Response::json(202, json{{"status", "success"},
                                            {"message", "Event processed"},
                                            {"dedup_key", e["dedup_key"]}}.dump());
    });
    EXPECT_TRUE(server_.start());
  }
  ~Peers() { server_.stop(); }  // before the state the handlers use goes
  std::uint16_t port() const { return server_.port(); }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }
  std::vector<json> slack() {
    std::lock_guard<std::mutex> l(mu_);
    return slack_;
  }
  std::vector<json> pagerduty() {
    std::lock_guard<std::mutex> l(mu_);
    return pagerduty_;
  }
  std::vector<std::string> violations() {
    std::lock_guard<std::mutex> l(mu_);
    return violations_;
  }

 private:
  // The Events API v2 schema (https://developer.pagerduty.com/docs/events-api-v2/trigger-events).
  static std::vector<std::string> pagerduty_errors(const json& e) {
    std::vector<std::string> v;
    if (!e.is_object()) return {"event is not an object"};
    static const std::set<std::string> kTop = {"routing_key", "event_action", "dedup_key",
                                               "payload",     "images",       "links",
                                               "client",      "client_url"};
    for (const auto& [k, val] : e.items()) {
      if (!kTop.count(k)) v.push_back("unknown field " + k);
    }
    if (!e.contains("routing_key") || !e["routing_key"].is_string() ||
        e["routing_key"].get<std::string>().size() != 32) {
      v.push_back("routing_key must be a 32-character string");
    }
    std::string action = e.value("event_action", "");
    if (action != "trigger" && action != "acknowledge" && action != "resolve") {
      v.push_back("bad event_action " + action);
    }
    if (e.contains("dedup_key") &&
        (!e["dedup_key"].is_string() || e["dedup_key"].get<std::string>().size() > 255)) {
      v.push_back("dedup_key must be a string of at most 255 characters");
    }
    if (action == "trigger") {
      if (!e.contains("payload") || !e["payload"].is_object()) return {"payload is missing"};
      const json& p = e["payload"];
      for (const char* k : {"summary", "source", "severity"}) {
        if (!p.contains(k) || !p[k].is_string() || p[k].get<std::string>().empty()) {
          v.push_back(std::string("payload.") + k + " is required");
        }
      }
      if (p.value("summary", "").size() > 1024) v.push_back("payload.summary over 1024 chars");
      static const std::set<std::string> kSeverity = {"critical", "error", "warning", "info"};
      if (!kSeverity.count(p.value("severity", ""))) v.push_back("bad payload.severity");
      if (p.contains("custom_details") && !p["custom_details"].is_object()) {
        v.push_back("payload.custom_details is not an object");
      }
    }
    return v;
  }

  BackgroundServer server_;
  std::mutex mu_;
  std::vector<json> slack_;
  std::vector<json> pagerduty_;
  std::vector<std::string> violations_;
};

// aiosmtpd on 127.0.0.1: each accepted message is saved as msg-N.eml (+ msg-N.json envelope).
constexpr const char* kSmtpScript = R"PY(
import asyncio, json, os, socket, sys
from aiosmtpd.controller import Controller
outdir = sys.argv[1]
class Saver:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        Saver.count += 1
        base = os.path.join(outdir, "msg-%03d" % Saver.count)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".tmp", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "helo": session.host_name, "file": base + ".eml"}, f)
        os.rename(base + ".tmp", base + ".json")
        return "250 2.0.0 Message accepted"
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
c = Controller(Saver(), hostname="127.0.0.1", port=port)
c.start()
print("READY port=%d" % port, flush=True)
try:
    asyncio.new_event_loop().run_forever()
except KeyboardInterrupt:
    pass
)PY";

constexpr const char* kParseMimeScript = R"PY(
import email, json, sys
from email import policy
msg = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=policy.default)
parts = []
for p in (msg.iter_parts() if msg.is_multipart() else [msg]):
    parts.append({"content_type": p.get_content_type(), "charset": p.get_content_charset() or "",
                  "cte": p.get("Content-Transfer-Encoding", ""), "text": p.get_content()})
print(json.dumps({"headers": {k: str(v) for k, v in msg.items()},
                  "content_type": msg.get_content_type(), "parts": parts,
                  "defects": [str(d) for d in msg.defects]}))
)PY";

class SmtpSink {
 public:
  SmtpSink() {
    std::filesystem::create_directories(dir_.path() + "/out");
    proc_ = std::make_unique<Subprocess>(
        std::vector<std::string>{kPython, dir_.write("smtp_sink.py", kSmtpScript),
                                 dir_.path() + "/out"});
    auto seen = proc_->wait_for_output("READY", 20s);
    std::smatch m;
    if (seen && std::regex_search(*seen, m, std::regex(R"(READY port=(\d+))"))) {
      port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
    }
  }
  std::uint16_t port() const { return port_; }
  std::string log() const { return proc_->stdout_text() + proc_->stderr_text(); }
  std::vector<json> messages() const {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/out")) {
      if (e.path().extension() == ".json") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    std::vector<json> out;
    for (const auto& f : files) out.push_back(json::parse(read_file(f)));
    return out;
  }
  json parse_mime(const std::string& eml) const {
    auto r = run_program({kPython, dir_.write("parse_mime.py", kParseMimeScript), eml}, 20s);
    if (r.exit_code != 0) return {{"error", r.err}};
    return json::parse(r.out);
  }

 private:
  TempDir dir_;
  std::unique_ptr<Subprocess> proc_;
  std::uint16_t port_ = 0;
};

std::string sha256_hex(const std::string& s) {
  auto r = run_program(
      {kPython, "-c", "import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())",
       s},
      20s);
  return r.out.substr(0, r.out.find('\n'));
}

std::uint16_t wait_listening(Subprocess& p) {
  auto seen = p.wait_for_output("msg=listening", 15s);
  if (!seen) return 0;
  std::smatch m;
  if (!std::regex_search(*seen, m, std::regex(R"(address=127\.0\.0\.1:(\d+))"))) return 0;
  return static_cast<std::uint16_t>(std::stoi(m[1]));
}

std::string config_for(const Peers& peers, std::uint16_t smtp_port) {
  std::string target = "127.0.0.1:" + std::to_string(peers.port());
  return R"(global:
  scrape_interval: 1s
  scrape_timeout: 500ms
  evaluation_interval: 1s
  smtp_from: tocsin@example.org
  smtp_hello: tocsin.test
scrape_configs:
  - job_name: app
    static_configs:
      - targets: [")" + target + R"("]
rule_files: [app.rules.yml]
route:
  receiver: slack-warnings
  group_by: [alertname, instance]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
    - matchers: ['severity="critical"']
      receiver: oncall-critical
      group_by: [alertname, instance]
      group_wait: 0s
      group_interval: 2s
    - matchers: ['severity="warning"']
      receiver: slack-warnings
      group_by: [alertname]
      group_wait: 2s
      group_interval: 3s
    - matchers: ['severity="info"']
      receiver: email-info
      group_by: [alertname]
      group_wait: 1s
      group_interval: 3s
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname, instance]
receivers:
  - name: oncall-critical
    pagerduty_configs:
      - routing_key: )" + kRoutingKey + R"(
        url: )" + peers.url("/v2/enqueue") + R"(
        severity: critical
        class: '{{ .CommonLabels.alertname }}'
        component: '{{ .CommonLabels.job }}'
    slack_configs:
      - api_url: )" + peers.url(kSlackPath) + R"(
        channel: '#oncall'
        title: '{{ template "slack.default.title" . }}'
        text: '{{ range .Alerts }}{{ .Annotations.summary }}{{ "\n" }}{{ end }}'
  - name: slack-warnings
    slack_configs:
      - api_url: )" + peers.url(kSlackPath) + R"(
        channel: '#alerts'
        color: '{{ if eq .Status "firing" }}warning{{ else }}good{{ end }}'
        text: '{{ range .Alerts }}{{ .Annotations.summary }}{{ "\n" }}{{ end }}'
  - name: email-info
    email_configs:
      - to: 'platform-team@example.org, sre@example.org'
        smarthost: 127.0.0.1:)" + std::to_string(smtp_port) + R"(
        require_tls: false
        headers:
          Subject: '[info] {{ template "email.default.subject" . }}'
        text: '{{ range .Alerts }}{{ .Annotations.summary }}{{ "\n" }}{{ end }}'
)";
}

// Two thresholds on one metric (critical inhibits warning), a warning-only alert and an info.
constexpr const char* kRules = R"(groups:
  - name: app
    rules:
      - alert: DiskFull
        expr: app_disk_free_ratio < 0.05
        labels: {severity: critical}
        annotations: {summary: "{{ $labels.mount }} on {{ $labels.instance }} is almost full"}
      - alert: DiskFull
        expr: app_disk_free_ratio < 0.10
        labels: {severity: warning}
        annotations: {summary: "{{ $labels.mount }} on {{ $labels.instance }} is filling up"}
      - alert: HighLatency
        expr: app_latency_seconds > 1
        labels: {severity: warning}
        annotations: {summary: "{{ $labels.route }} answers in {{ $value }}s"}
      - alert: CertExpiring
        expr: app_cert_expiry_days < 30
        labels: {severity: info}
        annotations: {summary: "certificate of {{ $labels.domain }} expires in {{ $value }} days"}
)";

TEST(SeverityRoutingEndToEnd, CriticalPagesAndPostsWarningPostsInfoMailsInhibitedNeverSent) {
  if (!aiosmtpd_available()) {
    GTEST_SKIP() << kPython << " cannot import aiosmtpd (install Debian's python3-aiosmtpd)";
  }
  Peers peers;
  SmtpSink smtp;
  ASSERT_NE(smtp.port(), 0) << smtp.log();
  TempDir dir;
  std::string cfg = dir.write("tocsin.yml", config_for(peers, smtp.port()));
  dir.write("app.rules.yml", kRules);
  Subprocess p({TOCSIN_BINARY, "run", "--config=" + cfg, "--web.listen-address=127.0.0.1:0",
                "--storage.path=" + dir.path() + "/data"});
  std::uint16_t port = wait_listening(p);
  ASSERT_NE(port, 0) << p.stderr_text();
  const std::string instance = "127.0.0.1:" + std::to_string(peers.port());

  auto slack_with = [&](const std::string& alertname) {
    std::vector<json> out;
    for (const auto& m : peers.slack()) {
      if (m.dump().find(alertname) != std::string::npos) out.push_back(m);
    }
    return out;
  };

  // 1. critical → PagerDuty and Slack (#oncall), at once.
  ASSERT_TRUE(poll_until(
      [&] { return !peers.pagerduty().empty() && !slack_with("DiskFull").empty(); }, 15s))
      << "pagerduty events: " << peers.pagerduty().size()
      << ", slack messages: " << peers.slack().size() << "\n" << p.stderr_text();

  json event = peers.pagerduty().at(0);
  EXPECT_EQ(event["routing_key"], kRoutingKey);
  EXPECT_EQ(event["event_action"], "trigger");
  // dedup_key: SHA-256 of the group key (route {severity="critical"} under the root, grouped
  // by alertname and instance), so every notification of the group updates one incident.
  std::string group_key = R"({}/{severity="critical"}:{alertname="DiskFull", instance=")" +
                          instance + R"("})";
  EXPECT_EQ(event["dedup_key"], sha256_hex(group_key)) << group_key << "\n" << event.dump(2);
  EXPECT_EQ(event["payload"]["severity"], "critical");
  EXPECT_EQ(event["payload"]["summary"],
            "[FIRING:1] DiskFull " + instance + " (app /data critical)")
      << event.dump(2);
  EXPECT_EQ(event["payload"]["class"], "DiskFull");
  EXPECT_EQ(event["payload"]["component"], "app");
  EXPECT_EQ(event["client"], "Alertmanager");
  EXPECT_NE(event["payload"]["custom_details"].dump().find("is almost full"), std::string::npos)
      << event.dump(2);

  json critical = slack_with("DiskFull").at(0);
  EXPECT_EQ(critical["channel"], "#oncall");
  ASSERT_TRUE(critical["attachments"].is_array() && critical["attachments"].size() == 1)
      << critical.dump(2);
  const json& ca = critical["attachments"][0];
  EXPECT_EQ(ca["title"], "[FIRING:1] DiskFull " + instance + " (app /data critical)");
  EXPECT_EQ(ca["text"], "/data on " + instance + " is almost full\n");
  EXPECT_EQ(ca["color"], "danger");

  // 2. warning-only alert → Slack (#alerts), after its group_wait.
  ASSERT_TRUE(poll_until([&] { return !slack_with("HighLatency").empty(); }, 15s))
      << p.stderr_text();
  json warning = slack_with("HighLatency").at(0);
  EXPECT_EQ(warning["channel"], "#alerts");
  ASSERT_EQ(warning["attachments"].size(), 1u) << warning.dump(2);
  const json& wa = warning["attachments"][0];
  EXPECT_EQ(wa["title"], "[FIRING:1] HighLatency (" + instance + " app /api warning)");
  EXPECT_EQ(wa["text"], "/api answers in 2.5s\n");
  EXPECT_EQ(wa["color"], "warning");

  // 3. info → email, parsed back as MIME.
  ASSERT_TRUE(poll_until([&] { return !smtp.messages().empty(); }, 15s))
      << smtp.log() << p.stderr_text();
  json envelope = smtp.messages().at(0);
  EXPECT_EQ(envelope["mail_from"], "tocsin@example.org");
  EXPECT_EQ(envelope["rcpt_tos"],
            (json::array({"platform-team@example.org", "sre@example.org"})));
  EXPECT_EQ(envelope["helo"], "tocsin.test");
  json mime = smtp.parse_mime(envelope["file"]);
  ASSERT_FALSE(mime.contains("error")) << mime.dump(2);
  EXPECT_EQ(mime["headers"]["Subject"],
            "[info] [FIRING:1] CertExpiring (example.org " + instance + " app info)")
      << mime.dump(2);
  EXPECT_EQ(mime["headers"]["From"], "tocsin@example.org");
  EXPECT_EQ(mime["headers"]["To"], "platform-team@example.org, sre@example.org");
  EXPECT_EQ(mime["content_type"], "multipart/alternative");
  EXPECT_TRUE(mime["defects"].empty()) << mime.dump(2);
  ASSERT_EQ(mime["parts"].size(), 2u) << mime.dump(2);
  EXPECT_EQ(mime["parts"][0]["content_type"], "text/plain");
  std::string text = mime["parts"][0]["text"];
  EXPECT_EQ(text.substr(0, text.find_last_not_of("\r\n") + 1),
            "certificate of example.org expires in 10 days")
      << text;
  EXPECT_EQ(mime["parts"][1]["content_type"], "text/html");
  std::string html = mime["parts"][1]["text"];
  EXPECT_NE(html.find("CertExpiring"), std::string::npos) << html;
  EXPECT_NE(html.find("certificate of example.org expires in 10 days"), std::string::npos) << html;
  for (const auto& part : mime["parts"]) EXPECT_EQ(part["charset"], "utf-8") << part.dump();

  // 4. The DiskFull warning exists, is inhibited by the critical of the same alertname and
  // instance, and is never sent: not to Slack, PagerDuty or email, even after its group_wait
  // (2s) and group_interval (3s) have passed.
  bool suppressed = poll_until(
      [&] {
        auto r = http_get(port, "/api/v2/alerts");
        json alerts = json::parse(r.body, nullptr, false);
        if (!alerts.is_array()) return false;
        for (const auto& a : alerts) {
          if (a["labels"]["alertname"] == "DiskFull" && a["labels"]["severity"] == "warning" &&
              a["status"]["state"] == "suppressed" &&
              !a["status"]["inhibitedBy"].empty()) {
            return true;
          }
        }
        return false;
      },
      10s);
  EXPECT_TRUE(suppressed) << http_get(port, "/api/v2/alerts").body;
  p.wait(4s);  // bounded: the process keeps running; this only lets more flushes happen
  for (const auto& m : peers.slack()) {
    EXPECT_EQ(m.dump().find("filling up"), std::string::npos) << m.dump(2);
    if (m.dump().find("DiskFull") != std::string::npos) {
      EXPECT_EQ(m["channel"], "#oncall");
    }
  }
  for (const auto& e : peers.pagerduty()) {
    EXPECT_EQ(e["payload"]["severity"], "critical");
    EXPECT_EQ(e.dump().find("filling up"), std::string::npos) << e.dump(2);
    EXPECT_EQ(e["dedup_key"], event["dedup_key"]);  // only the critical group pages
  }
  for (const auto& env : smtp.messages()) {
    EXPECT_EQ(read_file(env["file"]).find("DiskFull"), std::string::npos);
  }
  EXPECT_EQ(smtp.messages().size(), 1u);
  EXPECT_TRUE(peers.violations().empty()) << ::testing::PrintToString(peers.violations());

  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(10s), 0) << p.stderr_text();
}

// docs/notifications.md, "Example: routing by severity": a critical alert still firing after
// 30 minutes gets an escalated copy labelled escalate="manager" (the CriticalNotResolvedIn30m
// rule there); the example configuration sends that copy to the manager's pager and, through
// continue: true, still to on-call. `tocsin routes test` semantics.
TEST(SeverityRoutingExample, EscalatedAlertGoesToTheManagerAndStillToOnCall) {
  std::string path = std::string(TOCSIN_SOURCE_DIR) + "/rules/examples/severity-routing.yml";
  auto c = config::load_config({path});
  ASSERT_TRUE(c) << config::to_error(c.error()).message;

  auto escalated = dispatch::routes_test(
      *c, {"alertname=CriticalNotResolvedIn30m", "escalate=manager", "severity=critical",
           "instance=db1:9100", "cluster=eu1"});
  EXPECT_EQ(escalated.exit_code, 0) << escalated.err;
  EXPECT_EQ(escalated.out, "manager-pager,oncall-critical\n");

  auto original = dispatch::routes_test(
      *c, {"alertname=DiskFull", "severity=critical", "instance=db1:9100", "cluster=eu1"});
  EXPECT_EQ(original.out, "oncall-critical\n");
  auto warning = dispatch::routes_test(*c, {"alertname=DiskFull", "severity=warning"});
  EXPECT_EQ(warning.out, "slack-warnings\n");
  auto info = dispatch::routes_test(*c, {"alertname=CertExpiring", "severity=info"});
  EXPECT_EQ(info.out, "email-info\n");

  auto verified = dispatch::routes_test(
      *c, {"escalate=manager", "severity=critical"},
      {.verify_receivers = std::string("manager-pager,oncall-critical")});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

}  // namespace
}  // namespace tocsin::testing
