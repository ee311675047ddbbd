// Template rendering: an alerting rule's annotations as Prometheus expands them ($labels,
// $value, humanize functions, the prelude prepended), and a notification-style text ranging over
// the labels. Items are renders per second.
#include <benchmark/benchmark.h>

#include <string>

#include "engine/template/prometheus_data.h"
#include "engine/template/prometheus_functions.h"
#include "engine/template/template_set.h"

namespace {

using namespace tocsin;

const Labels& alert_labels() {
  static const Labels l{{"alertname", "HighErrorRatio"}, {"instance", "10.1.2.3:9100"},
                        {"job", "api"},                  {"path", "/api/v1/resource7"},
                        {"severity", "warning"},         {"team", "payments"}};
  return l;
}

void render(benchmark::State& state, const std::string& text) {
  tmpl::TemplateSet set(tmpl::prometheus_functions());
  const std::string full = std::string(tmpl::kPrometheusAlertPrelude) + text;
  tmpl::Value data = tmpl::prometheus_alert_data(alert_labels(), Labels{{"cluster", "eu-1"}},
                                                 "http://tocsin.example:9093", 0.4473);
  tmpl::ExecContext ctx;
  ctx.now = 1'700'000'000'000;
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto r = set.execute_text(full, data, ctx, "__alert_HighErrorRatio");
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    bytes += r->size();
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_RenderSummary(benchmark::State& state) {
  render(state,
         "{{ $labels.instance }}: {{ $value | humanizePercentage }} of requests to "
         "{{ $labels.path }} fail (job {{ $labels.job }}, {{ $externalLabels.cluster }})");
}
BENCHMARK(BM_RenderSummary);

void BM_RenderDescription(benchmark::State& state) {
  render(state,
         "{{ if gt $value 0.5 }}More than half{{ else }}{{ $value | printf \"%.2f\" }}{{ end }} "
         "of the requests fail.\nLabels:\n{{ range $k, $v := $labels }}  - {{ $k }} = {{ $v }}\n"
         "{{ end }}Runbook: {{ $externalURL }}/runbooks/{{ $labels.alertname | toLower }}\n"
         "Since {{ 1700000000 | humanizeTimestamp }}, {{ 3725.5 | humanizeDuration }} ago.");
}
BENCHMARK(BM_RenderDescription);

}  // namespace

BENCHMARK_MAIN();
