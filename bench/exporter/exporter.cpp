// bench_exporter: synthetic Prometheus targets for bench/compare, on 127.0.0.1 only.
//
// Serves N targets, each on its own port, each answering GET /metrics with about S series in the
// text format 0.0.4: counters http_requests_total{method,path,status}, classic histograms
// http_request_duration_seconds{method,path} (12 buckets, _sum, _count) and gauges
// bench_queue_length{queue}. Values are a deterministic function of the target, the labels and
// the seconds since the exporter started: counters grow linearly (so rate() is constant), gauges
// oscillate around a fixed level. A few (target, path) and (target, queue) pairs are "bad" (high
// error ratio, slow latency, long queue) by a fixed rule, which bench/compare/gen_config.py
// mirrors so that the alerts that must fire are known in advance. The rule is in
// bad_errors()/bad_latency()/bad_queue() below; keep both files in step.
//
//   bench_exporter --targets N --series S [--ports-file FILE] [--duration SECONDS]
//
// Ports are chosen by the kernel (port 0) and written one per line to --ports-file (or stdout)
// once every target listens. The process exits after --duration seconds (default 3600) or on
// SIGTERM/SIGINT. The body of every target is rebuilt per scrape (about 50 bytes per series).
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "engine/http/router.h"
#include "engine/http/server.h"

namespace {

using namespace tocsin;

constexpr const char* kMethods[] = {"GET", "POST", "PUT", "DELETE"};
constexpr double kMethodFactor[] = {1.0, 0.5, 0.2, 0.1};
constexpr const char* kStatuses[] = {"200", "201", "404", "500", "503"};
constexpr double kStatusRate[] = {10.0, 2.0, 0.5, 0.1, 0.05};
constexpr const char* kLe[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                               "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
constexpr double kLeValue[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 1e9};
// Cumulative fraction of requests at or below each bucket bound.
constexpr double kFastCum[] = {0.05, 0.15, 0.35, 0.6, 0.8, 0.93, 0.97, 0.99, 0.998, 1, 1, 1};
constexpr double kSlowCum[] = {0, 0, 0.01, 0.03, 0.05, 0.1, 0.2, 0.4, 0.7, 0.9, 1, 1};
constexpr int kPerPath = 4 * 5 + 4 * 14;  // counters + histogram series per path

// The fixed rule of which pairs misbehave (mirrored in bench/compare/gen_config.py).
bool bad_errors(int target, int path) { return (target + path) % 10 == 0; }
bool bad_latency(int target, int path) { return (3 * target + path) % 13 == 0; }
bool bad_queue(int target, int queue) { return (target + queue) % 17 == 0; }

struct Shape {
  int paths = 0;
  int queues = 0;
};

// About 90 % of the series in paths, the rest in queue gauges; at least one of each.
Shape shape_for(int series) {
  Shape s;
  s.paths = std::max(1, series * 9 / 10 / kPerPath);
  s.queues = std::max(1, series - s.paths * kPerPath);
  return s;
}

void put(std::string& out, double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

std::string body(int target, const Shape& shape, double t) {
  std::string out;
  out.reserve(static_cast<std::size_t>(shape.paths * kPerPath + shape.queues) * 96);
  out += "# HELP http_requests_total Requests handled.\n# TYPE http_requests_total counter\n";
  for (int p = 0; p < shape.paths; ++p) {
    const double path_factor = 1.0 + (p % 7) * 0.1;
    for (int m = 0; m < 4; ++m) {
      for (int s = 0; s < 5; ++s) {
        double rate = kStatusRate[s] * kMethodFactor[m] * path_factor;
        if (s == 3 && bad_errors(target, p)) rate *= 100;
        out += "http_requests_total{method=\"";
        out += kMethods[m];
        out += "\",path=\"/api/v1/resource";
        out += std::to_string(p);
        out += "\",status=\"";
        out += kStatuses[s];
        out += "\"} ";
        put(out, std::floor(rate * t));
        out += '\n';
      }
    }
  }
  out += "# HELP http_request_duration_seconds Request latency.\n"
         "# TYPE http_request_duration_seconds histogram\n";
  for (int p = 0; p < shape.paths; ++p) {
    const double path_factor = 1.0 + (p % 7) * 0.1;
    const double* cum = bad_latency(target, p) ? kSlowCum : kFastCum;
    for (int m = 0; m < 4; ++m) {
      double rate = 0;
      for (int s = 0; s < 5; ++s) rate += kStatusRate[s] * kMethodFactor[m] * path_factor;
      const double count = std::floor(rate * t);
      std::string lbl = "{method=\"" + std::string(kMethods[m]) + "\",path=\"/api/v1/resource" +
                        std::to_string(p) + "\"";
      double sum = 0, prev = 0;
      for (int b = 0; b < 12; ++b) {
        const double c = std::floor(cum[b] * count);
        sum += (c - prev) * (b == 11 ? 20.0 : kLeValue[b] * 0.75);
        prev = c;
        out += "http_request_duration_seconds_bucket";
        out += lbl;
        out += ",le=\"";
        out += kLe[b];
        out += "\"} ";
        put(out, b == 11 ? count : c);
        out += '\n';
      }
      out += "http_request_duration_seconds_sum" + lbl + "} ";
      put(out, std::round(sum * 1000) / 1000);
      out += "\nhttp_request_duration_seconds_count" + lbl + "} ";
      put(out, count);
      out += '\n';
    }
  }
  out += "# HELP bench_queue_length Items waiting.\n# TYPE bench_queue_length gauge\n";
  for (int q = 0; q < shape.queues; ++q) {
    const double level = bad_queue(target, q) ? 5000 : 100;
    const double v = level + 0.1 * level * std::sin(6.283185307179586 * (t + q) / 60.0);
    out += "bench_queue_length{queue=\"q";
    out += std::to_string(q);
    out += "\"} ";
    put(out, std::round(v));
    out += '\n';
  }
  return out;
}

int usage() {
  std::cerr << "usage: bench_exporter --targets N --series S [--ports-file FILE] "
               "[--duration SECONDS]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int targets = 0, series = 0;
  double duration = 3600;
  std::string ports_file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    std::string v = argv[++i];
    if (a == "--targets") targets = std::atoi(v.c_str());
    else if (a == "--series") series = std::atoi(v.c_str());
    else if (a == "--ports-file") ports_file = v;
    else if (a == "--duration") duration = std::atof(v.c_str());
    else return usage();
  }
  if (targets < 1 || targets > 1000 || series < 1 || series > 1'000'000 || duration <= 0) {
    return usage();
  }
  const Shape shape = shape_for(series);
  const auto start = std::chrono::steady_clock::now();
  boost::asio::io_context io;
  std::vector<std::unique_ptr<http::Router>> routers;
  std::vector<std::unique_ptr<http::HttpServer>> servers;
  std::string ports;
  for (int t = 0; t < targets; ++t) {
    auto router = std::make_unique<http::Router>();
    router->add("GET", "/metrics", [t, shape, start](const http::Request&) {
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      http::Response r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = body(t, shape, secs);
      return r;
    });
    http::ServerOptions opt;
    opt.address = "127.0.0.1";
    opt.port = 0;
    auto server = std::make_unique<http::HttpServer>(io, *router, opt);
    if (auto st = server->start(); !st) {
      std::cerr << "bench_exporter: " << st.error().message << "\n";
      return 1;
    }
    ports += std::to_string(server->port()) + "\n";
    routers.push_back(std::move(router));
    servers.push_back(std::move(server));
  }
  if (ports_file.empty()) {
    std::cout << ports << std::flush;
  } else {
    std::string tmp = ports_file + ".tmp";
    std::ofstream(tmp) << ports;
    std::rename(tmp.c_str(), ports_file.c_str());
  }
  std::cerr << "bench_exporter: " << targets << " targets, " << shape.paths << " paths, "
            << shape.queues << " queues, " << shape.paths * kPerPath + shape.queues
            << " series per target\n";
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { io.stop(); });
  boost::asio::steady_timer stop(io, std::chrono::milliseconds(static_cast<long>(duration * 1000)));
  stop.async_wait([&](auto) { io.stop(); });
  io.run();
  return 0;
}
