#include "engine/common/time.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>

#include "engine/common/result.h"

namespace tocsin {
namespace {

TEST(ParseDuration, AcceptsPrometheusForms) {
  EXPECT_EQ(parse_duration("0"), 0);
  EXPECT_EQ(parse_duration("5m"), 5 * kMinute);
  EXPECT_EQ(parse_duration("1h30m"), 90 * kMinute);
  EXPECT_EQ(parse_duration("250ms"), 250);
  EXPECT_EQ(parse_duration("1d"), 24 * kHour);
  EXPECT_EQ(parse_duration("2w"), 14 * 24 * kHour);
  EXPECT_EQ(parse_duration("1y"), 365 * 24 * kHour);
  EXPECT_EQ(parse_duration("1m30s500ms"), 90 * kSecond + 500);
}

TEST(ParseDuration, RejectsBadForms) {
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("5x"));
  EXPECT_FALSE(parse_duration("m"));
  EXPECT_FALSE(parse_duration("30m1h"));  // units out of order
  EXPECT_FALSE(parse_duration("1h1h"));
  EXPECT_FALSE(parse_duration("-5m"));
  EXPECT_FALSE(parse_duration("1.5h"));
  EXPECT_FALSE(parse_duration("99999999999999999999s"));
}

TEST(FormatDuration, PrintsLikePrometheus) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(90 * kMinute), "1h30m");
  EXPECT_EQ(format_duration(250), "250ms");
  EXPECT_EQ(format_duration(24 * kHour), "1d");
  EXPECT_EQ(format_duration(5 * kMinute), "5m");
}

TEST(Rfc3339, RoundTrips) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1500), "1970-01-01T00:00:01.500Z");
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05+01:00"), parse_rfc3339("2024-01-02T02:04:05Z"));
  EXPECT_FALSE(parse_rfc3339("2024-01-02"));
  EXPECT_FALSE(parse_rfc3339("2024-13-02T00:00:00Z"));
  Timestamp t = 1700000000123;
  EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
}

// The calendar arithmetic against libc's timegm, day by day over leap years, century years and
// dates before 1970, and with the day numbers timegm rolls over into the next month.
TEST(Rfc3339, AgreesWithTimegmAcrossTheCalendar) {
  int checked = 0;
  for (int year : {1, 1899, 1900, 1969, 1970, 1999, 2000, 2023, 2024, 2100, 2400, 9999}) {
    for (int mon = 1; mon <= 12; ++mon) {
      for (int day = 1; day <= 31; ++day) {
        char text[40];
        std::snprintf(text, sizeof text, "%04d-%02d-%02dT13:45:59.25Z", year, mon, day);
        std::tm tm{};
        tm.tm_year = year - 1900;
        tm.tm_mon = mon - 1;
        tm.tm_mday = day;
        tm.tm_hour = 13;
        tm.tm_min = 45;
        tm.tm_sec = 59;
        const std::int64_t want = static_cast<std::int64_t>(timegm(&tm)) * 1000 + 250;
        ASSERT_EQ(parse_rfc3339(text), want) << text;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 12 * 12 * 31);
  EXPECT_EQ(parse_rfc3339("2024-02-29T12:00:00Z"), 1709208000000);
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:59:59Z"), -1000);
  EXPECT_EQ(parse_rfc3339("2024-03-01T00:00:00-05:30"), parse_rfc3339("2024-03-01T05:30:00Z"));
}

TEST(ResultTest, RetryableByCodeOnly) {
  EXPECT_TRUE(retryable(Error{ErrorCode::kUnavailable, "x"}));
  EXPECT_TRUE(retryable(Error{ErrorCode::kDeadlineExceeded, "x"}));
  EXPECT_FALSE(retryable(Error{ErrorCode::kInvalidArgument, "x"}));
  Error e = Error{ErrorCode::kNotFound, "missing"}.with_context("rule X");
  EXPECT_EQ(e.message, "rule X: missing");
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace tocsin
