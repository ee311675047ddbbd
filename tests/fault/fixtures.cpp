#include "tests/fault/fixtures.h"

#include <signal.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace tocsin::testing {

bool wait_for(const std::function<bool()>& done, Ms timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(Ms(50));
  }
  return done();
}

std::string peer_config(std::uint16_t peer, const PeerConfig& o) {
  const std::string p = std::to_string(peer);
  return "global:\n"
         "  scrape_interval: " + o.scrape_interval + "\n"
         "  scrape_timeout: " + o.scrape_timeout + "\n"
         "  evaluation_interval: " + o.evaluation_interval + "\n"
         "scrape_configs:\n"
         "  - job_name: app\n"
         "    static_configs: [{targets: [\"127.0.0.1:" + p + "\"]}]\n"
         "rule_files: [app.rules.yml]\n"
         "route:\n"
         "  receiver: hook\n"
         "  group_by: [alertname]\n"
         "  group_wait: " + o.group_wait + "\n"
         "  group_interval: 500ms\n"
         "  repeat_interval: 1h\n"
         "receivers:\n"
         "  - name: hook\n"
         "    webhook_configs:\n"
         "      - url: http://127.0.0.1:" + p + "/hook\n"
         "        send_resolved: true\n";
}

std::string rfc3339_from_now(Ms offset) {
  auto t = std::chrono::system_clock::now() + offset;
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double rfc3339_seconds(const std::string& s) {
  std::tm tm{};
  const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return 0;
  double frac = *rest == '.' ? std::strtod(rest, nullptr) : 0;
  return static_cast<double>(timegm(&tm)) + frac;
}

std::optional<double> metric_value(const std::string& exposition, const std::string& name,
                                   const std::map<std::string, std::string>& labels) {
  static const std::regex kLabel(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
  std::optional<double> sum;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line.compare(0, name.size(), name) != 0) continue;
    if (line.size() <= name.size() || (line[name.size()] != '{' && line[name.size()] != ' ')) {
      continue;
    }
    const size_t space = line.rfind(' ');
    std::map<std::string, std::string> got;
    if (line[name.size()] == '{') {
      const size_t close = line.rfind('}', space);
      if (close == std::string::npos) continue;
      std::string ls = line.substr(name.size() + 1, close - name.size() - 1);
      for (std::sregex_iterator it(ls.begin(), ls.end(), kLabel), end; it != end; ++it) {
        got[(*it)[1]] = (*it)[2];
      }
    }
    bool all = true;
    for (const auto& [k, v] : labels) {
      auto g = got.find(k);
      all = all && g != got.end() && g->second == v;
    }
    if (all) sum = sum.value_or(0) + std::strtod(line.c_str() + space + 1, nullptr);
  }
  return sum;
}

namespace {

std::vector<std::string> tocsin_argv(const std::string& config, const std::string& storage,
                                     std::vector<std::string> extra,
                                     std::vector<std::string> env) {
  std::vector<std::string> argv;
  if (!env.empty()) {
    argv.push_back("env");
    for (auto& e : env) argv.push_back(std::move(e));
  }
  argv.insert(argv.end(), {TOCSIN_BINARY, "run", "--config=" + config,
                           "--web.listen-address=127.0.0.1:0", "--storage.path=" + storage});
  for (auto& a : extra) argv.push_back(std::move(a));
  return argv;
}

}  // namespace

Tocsin::Tocsin(const std::string& config, const std::string& storage,
               std::vector<std::string> extra_args, std::vector<std::string> env)
    : p_(tocsin_argv(config, storage, std::move(extra_args), std::move(env))) {}

bool Tocsin::wait_ready() {
  auto out = p_.wait_for_output("msg=listening", std::chrono::seconds(60));
  if (!out) return false;
  static const std::regex kAddress(R"(msg=listening address=[0-9.]+:([0-9]+))");
  std::smatch m;
  if (!std::regex_search(*out, m, kAddress)) return false;
  port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
  return true;
}

void Tocsin::kill9() {
  p_.signal(SIGKILL);
  p_.wait(std::chrono::seconds(10));
}

std::optional<int> Tocsin::stop() {
  p_.signal(SIGTERM);
  return p_.wait(std::chrono::seconds(60));
}

int Tocsin::log_lines_with(const std::vector<std::string>& needles) const {
  std::istringstream in(log());
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    bool all = true;
    for (const auto& s : needles) all = all && line.find(s) != std::string::npos;
    n += all ? 1 : 0;
  }
  return n;
}

HttpResult Tocsin::get(const std::string& target) const { return http_get(port_, target); }

HttpResult Tocsin::post(const std::string& target, const std::string& body) const {
  return http_post(port_, target, body);
}

json Tocsin::get_json(const std::string& target) const {
  HttpResult r = get(target);
  if (r.status != 200) return nullptr;
  return json::parse(r.body, nullptr, false);
}

std::optional<double> Tocsin::metric(const std::string& name,
                                     const std::map<std::string, std::string>& labels) const {
  HttpResult r = get("/metrics");
  if (r.status != 200) return std::nullopt;
  return metric_value(r.body, name, labels);
}

std::vector<json> Tocsin::rule_alerts(const std::string& alertname) const {
  std::vector<json> out;
  json j = get_json("/api/v1/alerts");
  if (!j.is_object()) return out;
  for (const auto& a : j["data"]["alerts"]) {
    if (a["labels"].value("alertname", std::string()) == alertname) out.push_back(a);
  }
  return out;
}

long Tocsin::rss_kib() const {
  std::ifstream in("/proc/" + std::to_string(p_.pid()) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

void WebhookRecorder::attach(http::Router& router, const std::string& path) {
  router.add("POST", path, [this](const http::Request& req) {
    json body = json::parse(req.body, nullptr, false);
    std::lock_guard<std::mutex> l(mu_);
    received_.push_back({std::move(body), std::chrono::steady_clock::now()});
    return http::Response::text(200, "");
  });
}

std::vector<WebhookRecorder::Notification> WebhookRecorder::notifications() const {
  std::lock_guard<std::mutex> l(mu_);
  return received_;
}

int WebhookRecorder::alerts(const std::string& alertname, const std::string& status) const {
  int n = 0;
  for (const auto& nt : notifications()) {
    if (!nt.body.is_object() || !nt.body.contains("alerts")) continue;
    for (const auto& a : nt.body["alerts"]) {
      if (a.value("status", std::string()) != status) continue;
      if (alertname.empty() || a["labels"].value("alertname", std::string()) == alertname) ++n;
    }
  }
  return n;
}

}  // namespace tocsin::testing
