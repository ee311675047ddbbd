// An in-process tocsin with the Alertmanager v2 API on 127.0.0.1 (ephemeral port): a real
// HttpServer, Dispatcher and Silences on an io_context run by a background thread.
#pragma once

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <prometheus/registry.h>

#include "engine/api/alertmanager_v2.h"
#include "engine/config/load.h"
#include "engine/http/server.h"

namespace tocsin::api {

inline constexpr const char* kApiConfig = R"(
route:
  receiver: team
  group_by: [alertname]
  routes:
    - matchers: [severity="critical"]
      receiver: pager
receivers:
  - name: team
  - name: pager
    webhook_configs:
      - url: "http://127.0.0.1:1/hook"
        http_config: {basic_auth: {username: pager, password: hunter2}}
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [alertname]
)";

class ApiServer {
 public:
  ApiServer() {
    auto cfg = config::load_config_from_string(kApiConfig, "alertmanager.yml");
    EXPECT_TRUE(cfg) << config::to_error(cfg.error()).message;
    scheduler_ = std::make_unique<dispatch::AsioScheduler>(io_, clock_);
    auto d = dispatch::Dispatcher::create(*cfg, {}, *scheduler_, nullptr, silences_, nflog_,
                                          registry_);
    EXPECT_TRUE(d);
    dispatcher_ = std::move(*d);
    api_ = std::make_unique<AlertmanagerApiV2>(*dispatcher_, silences_, clock_,
                                               VersionInfo{"0.1.0", "abc", "main", "me", "today"},
                                               clock_.now());
    api_->register_routes(router_);
    http::ServerOptions so;
    so.address = "127.0.0.1";
    so.port = 0;
    server_ = std::make_unique<http::HttpServer>(io_, router_, so);
    auto st = server_->start();
    EXPECT_TRUE(st);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ApiServer() {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      server_->stop();
      dispatcher_->stop();
      done.set_value();
    });
    done.get_future().wait();
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return server_->port(); }
  // Runs `fn` on the I/O thread and waits.
  template <class F>
  auto on_io(F fn) {
    std::promise<decltype(fn())> p;
    boost::asio::post(io_, [&] { p.set_value(fn()); });
    return p.get_future().get();
  }

  boost::asio::io_context io_;
  SystemClock clock_;
  prometheus::Registry registry_;
  dispatch::Silences silences_;
  dispatch::NotificationLog nflog_;
  std::unique_ptr<dispatch::AsioScheduler> scheduler_;
  std::unique_ptr<dispatch::Dispatcher> dispatcher_;
  std::unique_ptr<AlertmanagerApiV2> api_;
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread thread_;
};

}  // namespace tocsin::api
