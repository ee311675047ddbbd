// Head snapshots: what a restart gets back of the series head.
#include "engine/storage/head_snapshot.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tocsin::storage {
namespace {

std::map<std::string, std::vector<Sample>> dump(const Head& h) {
  std::map<std::string, std::vector<Sample>> out;
  h.for_each_series(INT64_MIN, [&](const Labels& l, std::span<const Sample> s) {
    out[l.to_string()].assign(s.begin(), s.end());
  });
  return out;
}

TEST(HeadSnapshot, RoundTripKeepsEverySampleIncludingStaleMarkers) {
  Head a;
  {
    auto app = a.appender();
    for (int s = 0; s < 50; ++s) {
      Labels l{{"__name__", "m"}, {"i", std::to_string(s)}, {"job", "x"}};
      for (Timestamp t = 1000; t <= 60'000; t += 1000) app->add(l, t, s * 0.5 + t);
    }
    app->add(Labels{{"__name__", "gone"}}, 5000, 1);
    app->add(Labels{{"__name__", "gone"}}, 6000, stale_nan());
    app->add(Labels{{"__name__", "neg"}}, -5000, -INFINITY);
    ASSERT_TRUE(app->commit());
  }
  HeadSnapshotStats st;
  std::string body = encode_head(a, INT64_MIN, &st);
  EXPECT_EQ(st.series, 52u);
  EXPECT_EQ(st.samples, 50u * 60 + 3);
  Head b;
  auto got = decode_head(body, b, /*batch=*/100);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->series, 52u);
  auto da = dump(a), db = dump(b);
  ASSERT_EQ(da.size(), db.size());
  for (const auto& [k, samples] : da) {
    ASSERT_EQ(db[k].size(), samples.size()) << k;
    for (size_t i = 0; i < samples.size(); ++i) {
      EXPECT_EQ(db[k][i].t, samples[i].t);
      if (is_stale_nan(samples[i].v)) {
        EXPECT_TRUE(is_stale_nan(db[k][i].v)) << k << " lost its stale marker";
      } else {
        EXPECT_EQ(db[k][i].v, samples[i].v);
      }
    }
  }
  // Only samples at or after mint are written.
  EXPECT_EQ(encode_head(a, 59'000, &st).empty(), false);
  EXPECT_EQ(st.samples, 100u);

  // Streamed: one piece per series, together the same bytes as the string form.
  std::string streamed;
  int pieces = 0;
  encode_head(a, INT64_MIN, [&](std::string_view p) {
    ++pieces;
    streamed.append(p);
  });
  EXPECT_EQ(pieces, 52);
  EXPECT_EQ(streamed, body);
}

TEST(HeadSnapshot, TruncatedBodyKeepsTheWholeSeriesBeforeTheCut) {
  Head a;
  {
    auto app = a.appender();
    for (int s = 0; s < 10; ++s) {
      for (Timestamp t = 0; t < 100; ++t) app->add(Labels{{"__name__", "m"}, {"i", std::to_string(s)}}, t, 1);
    }
    ASSERT_TRUE(app->commit());
  }
  std::string body = encode_head(a, INT64_MIN);
  Head b;
  // Ten series of equal size: cut a little into the sixth (the frame's length catches a cut at
  // a series boundary; this is about a cut inside one).
  auto got = decode_head(std::string_view(body).substr(0, body.size() / 2 + 7), b);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("truncated"), std::string::npos) << got.error().message;
  auto db = dump(b);
  EXPECT_EQ(db.size(), 5u);
  for (const auto& [k, s] : db) EXPECT_EQ(s.size(), 100u) << k;  // no half series
}

}  // namespace
}  // namespace tocsin::storage
