// HttpServer's request limits over real TCP on 127.0.0.1: a body over max_body_bytes answers 413
// naming the limit, whether announced by Content-Length or sent chunked without one; a body at
// the limit reaches the handler; oversized headers answer 431; every refusal is counted in
// tocsin_http_requests_rejected_total{reason}.
#include "engine/http/server.h"

#include <atomic>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "engine/http/self_metrics.h"
#include "tests/support/http_client.h"

namespace tocsin::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::size_t kLimit = 64 * 1024;

class ServerLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = std::make_shared<prometheus::Registry>();
    router_.add("POST", "/echo", [this](const Request& req) {
      ++handled_;
      return Response::text(200, std::to_string(req.body.size()));
    });
    ServerOptions so;
    so.port = 0;
    so.max_body_bytes = kLimit;
    so.max_header_bytes = 8 * 1024;
    so.body_limit_source = "--web.max-request-body-size";
    so.registry = registry_.get();
    server_ = std::make_unique<HttpServer>(io_, router_, so);
    ASSERT_TRUE(server_->start());
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Writes `request` raw and reads until the server closes or 5 s pass; returns what came back.
  std::string raw_exchange(const std::string& request) {
    asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    boost::system::error_code ec;
    asio::write(s, asio::buffer(request), ec);  // the server may stop reading early
    std::string out;
    std::array<char, 4096> buf{};
    for (int i = 0; i < 1000; ++i) {
      std::size_t n = s.read_some(asio::buffer(buf), ec);
      out.append(buf.data(), n);
      if (ec) break;
    }
    return out;
  }

  double rejected(const std::string& reason) {
    std::string text = render_metrics({registry_});
    std::string key = "tocsin_http_requests_rejected_total{reason=\"" + reason + "\"} ";
    auto at = text.find(key);
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + key.size()));
  }

  asio::io_context io_;
  Router router_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::atomic<int> handled_{0};
};

TEST_F(ServerLimitsTest, BodyAtTheLimitIsServed) {
  auto r = testing::http_post(server_->port(), "/echo", std::string(kLimit, 'x'));
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, std::to_string(kLimit));
  EXPECT_EQ(rejected("body_too_large"), 0);
}

TEST_F(ServerLimitsTest, ContentLengthOverTheLimitIs413WithTheLimit) {
  auto r = testing::http_post(server_->port(), "/echo", std::string(kLimit + 1, 'x'));
  EXPECT_EQ(r.status, 413) << r.error;
  EXPECT_EQ(r.body,
            "request body too large: the limit is 65536 bytes, --web.max-request-body-size\n");
  EXPECT_EQ(handled_.load(), 0);
  EXPECT_EQ(rejected("body_too_large"), 1);
}

TEST_F(ServerLimitsTest, ChunkedBodyOverTheLimitIs413) {
  // No Content-Length: the limit is found while reading chunks of 16 KiB, 5 of them.
  std::string req =
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
      "Content-Type: application/json\r\n\r\n";
  const std::string chunk(16 * 1024, 'y');
  for (int i = 0; i < 5; ++i) req += "4000\r\n" + chunk + "\r\n";
  req += "0\r\n\r\n";
  std::string answer = raw_exchange(req);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 200);
  EXPECT_NE(answer.find("the limit is 65536 bytes"), std::string::npos);
  EXPECT_EQ(handled_.load(), 0);
  EXPECT_EQ(rejected("body_too_large"), 1);
}

TEST_F(ServerLimitsTest, ChunkedBodyWithinTheLimitIsServed) {
  std::string req =
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n";
  const std::string chunk(16 * 1024, 'y');
  for (int i = 0; i < 4; ++i) req += "4000\r\n" + chunk + "\r\n";  // exactly 64 KiB
  req += "0\r\n\r\n";
  std::string answer = raw_exchange(req);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer.substr(0, 200);
  EXPECT_NE(answer.find("\r\n\r\n65536"), std::string::npos);
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(ServerLimitsTest, OversizedHeadersAre431AndCounted) {
  std::string req = "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " +
                    std::string(16 * 1024, 'h') + "\r\n\r\n";
  std::string answer = raw_exchange(req);
  EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer.substr(0, 200);
  EXPECT_EQ(rejected("headers_too_large"), 1);
  EXPECT_EQ(rejected("body_too_large"), 0);
}

TEST(ServerConnectionLimit, AtTheLimitNewConnectionsWaitForAFreeSlot) {
  asio::io_context io;
  Router router;
  router.add("GET", "/ok", [](const Request&) { return Response::text(200, "ok"); });
  auto registry = std::make_shared<prometheus::Registry>();
  ServerOptions so;
  so.port = 0;
  so.max_connections = 2;
  so.registry = registry.get();
  HttpServer server(io, router, so);
  ASSERT_TRUE(server.start());
  std::thread loop([&] { io.run(); });
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), server.port());

  asio::io_context client_io;
  auto connect = [&] {
    auto s = std::make_unique<tcp::socket>(client_io);
    s->connect(ep);
    return s;
  };
  // True when a 200 answer arrives on `s` within `wait`.
  auto read_answer = [&](tcp::socket& s, std::chrono::milliseconds wait) {
    s.non_blocking(true);
    std::array<char, 512> buf{};
    const auto until = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < until) {
      boost::system::error_code ec;
      std::size_t n = s.read_some(asio::buffer(buf), ec);
      if (n > 0) return std::string_view(buf.data(), n).rfind("HTTP/1.1 200", 0) == 0;
      if (ec && ec != asio::error::would_block) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  };
  // A request on `s`; true when its answer arrived within `wait`.
  auto answered = [&](tcp::socket& s, std::chrono::milliseconds wait) {
    const std::string req = "GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    asio::write(s, asio::buffer(req));
    return read_answer(s, wait);
  };
  auto a = connect();
  auto b = connect();
  EXPECT_TRUE(answered(*a, std::chrono::seconds(5)));
  EXPECT_TRUE(answered(*b, std::chrono::seconds(5)));
  // The third connects (the listen backlog) but is not served while two are open.
  auto c = connect();
  EXPECT_FALSE(answered(*c, std::chrono::milliseconds(300)));
  std::string text = render_metrics({registry});
  EXPECT_NE(text.find("tocsin_http_open_connections 2"), std::string::npos) << text;
  // One closes: the waiting one is accepted and answered.
  a->close();
  EXPECT_TRUE(read_answer(*c, std::chrono::seconds(10)));
  io.stop();
  loop.join();
}

}  // namespace
}  // namespace tocsin::http
