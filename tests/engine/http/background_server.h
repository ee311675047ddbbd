// BackgroundServer: an HTTP server on 127.0.0.1 with an ephemeral port, running on its own
// thread — for tests whose code under test runs elsewhere (the tocsin binary, another loop):
// webhook sinks, emulated receiver APIs, scrape targets.
//
// Add routes to router() before start(). Handlers run on the server's thread, so state they
// share with the test needs the test's own lock. Call stop() (or let the destructor do it)
// before destroying anything a handler touches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "engine/http/router.h"
#include "engine/http/server.h"

namespace tocsin::testing {

class BackgroundServer {
 public:
  BackgroundServer() = default;
  ~BackgroundServer() { stop(); }
  BackgroundServer(const BackgroundServer&) = delete;
  BackgroundServer& operator=(const BackgroundServer&) = delete;

  http::Router& router() { return router_; }
  // Binds 127.0.0.1:`port` (0: an ephemeral one) and serves on the background thread; false
  // when binding failed. A fixed port lets a test bring a peer back where it was.
  bool start(std::uint16_t port = 0) {
    http::ServerOptions so;
    so.port = port;
    server_ = std::make_unique<http::HttpServer>(io_, router_, so);
    if (!server_->start()) return false;
    thread_ = std::thread([this] { io_.run(); });
    return true;
  }
  void stop() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::uint16_t port() const { return server_->port(); }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }

 private:
  boost::asio::io_context io_;
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread thread_;
};

}  // namespace tocsin::testing
