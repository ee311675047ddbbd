// engine/remote: the Prometheus API response parser, the remote-write protobuf and snappy.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/remote/datasource.h"
#include "engine/remote/prom_api.h"
#include "engine/remote/remote_write.h"

namespace tocsin::remote {
namespace {

std::string hex(std::string_view s) {
  std::string out;
  char buf[3];
  for (unsigned char c : s) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}

TEST(RemoteWrite, EncodesTheWriteRequestWireFormat) {
  // WriteRequest{timeseries: [{labels: [{__name__, a}], samples: [{1.0, 1}]}]}, by hand:
  // label 0a08 "__name__" 1201 "a"; sample 09 <1.0 LE> 1001; series 0a0d <label> 120b <sample>.
  std::string got = encode_write_request({{Labels{{"__name__", "a"}}, {{1.0, 1}}}});
  EXPECT_EQ(hex(got),
            "0a1c"
            "0a0d" "0a08" "5f5f6e616d655f5f" "1201" "61"
            "120b" "09" "000000000000f03f" "1001");
}

TEST(RemoteWrite, RoundTripsThroughSnappy) {
  std::vector<WriteSeries> in = {
      {Labels{{"__name__", "ALERTS"}, {"alertname", "X"}, {"alertstate", "firing"}},
       {{1.0, 1700000000123}, {0.5, 1700000001123}}},
      {Labels{{"__name__", "job:up:sum"}, {"job", "p"}}, {{-3.25, -5}}}};
  auto raw = snappy_uncompress(snappy_compress(encode_write_request(in)));
  ASSERT_TRUE(raw);
  auto back = decode_write_request(*raw);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].labels, in[0].labels);
  ASSERT_EQ((*back)[0].samples.size(), 2u);
  EXPECT_EQ((*back)[0].samples[1].t, 1700000001123);
  EXPECT_EQ((*back)[0].samples[1].value, 0.5);
  EXPECT_EQ((*back)[1].samples[0].t, -5);
  EXPECT_EQ((*back)[1].samples[0].value, -3.25);
  EXPECT_FALSE(snappy_uncompress("not snappy at all"));
  EXPECT_FALSE(decode_write_request("\x0a\x7f"));
}

TEST(PromApi, ParsesVectorScalarAndMatrix) {
  auto v = parse_query_response(
      R"({"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"__name__":"up","job":"p"},"value":[1700000000.5,"1"]},
          {"metric":{},"value":[1700000000.5,"NaN"]},
          {"metric":{"a":"b"},"value":[1700000000.5,"+Inf"]}]}})",
      200);
  ASSERT_TRUE(v) << v.error().message;
  const auto& vec = std::get<promql::Vector>(*v);
  ASSERT_EQ(vec.size(), 3u);
  EXPECT_EQ(vec[0].metric, (Labels{{"__name__", "up"}, {"job", "p"}}));
  EXPECT_EQ(vec[0].v, 1);
  EXPECT_EQ(vec[0].t, 1700000000500);
  EXPECT_TRUE(std::isnan(vec[1].v));
  EXPECT_TRUE(std::isinf(vec[2].v));

  auto s = parse_query_response(
      R"({"status":"success","data":{"resultType":"scalar","result":[12.25,"42"]}})", 200);
  ASSERT_TRUE(s);
  EXPECT_EQ(std::get<promql::Scalar>(*s).v, 42);
  EXPECT_EQ(std::get<promql::Scalar>(*s).t, 12250);

  auto m = parse_query_response(
      R"({"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"x":"y"},"values":[[1,"1"],[2,"2"]]}]}})",
      200);
  ASSERT_TRUE(m);
  ASSERT_EQ(std::get<promql::Matrix>(*m).at(0).points.size(), 2u);
  EXPECT_EQ(std::get<promql::Matrix>(*m)[0].points[1].t, 2000);
}

TEST(PromApi, ErrorsCarryTheApiMessageAndRetryability) {
  auto bad = parse_query_response(
      R"({"status":"error","errorType":"bad_data","error":"parse error at char 3"})", 400);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("bad_data: parse error at char 3"), std::string::npos);
  auto down = parse_query_response("<html>bad gateway</html>", 502);
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(parse_query_response(R"({"status":"success","data":{"resultType":"vector",
      "result":[{"metric":{},"value":[1,"x1"]}]}})", 200));
  EXPECT_FALSE(parse_query_response(R"({"status":"success"})", 200));
}

TEST(Datasource, ApiTimeIsSecondsWithMilliseconds) {
  EXPECT_EQ(api_time(1700000000123), "1700000000.123");
  EXPECT_EQ(api_time(5), "0.005");
  EXPECT_EQ(api_time(-1500), "-1.500");
}

}  // namespace
}  // namespace tocsin::remote
