#include "app/eval/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace tocsin::app::eval {
namespace {

using ojson = nlohmann::ordered_json;

std::string offset(Timestamp t, Timestamp base) {
  Duration d = t - base;
  return d < 0 ? "-" + format_duration(-d) : "+" + format_duration(d);
}

std::string value_str(double v, int digits = 15) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string pad(std::string s, size_t n) {
  if (s.size() < n) s.resize(n, ' ');
  return s;
}

std::string indent_block(const std::string& text, const std::string& prefix) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (!first) out += "\n" + prefix;
    out += line;
    first = false;
  }
  return out;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

ojson labels_json(const Labels& l) {
  ojson o = ojson::object();
  for (const auto& x : l) o[x.name] = x.value;
  return o;
}

ojson time_json(std::optional<Timestamp> t) {
  return t ? ojson(format_rfc3339(*t)) : ojson(nullptr);
}

ojson alert_json(const Alert& a) {
  ojson o;
  o["labels"] = labels_json(a.labels);
  o["annotations"] = a.annotations;
  o["starts_at"] = format_rfc3339(a.starts_at);
  o["ends_at"] = a.ends_at ? ojson(format_rfc3339(a.ends_at)) : ojson(nullptr);
  return o;
}

std::string episode_line(const Labels& labels, Timestamp pending, std::optional<Timestamp> firing,
                         std::optional<Timestamp> resolved, Timestamp base) {
  return labels.to_braces() + " pending=" + offset(pending, base) +
         " firing=" + (firing ? offset(*firing, base) : "-") +
         " resolved=" + (resolved ? offset(*resolved, base) : "-");
}

std::string change_line(Timestamp at, const std::string& state, std::optional<double> v,
                        Timestamp base) {
  return "  " + offset(at, base) + " " + state + (v ? " " + value_str(*v, 6) : "");
}

std::vector<std::string> flatten_sorted(std::vector<std::vector<std::string>> blocks) {
  std::sort(blocks.begin(), blocks.end());
  std::vector<std::string> out;
  for (auto& b : blocks) out.insert(out.end(), b.begin(), b.end());
  return out;
}

}  // namespace

std::optional<Timestamp> parse_eval_time(std::string_view text, Timestamp base) {
  if (text.empty()) return std::nullopt;
  if (auto t = parse_rfc3339(text)) return t;
  std::string s(text);
  char* end = nullptr;
  double secs = std::strtod(s.c_str(), &end);
  if (end == s.c_str() + s.size() && std::isfinite(secs)) {
    return static_cast<Timestamp>(std::llround(secs * 1000));
  }
  if (auto d = parse_duration(text)) return base + *d;
  return std::nullopt;
}

bool fails(const BacktestResult& r, FailOn fail_on) {
  switch (fail_on) {
    case FailOn::kNone: return false;
    case FailOn::kPending: return !r.alerts.empty();
    case FailOn::kFiring:
      return std::any_of(r.alerts.begin(), r.alerts.end(),
                         [](const AlertEpisode& e) { return e.fired(); });
  }
  return false;
}

std::string format_text(const BacktestResult& r, Timestamp base) {
  std::ostringstream os;
  int groups = 0;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& s : r.rules) groups += seen.insert({s.file, s.group}).second ? 1 : 0;
  os << "Evaluated " << r.rules.size() << " rules in " << groups << (groups == 1 ? " group" : " groups") << " from "
     << format_rfc3339(r.from) << " to " << format_rfc3339(r.to) << " (" << offset(r.from, base)
     << " .. " << offset(r.to, base) << "), " << r.steps << " evaluation steps.\n";

  os << "\nAlerts (" << r.alerts.size() << "):\n";
  if (r.alerts.empty()) os << "  none\n";
  for (const auto& e : r.alerts) {
    os << e.labels.to_braces() << "  [" << e.file << ": " << e.group << "]\n";
    for (const auto& c : e.changes) {
      os << "  " << pad(c.state, 9) << " " << pad(offset(c.at, base), 10) << " "
         << format_rfc3339(c.at);
      if (c.value) os << "  value=" << value_str(*c.value);
      os << "\n";
    }
  }

  os << "\nRules:\n";
  for (const auto& s : r.rules) {
    int episodes = 0, fired = 0;
    for (const auto& e : r.alerts) {
      if (e.file == s.file && e.group == s.group && e.rule == s.name) {
        ++episodes;
        fired += e.fired() ? 1 : 0;
      }
    }
    os << "  " << s.group << "/" << s.name << "  " << (s.alerting ? "alerting" : "recording")
       << ", every " << format_duration(s.interval) << ", " << s.evaluations << " evaluations";
    if (s.alerting) os << ", " << episodes << " episodes, " << fired << " fired";
    if (s.failures > 0) {
      os << ", " << s.failures << " failed (first at " << offset(s.first_error_at, base)
         << ": " << s.first_error << ")";
    }
    os << "\n";
  }

  if (!r.notifications.empty() || r.dispatched) {
    os << "\nNotifications (" << r.notifications.size() << "):\n";
    if (r.notifications.empty()) os << "  none\n";
    for (const auto& n : r.notifications) {
      os << pad(offset(n.at, base), 10) << " " << format_rfc3339(n.at) << "  " << n.receiver
         << "  " << n.integration << "[" << n.integration_index << "]  " << n.status
         << "  group " << n.group_labels.to_braces() << "\n";
      for (const auto& a : n.firing) os << "  firing:   " << a.labels.to_braces() << "\n";
      for (const auto& a : n.resolved) os << "  resolved: " << a.labels.to_braces() << "\n";
      for (const auto& [k, v] : n.fields) {
        std::string prefix = "  " + k + ": ";
        os << prefix << indent_block(v, std::string(prefix.size(), ' ')) << "\n";
      }
      if (n.fields.empty() && !n.payload.empty()) {
        std::string_view p = n.payload;
        while (!p.empty() && p.back() == '\n') p.remove_suffix(1);
        os << "  payload: " << p << "\n";
      }
      if (!n.template_error.empty()) os << "  template error: " << n.template_error << "\n";
    }
  }
  return os.str();
}

std::string format_json(const BacktestResult& r, Timestamp base) {
  ojson root;
  root["from"] = format_rfc3339(r.from);
  root["to"] = format_rfc3339(r.to);
  root["base"] = format_rfc3339(base);
  root["steps"] = r.steps;
  ojson alerts = ojson::array();
  for (const auto& e : r.alerts) {
    ojson a;
    a["labels"] = labels_json(e.labels);
    a["annotations"] = e.annotations;
    a["file"] = e.file;
    a["group"] = e.group;
    a["pending_at"] = format_rfc3339(e.pending_at);
    a["firing_at"] = time_json(e.firing_at);
    a["resolved_at"] = time_json(e.resolved_at);
    ojson changes = ojson::array();
    for (const auto& c : e.changes) {
      ojson cj;
      cj["at"] = format_rfc3339(c.at);
      cj["offset"] = offset(c.at, base);
      cj["state"] = c.state;
      cj["value"] = c.value && std::isfinite(*c.value) ? ojson(*c.value) : ojson(nullptr);
      changes.push_back(std::move(cj));
    }
    a["changes"] = std::move(changes);
    alerts.push_back(std::move(a));
  }
  root["alerts"] = std::move(alerts);
  ojson rules = ojson::array();
  for (const auto& s : r.rules) {
    ojson j;
    j["file"] = s.file;
    j["group"] = s.group;
    j["name"] = s.name;
    j["type"] = s.alerting ? "alerting" : "recording";
    j["interval"] = format_duration(s.interval);
    j["evaluations"] = s.evaluations;
    j["failures"] = s.failures;
    j["first_error"] = s.first_error.empty() ? ojson(nullptr) : ojson(s.first_error);
    rules.push_back(std::move(j));
  }
  root["rules"] = std::move(rules);
  if (r.dispatched) {
    ojson ns = ojson::array();
    for (const auto& n : r.notifications) {
      ojson j;
      j["at"] = format_rfc3339(n.at);
      j["offset"] = offset(n.at, base);
      j["receiver"] = n.receiver;
      j["integration"] = n.integration;
      j["integration_index"] = n.integration_index;
      j["status"] = n.status;
      j["group_key"] = n.group_key;
      j["group_labels"] = labels_json(n.group_labels);
      ojson f = ojson::array(), rs = ojson::array();
      for (const auto& a : n.firing) f.push_back(alert_json(a));
      for (const auto& a : n.resolved) rs.push_back(alert_json(a));
      j["firing"] = std::move(f);
      j["resolved"] = std::move(rs);
      ojson fields = ojson::object();
      for (const auto& [k, v] : n.fields) fields[k] = v;
      j["fields"] = std::move(fields);
      j["payload"] = n.payload;
      j["template_error"] = n.template_error.empty() ? ojson(nullptr) : ojson(n.template_error);
      ns.push_back(std::move(j));
    }
    root["notifications"] = std::move(ns);
  }
  return root.dump(2) + "\n";
}

std::string format_junit(const BacktestResult& r, Timestamp base, FailOn fail_on,
                         const std::string& expect_file, const std::string& expect_diff) {
  struct Case {
    std::string classname, name, failure, error;
  };
  std::vector<Case> cases;
  for (const auto& s : r.rules) {
    if (!s.alerting) continue;
    Case c{s.file + "." + s.group, s.name, "", ""};
    std::string detail;
    bool pending = false, fired = false;
    for (const auto& e : r.alerts) {
      if (e.file != s.file || e.group != s.group || e.rule != s.name) continue;
      pending = true;
      fired = fired || e.fired();
      detail += episode_line(e.labels, e.pending_at, e.firing_at, e.resolved_at, base) + "\n";
    }
    if ((fail_on == FailOn::kFiring && fired) || (fail_on == FailOn::kPending && pending)) {
      c.failure = detail;
    }
    if (s.failures > 0) {
      c.error = std::to_string(s.failures) + " evaluations failed; first at " +
                offset(s.first_error_at, base) + ": " + s.first_error;
    }
    cases.push_back(std::move(c));
  }
  if (!expect_file.empty()) cases.push_back({"expect", expect_file, expect_diff, ""});
  int failures = 0, errors = 0;
  for (const auto& c : cases) {
    failures += c.failure.empty() ? 0 : 1;
    errors += c.error.empty() ? 0 : 1;
  }
  std::ostringstream os;
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  os << "<testsuites>\n  <testsuite name=\"tocsin eval\" tests=\"" << cases.size()
     << "\" failures=\"" << failures << "\" errors=\"" << errors << "\">\n";
  for (const auto& c : cases) {
    os << "    <testcase classname=\"" << xml_escape(c.classname) << "\" name=\""
       << xml_escape(c.name) << "\"";
    if (c.failure.empty() && c.error.empty()) {
      os << "/>\n";
      continue;
    }
    os << ">\n";
    if (!c.failure.empty()) {
      os << "      <failure message=\""
         << (c.classname == "expect" ? "timeline differs from the expected one"
                                     : "alert became active (--fail-on)")
         << "\">" << xml_escape(c.failure) << "</failure>\n";
    }
    if (!c.error.empty()) {
      os << "      <error message=\"rule evaluation failed\">" << xml_escape(c.error)
         << "</error>\n";
    }
    os << "    </testcase>\n";
  }
  os << "  </testsuite>\n</testsuites>\n";
  return os.str();
}

std::vector<std::string> timeline_lines(const BacktestResult& r, Timestamp base,
                                        bool with_changes) {
  std::vector<std::vector<std::string>> blocks;
  for (const auto& e : r.alerts) {
    std::vector<std::string> b{episode_line(e.labels, e.pending_at, e.firing_at, e.resolved_at, base)};
    if (with_changes) {
      for (const auto& c : e.changes) b.push_back(change_line(c.at, c.state, c.value, base));
    }
    blocks.push_back(std::move(b));
  }
  return flatten_sorted(std::move(blocks));
}

Result<ExpectedTimeline> load_expected(const std::string& path, Timestamp base) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return not_found(path + ": cannot read the expected timeline");
  std::stringstream ss;
  ss << f.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(ss.str());
  } catch (const YAML::Exception& e) {
    return invalid_argument(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  auto where = [&](const YAML::Node& n) {
    return path + (n.Mark().line >= 0 ? ":" + std::to_string(n.Mark().line + 1) : "");
  };
  if (!root.IsMap() || !root["alerts"] || !(root["alerts"].IsSequence() || root["alerts"].IsNull())) {
    return invalid_argument(path + ": expected a mapping with an `alerts` list");
  }
  auto time_of = [&](const YAML::Node& n, const char* key,
                     bool required) -> Result<std::optional<Timestamp>> {
    YAML::Node v = n[key];
    if (!v || v.IsNull()) {
      if (required) return invalid_argument(where(n) + ": " + key + " is required");
      return std::optional<Timestamp>();
    }
    if (!v.IsScalar()) return invalid_argument(where(v) + ": " + key + ": not a time");
    auto t = parse_eval_time(v.Scalar(), base);
    if (!t) {
      return invalid_argument(where(v) + ": " + key + ": \"" + v.Scalar() +
                              "\" is not RFC 3339, Unix seconds or a duration");
    }
    return std::optional<Timestamp>(*t);
  };
  ExpectedTimeline out;
  std::vector<std::vector<std::string>> blocks;
  for (const auto& a : root["alerts"]) {
    if (a["changes"]) out.with_changes = true;
  }
  for (const auto& a : root["alerts"]) {
    if (!a.IsMap()) return invalid_argument(where(a) + ": an alert must be a mapping");
    YAML::Node ln = a["labels"];
    if (!ln || !ln.IsMap()) return invalid_argument(where(a) + ": labels (a mapping) is required");
    std::vector<Label> ls;
    for (const auto& kv : ln) ls.push_back({kv.first.Scalar(), kv.second.Scalar()});
    Labels labels = Labels::from_unsorted(std::move(ls));
    auto pending = time_of(a, "pending_at", true);
    if (!pending) return tl::unexpected(pending.error());
    auto firing = time_of(a, "firing_at", false);
    if (!firing) return tl::unexpected(firing.error());
    auto resolved = time_of(a, "resolved_at", false);
    if (!resolved) return tl::unexpected(resolved.error());
    std::vector<std::string> b{episode_line(labels, **pending, *firing, *resolved, base)};
    if (out.with_changes && a["changes"]) {
      if (!a["changes"].IsSequence()) return invalid_argument(where(a) + ": changes: expected a list");
      for (const auto& c : a["changes"]) {
        auto at = time_of(c, "at", true);
        if (!at) return tl::unexpected(at.error());
        std::string state = c["state"] && c["state"].IsScalar() ? c["state"].Scalar() : "";
        std::optional<double> v;
        if (c["value"] && !c["value"].IsNull()) {
          std::string s = c["value"].Scalar();
          char* end = nullptr;
          double d = std::strtod(s.c_str(), &end);
          if (end != s.c_str() + s.size()) {
            return invalid_argument(where(c["value"]) + ": value: \"" + s + "\" is not a number");
          }
          v = d;
        }
        b.push_back(change_line(**at, state, v, base));
      }
    }
    blocks.push_back(std::move(b));
  }
  out.lines = flatten_sorted(std::move(blocks));
  return out;
}

std::string diff_lines(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a == b) return "";
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::string out = "--- expected\n+++ got\n";
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      out += "  " + a[i] + "\n";
      ++i, ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out += "- " + a[i++] + "\n";
    } else {
      out += "+ " + b[j++] + "\n";
    }
  }
  return out;
}

}  // namespace tocsin::app::eval
