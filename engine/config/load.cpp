// The loader's single entry: read files, parse YAML (the one place yaml-cpp exceptions are
// caught), dispatch top-level keys to the section decoders, merge files, then run the checks that
// need the whole configuration.
#include "engine/config/load.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/config/detail/decoder.h"

namespace tocsin::config {
namespace {

using detail::Decoder;
using detail::Location;
using detail::MapReader;

constexpr std::string_view kUnsupportedTop[] = {"remote_read", "storage",
                                                "tracing", "otlp", "runtime",
                                                "scrape_config_files"};
constexpr std::string_view kAlertmanagerTop[] = {"route", "receivers", "inhibit_rules",
                                                 "time_intervals", "mute_time_intervals",
                                                 "templates"};

void decode_globs(Decoder& d, const YAML::Node& n, const std::string& path,
                  std::vector<std::string>& out) {
  std::vector<std::string> globs;
  if (!detail::read_string_list(d, n, path, globs)) return;
  for (size_t i = 0; i < globs.size(); ++i) {
    int depth = 0;
    for (char c : globs[i]) depth += c == '[' ? 1 : c == ']' ? -1 : 0;
    if (depth != 0) {
      d.error(n[i], detail::index_path(path, i), "invalid file path pattern " +
                                                     detail::quote(globs[i]));
      continue;
    }
    out.push_back(d.resolve(globs[i]));
  }
}

void decode_document(Decoder& d, const YAML::Node& root, Config& c) {
  MapReader top(d, root, "");
  if (!top.ok() || !root.IsMap()) return;
  for (const auto& kv : root) {
    std::string key = kv.first.Scalar();
    const YAML::Node& value = kv.second;
    if (key == "global") {
      top.get(key);
      MapReader g(d, value, "global");
      if (!g.ok() || !value.IsMap()) continue;
      for (const auto& gkv : value) {
        std::string gkey = gkv.first.Scalar();
        Location here = d.at(gkv.first, detail::join_path("global", gkey));
        if (auto it = d.global_keys.find(gkey); it != d.global_keys.end()) {
          if (it->second.file != d.file()) {
            g.get(gkey);
            d.error(here, "set in both " + it->second.file + " and " + d.file());
            continue;
          }
        } else {
          d.global_keys.emplace(gkey, here);
        }
        if (!g.has(gkey)) continue;
        detail::decode_global_key(g, gkey, c.global);
      }
      g.finish();
      continue;
    }
    Location here = d.at(kv.first, key);
    bool known = true;
    if (auto it = d.top_keys.find(key); it != d.top_keys.end() && it->second.file != d.file()) {
      top.get(key);
      d.error(here, "set in both " + it->second.file + " and " + d.file() +
                        " (only global may be split across files)");
      continue;
    }
    if (!top.has(key)) continue;  // a duplicate already reported
    if (key == "rule_files") {
      decode_globs(d, *top.get(key), key, c.rule_files);
    } else if (key == "scrape_configs") {
      detail::decode_scrape_configs(d, *top.get(key), key, c);
    } else if (key == "alerting") {
      detail::decode_alerting(d, *top.get(key), key, c);
    } else if (key == "datasource") {
      detail::decode_datasource(d, *top.get(key), key, c);
    } else if (key == "remote_write") {
      detail::decode_remote_write(d, *top.get(key), key, c);
    } else if (key == "route") {
      detail::decode_route(d, *top.get(key), key, c);
    } else if (key == "receivers") {
      detail::decode_receivers(d, *top.get(key), key, c);
    } else if (key == "inhibit_rules") {
      detail::decode_inhibit_rules(d, *top.get(key), key, c);
    } else if (key == "time_intervals" || key == "mute_time_intervals") {
      detail::decode_time_intervals(d, *top.get(key), key, c);
    } else if (key == "templates") {
      decode_globs(d, *top.get(key), key, c.templates);
    } else if (key == "tocsin") {
      const YAML::Node node = *top.get(key);
      MapReader t(d, node, "tocsin");
      if (t.ok() && node.IsMap()) {
        if (t.has("compat")) {
          std::string compat;
          if (t.str("compat", compat)) {
            if (compat != "prometheus3" && compat != "prometheus2") {
              d.error(node["compat"], "tocsin.compat",
                      detail::quote(compat) + " is not prometheus3 or prometheus2");
            } else {
              c.tocsin.compat = compat;
            }
          }
        }
        t.finish();
      }
    } else {
      known = false;
      for (std::string_view u : kUnsupportedTop) {
        if (key == u) {
          top.get(key);
          d.error(here, key + " is not supported by tocsin");
        }
      }
    }
    if (known) d.top_keys.emplace(key, here);
  }
  top.finish();
}

void validate_alertmanager(Config& c, Decoder& d) {
  const Location* first = nullptr;
  for (std::string_view k : kAlertmanagerTop) {
    auto it = d.top_keys.find(std::string(k));
    if (it != d.top_keys.end() && (!first || k == "receivers")) first = &it->second;
  }
  if (first && !c.has_route) d.error(*first, "no route provided in config");
}

LoadResult load_sources(std::vector<SourceFile> files, const std::vector<std::string>& dirs) {
  ConfigErrors errors;
  Decoder d(&errors);
  Config c;
  for (size_t i = 0; i < files.size(); ++i) {
    d.set_file(files[i].path, dirs[i]);
    YAML::Node root;
    try {
      root = YAML::Load(files[i].text);
    } catch (const YAML::Exception& e) {
      int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
      int col = e.mark.column >= 0 ? e.mark.column + 1 : 0;
      errors.push_back(ConfigError{files[i].path, line, col, "", "invalid YAML: " + e.msg});
      continue;
    }
    if (!root.IsDefined() || root.IsNull()) continue;
    if (!root.IsMap()) {
      d.error(root, "", "the document must be a mapping of top-level keys");
      continue;
    }
    try {
      decode_document(d, root, c);
    } catch (const YAML::Exception& e) {
      // Not expected: decoders check node types before converting. Report, don't crash.
      errors.push_back(ConfigError{files[i].path, 0, 0, "", std::string("internal: ") + e.what()});
    }
  }
  detail::validate_prometheus(c, d);
  validate_alertmanager(c, d);
  // Post checks may add errors; run them over the merged config, in registration order.
  for (auto& check : d.post_checks()) check(c, d);
  if (!errors.empty()) {
    auto order = [&](const ConfigError& e) {
      size_t idx = files.size();
      for (size_t i = 0; i < files.size(); ++i) {
        if (files[i].path == e.file) idx = i;
      }
      return std::tuple(idx, e.line, e.column);
    };
    std::stable_sort(errors.begin(), errors.end(),
                     [&](const ConfigError& a, const ConfigError& b) { return order(a) < order(b); });
    errors.erase(std::unique(errors.begin(), errors.end()), errors.end());
    return tl::unexpected(std::move(errors));
  }
  c.sources = std::move(files);
  return c;
}

}  // namespace

std::string ConfigError::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

LoadResult load_config(const std::vector<std::string>& paths) {
  std::vector<SourceFile> files;
  std::vector<std::string> dirs;
  ConfigErrors errors;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      errors.push_back(ConfigError{path, 0, 0, "", "cannot read file"});
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    files.push_back(SourceFile{path, ss.str()});
    std::error_code ec;
    std::filesystem::path abs = std::filesystem::absolute(path, ec);
    dirs.push_back(abs.parent_path().string());
  }
  if (!errors.empty()) return tl::unexpected(std::move(errors));
  return load_sources(std::move(files), dirs);
}

LoadResult load_config_from_string(std::string_view text, std::string_view virtual_filename) {
  return load_config_from_strings({SourceFile{std::string(virtual_filename), std::string(text)}});
}

LoadResult load_config_from_strings(const std::vector<SourceFile>& files) {
  std::vector<std::string> dirs;
  for (const SourceFile& f : files) {
    std::filesystem::path parent = std::filesystem::path(f.path).parent_path();
    if (parent.empty()) {
      dirs.emplace_back();
    } else if (f.path.front() == '<') {
      // A virtual directory such as "<builtin>" (embedded files) stays as written.
      dirs.push_back(parent.string());
    } else {
      std::error_code ec;
      dirs.push_back(std::filesystem::absolute(parent, ec).string());
    }
  }
  return load_sources(files, dirs);
}

Error to_error(const ConfigErrors& errors) {
  std::string msg;
  for (const ConfigError& e : errors) {
    if (!msg.empty()) msg += "\n";
    msg += e.to_string();
  }
  return Error{ErrorCode::kInvalidArgument, msg};
}

}  // namespace tocsin::config
