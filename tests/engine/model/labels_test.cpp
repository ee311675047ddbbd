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
