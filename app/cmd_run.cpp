#include <charconv>
#include <csignal>
#include <cstdint>
#include <optional>
#include <string_view>
#include <ostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "app/commands.h"
#include "app/engine.h"
#include "engine/common/log.h"
#include "engine/http/curl_library.h"

namespace tocsin::app {

namespace asio = boost::asio;

namespace {

// A byte count: digits, optionally followed by B, KB/KiB, MB/MiB, GB/GiB (powers of 1024, as
// Prometheus' units.Base2Bytes).
std::optional<std::size_t> parse_byte_size(std::string_view s) {
  std::size_t i = 0;
  std::uint64_t n = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (n > (UINT64_MAX - 9) / 10) return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(s[i++] - '0');
  }
  if (i == 0) return std::nullopt;
  const std::string_view unit = s.substr(i);
  int shift = 0;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "KB" || unit == "KiB") {
    shift = 10;
  } else if (unit == "MB" || unit == "MiB") {
    shift = 20;
  } else if (unit == "GB" || unit == "GiB") {
    shift = 30;
  } else {
    return std::nullopt;
  }
  if (n > (UINT64_MAX >> shift)) return std::nullopt;
  return static_cast<std::size_t>(n << shift);
}

std::optional<std::size_t> parse_count(std::string_view s) {
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return n;
}

}  // namespace

int cmd_run(const Args& args, std::ostream& out, std::ostream& err) {
  log::Level level;
  log::Format format;
  if (!log::parse_level(args.get("log.level"), level)) {
    err << "tocsin run: --log.level must be debug, info, warn or error\n";
    return kExitUsage;
  }
  if (!log::parse_format(args.get("log.format"), format)) {
    err << "tocsin run: --log.format must be logfmt or json\n";
    return kExitUsage;
  }
  log::configure(level, format);
  if (!args.positional.empty()) {
    err << "tocsin run: unexpected argument \"" << args.positional.front() << "\"\n";
    return kExitUsage;
  }

  EngineOptions options;
  options.config_files = args.all("config");
  options.listen_address = args.get("web.listen-address");
  options.web_config_file = args.get("web.config.file");
  options.external_url = args.get("web.external-url");
  options.storage_path = args.get("storage.path");
  options.dry_run = args.flag("dry-run");
  const std::string& compat = args.get("compat");
  if (compat != "prometheus3" && compat != "prometheus2") {
    err << "tocsin run: --compat must be prometheus3 or prometheus2\n";
    return kExitUsage;
  }
  options.compat_prometheus2 = compat == "prometheus2";
  auto retention = parse_duration(args.get("storage.retention"));
  if (!retention || *retention <= 0) {
    err << "tocsin run: --storage.retention must be a positive duration such as 6h\n";
    return kExitUsage;
  }
  options.retention = *retention;
  auto snapshot = parse_duration(args.get("storage.head-snapshot-interval"));
  if (!snapshot || *snapshot <= 0) {
    err << "tocsin run: --storage.head-snapshot-interval must be a positive duration such as 1m\n";
    return kExitUsage;
  }
  options.head_snapshot_interval = *snapshot;

  // Limits (docs/operations.md, "Limits").
  auto body = parse_byte_size(args.get("web.max-request-body-size"));
  if (!body || *body == 0) {
    err << "tocsin run: --web.max-request-body-size must be a positive size such as 4MiB\n";
    return kExitUsage;
  }
  options.max_request_body_bytes = *body;
  auto silence_size = parse_byte_size(args.get("silences.max-silence-size-bytes"));
  if (!silence_size) {
    err << "tocsin run: --silences.max-silence-size-bytes must be a size such as 65536\n";
    return kExitUsage;
  }
  options.max_silence_size_bytes = *silence_size;
  for (auto [flag, target] :
       {std::pair{"alerts.limit", &options.alerts_limit},
        std::pair{"silences.max-silences", &options.max_silences},
        std::pair{"notifications.queue-limit", &options.notification_queue_limit},
        std::pair{"web.max-connections", &options.max_connections}}) {
    auto n = parse_count(args.get(flag));
    if (!n) {
      err << "tocsin run: --" << flag << " must be a number (0 for no limit)\n";
      return kExitUsage;
    }
    *target = *n;
  }
  auto samples = parse_count(args.get("query.max-samples"));
  if (!samples || *samples == 0 || *samples > static_cast<std::size_t>(INT64_MAX)) {
    err << "tocsin run: --query.max-samples must be a positive number\n";
    return kExitUsage;
  }
  options.query_max_samples = static_cast<std::int64_t>(*samples);
  auto query_timeout = parse_duration(args.get("query.timeout"));
  if (!query_timeout || *query_timeout <= 0) {
    err << "tocsin run: --query.timeout must be a positive duration such as 2m\n";
    return kExitUsage;
  }
  options.query_timeout = *query_timeout;

  asio::io_context io;
  SystemClock clock;
  Engine engine(io, options, clock);
  if (auto st = engine.start(); !st) {
    log::error("cannot start", {{"err", st.error().message}});
    return st.error().code == ErrorCode::kInvalidArgument ? kExitFailed : kExitUsage;
  }
  // Ready: libcurl now loads on a helper thread while the first requests wait for it (see
  // curl_library.h); loading it earlier slowed start-up down.
  http::start_loading_curl();

  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
          log::info("received SIGHUP, reloading configuration");
          engine.reload([](Status) {});
          signals.async_wait(on_signal);
          return;
        }
        log::info("received signal, shutting down gracefully",
                  {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
        engine.shutdown();
        io.stop();
      };
  signals.async_wait(on_signal);
  io.run();
  log::info("stopped");
  return kExitOk;
}

}  // namespace tocsin::app
