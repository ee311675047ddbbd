// Scrape targets that misbehave — one flapping between 200 and 503, one answering garbage text,
// one answering random bytes — and a file_sd file replaced by garbage: tocsin keeps running and
// evaluating, each target's error is in /api/v1/targets (lastError, health) and in the log, the
// `up == 0` alert fires and is notified, and the file_sd targets of the last good file stay until
// a good file comes back. Bounded: a few seconds per phase, 30 s at most for each wait.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "tests/engine/http/background_server.h"
#include "tests/fault/fixtures.h"

namespace tocsin::testing {
namespace {

std::string config_for(std::uint16_t peer, const std::string& sd_glob) {
  const std::string target = "[\"127.0.0.1:" + std::to_string(peer) + "\"]";
  return R"(global:
  scrape_interval: 250ms
  scrape_timeout: 200ms
  evaluation_interval: 250ms
scrape_configs:
  - job_name: flap
    metrics_path: /flap
    static_configs: [{targets: )" + target + R"(}]
  - job_name: garbage
    metrics_path: /garbage
    static_configs: [{targets: )" + target + R"(}]
  - job_name: binary
    metrics_path: /binary
    static_configs: [{targets: )" + target + R"(}]
  - job_name: files
    metrics_path: /ok
    file_sd_configs:
      - files: [")" + sd_glob + R"("]
        refresh_interval: 250ms
rule_files: [targets.rules.yml]
route:
  receiver: hook
  group_by: [alertname, job]
  group_wait: 100ms
  group_interval: 500ms
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:)" + std::to_string(peer) + R"(/hook
)";
}

constexpr const char* kRules = R"(groups:
  - name: targets
    rules:
      - alert: TargetDown
        expr: up{job=~"garbage|binary"} == 0
      - record: files_ok
        expr: sum(ok_value)
)";

void replace_file(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".new";
  { std::ofstream(tmp, std::ios::binary) << content; }
  std::filesystem::rename(tmp, path);
}

std::string sd_file(std::uint16_t port, const std::vector<std::string>& instances) {
  json groups = json::array();
  for (const auto& i : instances) {
    groups.push_back({{"targets", {"127.0.0.1:" + std::to_string(port)}},
                      {"labels", {{"instance", i}}}});
  }
  return groups.dump();
}

// The active targets of `pool`: instance -> (health, lastError).
std::map<std::string, std::pair<std::string, std::string>> targets(const Tocsin& t,
                                                                   const std::string& pool) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  json j = t.get_json("/api/v1/targets?state=active&scrapePool=" + pool);
  if (!j.is_object()) return out;
  for (const auto& a : j["data"]["activeTargets"]) {
    out[a["labels"].value("instance", std::string())] = {a.value("health", std::string()),
                                                         a.value("lastError", std::string())};
  }
  return out;
}

TEST(BadTargets, FlappingGarbageAndBrokenFileSdKeepTheEngineRunningWithErrorsVisible) {
  BackgroundServer peer;
  WebhookRecorder rec;
  std::atomic<int> flap_n{0};
  peer.router().add("GET", "/flap", [&](const http::Request&) {
    // Up twice, down twice, ...
    return (flap_n++ / 2) % 2 == 0 ? http::Response::text(200, "flap_value 1\n")
                                   : http::Response::text(503, "overloaded\n");
  });
  peer.router().add("GET", "/garbage", [](const http::Request&) {
    return http::Response::text(200, "this is { not an exposition ]]] \"\n<html>502</html>\n");
  });
  std::string noise(4096, '\0');
  std::mt19937 rng(7);
  for (char& c : noise) c = static_cast<char>(rng());
  peer.router().add("GET", "/binary", [&noise](const http::Request&) {
    http::Response r;
    r.content_type = "application/octet-stream";
    r.body = noise;
    return r;
  });
  peer.router().add("GET", "/ok", [](const http::Request&) {
    return http::Response::text(200, "# TYPE ok_value gauge\nok_value 1\n");
  });
  rec.attach(peer.router());
  ASSERT_TRUE(peer.start());
  TempDir dir;
  const std::string sd = dir.path() + "/sd/targets.json";
  std::filesystem::create_directories(dir.path() + "/sd");
  replace_file(sd, sd_file(peer.port(), {"a"}));
  const std::string cfg =
      dir.write("tocsin.yml", config_for(peer.port(), dir.path() + "/sd/*.json"));
  dir.write("targets.rules.yml", kRules);
  Tocsin t(cfg, dir.path() + "/data");
  ASSERT_TRUE(t.wait_ready()) << t.log();

  // Garbage targets: down, with their parse error in the API; TargetDown fires and is notified.
  ASSERT_TRUE(wait_for(
      [&] {
        auto g = targets(t, "garbage"), b = targets(t, "binary");
        return g.size() == 1 && g.begin()->second.first == "down" &&
               !g.begin()->second.second.empty() && b.size() == 1 &&
               b.begin()->second.first == "down" && !b.begin()->second.second.empty();
      },
      Ms(30'000)))
      << t.get("/api/v1/targets").body << t.log();
  std::printf("garbage target error: %s\nbinary target error: %s\n",
              targets(t, "garbage").begin()->second.second.c_str(),
              targets(t, "binary").begin()->second.second.c_str());
  EXPECT_TRUE(wait_for([&] { return rec.alerts("TargetDown", "firing") >= 2; }, Ms(30'000)))
      << "TargetDown for both garbage targets was not notified\n" << t.log();

  // The flapping target is seen up and down, its 503 in lastError, while it flaps.
  std::set<std::string> healths;
  std::string flap_error;
  wait_for(
      [&] {
        auto f = targets(t, "flap");
        if (f.size() == 1) {
          healths.insert(f.begin()->second.first);
          if (f.begin()->second.first == "down") flap_error = f.begin()->second.second;
        }
        return healths.count("up") && healths.count("down");
      },
      Ms(30'000));
  EXPECT_TRUE(healths.count("up") && healths.count("down")) << t.log();
  EXPECT_NE(flap_error.find("503"), std::string::npos) << flap_error;

  // The log names each failing target and its error.
  for (const std::string path : {"/flap", "/garbage", "/binary"}) {
    EXPECT_GE(t.log_lines_with({"level=warn", path}), 1)
        << "no warning names the target " << path << "\n" << t.log();
  }

  // file_sd: the file's target is up and scraped.
  ASSERT_TRUE(wait_for(
      [&] {
        auto f = targets(t, "files");
        return f.count("a") && f["a"].first == "up";
      },
      Ms(30'000)))
      << t.get("/api/v1/targets").body << t.log();
  // Replaced by garbage, then by JSON of the wrong shape: each error logged, the last good
  // targets kept and still scraped.
  const std::vector<std::string> broken = {"{{{ not json at all", "[{\"targets\": 5}]",
                                           "[{\"targets\": [\"127.0.0.1:1\"], \"labels\": {"};
  EXPECT_EQ(t.metric("prometheus_sd_file_read_errors_total").value_or(-1), 0);
  for (const auto& garbage : broken) {
    const int errors_before = t.log_lines_with({"file discovery: error reading file", sd});
    const double counted_before = t.metric("prometheus_sd_file_read_errors_total").value_or(-1);
    replace_file(sd, garbage);
    EXPECT_TRUE(wait_for(
        [&] {
          return t.log_lines_with({"file discovery: error reading file", sd}) > errors_before;
        },
        Ms(20'000)))
        << "no error logged for " << garbage << "\n" << t.log();
    EXPECT_GT(t.metric("prometheus_sd_file_read_errors_total").value_or(-1), counted_before)
        << "read error not counted for " << garbage;
    auto f = targets(t, "files");
    EXPECT_EQ(f.size(), 1u) << garbage;
    EXPECT_TRUE(f.count("a") && f["a"].first == "up") << garbage;
  }
  // A good file again: its targets replace the last good ones.
  replace_file(sd, sd_file(peer.port(), {"b", "c"}));
  EXPECT_TRUE(wait_for(
      [&] {
        auto f = targets(t, "files");
        return f.size() == 2 && f.count("b") && f.count("c") && f["b"].first == "up" &&
               f["c"].first == "up";
      },
      Ms(20'000)))
      << t.get("/api/v1/targets?scrapePool=files").body;

  // Through all of it the engine served, evaluated and stayed healthy enough to answer.
  EXPECT_TRUE(t.running());
  EXPECT_EQ(t.get("/-/healthy").status, 200);
  json rules = t.get_json("/api/v1/rules");
  ASSERT_TRUE(rules.is_object());
  for (const auto& g : rules["data"]["groups"]) {
    for (const auto& r : g["rules"]) EXPECT_EQ(r.value("health", std::string()), "ok") << r.dump();
  }
  // The recording rule over the file_sd targets goes on producing.
  json q;
  EXPECT_TRUE(wait_for(
      [&] {
        q = t.get_json("/api/v1/query?query=files_ok");
        return q.is_object() && q["data"]["result"].size() == 1;
      },
      Ms(20'000)))
      << q.dump();
}

}  // namespace
}  // namespace tocsin::testing
