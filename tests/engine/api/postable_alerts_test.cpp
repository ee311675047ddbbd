#include "engine/api/postable_alerts.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tocsin::api {
namespace {

TEST(PostableAlerts, DecodesEveryField) {
  auto r = decode_postable_alerts(R"([
    {"labels": {"severity": "page", "alertname": "Up", "empty": ""},
     "annotations": {"summary": "down", "blank": ""},
     "startsAt": "2024-01-02T03:04:05Z", "endsAt": "2024-01-02T04:04:05.5+01:00",
     "generatorURL": "http://x/graph", "status": {"state": "ignored", "n": [1, 2.5e3, null]}},
    {"labels": {"alertname": "B"}}
  ])");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->errors, "");
  ASSERT_EQ(r->alerts.size(), 2u);
  const Alert& a = r->alerts[0];
  EXPECT_EQ(a.labels, (Labels{{"alertname", "Up"}, {"severity", "page"}}));  // "" = absent
  EXPECT_EQ(a.annotations, (std::map<std::string, std::string>{{"blank", ""}, {"summary", "down"}}));
  EXPECT_EQ(a.starts_at, *parse_rfc3339("2024-01-02T03:04:05Z"));
  EXPECT_EQ(a.ends_at, *parse_rfc3339("2024-01-02T03:04:05.5Z"));
  EXPECT_EQ(a.generator_url, "http://x/graph");
  const Alert& b = r->alerts[1];
  EXPECT_EQ(b.labels, (Labels{{"alertname", "B"}}));
  EXPECT_TRUE(b.annotations.empty());
  EXPECT_EQ(b.starts_at, 0);
  EXPECT_EQ(b.ends_at, 0);
  EXPECT_EQ(b.generator_url, "");
}

TEST(PostableAlerts, UnsetTimes) {
  auto r = decode_postable_alerts(
      R"([{"labels":{"a":"b"},"startsAt":null,"endsAt":"0001-01-01T00:00:00Z"},)"
      R"({"labels":{"a":"c"},"startsAt":"","generatorURL":7}])");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->alerts.size(), 2u);
  EXPECT_EQ(r->alerts[0].starts_at, 0);
  EXPECT_EQ(r->alerts[0].ends_at, 0);
  EXPECT_EQ(r->alerts[1].starts_at, 0);
  EXPECT_EQ(r->alerts[1].generator_url, "");  // not a string: ignored
}

// Every element Alertmanager's API rejects is named by its index, and the others are kept.
TEST(PostableAlerts, RejectsBadElementsKeepsTheOthers) {
  struct Case {
    std::string element;
    std::string why;
  };
  const std::vector<Case> cases = {
      {R"("text")", "alert must be an object"},
      {R"([{"labels":{"a":"b"}}])", "alert must be an object"},
      {R"({})", "labels in body is required"},
      {R"({"labels":null})", "labels in body is required"},
      {R"({"labels":["a"]})", "labels in body is required"},
      {R"({"labels":{"a":1}})", "label a must be a string"},
      {R"({"labels":{"z":1,"b":{"x":[]}}})", "label b must be a string"},  // sorted order
      {R"({"labels":{"a":"b"},"annotations":[]})", "annotations must be an object"},
      {R"({"labels":{"a":"b"},"annotations":"x"})", "annotations must be an object"},
      {R"({"labels":{"a":"b"},"annotations":{"s":true}})", "annotation s must be a string"},
      {R"({"labels":{"a":"b"},"startsAt":5})", "startsAt must be a string"},
      {R"({"labels":{"a":"b"},"endsAt":{}})", "endsAt must be a string"},
      {R"({"labels":{"a":"b"},"startsAt":"yesterday"})",
       "startsAt: \"yesterday\" is not an RFC 3339 time"},
      {R"({"labels":{"a":"b"},"endsAt":"2024-13-01T00:00:00Z"})",
       "endsAt: \"2024-13-01T00:00:00Z\" is not an RFC 3339 time"},
      // The first failing check wins, in Alertmanager's order.
      {R"({"startsAt":5,"labels":{"a":1}})", "label a must be a string"},
      {R"({"startsAt":5,"endsAt":"x","labels":{"a":"b"}})", "startsAt must be a string"},
  };
  for (const Case& c : cases) {
    const std::string body = R"([{"labels":{"alertname":"ok1"}},)" + c.element +
                             R"(,{"labels":{"alertname":"ok2"}}])";
    auto r = decode_postable_alerts(body);
    ASSERT_TRUE(r) << body << ": " << r.error().message;
    EXPECT_EQ(r->errors, "alert 1: " + c.why) << body;
    ASSERT_EQ(r->alerts.size(), 2u) << body;
    EXPECT_EQ(r->alerts[0].name(), "ok1");
    EXPECT_EQ(r->alerts[1].name(), "ok2");
  }
}

TEST(PostableAlerts, JoinsErrorsOfSeveralElements) {
  auto r = decode_postable_alerts(R"([1, {"labels":{"a":"b"}}, {"labels":{"x":null}}])");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->errors, "alert 0: alert must be an object; alert 2: label x must be a string");
  EXPECT_EQ(r->alerts.size(), 1u);
}

TEST(PostableAlerts, DuplicateKeysLastWins) {
  auto r = decode_postable_alerts(
      R"([{"labels":{"a":1,"a":"x","b":"1","b":"2"},"labels":{"a":"y","a":"z"},)"
      R"("annotations":{"s":"1"},"annotations":null,"startsAt":"bad","startsAt":null,)"
      R"("generatorURL":"u","generatorURL":false},)"
      R"({"labels":{"a":"ok","a":[]}}])");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->alerts.size(), 1u);
  EXPECT_EQ(r->alerts[0].labels, (Labels{{"a", "z"}}));
  EXPECT_TRUE(r->alerts[0].annotations.empty());
  EXPECT_EQ(r->alerts[0].starts_at, 0);
  EXPECT_EQ(r->alerts[0].generator_url, "");
  EXPECT_EQ(r->errors, "alert 1: label a must be a string");
}

TEST(PostableAlerts, StringsDecodeAsNlohmannDoes) {
  const std::string body =
      R"([{"labels":{"e\u0073c":"q\"b\\s\/\b\f\n\r\t","u":"\u00e9\u20ac\ud83d\ude00\u0000z",)"
      "\"raw\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}}]";
  auto r = decode_postable_alerts(body);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->alerts.size(), 1u);
  const auto j = nlohmann::json::parse(body)[0]["labels"];
  for (const char* k : {"esc", "u", "raw"}) {
    EXPECT_EQ(r->alerts[0].labels.get(k), j[k].get<std::string>()) << k;
  }
}

TEST(PostableAlerts, EmptyBatch) {
  auto r = decode_postable_alerts(" \xEF\xBB\xBF[ ]\n");  // a BOM only counts at the start
  EXPECT_FALSE(r);
  r = decode_postable_alerts("\xEF\xBB\xBF[ ]\n");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->alerts.empty());
  EXPECT_EQ(r->errors, "");
}

TEST(PostableAlerts, NotAnArray) {
  for (const char* body : {"{}", "null", "\"x\"", R"({"labels":{"a":"b"}})", "12"}) {
    auto r = decode_postable_alerts(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message, "request body must be an array of alerts") << body;
  }
}

// The decoder accepts exactly the documents nlohmann::json accepts, and a syntax error carries
// nlohmann's message; nothing of a broken body is accepted.
TEST(PostableAlerts, SyntaxAsNlohmann) {
  const std::vector<std::string> bodies = {
      "", " ", "[", "]", "[,]", "[{]", R"([{"labels":{"a":"b"}})", R"([{"labels":{"a":"b"}}]])",
      R"([{"labels":{"a":"b"}}] x)", R"([{"labels":{"a":"b"},}])", R"([{"labels" {"a":"b"}}])",
      R"([{'labels':{}}])", R"([{"labels":{"a":"b"}},])", "[1,]", "[01]", "[-]", "[1.]", "[.5]",
      "[1e]", "[1e+]", "[+1]", "[-0, 0.0, 1E5, 1e-5, -12.5e+3]", "[1e999]", "[-1e999]",
      "[123456789012345678901234567890]", "[tru]", "[true, false, null]", "[nul]", "[True]",
      R"(["\x"])", R"(["\u12"])", R"(["\u12g4"])", R"(["\ud800"])", R"(["\udc00"])",
      R"(["\ud800\u0041"])", R"(["\ud83d\ude00"])", "[\"a\tb\"]", "[\"a\x01\"]",
      "[\"\xC3\"]", "[\"\xC0\x80\"]", "[\"\xE0\x80\x80\"]", "[\"\xED\xA0\x80\"]",
      "[\"\xF4\x90\x80\x80\"]", "[\"\xF5\x80\x80\x80\"]", "[\"\xFF\"]", "[\"\x80\"]",
      "[\"\xEF\xBF\xBF\"]", "[\"\xF0\x90\x80\x80\"]", "\xEF\xBB[]", "\xEF\xBB\xBF[]",
      R"([{"labels":{"a":"b"},"x":[[[[{"y":[{}, [], {"z":null}]}]]]]}])",
      R"([{"labels":{"a":"b"},"x":[[[[{"y":[{}, [], {"z":null}]}]]]}])",
      R"([{"labels":{"a":"b"},"x":{"a" 1}}])", R"([{"labels":{"a":"b"},"x":{1:2}}])",
      R"([{"labels":{"a":"b"},"x":{"a":1,}}])", std::string("[\"a\0b\"]", 7),
      std::string(10000, '[') + std::string(10000, ']'),
      "[" + std::string(5000, '[') + std::string(5000, ']') + ",{\"labels\":{\"a\":\"b\"}}]",
  };
  for (const std::string& body : bodies) {
    const bool accepted = nlohmann::json::accept(body);
    auto r = decode_postable_alerts(body);
    bool not_array = !r && r.error().message == "request body must be an array of alerts";
    EXPECT_EQ(r || not_array, accepted) << "body: " << body.substr(0, 80);
    if (!accepted && !r) {
      std::string want;
      try {
        (void)nlohmann::json::parse(body);
      } catch (const nlohmann::json::exception& e) {
        want = std::string("failed to parse request body: ") + e.what();
      }
      EXPECT_EQ(r.error().message, want);
    }
  }
}

}  // namespace
}  // namespace tocsin::api
