// Series store append throughput: samples/s into storage::Head through its Appender, as a scrape
// appends them (one appender and commit per 1000 samples, a "scrape"), for series that already
// exist (the steady state) and for new series (the first scrape of a target).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/storage/head.h"

namespace {

using namespace tocsin;

constexpr int kSeries = 100'000;
constexpr int kPerCommit = 1000;

std::vector<Labels> make_series(int n, const std::string& prefix) {
  std::vector<Labels> out;
  out.reserve(n);
  const char* methods[] = {"GET", "POST", "PUT", "DELETE"};
  for (int i = 0; i < n; ++i) {
    out.push_back(Labels{{"__name__", "http_requests_total"},
                         {"instance", prefix + std::to_string(i / 1000) + ":9100"},
                         {"job", "bench"},
                         {"method", methods[i % 4]},
                         {"path", "/api/v1/resource" + std::to_string((i / 4) % 25)},
                         {"status", std::to_string(200 + (i / 100) % 10)}});
  }
  return out;
}

// 100k existing series, 1000 samples per commit, every iteration appends one sample to each.
void BM_AppendExisting(benchmark::State& state) {
  storage::Head head;
  auto series = make_series(kSeries, "host-");
  Timestamp t = 0;
  auto append_all = [&] {
    for (int i = 0; i < kSeries; i += kPerCommit) {
      auto app = head.appender();
      for (int j = i; j < i + kPerCommit; ++j) app->add(series[j], t, static_cast<double>(t + j));
      (void)app->commit();
    }
    t += 15'000;
  };
  append_all();  // create the series
  for (auto _ : state) append_all();
  state.SetItemsProcessed(state.iterations() * kSeries);
}
BENCHMARK(BM_AppendExisting)->Unit(benchmark::kMillisecond);

// New series every iteration (a fresh Head, so memory stays bounded): series creation cost.
void BM_AppendNewSeries(benchmark::State& state) {
  auto series = make_series(kSeries, "new-");
  for (auto _ : state) {
    auto head = std::make_unique<storage::Head>();
    for (int i = 0; i < kSeries; i += kPerCommit) {
      auto app = head->appender();
      for (int j = i; j < i + kPerCommit; ++j) app->add(series[j], 0, 1.0);
      (void)app->commit();
    }
    state.PauseTiming();  // not the Head's destruction
    head.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kSeries);
}
BENCHMARK(BM_AppendNewSeries)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
