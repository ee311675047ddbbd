// Internal to engine/config: the strict YAML decoding toolkit shared by the section decoders.
//
// A Decoder holds the current file and the error list; MapReader walks one YAML mapping, hands
// out values by key and reports every key nobody asked for. Scalar readers (read_string,
// read_duration, ...) leave the output untouched and record an error when the value is invalid,
// so decoding always continues and all errors are collected. yaml-cpp exceptions never escape
// this folder: load.cpp catches them at its single parse site. Single-threaded, one per load.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "engine/config/config.h"
#include "engine/config/load.h"

namespace tocsin::config::detail {

// A position to report later (cross-reference checks run after every file is decoded).
struct Location {
  std::string file;
  int line = 0;  // 1-based
  int column = 0;
  std::string path;
};

class Decoder;
// A check that needs the whole merged Config (defaults from `global`, receiver references...).
using PostCheck = std::function<void(Config&, Decoder&)>;

class Decoder {
 public:
  explicit Decoder(ConfigErrors* errors) : errors_(errors) {}

  // The file being decoded; dir is used to resolve relative paths.
  void set_file(std::string file, std::string dir) {
    file_ = std::move(file);
    dir_ = std::move(dir);
  }
  const std::string& file() const { return file_; }

  Location at(const YAML::Node& node, const std::string& path) const;
  void error(const YAML::Node& node, const std::string& path, std::string message);
  void error(const Location& loc, std::string message);

  // Absolute path for a path named in the current file; "" stays "".
  std::string resolve(const std::string& p) const;

  void post(PostCheck check) { post_.push_back(std::move(check)); }

  // Where each global key and top-level key was set (merge conflicts, later checks).
  std::map<std::string, Location> global_keys;
  std::map<std::string, Location> top_keys;
  std::vector<PostCheck>& post_checks() { return post_; }

 private:
  ConfigErrors* errors_;
  std::string file_;
  std::string dir_;
  std::vector<PostCheck> post_;
};

std::string join_path(const std::string& parent, std::string_view key);
std::string index_path(const std::string& parent, size_t i);

// Reads a mapping. A null node reads as an empty mapping; any other non-mapping is an error.
class MapReader {
 public:
  MapReader(Decoder& d, const YAML::Node& node, std::string path);
  bool ok() const { return ok_; }

  // The value under key (marking the key known), or nullopt when absent.
  std::optional<YAML::Node> get(std::string_view key);
  bool has(std::string_view key) const;
  // The key node, for positions (REQUIRES: has(key)).
  YAML::Node key_node(std::string_view key) const;
  std::string path(std::string_view key) const { return join_path(path_, key); }
  Decoder& decoder() { return d_; }

  // Typed shorthands: read key into out when present. Return true when present and valid.
  bool str(std::string_view key, std::string& out);
  bool secret(std::string_view key, Secret& out);
  bool boolean(std::string_view key, bool& out);
  bool opt_boolean(std::string_view key, std::optional<bool>& out);
  bool duration(std::string_view key, Duration& out);
  bool opt_duration(std::string_view key, std::optional<Duration>& out);
  bool uint(std::string_view key, std::uint64_t& out);
  bool size(std::string_view key, std::int64_t& out);  // "10MB", "1KiB"
  bool str_list(std::string_view key, std::vector<std::string>& out);
  bool str_map(std::string_view key, std::map<std::string, std::string>& out);
  bool path_str(std::string_view key, std::string& out);  // resolved against the file's dir
  // A URL that must be http(s) with a host (Alertmanager's config.URL).
  bool url(std::string_view key, std::string& out);
  bool secret_url(std::string_view key, Secret& out);

  // Reports every key not asked for: "field foo not found" style.
  void finish();

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
    bool used = false;
  };
  Decoder& d_;
  std::string path_;
  std::vector<Entry> entries_;
  bool ok_ = true;
};

// Scalar readers for values outside a MapReader (list items, map values).
bool read_string(Decoder& d, const YAML::Node& n, const std::string& path, std::string& out);
bool read_bool(Decoder& d, const YAML::Node& n, const std::string& path, bool& out);
bool read_duration(Decoder& d, const YAML::Node& n, const std::string& path, Duration& out);
bool read_uint(Decoder& d, const YAML::Node& n, const std::string& path, std::uint64_t& out);
bool read_string_list(Decoder& d, const YAML::Node& n, const std::string& path,
                      std::vector<std::string>& out);
bool read_string_map(Decoder& d, const YAML::Node& n, const std::string& path,
                     std::map<std::string, std::string>& out);
// Calls item(node, path) for each element of a sequence (null = empty).
bool for_each_item(Decoder& d, const YAML::Node& n, const std::string& path,
                   const std::function<void(const YAML::Node&, const std::string&)>& item);

// Checks "http(s)://host..." ; returns an error message or "".
std::string check_http_url(std::string_view url);
std::optional<std::int64_t> parse_size(std::string_view text);
// Quotes a value for messages: "5x".
std::string quote(std::string_view s);

// Section decoders (prometheus.cpp, http_client.cpp, alertmanager.cpp, receivers.cpp).
void decode_http_client_inline(MapReader& m, HttpClientConfig& out);  // keys in the same map
void decode_http_client(Decoder& d, const YAML::Node& n, const std::string& path,
                        HttpClientConfig& out);
void decode_tls_config(Decoder& d, const YAML::Node& n, const std::string& path, TlsConfig& out);
void decode_relabel_configs(Decoder& d, const YAML::Node& n, const std::string& path,
                            std::vector<RelabelConfig>& out);
// One global key of either product; false when the key is not a global.
bool decode_global_key(MapReader& m, std::string_view key, GlobalConfig& out);
void decode_scrape_configs(Decoder& d, const YAML::Node& n, const std::string& path, Config& out);
void decode_alerting(Decoder& d, const YAML::Node& n, const std::string& path, Config& out);
void decode_datasource(Decoder& d, const YAML::Node& n, const std::string& path, Config& out);
void decode_remote_write(Decoder& d, const YAML::Node& n, const std::string& path, Config& out);
void decode_route(Decoder& d, const YAML::Node& n, const std::string& path, Config& out);
void decode_inhibit_rules(Decoder& d, const YAML::Node& n, const std::string& path, Config& out);
void decode_time_intervals(Decoder& d, const YAML::Node& n, const std::string& path, Config& out);
void decode_receivers(Decoder& d, const YAML::Node& n, const std::string& path, Config& out);
// Checks over the merged config: scrape defaults, receiver references, global requirements.
void validate_prometheus(Config& c, Decoder& d);

}  // namespace tocsin::config::detail
