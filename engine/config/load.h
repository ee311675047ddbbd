// Loading tocsin's configuration: one or more YAML files (prometheus.yml, alertmanager.yml, or
// one file holding both) → a validated Config, or every error found.
//
// Decoding is strict, as in Prometheus and Alertmanager: an unknown key, a wrong type, a bad
// duration, label name, matcher, regex or URL is an error. All errors are collected, each with
// its file, 1-based line and column, and the key path ("route.routes[2].group_wait"). Receiver
// integrations tocsin does not implement (opsgenie_configs, ...) are errors naming the integration.
//
// Several files merge: `global` keys merge (a key set in two files is an error naming both), any
// other top-level key may appear in one file only. Relative paths (rule_files, templates, *_file,
// file_sd files, TLS files) resolve against the directory of the file that names them.
//
// Stateless free functions; any thread may call them. They read files but keep no handles.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "engine/common/result.h"
#include "engine/config/config.h"

namespace tocsin::config {

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based; 0 when the error concerns the file as a whole
  int column = 0;  // 1-based
  std::string path;  // key path, "" for the document itself
  std::string message;

  // "alertmanager.yml:14:7: route.routes[2].group_wait: \"5x\" is not a duration"; the position
  // and path parts are left out when unknown.
  std::string to_string() const;
  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};
using ConfigErrors = std::vector<ConfigError>;
using LoadResult = tl::expected<Config, ConfigErrors>;

// Reads and merges the files in order.
LoadResult load_config(const std::vector<std::string>& paths);

// One in-memory document. Relative paths resolve against the directory part of
// virtual_filename ("" → the working directory); errors name virtual_filename.
LoadResult load_config_from_string(std::string_view text, std::string_view virtual_filename);

// Several in-memory documents, merged as load_config merges files.
LoadResult load_config_from_strings(const std::vector<SourceFile>& files);

// All errors as one tocsin::Error (kInvalidArgument), one per line, for Result<T> callers.
Error to_error(const ConfigErrors& errors);

// The loaded configuration as YAML, secrets shown as "<secret>" (a webhook receiver's inline url
// in clear, as Alertmanager 0.25 prints it) — for `tocsin check config --print` and
// /api/v2/status. Loading the output again gives the same Config except for secrets.
std::string print_config(const Config& config);
// Only the Alertmanager part, as Alertmanager 0.25's /api/v2/status shows config.original: the
// keys alertmanager.yml has (no Prometheus globals, rule_files, scrape_configs or alerting), so
// amtool (which re-parses it strictly) can read it.
std::string print_alertmanager_config(const Config& config);

}  // namespace tocsin::config
