#include "app/eval/series_input.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "engine/promql/series_values.h"
#include "parser/exposition/parse_samples.h"

namespace tocsin::app::eval {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string pos_of(const YAML::Node& n) {
  YAML::Mark m = n.Mark();
  return m.line >= 0 ? ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1)
                     : "";
}

Result<std::string> scalar(const YAML::Node& n, const std::string& name, const char* key) {
  if (!n || n.IsNull()) return std::string();
  if (!n.IsScalar()) return invalid_argument(name + pos_of(n) + ": " + key + ": not a string");
  return n.Scalar();
}

Status parse_promtool(const std::string& name, const std::string& text,
                      std::vector<InputSeries>& out) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return invalid_argument(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                            std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) return invalid_argument(name + ": expected a mapping with input_series");
  for (const auto& kv : root) {
    std::string k = kv.first.Scalar();
    if (k != "interval" && k != "start_timestamp" && k != "input_series") {
      return invalid_argument(name + pos_of(kv.first) + ": unknown key \"" + k +
                              "\" (expected interval, start_timestamp, input_series)");
    }
  }
  Duration interval = kMinute;
  auto iv = scalar(root["interval"], name, "interval");
  if (!iv) return tl::unexpected(iv.error());
  if (!iv->empty()) {
    auto d = parse_duration(*iv);
    if (!d || *d <= 0) {
      return invalid_argument(name + pos_of(root["interval"]) + ": interval: \"" + *iv +
                              "\" is not a positive duration");
    }
    interval = *d;
  }
  Timestamp start = 0;
  auto st = scalar(root["start_timestamp"], name, "start_timestamp");
  if (!st) return tl::unexpected(st.error());
  if (!st->empty()) {
    if (auto t = parse_rfc3339(*st)) {
      start = *t;
    } else {
      char* end = nullptr;
      double secs = std::strtod(st->c_str(), &end);
      if (end != st->c_str() + st->size()) {
        return invalid_argument(name + pos_of(root["start_timestamp"]) + ": start_timestamp: \"" +
                                *st + "\" is neither RFC 3339 nor Unix seconds");
      }
      start = static_cast<Timestamp>(std::llround(secs * 1000));
    }
  }
  YAML::Node list = root["input_series"];
  if (!list || !list.IsSequence()) {
    return invalid_argument(name + ": input_series: expected a list of {series, values}");
  }
  for (const auto& item : list) {
    if (!item.IsMap()) return invalid_argument(name + pos_of(item) + ": expected {series, values}");
    auto s = scalar(item["series"], name, "series");
    if (!s) return tl::unexpected(s.error());
    auto v = scalar(item["values"], name, "values");
    if (!v) return tl::unexpected(v.error());
    auto labels = promql::parse_series_labels(*s);
    if (!labels) {
      return invalid_argument(name + pos_of(item["series"]) + ": series \"" + *s +
                              "\": " + labels.error().message);
    }
    auto values = promql::parse_series_values(*v);
    if (!values) {
      return invalid_argument(name + pos_of(item["values"]) + ": values \"" + *v +
                              "\": " + values.error().message);
    }
    InputSeries in;
    in.labels = std::move(*labels);
    for (size_t i = 0; i < values->size(); ++i) {
      const auto& sv = (*values)[i];
      if (sv.omitted) continue;
      in.samples.push_back({start + static_cast<Timestamp>(i) * interval, sv.v});
    }
    out.push_back(std::move(in));
  }
  return {};
}

bool is_openmetrics(const std::string& name, const std::string& text) {
  if (ends_with(name, ".om") || ends_with(name, ".openmetrics")) return true;
  std::string_view t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) {
    t.remove_suffix(1);
  }
  return ends_with(t, "# EOF");
}

Status parse_exposition(const std::string& name, const std::string& text,
                        std::vector<InputSeries>& out) {
  auto format = is_openmetrics(name, text) ? exposition::Format::kOpenMetrics
                                           : exposition::Format::kPrometheusText;
  auto samples = exposition::parse_samples(text, format);
  if (!samples) return invalid_argument(name + ": " + samples.error().message);
  std::map<Labels, size_t> index;
  for (auto& s : *samples) {
    if (!s.timestamp) {
      return invalid_argument(name + ": sample " + s.labels.to_string() +
                              " has no timestamp; eval needs the time of every sample");
    }
    auto [it, fresh] = index.emplace(s.labels, out.size());
    if (fresh) out.push_back({std::move(s.labels), {}});
    out[it->second].samples.push_back({*s.timestamp, s.value});
  }
  return {};
}

}  // namespace

Status parse_series_text(const std::string& name, const std::string& text,
                         std::vector<InputSeries>& out) {
  if (ends_with(name, ".yml") || ends_with(name, ".yaml")) return parse_promtool(name, text, out);
  if (ends_with(name, ".om") || ends_with(name, ".openmetrics") || ends_with(name, ".prom") ||
      ends_with(name, ".txt")) {
    return parse_exposition(name, text, out);
  }
  // Unknown extension: a YAML mapping with input_series is notation (a), anything else (b).
  if (text.find("input_series") != std::string::npos) {
    try {
      if (YAML::Load(text).IsMap()) return parse_promtool(name, text, out);
    } catch (const YAML::Exception&) {
    }
  }
  return parse_exposition(name, text, out);
}

SeriesSet merge_series(std::vector<InputSeries> in) {
  std::map<Labels, std::vector<storage::Sample>> by;
  for (auto& s : in) {
    auto& v = by[s.labels];
    v.insert(v.end(), s.samples.begin(), s.samples.end());
  }
  SeriesSet out;
  bool first = true;
  for (auto& [labels, samples] : by) {
    std::stable_sort(samples.begin(), samples.end(),
                     [](const auto& a, const auto& b) { return a.t < b.t; });
    std::vector<storage::Sample> uniq;
    for (const auto& s : samples) {
      if (!uniq.empty() && uniq.back().t == s.t) {
        uniq.back() = s;  // the later file wins
        continue;
      }
      uniq.push_back(s);
    }
    if (uniq.empty()) continue;
    if (first || uniq.front().t < out.min_t) out.min_t = uniq.front().t;
    if (first || uniq.back().t > out.max_t) out.max_t = uniq.back().t;
    first = false;
    out.series.push_back({labels, std::move(uniq)});
  }
  return out;
}

Result<SeriesSet> load_series_files(const std::vector<std::string>& paths) {
  std::vector<InputSeries> all;
  for (const auto& p : paths) {
    std::ifstream f(p, std::ios::binary);
    if (!f) return not_found(p + ": cannot read the series file");
    std::stringstream ss;
    ss << f.rdbuf();
    if (auto st = parse_series_text(p, ss.str(), all); !st) return tl::unexpected(st.error());
  }
  return merge_series(std::move(all));
}

}  // namespace tocsin::app::eval
