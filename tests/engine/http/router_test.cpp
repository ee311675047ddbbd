// Router: exact routes before prefix routes, 404 and 405 with Allow, and the guard around
// handlers: an exception escaping a handler (sync, async, or work run through run_guarded)
// answers 500 once, in the Prometheus API's error shape under /api/v1/, and never escapes.
#include "engine/http/router.h"

#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tocsin::http {
namespace {

Request make_request(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

std::vector<Response> dispatch(const Router& router, std::string method, std::string path) {
  std::vector<Response> out;
  router.dispatch(make_request(std::move(method), std::move(path)),
                  [&out](Response r) { out.push_back(std::move(r)); });
  return out;
}

TEST(RouterTest, ExactBeforePrefixAndMethodChecks) {
  Router router;
  router.add("GET", "/api/v2/silence/*", [](const Request&) { return Response::text(200, "p"); });
  router.add("GET", "/api/v2/silence/x", [](const Request&) { return Response::text(200, "x"); });
  auto r = dispatch(router, "GET", "/api/v2/silence/x");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].body, "x");
  r = dispatch(router, "GET", "/api/v2/silence/abc");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].body, "p");
  r = dispatch(router, "DELETE", "/api/v2/silence/abc");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 405);
  r = dispatch(router, "GET", "/nope");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 404);
}

TEST(RouterTest, ThrowingHandlerAnswers500) {
  Router router;
  router.add("GET", "/boom", [](const Request&) -> Response {
    throw std::runtime_error("kaput");
  });
  router.add("GET", "/int", [](const Request&) -> Response { throw 42; });
  auto r = dispatch(router, "GET", "/boom");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 500);
  EXPECT_NE(r[0].body.find("kaput"), std::string::npos) << r[0].body;
  r = dispatch(router, "GET", "/int");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 500);
  EXPECT_NE(r[0].body.find("unknown exception"), std::string::npos) << r[0].body;
}

TEST(RouterTest, ApiV1FailureUsesPrometheusErrorShape) {
  Router router;
  router.add("GET", "/api/v1/query", [](const Request&) -> Response {
    throw std::bad_alloc();
  });
  auto r = dispatch(router, "GET", "/api/v1/query");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 500);
  auto j = nlohmann::json::parse(r[0].body);
  EXPECT_EQ(j["status"], "error");
  EXPECT_EQ(j["errorType"], "internal");
  EXPECT_NE(j["error"].get<std::string>().find("bad_alloc"), std::string::npos) << r[0].body;
}

TEST(RouterTest, AsyncHandlerThatRepliedThenThrewRepliesOnce) {
  Router router;
  router.add_async("POST", "/a", [](Request, Reply reply) {
    reply(Response::text(202, "accepted"));
    throw std::logic_error("after the reply");
  });
  router.add_async("POST", "/b", [](Request, Reply) { throw std::logic_error("before"); });
  auto r = dispatch(router, "POST", "/a");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 202);
  r = dispatch(router, "POST", "/b");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 500);
}

TEST(RouterTest, RunGuardedTurnsExceptionsInto500) {
  Response ok = run_guarded("/x", [] { return Response::text(200, "fine"); });
  EXPECT_EQ(ok.status, 200);
  Response bad = run_guarded("/api/v1/series", []() -> Response {
    throw std::out_of_range("index");
  });
  EXPECT_EQ(bad.status, 500);
  EXPECT_EQ(nlohmann::json::parse(bad.body)["errorType"], "internal");
}

}  // namespace
}  // namespace tocsin::http
