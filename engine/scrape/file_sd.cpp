#include "engine/scrape/file_sd.h"

#include <glob.h>

#include <fstream>
#include <sstream>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "engine/common/log.h"

namespace tocsin::scrape {

namespace asio = boost::asio;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

struct RawGroup {
  std::vector<std::string> targets;
  std::vector<std::pair<std::string, std::string>> labels;
};

// Builds the groups; exceptions are the parsers' and are caught by the caller.
Result<std::vector<TargetGroup>> to_groups(const std::string& path, std::vector<RawGroup> raw) {
  std::vector<TargetGroup> out;
  for (size_t i = 0; i < raw.size(); ++i) {
    TargetGroup g;
    g.source = path + ":" + std::to_string(i);
    std::vector<Label> ls;
    for (auto& [k, v] : raw[i].labels) {
      if (!is_valid_label_name(k)) {
        return invalid_argument(path + ": \"" + k + "\" is not a valid label name");
      }
      ls.push_back({k, v});
    }
    ls.push_back({std::string(kFilepathLabel), path});
    g.labels = Labels::from_unsorted(std::move(ls));
    for (auto& t : raw[i].targets) g.targets.push_back(Labels{{std::string(kAddressLabel), t}});
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

Result<std::vector<TargetGroup>> parse_target_file(const std::string& path,
                                                   const std::string& content) {
  std::vector<RawGroup> raw;
  try {
    if (ends_with(path, ".json")) {
      auto j = nlohmann::json::parse(content);
      if (!j.is_array()) return invalid_argument(path + ": expected a list of target groups");
      for (const auto& g : j) {
        if (!g.is_object()) return invalid_argument(path + ": nil target group item found");
        RawGroup rg;
        if (g.contains("targets")) {
          for (const auto& t : g.at("targets")) rg.targets.push_back(t.get<std::string>());
        }
        if (g.contains("labels") && !g.at("labels").is_null()) {
          for (const auto& [k, v] : g.at("labels").items()) {
            rg.labels.emplace_back(k, v.get<std::string>());
          }
        }
        raw.push_back(std::move(rg));
      }
    } else if (ends_with(path, ".yml") || ends_with(path, ".yaml")) {
      YAML::Node root = YAML::Load(content);
      if (root.IsNull()) return to_groups(path, {});
      if (!root.IsSequence()) return invalid_argument(path + ": expected a list of target groups");
      for (const auto& g : root) {
        if (!g.IsMap()) return invalid_argument(path + ": nil target group item found");
        RawGroup rg;
        if (g["targets"]) {
          for (const auto& t : g["targets"]) rg.targets.push_back(t.as<std::string>());
        }
        if (g["labels"]) {
          for (const auto& kv : g["labels"]) {
            rg.labels.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
          }
        }
        raw.push_back(std::move(rg));
      }
    } else {
      return invalid_argument("retrieving targets from file \"" + path +
                              "\" failed: unknown file extension");
    }
  } catch (const std::exception& e) {
    return invalid_argument(path + ": " + e.what());
  }
  return to_groups(path, std::move(raw));
}

std::map<std::string, Result<std::vector<TargetGroup>>> read_target_files(
    const std::vector<std::string>& globs) {
  std::map<std::string, Result<std::vector<TargetGroup>>> out;
  for (const auto& pattern : globs) {
    glob_t g{};
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        std::string path = g.gl_pathv[i];
        std::ifstream f(path);
        if (!f) {
          out.emplace(path, invalid_argument(path + ": cannot open"));
          continue;
        }
        std::stringstream ss;
        ss << f.rdbuf();
        out.emplace(path, parse_target_file(path, ss.str()));
      }
    }
    globfree(&g);
  }
  return out;
}

FileDiscovery::FileDiscovery(asio::io_context& io, asio::thread_pool& pool,
                             config::FileSdConfig config, OnUpdate on_update,
                             prometheus::Counter* read_errors)
    : io_(io), pool_(pool), config_(std::move(config)), on_update_(std::move(on_update)),
      read_errors_(read_errors), timer_(io) {}

FileDiscovery::~FileDiscovery() {
  *alive_ = false;
  timer_.cancel();
}

void FileDiscovery::start() {
  refresh();
  schedule();
}

void FileDiscovery::schedule() {
  timer_.expires_after(std::chrono::milliseconds(std::max<Duration>(config_.refresh_interval, 1)));
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    refresh();
    schedule();
  });
}

void FileDiscovery::refresh() {
  // The worker touches nothing of `this`: the discovery may be gone before it finishes.
  asio::post(pool_, [this, &io = io_, alive = alive_, globs = config_.files]() {
    auto files = read_target_files(globs);
    asio::post(io, [this, alive, files = std::move(files)]() mutable {
      if (*alive) apply(std::move(files));
    });
  });
}

void FileDiscovery::apply(std::map<std::string, Result<std::vector<TargetGroup>>> files) {
  std::map<std::string, std::vector<TargetGroup>> next;
  for (auto& [path, result] : files) {
    if (result) {
      next[path] = std::move(*result);
    } else {
      log::error("file discovery: error reading file; keeping its last targets",
                 {{"path", path}, {"err", result.error().message}});
      if (read_errors_) read_errors_->Increment();
      if (auto it = last_good_.find(path); it != last_good_.end()) next[path] = it->second;
    }
  }
  bool changed = first_ || next.size() != last_good_.size();
  if (!changed) {
    for (const auto& [path, groups] : next) {
      auto it = last_good_.find(path);
      if (it == last_good_.end() || it->second.size() != groups.size()) {
        changed = true;
        break;
      }
      for (size_t i = 0; i < groups.size() && !changed; ++i) {
        changed = groups[i].targets != it->second[i].targets ||
                  groups[i].labels != it->second[i].labels;
      }
      if (changed) break;
    }
  }
  first_ = false;
  last_good_ = std::move(next);
  if (!changed) return;
  std::vector<TargetGroup> all;
  for (const auto& [path, groups] : last_good_) all.insert(all.end(), groups.begin(), groups.end());
  on_update_(std::move(all));
}

}  // namespace tocsin::scrape
