#include "engine/storage/head.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <thread>

#include <malloc.h>

#include <gtest/gtest.h>

namespace tocsin::storage {
namespace {

Matcher mk(MatchType t, std::string n, std::string v) {
  return *Matcher::make(t, std::move(n), std::move(v));
}

std::vector<Sample> drain(SampleIterator& it) {
  std::vector<Sample> out;
  while (it.next()) out.push_back({it.t(), it.v()});
  return out;
}

std::vector<std::string> names(const std::vector<Series>& ss) {
  std::vector<std::string> out;
  for (const auto& s : ss) out.push_back(s.labels.to_string());
  return out;
}

class HeadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.appender();
    app->add({{"__name__", "up"}, {"job", "api"}, {"instance", "a"}}, 0, 1);
    app->add({{"__name__", "up"}, {"job", "api"}, {"instance", "b"}}, 0, 0);
    app->add({{"__name__", "up"}, {"job", "db"}}, 0, 1);
    app->add({{"__name__", "other"}, {"job", "api"}}, 0, 5);
    ASSERT_TRUE(app->commit().has_value());
  }
  std::vector<std::string> sel(std::vector<Matcher> ms) {
    return names(head_.select(ms, 0, 100));
  }
  Head head_;
};

TEST_F(HeadTest, EqualityIntersectsPostings) {
  EXPECT_EQ(sel({mk(MatchType::kEqual, "__name__", "up"), mk(MatchType::kEqual, "job", "api")}),
            (std::vector<std::string>{R"(up{instance="a", job="api"})",
                                      R"(up{instance="b", job="api"})"}));
  EXPECT_TRUE(sel({mk(MatchType::kEqual, "__name__", "nope")}).empty());
}

TEST_F(HeadTest, EmptyMatcherSelectsSeriesWithoutTheLabel) {
  EXPECT_EQ(sel({mk(MatchType::kEqual, "__name__", "up"), mk(MatchType::kEqual, "instance", "")}),
            (std::vector<std::string>{R"(up{job="db"})"}));
  EXPECT_EQ(sel({mk(MatchType::kEqual, "__name__", "up"), mk(MatchType::kNotEqual, "instance", "")})
                .size(),
            2u);
  // != a value also selects series without the label.
  EXPECT_EQ(sel({mk(MatchType::kNotEqual, "instance", "a")}).size(), 3u);
  EXPECT_EQ(sel({mk(MatchType::kEqual, "__name__", "up"), mk(MatchType::kNotEqual, "foo", "bar")})
                .size(),
            3u);
}

TEST_F(HeadTest, RegexMatchers) {
  EXPECT_EQ(sel({mk(MatchType::kRegexMatch, "__name__", "u.")}).size(), 3u);
  EXPECT_EQ(sel({mk(MatchType::kRegexMatch, "__name__", "u")}).size(), 0u);
  EXPECT_EQ(sel({mk(MatchType::kRegexMatch, "job", "api|db")}).size(), 4u);
  EXPECT_EQ(sel({mk(MatchType::kRegexMatch, "__name__", ".+"),
                 mk(MatchType::kRegexNoMatch, "job", "a.*")}),
            (std::vector<std::string>{R"(up{job="db"})"}));
  // =~ "" or ".*" on a missing label matches everything that passes the other matchers.
  EXPECT_EQ(sel({mk(MatchType::kEqual, "__name__", "up"), mk(MatchType::kRegexMatch, "x", ".*")})
                .size(),
            3u);
}

// select() orders series as Labels compare (name, value, name, value, ...; a prefix first),
// whatever order they were created in, including when symbols were interned out of order.
TEST(Head, SelectReturnsEveryMatchingSeriesInNoParticularOrder) {
  // select() promises no order (the evaluator needs none; sorting 100k series by labels was
  // the largest single cost of rule evaluation): the same set as created, each once.
  Head head;
  std::vector<Labels> created = {
      {{"__name__", "m"}, {"b", "2"}, {"c", "z"}},
      {{"__name__", "m"}, {"b", "10"}},
      {{"__name__", "m"}, {"a", "x"}},
      {{"__name__", "m"}, {"b", "2"}},
      {{"__name__", "m"}, {"b", "10"}, {"c", "a"}},
      {{"__name__", "m"}, {"a", "x"}, {"b", "1"}},
      {{"__name__", "m"}, {"a", ""}, {"z", "x"}},
      {{"__name__", "m"}, {"B", "y"}},
      {{"__name__", "m"}, {"a", "\xc3\xa9"}},
      {{"__name__", "m"}, {"a", "z"}},
  };
  for (std::size_t i = 0; i < created.size(); ++i) {
    auto app = head.appender();
    app->add(created[i], static_cast<Timestamp>(i), 1);
    ASSERT_TRUE(app->commit().has_value());
  }
  std::vector<Matcher> ms = {mk(MatchType::kEqual, "__name__", "m")};
  auto got = head.select(ms, 0, 100);
  std::vector<Labels> labels;
  for (const auto& s : got) labels.push_back(s.labels);
  std::sort(labels.begin(), labels.end());
  std::sort(created.begin(), created.end());
  EXPECT_EQ(labels, created);
}

TEST(Head, OutOfOrderAndDuplicatesAreRejectedAndCounted) {
  Head head;
  Labels l{{"__name__", "m"}};
  auto app = head.appender();
  app->add(l, 1000, 1);
  app->add(l, 2000, 2);
  app->add(l, 1500, 9);  // out of order
  app->add(l, 2000, 3);  // duplicate timestamp, other value
  app->add(l, 2000, 2);  // same sample again: ignored
  app->add(l, 3000, 4);
  auto st = app->commit();
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(head.stats().out_of_order_rejected, 1u);
  EXPECT_EQ(head.stats().duplicate_rejected, 1u);
  Matcher m = mk(MatchType::kEqual, "__name__", "m");
  auto ss = head.select({&m, 1}, 0, 10000);
  ASSERT_EQ(ss.size(), 1u);
  auto s = drain(*ss[0].samples);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].v, 1);
  EXPECT_EQ(s[1].v, 2);
  EXPECT_EQ(s[2].t, 3000);
}

TEST(Head, StaleMarkersAreStoredBitExact) {
  Head head;
  Labels l{{"__name__", "m"}};
  auto app = head.appender();
  app->add(l, 0, 1);
  app->add(l, 10, stale_nan());
  app->add(l, 20, std::nan(""));
  ASSERT_TRUE(app->commit().has_value());
  Matcher m = mk(MatchType::kEqual, "__name__", "m");
  auto s = drain(*head.select({&m, 1}, 0, 100)[0].samples);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_TRUE(is_stale_nan(s[1].v));
  EXPECT_TRUE(std::isnan(s[2].v));
  EXPECT_FALSE(is_stale_nan(s[2].v));
}

TEST(Head, SelectHonoursTimeBoundsAcrossChunks) {
  Head head(HeadOptions{.samples_per_chunk = 10});
  Labels l{{"__name__", "m"}};
  auto app = head.appender();
  for (int i = 0; i < 100; ++i) app->add(l, i * 1000, i);
  ASSERT_TRUE(app->commit().has_value());
  EXPECT_EQ(head.stats().num_chunks, 10u);
  Matcher m = mk(MatchType::kEqual, "__name__", "m");
  auto s = drain(*head.select({&m, 1}, 15000, 42000)[0].samples);
  ASSERT_EQ(s.size(), 28u);
  EXPECT_EQ(s.front().t, 15000);
  EXPECT_EQ(s.back().t, 42000);
}

TEST(Head, TruncateDropsOldChunksAndEmptySeries) {
  Head head(HeadOptions{.samples_per_chunk = 10});
  auto app = head.appender();
  for (int i = 0; i < 30; ++i) app->add({{"__name__", "long"}}, i * 1000, i);
  app->add({{"__name__", "short"}}, 0, 1);
  ASSERT_TRUE(app->commit().has_value());
  head.truncate(15000);
  auto st = head.stats();
  EXPECT_EQ(st.num_series, 1u);
  EXPECT_EQ(st.num_samples, 20u);  // the chunk [0, 9s] went; [10s, 19s] still reaches 15s
  Matcher m = mk(MatchType::kRegexMatch, "__name__", ".+");
  auto ss = head.select({&m, 1}, 0, 100000);
  ASSERT_EQ(ss.size(), 1u);
  EXPECT_EQ(ss[0].labels.metric_name(), "long");
  // The dropped series can be created again.
  auto app2 = head.appender();
  app2->add({{"__name__", "short"}}, 50000, 2);
  ASSERT_TRUE(app2->commit().has_value());
  EXPECT_EQ(head.select({&m, 1}, 0, 100000).size(), 2u);
}

TEST(Head, SeriesReferencesAppendWithoutLabels) {
  Head head;
  const Labels a{{"__name__", "m"}, {"i", "a"}};
  const Labels b{{"__name__", "m"}, {"i", "b"}};
  auto app = head.appender();
  SeriesRef ra = app->ref(a);
  SeriesRef rb = app->ref(b);
  ASSERT_NE(ra, 0u);
  ASSERT_NE(rb, 0u);
  EXPECT_NE(ra, rb);
  EXPECT_EQ(app->ref(a), ra) << "the same labels give the same reference";
  EXPECT_EQ(app->labels_of(ra), a);
  EXPECT_EQ(app->labels_of(0), Labels{});
  app->add_ref(ra, 1000, 1);
  app->add_ref(rb, 1000, 2);
  app->add(a, 2000, 3);  // by labels, the same series
  app->add_ref(ra, 3000, 4);
  ASSERT_TRUE(app->commit());
  Matcher m = mk(MatchType::kEqual, "__name__", "m");
  auto got = head.select(std::span(&m, 1), 0, 10'000);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].labels, a);
  auto sa = drain(*got[0].samples);
  ASSERT_EQ(sa.size(), 3u);
  EXPECT_EQ(sa[2].v, 4);
  EXPECT_EQ(head.stats().num_series, 2u);
}

TEST(Head, ReferenceWithoutSamplesIsNotSelectedAndSurvivesRetention) {
  Head head;
  const Labels l{{"__name__", "m"}, {"job", "x"}};
  auto app = head.appender();
  SeriesRef r = app->ref(l);  // created, but the scrape fails: no sample
  app->rollback();
  Matcher m = mk(MatchType::kEqual, "__name__", "m");
  EXPECT_TRUE(head.select(std::span(&m, 1), 0, 10'000).empty());
  // Retention removes the empty series; the reference still names it and creates it again.
  head.truncate(5000);
  EXPECT_EQ(head.stats().num_series, 0u);
  auto app2 = head.appender();
  EXPECT_EQ(app2->labels_of(r), l);
  app2->add_ref(r, 6000, 7);
  ASSERT_TRUE(app2->commit());
  auto got = head.select(std::span(&m, 1), 0, 10'000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].labels, l);
  EXPECT_EQ(drain(*got[0].samples).size(), 1u);
  // A reference from before clear() is refused, not applied to another series.
  head.clear();
  auto app3 = head.appender();
  app3->add_ref(r, 7000, 1);
  auto st = app3->commit();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("unknown series references"), std::string::npos);
  EXPECT_EQ(head.stats().num_series, 0u);
}

TEST(Head, ConcurrentAppendAndSelect) {
  Head head;
  Matcher m = mk(MatchType::kEqual, "__name__", "m");
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      auto app = head.appender();
      for (int j = 0; j < 10; ++j) app->add({{"__name__", "m"}, {"i", std::to_string(j)}}, i, i);
      ASSERT_TRUE(app->commit().has_value());
    }
  });
  for (int i = 0; i < 200; ++i) {
    auto ss = head.select({&m, 1}, 0, 1000);
    // A scrape is applied atomically: every series has the same number of samples.
    std::vector<size_t> counts;
    for (auto& s : ss) counts.push_back(drain(*s.samples).size());
    for (size_t c : counts) EXPECT_EQ(c, counts.front());
  }
  writer.join();
  EXPECT_EQ(head.stats().num_samples, 2000u);
}

// Bytes the process's malloc has handed out (headers and rounding included), from glibc.
std::uint64_t malloc_in_use() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;  // ASan's allocator: glibc's mallinfo2 does not see it
#else
constexpr bool kSanitized = false;
#endif

// 50k series × 240 scrapes (two full chunks each, as promql_bench's store), measured two ways:
// HeadStats' estimate and the real malloc delta, both minus the encoded sample bytes. Under
// AddressSanitizer only HeadStats' figures are checked (on fewer series, to stay quick).
TEST(Head, MemoryPerSeriesAndSample) {
  const int kSeries = kSanitized ? 10000 : 50000;
  constexpr int kScrapes = 240;
  std::vector<Labels> ls;
  ls.reserve(kSeries);
  for (int i = 0; i < kSeries; ++i) {
    ls.push_back({{"__name__", "http_requests_total"},
                  {"job", "api"},
                  {"instance", "host-" + std::to_string(i / 100) + ":9100"},
                  {"code", std::to_string(200 + i % 100)}});
  }
  malloc_trim(0);
  std::uint64_t before = malloc_in_use();
  auto head = std::make_unique<Head>();
  for (int s = 0; s < kScrapes; ++s) {
    auto app = head->appender();
    for (int i = 0; i < kSeries; ++i) app->add(ls[i], 1700000000000 + s * 15000, s * (i % 7));
    ASSERT_TRUE(app->commit().has_value());
  }
  std::uint64_t after = malloc_in_use();
  auto st = head->stats();
  ASSERT_EQ(st.num_samples, static_cast<std::uint64_t>(kSeries) * kScrapes);
  double per_sample = static_cast<double>(st.chunk_bytes) / static_cast<double>(st.num_samples);
  double overhead = static_cast<double>(st.approx_memory_bytes - st.chunk_bytes) / kSeries;
  double real_overhead = (static_cast<double>(after - before) - static_cast<double>(st.chunk_bytes)) / kSeries;
  RecordProperty("bytes_per_sample", std::to_string(per_sample));
  RecordProperty("overhead_bytes_per_series", std::to_string(overhead));
  RecordProperty("malloc_overhead_bytes_per_series", std::to_string(real_overhead));
  std::printf("bytes/sample %.3f, overhead bytes/series %.1f (HeadStats), %.1f (malloc)\n",
              per_sample, overhead, real_overhead);
  EXPECT_LE(per_sample, 1.4);
  EXPECT_LE(overhead, 275.0);
  if (kSanitized) return;
  EXPECT_LE(real_overhead, 300.0);
  // The estimate tracks reality within 10%.
  EXPECT_NEAR(overhead, real_overhead, real_overhead * 0.1);
  // Everything goes back when the Head does.
  head.reset();
  EXPECT_LE(malloc_in_use(), before + 256 * 1024);
}

}  // namespace
}  // namespace tocsin::storage
