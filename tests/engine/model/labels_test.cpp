#include "engine/model/labels.h"

#include <gtest/gtest.h>

namespace tocsin {
namespace {

TEST(Labels, SortsAndDropsEmpty) {
  Labels l{{"b", "2"}, {"a", "1"}, {"c", ""}};
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].name, "a");
  EXPECT_EQ(l.get("b"), "2");
  EXPECT_EQ(l.get("c"), "");
  EXPECT_FALSE(l.has("c"));
}

TEST(Labels, ToStringPutsMetricNameFirst) {
  Labels l{{"__name__", "up"}, {"job", "a\"b"}, {"instance", "x"}};
  EXPECT_EQ(l.to_string(), R"(up{instance="x", job="a\"b"})");
  EXPECT_EQ(Labels{}.to_string(), "{}");
  EXPECT_EQ((Labels{{"__name__", "up"}}).to_string(), "up");
}

TEST(Labels, FingerprintIsAlertmanagers) {
  // Alertmanager: model.LabelSet{}.Fingerprint() is the FNV-1a offset basis.
  EXPECT_EQ(Labels{}.fingerprint(), 14695981039346656037ULL);
  Labels a{{"a", "1"}, {"b", "2"}};
  Labels b{{"b", "2"}, {"a", "1"}};
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_NE(a.fingerprint(), (Labels{{"a", "12"}}).fingerprint());
  // Separator prevents ambiguity between name/value boundaries.
  EXPECT_NE((Labels{{"ab", "c"}}).fingerprint(), (Labels{{"a", "bc"}}).fingerprint());
}

TEST(Labels, CopiesShareOneArrayAndCompareByContent) {
  Labels a{{"job", "api"}, {"instance", "host-with-a-long-name:9100"}, {"__name__", "up"}};
  Labels b = a;  // a reference count, not a copy of the strings
  EXPECT_EQ(a.span().data(), b.span().data());
  EXPECT_EQ(a, b);
  Labels c = Labels::from_unsorted({{"__name__", "up"}, {"job", "api"},
                                    {"instance", "host-with-a-long-name:9100"}});
  EXPECT_NE(a.span().data(), c.span().data());
  EXPECT_EQ(a, c);  // equal content in two arrays
  EXPECT_EQ(a <=> c, std::strong_ordering::equal);
  Labels d{{"__name__", "up"}, {"job", "db"}};
  EXPECT_LT(a, d);  // instance < job, then name by name, value by value
  EXPECT_GT(d, a);
  EXPECT_LT(Labels{}, d);
  EXPECT_EQ(Labels{}, Labels::from_sorted({}));
  EXPECT_TRUE(Labels{}.empty());
  EXPECT_EQ(Labels{}.begin(), Labels{}.end());

  Labels w = a.without("nosuch");
  EXPECT_EQ(w.span().data(), a.span().data());  // nothing removed: shared
  Labels n = a.without_metric_name();
  EXPECT_EQ(n, (Labels{{"job", "api"}, {"instance", "host-with-a-long-name:9100"}}));
  EXPECT_EQ(a.size(), 3u);  // the original is untouched
  EXPECT_EQ(a.metric_name(), "up");

  Labels m = Labels::make_sorted(2, [](std::span<Label> out) {
    out[0] = {"a", "1"};
    out[1] = {"b", "2"};
  });
  EXPECT_EQ(m, (Labels{{"b", "2"}, {"a", "1"}}));
  EXPECT_TRUE(Labels::make_sorted(0, [](std::span<Label>) {}).empty());
}

TEST(LabelsBuilder, SetAndDelete) {
  Labels base{{"a", "1"}, {"b", "2"}};
  Labels out = LabelsBuilder(base).set("c", "3").set("a", "").set("b", "x").labels();
  EXPECT_EQ(out, (Labels{{"b", "x"}, {"c", "3"}}));
}

TEST(LabelNames, Validity) {
  EXPECT_TRUE(is_valid_label_name("job"));
  EXPECT_TRUE(is_valid_label_name("_x9"));
  EXPECT_FALSE(is_valid_label_name("9x"));
  EXPECT_FALSE(is_valid_label_name("a:b"));
  EXPECT_TRUE(is_valid_metric_name("a:b"));
  EXPECT_FALSE(is_valid_label_name(""));
}

TEST(GoQuote, EscapesLikeStrconv) {
  EXPECT_EQ(go_quote("a\nb\"c\\"), R"("a\nb\"c\\")");
  EXPECT_EQ(go_quote(std::string("\x01", 1)), R"("\x01")");
  EXPECT_EQ(go_quote("ü"), "\"ü\"");
  EXPECT_EQ(go_quote("€𝄞"), "\"€𝄞\"");
  // Invalid UTF-8 is escaped byte by byte, as strconv.Quote does: a stray continuation byte, a
  // truncated sequence, an overlong encoding, a surrogate, a byte that never starts one.
  EXPECT_EQ(go_quote("a\xaf"), R"("a\xaf")");
  EXPECT_EQ(go_quote("\xe2\x82"), R"("\xe2\x82")");
  EXPECT_EQ(go_quote("\xc0\x80"), R"("\xc0\x80")");
  EXPECT_EQ(go_quote("\xed\xa0\x80"), R"("\xed\xa0\x80")");
  EXPECT_EQ(go_quote("\xff!"), R"("\xff!")");
}

}  // namespace
}  // namespace tocsin
