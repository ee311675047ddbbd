// File service discovery (Prometheus' discovery/file): target groups read from JSON or YAML files
// named by globs, re-read every refresh_interval.
//
//   [{"targets": ["host:9100"], "labels": {"env": "prod"}}]      (.json; the same shape in .yml)
//
// Each group gets __meta_filepath and the source "<path>:<index>". Reading happens OFF the I/O
// thread, on a caller-provided blocking pool; results are posted back to the io_context. A file
// that fails to read or parse keeps its last good groups, the error is logged and counted in
// `read_errors` (the owner's prometheus_sd_file_read_errors_total, as Prometheus names it); a
// file that no longer matches any glob loses its groups.
//
// Threads: construct, start(), refresh() and destroy on the I/O thread. `on_update` runs there,
// with every group of every file, after each pass that changed something (and after the first).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <prometheus/counter.h>

#include "engine/common/result.h"
#include "engine/config/config.h"
#include "engine/scrape/target.h"

namespace tocsin::scrape {

inline constexpr std::string_view kFilepathLabel = "__meta_filepath";

// Parses one file's content; the format follows the extension (.json, .yml, .yaml).
// Errors name the file (and the problem, e.g. an invalid label name).
Result<std::vector<TargetGroup>> parse_target_file(const std::string& path,
                                                   const std::string& content);

// Expands the globs and reads + parses every matched file. Blocking: worker threads only.
std::map<std::string, Result<std::vector<TargetGroup>>> read_target_files(
    const std::vector<std::string>& globs);

class FileDiscovery {
 public:
  using OnUpdate = std::function<void(std::vector<TargetGroup>)>;

  FileDiscovery(boost::asio::io_context& io, boost::asio::thread_pool& pool,
                config::FileSdConfig config, OnUpdate on_update,
                prometheus::Counter* read_errors = nullptr);
  ~FileDiscovery();
  FileDiscovery(const FileDiscovery&) = delete;
  FileDiscovery& operator=(const FileDiscovery&) = delete;

  // Reads now, then every refresh_interval.
  void start();
  // Reads now (in addition to the periodic refresh).
  void refresh();

 private:
  void schedule();
  void apply(std::map<std::string, Result<std::vector<TargetGroup>>> files);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& pool_;
  config::FileSdConfig config_;
  OnUpdate on_update_;
  prometheus::Counter* read_errors_;  // may be null; owned by the registry
  boost::asio::steady_timer timer_;
  std::map<std::string, std::vector<TargetGroup>> last_good_;
  bool first_ = true;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tocsin::scrape
