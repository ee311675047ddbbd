#include <csignal>
#include <ostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "app/commands.h"
#include "app/engine.h"
#include "engine/common/log.h"

namespace tocsin::app {

namespace asio = boost::asio;

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

  asio::io_context io;
  SystemClock clock;
  Engine engine(io, options, clock);
  if (auto st = engine.start(); !st) {
    log::error("cannot start", {{"err", st.error().message}});
    return st.error().code == ErrorCode::kInvalidArgument ? kExitFailed : kExitUsage;
  }

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
