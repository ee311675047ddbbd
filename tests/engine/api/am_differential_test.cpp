// Differential test: the same configuration and the same timed alert script against the real
// prometheus-alertmanager 0.25 and against tocsin (Dispatcher + v2 API + the webhook notifier);
// both deliver to one in-process webhook sink, and the deliveries must agree: per receiver and
// group key the same sequence of notifications, each with the same status, group labels, common
// labels and annotations, and the same alerts (labels, annotations, status, startsAt, endsAt),
// each delivered within a second of Alertmanager's. Real time (about 25 s of wall clock): this is
// an integration test, not a unit test. Skipped when /usr/bin/prometheus-alertmanager is absent.
//
// What the one configuration and the one script exercise:
//   - nested routes with their own group_by, and `continue: true` reaching two receivers (a, b);
//   - send_resolved true (a) and false (b): resolutions are delivered to a only;
//   - group_wait, group_interval and repeat_interval (one page route repeats every 7 s);
//   - inhibition (Master inhibits Minion until Master resolves);
//   - silences created through POST /api/v2/silences on both sides: one for the whole run, one
//     expired halfway through with DELETE /api/v2/silence/{id}, after which its alert notifies;
//   - time intervals: a route muted by an always-matching mute_time_intervals, one whose
//     active_time_intervals never match (the year 2100), one whose active interval always does;
//   - fire, update (an annotation-only change, which does not notify by itself, and a changed
//     annotation carried by the next notification), resolve (endsAt in the past) and re-fire of
//     the same labels (a group that still holds other alerts, and a single-alert group).
// The script keeps every event at least ~0.7 s away from any flush of a group it affects, so the
// few milliseconds between the two sides cannot reorder an event and a flush.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include "engine/api/alertmanager_v2.h"
#include "engine/config/load.h"
#include "engine/http/curl_client.h"
#include "engine/http/server.h"
#include "notifiers/factory.h"
#include "notifiers/templates.h"
#include "tests/support/http_client.h"
#include "tests/support/subprocess.h"

#if defined(__SANITIZE_ADDRESS__)
#define TOCSIN_DIFF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TOCSIN_DIFF_ASAN 1
#endif
#endif

namespace tocsin::api {
namespace {

using json = nlohmann::json;
using Ms = std::chrono::milliseconds;
constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";

// The issue asks for each delivery within 1 s of Alertmanager's. Measured differences are a few
// milliseconds (both sides flush on timers started by the same POSTs, a few ms apart); the
// CI's Debug + AddressSanitizer build is several times slower at handling the POSTs and
// rendering the webhook body, so it gets 1.5 s.
#ifdef TOCSIN_DIFF_ASAN
constexpr double kToleranceMs = 1500;
#else
constexpr double kToleranceMs = 1000;
#endif

std::string config_for(std::uint16_t sink_port, const std::string& who) {
  const std::string hook = "http://127.0.0.1:" + std::to_string(sink_port) + "/hook/" + who;
  return R"(
route:
  receiver: a
  group_by: [alertname]
  group_wait: 1s
  group_interval: 3s
  repeat_interval: 1h
  routes:
    - matchers: [severity="page"]
      receiver: a
      group_by: [alertname, instance]
      repeat_interval: 7s
    - matchers: [team="db"]
      receiver: b
      continue: true
      routes:
        - matchers: ['instance=~"q|r"', 'env!="dev"']
          receiver: c
          group_by: [team]
    - matchers: [team="db"]
      receiver: a
      group_by: [alertname, team]
    - matchers: [muted="always"]
      receiver: a
      mute_time_intervals: [always]
    - matchers: [window="never"]
      receiver: b
      active_time_intervals: [year2100]
    - matchers: [window="always"]
      receiver: b
      active_time_intervals: [year2100, always]
    - matchers: [group="all"]
      receiver: a
      group_by: ['...']
receivers:
  - name: a
    webhook_configs:
      - url: ")" + hook + R"(/a"
        send_resolved: true
  - name: b
    webhook_configs:
      - url: ")" + hook + R"(/b"
        send_resolved: false
  - name: c
    webhook_configs:
      - url: ")" + hook + R"(/c"
        max_alerts: 1
inhibit_rules:
  - source_matchers: [alertname="Master"]
    target_matchers: [alertname="Minion"]
  - source_matchers: [alertname="Cpu"]
    target_matchers: [alertname="Load"]
    equal: [instance]
time_intervals:
  - name: always
    time_intervals:
      - weekdays: ["sunday:saturday"]
        times: [{start_time: "00:00", end_time: "24:00"}]
  - name: year2100
    time_intervals:
      - years: ["2100"]
)";
}

struct Delivery {
  std::string side;  // "am" / "tocsin"
  std::int64_t at_ms;  // since the script started
  std::string path;    // "a" / "b": the receiver the sink saw
  json body;
};

// The compared content of one webhook message: the whole JSON body (receiver, status, alerts in
// payload order with their labels, annotations, status, startsAt, endsAt, generatorURL and
// fingerprint; groupLabels, commonLabels, commonAnnotations, groupKey, truncatedAlerts, version)
// except externalURL, which names each side's own address.
std::string content(const Delivery& d) {
  json m = d.body;
  m.erase("externalURL");
  return "/" + d.path + " " + m.dump();
}

// A short line for the table: time, side, receiver, group labels, status and each alert as
// "+labels" (firing) or "-labels" (resolved), label values only.
std::string row(const Delivery& d) {
  const json& m = d.body;
  char head[96];
  std::snprintf(head, sizeof head, "%7.3fs %-6s /%s %-8s ", static_cast<double>(d.at_ms) / 1000,
                d.side.c_str(), d.path.c_str(), m.at("status").get<std::string>().c_str());
  std::string s = head;
  s += m.at("groupLabels").dump() + " ";
  for (const auto& a : m.at("alerts")) {
    s += a.at("status") == "firing" ? "+" : "-";
    std::string vals;
    for (const auto& [k, v] : a.at("labels").items()) vals += (vals.empty() ? "" : ",") + v.get<std::string>();
    s += vals;
    if (const auto ann = a.value("annotations", json::object()); ann.contains("summary")) {
      s += "(" + ann.at("summary").get<std::string>() + ")";
    }
    s += " ";
  }
  return s;
}

TEST(AlertmanagerDifferential, WebhookDeliveriesAgree) {
  if (access(kAlertmanager, X_OK) != 0) GTEST_SKIP() << "no " << kAlertmanager;
  boost::asio::io_context io;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  std::mutex mu;
  auto since = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - t0).count();
  };

  // The sink: /hook/<side>/<receiver>.
  std::vector<Delivery> got;
  http::Router sink_router;
  for (std::string side : {"am", "tocsin"}) {
    for (std::string path : {"a", "b", "c"}) {
      sink_router.add("POST", "/hook/" + side + "/" + path, [&, side, path](const http::Request& r) {
        const std::int64_t at = since();
        std::lock_guard<std::mutex> lock(mu);
        got.push_back({side, at, path, json::parse(r.body)});
        return http::Response::text(200, "");
      });
    }
  }
  http::HttpServer sink(io, sink_router, {"127.0.0.1", 0});
  ASSERT_TRUE(sink.start());

  // tocsin.
  auto cfg = config::load_config_from_string(config_for(sink.port(), "tocsin"), "am.yml");
  ASSERT_TRUE(cfg) << config::to_error(cfg.error()).message;
  SystemClock clock;
  prometheus::Registry registry;
  http::CurlClient curl(io);
  auto templates = notifiers::load_notification_templates({});
  ASSERT_TRUE(templates) << templates.error().message;
  notifiers::NotifierDeps deps{&curl, *templates, nullptr, false};
  dispatch::NotifierFactory factory = [&](const config::Receiver& r) {
    auto n = notifiers::make_notifiers(r, cfg->global, deps);
    EXPECT_TRUE(n) << n.error().message;
    return n ? std::move(*n) : std::vector<std::unique_ptr<notifiers::Notifier>>{};
  };
  dispatch::AsioScheduler scheduler(io, clock);
  dispatch::Silences silences;
  dispatch::NotificationLog nflog;
  auto dispatcher = dispatch::Dispatcher::create(*cfg, {}, scheduler, factory, silences, nflog,
                                                 registry);
  ASSERT_TRUE(dispatcher) << dispatcher.error().message;
  AlertmanagerApiV2 api(**dispatcher, silences, clock, {"0.1.0", "", "", "", ""}, clock.now());
  http::Router router;
  api.register_routes(router);
  http::HttpServer tocsin(io, router, {"127.0.0.1", 0});
  ASSERT_TRUE(tocsin.start());
  std::thread io_thread([&] {
    auto guard = boost::asio::make_work_guard(io);
    io.run();
  });
  struct StopIo {
    std::function<void()> f;
    ~StopIo() { f(); }
  } stop_io{[&] {
    std::promise<void> stopped;
    boost::asio::post(io, [&] {
      (*dispatcher)->stop();
      tocsin.stop();
      sink.stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
    io.stop();
    io_thread.join();
  }};

  // The real Alertmanager.
  testing::TempDir dir;
  const std::string am_cfg = dir.write("am.yml", config_for(sink.port(), "am"));
  const std::uint16_t am_port = static_cast<std::uint16_t>(20000 + getpid() % 20000);
  testing::Subprocess am({kAlertmanager, "--config.file=" + am_cfg,
                          "--storage.path=" + dir.path() + "/data",
                          "--web.listen-address=127.0.0.1:" + std::to_string(am_port),
                          "--cluster.listen-address="});
  bool ready = false;
  for (int i = 0; i < 100 && !ready; ++i) {
    ready = testing::http_get(am_port, "/-/ready").status == 200;
    if (!ready) std::this_thread::sleep_for(Ms(100));
  }
  ASSERT_TRUE(ready) << am.stderr_text();

  auto now_s = [] { return format_rfc3339(SystemClock().now()); };
  const std::int64_t base = SystemClock().now();
  const std::string old_start = format_rfc3339(base - kMinute);
  const std::string far = format_rfc3339(base + kHour);
  const std::string farther = format_rfc3339(base + 2 * kHour);

  // Silences, before any alert: Quiet/1 for the whole run, Quiet/2 until it is expired at 5 s,
  // Later from 5.5 s on (pending until then).
  auto silence = [&](json matchers, const std::string& starts, const std::string& comment) {
    json s{{"matchers", std::move(matchers)},
           {"startsAt", starts},
           {"endsAt", far},
           {"createdBy", "am_differential_test"},
           {"comment", comment}};
    std::array<std::string, 2> ids;
    int i = 0;
    for (std::uint16_t port : {am_port, tocsin.port()}) {
      auto r = testing::http_post(port, "/api/v2/silences", s.dump());
      EXPECT_EQ(r.status, 200) << r.body;
      auto j = json::parse(r.body, nullptr, false);
      if (j.is_object() && j.contains("silenceID")) ids[i] = j.at("silenceID").get<std::string>();
      ++i;
    }
    return ids;
  };
  auto eq = [](const char* name, const char* value) {
    return json{{"name", name}, {"value", value}, {"isRegex", false}, {"isEqual", true}};
  };
  silence(json::array({eq("alertname", "Quiet"), eq("instance", "1")}), now_s(), "Quiet/1");
  const auto quiet2 =
      silence(json::array({eq("alertname", "Quiet"), eq("instance", "2")}), now_s(), "Quiet/2");
  ASSERT_FALSE(quiet2[0].empty());
  ASSERT_FALSE(quiet2[1].empty());
  silence(json::array({eq("alertname", "Later"),
                       json{{"name", "instance"}, {"value", "l|m"}, {"isRegex", true}, {"isEqual", true}}}),
          format_rfc3339(SystemClock().now() + 5500), "Later, from 5.5 s");

  // The script: both sides get the same alerts at the same moments (Alertmanager first, then
  // tocsin, a few milliseconds apart).
  auto alert = [&](json labels, const std::string& starts, const std::string& ends,
                   const std::string& summary = "", const std::string& generator = "") {
    json a{{"labels", std::move(labels)}, {"startsAt", starts}};
    if (!generator.empty()) a["generatorURL"] = generator;
    if (!ends.empty()) a["endsAt"] = ends;
    if (!summary.empty()) a["annotations"] = json{{"summary", summary}};
    return a;
  };
  auto L = [](const char* name, const char* instance, json extra = json::object()) {
    json l{{"alertname", name}, {"instance", instance}};
    for (const auto& [k, v] : extra.items()) l[k] = v;
    return l;
  };
  auto post = [&](const json& alerts) {
    auto a = testing::http_post(am_port, "/api/v2/alerts", alerts.dump());
    auto b = testing::http_post(tocsin.port(), "/api/v2/alerts", alerts.dump());
    EXPECT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(b.status, 200) << b.body;
  };
  const json warn{{"severity", "warn"}}, page{{"severity", "page"}}, db{{"team", "db"}};
  {
    std::lock_guard<std::mutex> lock(mu);
    t0 = std::chrono::steady_clock::now();
  }
  const auto script_start = t0;
  auto at = [&](int ms) { std::this_thread::sleep_until(script_start + Ms(ms)); };

  // t=0. Groups created now flush at 1, 4, 7, 10, 13, 16, 19 s (group_wait 1 s, then every
  // 3 s); the two old Cpu alerts (started a minute ago) skip group_wait and flush at 0, 3, 6,
  // 9, ... One old alert per group: Alertmanager may flush an old alert's group before the rest
  // of the batch is inserted.
  //   Db/q, Db/r: nested route under b (receiver c, max_alerts 1) and, by continue, a;
  //   Db/s: the b route itself and, by continue, a. Load/a is inhibited while Cpu/a fires.
  //   NoEnd/z has no endsAt (resolve_timeout); Gone/g is resolved on arrival (never sent).
  const std::string t0_s = now_s();
  post(json::array({
      alert(L("Disk", "a", warn), t0_s, far, "disk a full"),
      alert(L("Disk", "b", warn), t0_s, far, "disk b full", "http://prometheus:9090/graph?g0.expr=disk"),
      alert(L("Cpu", "a", page), old_start, far),
      alert(L("Cpu", "b", page), old_start, far),
      alert(L("Master", "x", warn), t0_s, far),
      alert(L("Db", "q", db), t0_s, far, "db slow"),
      alert(L("Db", "r", db), t0_s, far, "db slow"),
      alert(L("Db", "s", db), t0_s, far, "db slow"),
      alert(L("Load", "a", warn), t0_s, far),
      alert(L("Load", "c", warn), t0_s, far),
      alert(L("Muted", "m", {{"muted", "always"}}), t0_s, far),
      alert(L("Never", "n", {{"window", "never"}}), t0_s, far),
      alert(L("Always", "w", {{"window", "always"}}), t0_s, far),
      alert(L("Every", "e", {{"group", "all"}}), t0_s, far),
      alert(L("Quiet", "1", warn), t0_s, far),
      alert(L("Quiet", "2", warn), t0_s, far),
      alert(L("Later", "l", warn), t0_s, far),
      alert(L("NoEnd", "z", warn), t0_s, ""),
      alert(L("Gone", "g", warn), old_start, format_rfc3339(base - 30 * kSecond)),
  }));
  // t=1.5: groups created now flush at 2.5, 5.5, 8.5, 11.5, 14.5, 17.5 s. The inhibiting Master
  // came first: Alertmanager's inhibitor and dispatcher consume the alert stream concurrently.
  at(1500);
  const std::string t15_s = now_s();
  post(json::array({alert(L("Disk", "c", warn), t15_s, far, "disk c full"),
                    alert(L("Minion", "y", warn), t15_s, far)}));
  // t=2.2: updates. Disk/a: new annotation and a later endsAt (carried by the flush at 4 that
  // Disk/c triggers anyway); Db/q: annotation only, which notifies nobody by itself.
  at(2200);
  post(json::array({alert(L("Disk", "a", warn), t0_s, farther, "disk a still full"),
                    alert(L("Db", "q", db), t0_s, far, "db very slow")}));
  // t=4.6: resolve Disk/a (flush at 7 with Disk/b, c still firing) and Cpu/a (flush at 6; and
  // Load/a, no longer inhibited, at 7), with endsAt in the past; resolutions keep the original
  // startsAt, as Prometheus sends them.
  at(4600);
  {
    const std::string ended = now_s();
    post(json::array({alert(L("Disk", "a", warn), t0_s, ended, "disk a still full"),
                      alert(L("Cpu", "a", page), old_start, ended)}));
  }
  // t=5.0: expire the Quiet/2 silence: the Quiet group's flush at 7 notifies Quiet/2 (Quiet/1
  // stays silenced). (5.5: the Later silence starts.)
  at(5000);
  {
    auto a = testing::http_request("DELETE", am_port, "/api/v2/silence/" + quiet2[0]);
    auto b = testing::http_request("DELETE", tocsin.port(), "/api/v2/silence/" + quiet2[1]);
    EXPECT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(b.status, 200) << b.body;
  }
  // t=8.0: re-fire Disk/a (new startsAt; its group still holds b and c: flush at 10) and Cpu/a
  // (its group is empty since the resolution was sent at 6, but still exists: flush at 9, with
  // Cpu/b's repeat; Load/a is inhibited again, which notifies nobody). Resolve Db/q and Db/s:
  // a (send_resolved) and c hear of them at 10, b does not. Resolve Later/l: its resolution is
  // silenced.
  at(8000);
  {
    const std::string t8_s = now_s();
    post(json::array({alert(L("Disk", "a", warn), t8_s, far, "disk a full again"),
                      alert(L("Cpu", "a", page), t8_s, far),
                      alert(L("Db", "q", db), t0_s, t8_s, "db very slow"),
                      alert(L("Db", "s", db), t0_s, t8_s, "db slow"),
                      alert(L("Later", "l", warn), t0_s, t8_s)}));
  }
  // t=10.3, 10.9: Cpu/b resolves and fires again (new startsAt) between two flushes (9, 12):
  // the flush at 12 sees the same firing set as the last notification and sends nothing; the
  // repeat at 18 carries the new startsAt.
  at(10300);
  post(json::array({alert(L("Cpu", "b", page), old_start, now_s())}));
  at(10900);
  post(json::array({alert(L("Cpu", "b", page), now_s(), far)}));
  // t=12.2: resolve Master: its resolution goes out at 13, and Minion, no longer inhibited, at
  // 14.5.
  at(12200);
  post(json::array({alert(L("Master", "x", warn), t0_s, now_s())}));
  // Until 19.5: Cpu/a and Cpu/b repeat at 18 (repeat_interval 7 s, group_interval 3 s: 9 + 9).
  at(19500);
  stop_io.f();
  stop_io.f = [] {};

  // Compare per (receiver, group key): the same sequence of messages, each close in time.
  std::lock_guard<std::mutex> lock(mu);
  std::vector<Delivery> all = got;
  std::stable_sort(all.begin(), all.end(),
                   [](const Delivery& x, const Delivery& y) { return x.at_ms < y.at_ms; });
  std::string table = "deliveries (time since the script started, side, receiver, status, "
                      "group labels, +firing/-resolved alerts):\n";
  for (const auto& d : all) table += "  " + row(d) + "\n";

  using Key = std::pair<std::string, std::string>;  // receiver path, group key
  std::map<Key, std::vector<const Delivery*>> am_groups, our_groups;
  for (const auto& d : all) {
    (d.side == "am" ? am_groups : our_groups)[{d.path, d.body.at("groupKey").get<std::string>()}]
        .push_back(&d);
  }
  ASSERT_FALSE(am_groups.empty()) << "Alertmanager delivered nothing\n" << table;
  std::set<Key> keys;
  for (const auto& [k, v] : am_groups) keys.insert(k);
  for (const auto& [k, v] : our_groups) keys.insert(k);
  double max_dt = 0;
  std::size_t am_count = 0, our_count = 0;
  for (const auto& k : keys) {
    const auto& a = am_groups[k];
    const auto& b = our_groups[k];
    am_count += a.size();
    our_count += b.size();
    EXPECT_EQ(a.size(), b.size()) << "receiver " << k.first << " group " << k.second << "\n"
                                  << table;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      EXPECT_EQ(content(*a[i]), content(*b[i]))
          << "receiver " << k.first << " group " << k.second << " message " << i << "\n" << table;
      const double dt = std::abs(static_cast<double>(a[i]->at_ms - b[i]->at_ms));
      max_dt = std::max(max_dt, dt);
      EXPECT_LE(dt, kToleranceMs) << "receiver " << k.first << " group " << k.second
                                  << " message " << i << "\n" << table;
    }
  }
  EXPECT_EQ(am_count, our_count) << table;
  std::printf("compared %zu Alertmanager and %zu tocsin deliveries in %zu (receiver, group)s; "
              "max |dt| %.0f ms\n%s",
              am_count, our_count, keys.size(), max_dt, table.c_str());

  // The script must have exercised what it is for (on Alertmanager's side, which tocsin now
  // matches): otherwise an unnoticed change here could make the comparison vacuous.
  auto am_has = [&](const std::string& path, const std::string& needle) {
    return std::any_of(all.begin(), all.end(), [&](const Delivery& d) {
      return d.side == "am" && d.path == path && row(d).find(needle) != std::string::npos;
    });
  };
  EXPECT_TRUE(am_has("b", "+Db,s,db")) << "continue: receiver b\n" << table;
  EXPECT_TRUE(am_has("c", "+Db,q,db")) << "nested route: receiver c\n" << table;
  EXPECT_TRUE(am_has("a", "+Db,q,db")) << "continue: receiver a\n" << table;
  EXPECT_TRUE(am_has("a", "-Db,q,db")) << "send_resolved on a\n" << table;
  EXPECT_FALSE(am_has("b", "-Db,s,db")) << "no send_resolved on b\n" << table;
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](const Delivery& d) {
    return d.side == "am" && d.path == "c" && d.body.value("truncatedAlerts", 0) > 0;
  })) << "max_alerts\n" << table;
  EXPECT_TRUE(am_has("a", "+Quiet,2,warn")) << "expired silence\n" << table;
  EXPECT_FALSE(am_has("a", "Quiet,1")) << "silence\n" << table;
  EXPECT_TRUE(am_has("a", "+Later")) << "pending silence\n" << table;
  EXPECT_FALSE(am_has("a", "-Later")) << "silenced resolution\n" << table;
  EXPECT_FALSE(am_has("a", "Muted")) << "mute_time_intervals\n" << table;
  EXPECT_FALSE(am_has("b", "Never")) << "active_time_intervals\n" << table;
  EXPECT_TRUE(am_has("b", "+Always")) << "active_time_intervals\n" << table;
  EXPECT_TRUE(am_has("a", "+Every")) << "group_by ...\n" << table;
  EXPECT_TRUE(am_has("a", "+NoEnd")) << "resolve_timeout\n" << table;
  EXPECT_FALSE(am_has("a", "Gone")) << "resolved on arrival\n" << table;
  EXPECT_TRUE(am_has("a", "+Load,a,warn")) << "inhibition with equal ends\n" << table;
  for (const auto& d : all) {
    if (d.side == "am" && row(d).find("Minion") != std::string::npos) {
      EXPECT_GE(d.at_ms, 12200) << "inhibition\n" << table;
    }
  }
  EXPECT_TRUE(am_has("a", "+Minion")) << "inhibition ends\n" << table;
  EXPECT_TRUE(am_has("a", "-Disk,a,warn(disk a still full)")) << "update, resolve\n" << table;
  EXPECT_TRUE(am_has("a", "+Disk,a,warn(disk a full again)")) << "re-fire\n" << table;
  const auto repeats = std::count_if(all.begin(), all.end(), [&](const Delivery& d) {
    return d.side == "am" && row(d).find("+Cpu,b,page") != std::string::npos;
  });
  EXPECT_GE(repeats, 3) << "repeat_interval\n" << table;
}

}  // namespace
}  // namespace tocsin::api
