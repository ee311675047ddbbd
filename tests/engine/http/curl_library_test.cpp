// libcurl loaded at run time (engine/http/curl_library.h): requests made while the helper thread
// is still loading it wait in the CurlClient and then start in order; a cancelled one never
// answers. Its own test binary, so that this process has not loaded libcurl before the test.
#include "engine/http/curl_library.h"

#include <optional>
#include <vector>

#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "engine/http/curl_client.h"
#include "engine/http/server.h"
#include "tests/engine/http/tls_server.h"

namespace tocsin::http {
namespace {

using namespace std::chrono_literals;
using testing::run_until;

TEST(CurlLibrary, AClientWithoutRequestsNeitherLoadsNorKeepsTheLoopRunning) {
  // Runs first in this binary: nothing has loaded libcurl yet.
  boost::asio::io_context io;
  CurlClient client(io);
  io.run_for(std::chrono::seconds(20));
  EXPECT_TRUE(io.stopped()) << "run() waited for a load nobody asked for";
  EXPECT_EQ(loaded_curl(), nullptr);
  EXPECT_EQ(client.in_flight(), 0u);
}

TEST(CurlLibrary, RequestsMadeWhileLoadingStartOnceLoaded) {
  boost::asio::io_context io;
  Router router;
  router.add("GET", "/n/*", [](const Request& req) { return Response::text(200, req.path); });
  ServerOptions so;
  so.port = 0;
  HttpServer server(io, router, so);
  ASSERT_TRUE(server.start());
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port()) + "/n/";

  ASSERT_EQ(loaded_curl(), nullptr) << "libcurl was loaded before the first client";
  CurlClient client(io);
  std::vector<std::string> answers;
  bool made = false;
  // Requests are made (and cancelled) on the I/O thread, as the engine does.
  boost::asio::post(io, [&] {
    std::vector<RequestId> ids;
    for (int i = 0; i < 4; ++i) {
      HttpRequest r;
      r.url = base + std::to_string(i);
      ids.push_back(client.request(std::move(r), [&answers](Result<HttpResponse> resp) {
        answers.push_back(resp ? std::to_string(resp->status) + " " + resp->body
                               : "error: " + resp.error().message);
      }));
    }
    // The dlopen of libcurl and its ~30 libraries takes milliseconds: still loading here.
    EXPECT_EQ(loaded_curl(), nullptr);
    EXPECT_EQ(client.in_flight(), 4u);
    client.cancel(ids[2]);
    EXPECT_EQ(client.in_flight(), 3u);
    made = true;
  });
  ASSERT_TRUE(run_until(io, [&] { return made && answers.size() >= 3; }, 20s));
  EXPECT_NE(loaded_curl(), nullptr);
  EXPECT_EQ(answers, (std::vector<std::string>{"200 /n/0", "200 /n/1", "200 /n/3"}));
  // Nothing more arrives for the cancelled one.
  run_until(io, [] { return false; }, 200ms);
  EXPECT_EQ(answers.size(), 3u);
  EXPECT_EQ(client.in_flight(), 0u);

  // Once loaded, another client uses the library at once.
  CurlClient second(io);
  std::optional<std::string> got;
  HttpRequest r;
  r.url = base + "again";
  second.request(std::move(r), [&got](Result<HttpResponse> resp) {
    got = resp ? resp->body : resp.error().message;
  });
  ASSERT_TRUE(run_until(io, [&] { return got.has_value(); }, 20s));
  EXPECT_EQ(*got, "/n/again");
  auto api = wait_for_curl();
  ASSERT_TRUE(api) << api.error().message;
  EXPECT_EQ(*api, loaded_curl());
}

TEST(CurlLibrary, ClientDestroyedWhileLoadingDropsItsRequests) {
  // Run alone (--gtest_filter), the request waits for the loader; after the test above it is a
  // transfer in flight. Either way a destroyed client never calls back, and the loader never
  // posts to its io_context afterwards (the io_context is gone before loading finishes).
  int called = 0;
  {
    boost::asio::io_context io;
    {
      CurlClient client(io);
      HttpRequest r;
      r.url = "http://127.0.0.1:9/never";
      client.request(std::move(r), [&called](Result<HttpResponse>) { ++called; });
    }
    run_until(io, [] { return false; }, 100ms);
  }
  ASSERT_TRUE(wait_for_curl());
  EXPECT_EQ(called, 0);
}

}  // namespace
}  // namespace tocsin::http
