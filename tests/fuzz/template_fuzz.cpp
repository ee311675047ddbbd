// Fuzz target: the Go text/template lexer and parser and the executor with both function
// libraries, through the real TemplateSet and its execution bounds (Limits: output bytes, steps,
// template depth).
//
// Each input is run as a Prometheus alerting-rule template (the rule prelude prepended, .Labels
// .Value ..., a `query` hook answering two fixed samples) and as an Alertmanager notification
// template (template.Data of two alerts, text and HTML mode). Invariant: an execution that
// succeeds never writes more than max_output_bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/template/alertmanager_data.h"
#include "engine/template/alertmanager_functions.h"
#include "engine/template/prometheus_data.h"
#include "engine/template/prometheus_functions.h"
#include "engine/template/template_set.h"
#include "tests/fuzz/fuzz_check.h"

using namespace tocsin;

namespace {

constexpr Timestamp kNow = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

tmpl::Limits small_limits() {
  tmpl::Limits l;
  l.max_output_bytes = 64 << 10;
  l.max_steps = 100'000;
  return l;
}

tmpl::ExecContext prometheus_context() {
  tmpl::ExecContext ctx;
  ctx.now = kNow;
  ctx.external_url = "http://prometheus.example:9090/";
  ctx.limits = small_limits();
  ctx.query = [](std::string_view expr, Timestamp) -> Result<std::vector<tmpl::QuerySample>> {
    if (expr.empty()) return invalid_argument("empty query");
    return std::vector<tmpl::QuerySample>{
        {{{"__name__", "up"}, {"instance", "a:9100"}, {"job", "node"}}, 1},
        {{{"__name__", "up"}, {"instance", "b:9100"}, {"job", "node"}}, 0.25}};
  };
  return ctx;
}

const tmpl::Value& prometheus_data() {
  static const tmpl::Value v = tmpl::prometheus_alert_data(
      Labels{{"__name__", "up"}, {"instance", "a:9100"}, {"job", "node"}, {"severity", "page"}},
      Labels{{"cluster", "eu-1"}}, "http://prometheus.example:9090/", 0.5);
  return v;
}

const tmpl::Value& alertmanager_data() {
  static const tmpl::Value v = [] {
    tmpl::NotificationAlert a{"firing",
                              {{"alertname", "Down"}, {"job", "node"}, {"instance", "a"}},
                              {{"summary", "a is down"}, {"runbook", "http://x/<y>&z"}},
                              kNow - 3'600'000,
                              0,
                              "http://prometheus.example:9090/graph?g0.expr=up",
                              "0123456789abcdef"};
    tmpl::NotificationAlert b = a;
    b.status = "resolved";
    b.labels["instance"] = "b";
    b.ends_at = kNow - 60'000;
    b.fingerprint = "fedcba9876543210";
    return tmpl::to_value(tmpl::make_notification_data(
        "team-x", {{"job", "node"}}, {a, b}, "http://alertmanager.example:9093"));
  }();
  return v;
}

void check_bounded(const Result<std::string>& out, const tmpl::ExecContext& ctx,
                   std::string_view text) {
  if (!out) return;
  FUZZ_CHECK(out->size() <= ctx.limits.max_output_bytes, "output exceeded max_output_bytes", text,
             std::to_string(out->size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return -1;
  const std::string_view text = fuzz::as_view(data, size);

  {
    static const tmpl::ExecContext ctx = prometheus_context();
    tmpl::TemplateSet set(tmpl::prometheus_functions());
    if (set.parse("__alert_Fuzz", std::string(tmpl::kPrometheusAlertPrelude) + std::string(text))) {
      check_bounded(set.execute("__alert_Fuzz", prometheus_data(), ctx), ctx, text);
    }
  }
  {
    static const tmpl::TemplateSet set(tmpl::alertmanager_functions());
    tmpl::ExecContext ctx;
    ctx.now = kNow;
    ctx.external_url = "http://alertmanager.example:9093";
    ctx.limits = small_limits();
    check_bounded(set.execute_text(text, alertmanager_data(), ctx), ctx, text);
    ctx.html_mode = true;
    ctx.missing_key = tmpl::MissingKey::kError;
    check_bounded(set.execute_text(text, alertmanager_data(), ctx), ctx, text);
  }
  return 0;
}
