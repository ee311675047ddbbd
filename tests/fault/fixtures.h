// Fixtures of the crash and fault tests (tests/fault): the real tocsin binary as a subprocess
// (port from its "listening" log line, its HTTP API, its self-metrics, its resident memory) and a
// webhook sink that records every notification. Every wait is bounded; the tests own the servers
// and directories they start.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/http/router.h"
#include "tests/support/http_client.h"
#include "tests/support/subprocess.h"

namespace tocsin::testing {

using json = nlohmann::json;
using Ms = std::chrono::milliseconds;

// Polls `done` every 50 ms until it holds or `timeout` passes; the last answer of `done`.
bool wait_for(const std::function<bool()>& done, Ms timeout);

// The configuration most fault tests run: one scrape job `app` on the peer at 127.0.0.1:PEER,
// the rule file app.rules.yml beside it, and one route grouping by alertname (group_interval
// 500ms, repeat_interval 1h) to the webhook http://127.0.0.1:PEER/hook with send_resolved.
struct PeerConfig {
  std::string scrape_interval = "250ms";
  std::string scrape_timeout = "200ms";
  std::string evaluation_interval = "250ms";
  std::string group_wait = "100ms";
};
std::string peer_config(std::uint16_t peer, const PeerConfig& options = {});

// RFC 3339 in UTC for now + `offset` (silences, posted alerts).
std::string rfc3339_from_now(Ms offset);

// Seconds since the epoch of an RFC 3339 UTC time with optional fraction ("...T10:00:01.25Z"); 0
// when it does not parse.
double rfc3339_seconds(const std::string& s);

// In Prometheus text exposition, the sum of the samples of `name` whose labels include every pair
// of `labels`; nullopt when there is none.
std::optional<double> metric_value(const std::string& exposition, const std::string& name,
                                   const std::map<std::string, std::string>& labels = {});

// `tocsin run --config=CONFIG --storage.path=STORAGE --web.listen-address=127.0.0.1:0 EXTRA...`,
// started through env(1) when `env` (NAME=value) is given. Killed with SIGKILL on destruction.
class Tocsin {
 public:
  Tocsin(const std::string& config, const std::string& storage,
         std::vector<std::string> extra_args = {}, std::vector<std::string> env = {});

  // Waits for the "listening" line (60 s: a loaded sanitizer build starts slowly) and reads the
  // bound port from it.
  bool wait_ready();
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return p_.pid(); }
  bool running() { return p_.running(); }
  void signal(int sig) { p_.signal(sig); }
  void kill9();
  // SIGTERM and wait (a graceful stop writes every state file).
  std::optional<int> stop();
  std::string log() const { return p_.stderr_text(); }
  // How many log lines contain every one of `needles`.
  int log_lines_with(const std::vector<std::string>& needles) const;

  HttpResult get(const std::string& target) const;
  HttpResult post(const std::string& target, const std::string& body) const;
  // GET `target` and parse; a null json when it failed or is not JSON.
  json get_json(const std::string& target) const;
  // A self-metric summed over matching series (see metric_value); nullopt when absent or
  // /metrics failed.
  std::optional<double> metric(const std::string& name,
                               const std::map<std::string, std::string>& labels = {}) const;
  // /api/v1/alerts, the alerts of rule `alertname`.
  std::vector<json> rule_alerts(const std::string& alertname) const;
  // VmRSS from /proc/PID/status in KiB; 0 when unreadable.
  long rss_kib() const;

 private:
  Subprocess p_;
  std::uint16_t port_ = 0;
};

// Records every webhook notification (Alertmanager's v4 JSON body) posted to a route. Handlers
// run on a server thread; every accessor locks.
class WebhookRecorder {
 public:
  struct Notification {
    json body;
    std::chrono::steady_clock::time_point at;
  };
  // Adds `POST path` to the router; answers 200.
  void attach(http::Router& router, const std::string& path = "/hook");
  std::vector<Notification> notifications() const;
  // Alerts named `alertname` (all when empty) with `status` across every notification.
  int alerts(const std::string& alertname, const std::string& status) const;

 private:
  mutable std::mutex mu_;
  std::vector<Notification> received_;
};

}  // namespace tocsin::testing
