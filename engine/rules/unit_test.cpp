#include "engine/rules/unit_test.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include "engine/rules/group.h"
#include "engine/rules/rule_file.h"
#include "engine/promql/series_values.h"
#include "engine/storage/head.h"
#include "parser/promql/parse.h"

namespace tocsin::rules {

namespace {

// ---- the test file ----

struct ExpAlert {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

struct AlertTest {
  Duration eval_time = 0;
  std::string alertname;
  std::vector<ExpAlert> exp_alerts;
  std::optional<bool> subset;
};

struct ExpSample {
  std::string labels;
  double value = 0;
  bool histogram = false;
};

struct PromqlTest {
  std::string expr;
  Duration eval_time = 0;
  std::vector<ExpSample> exp_samples;
};

struct InputSeries {
  std::string series;
  std::string values;
};

struct TestGroup {
  std::string name;
  Duration interval = 0;
  Timestamp start = 0;
  std::vector<InputSeries> input_series;
  std::vector<AlertTest> alert_tests;
  std::vector<PromqlTest> promql_tests;
  Labels external_labels;
  std::string external_url;
  bool subset = false;
  YAML::Node notification_tests;  // tocsin extension; run by TestRulesOptions' hook
};

struct TestFile {
  std::vector<std::string> rule_files;
  Duration evaluation_interval = kMinute;
  std::vector<std::string> group_eval_order;
  bool fuzzy_compare = false;
  std::vector<TestGroup> tests;
};

// Strict decoding of the test file, collecting errors with positions.
class Decoder {
 public:
  explicit Decoder(std::string file) : file_(std::move(file)) {}
  std::vector<std::string> errors;

  void fail(const YAML::Node& n, const std::string& msg) {
    YAML::Mark m = n.Mark();
    std::string pos = m.line >= 0 ? ":" + std::to_string(m.line + 1) + ":" +
                                        std::to_string(m.column + 1)
                                  : "";
    errors.push_back(file_ + pos + ": " + msg);
  }

  bool map(const YAML::Node& n, std::initializer_list<std::string_view> known,
           std::string_view type) {
    if (!n.IsMap()) {
      if (!n.IsNull()) fail(n, "cannot unmarshal into " + std::string(type) + ": not a mapping");
      return false;
    }
    std::set<std::string> seen;
    for (const auto& kv : n) {
      std::string k = kv.first.Scalar();
      if (!seen.insert(k).second) fail(kv.first, "mapping key \"" + k + "\" already defined");
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        fail(kv.first, "field " + k + " not found in type " + std::string(type));
      }
    }
    return true;
  }

  std::string str(const YAML::Node& n) {
    if (!n || n.IsNull()) return "";
    if (!n.IsScalar()) {
      fail(n, "cannot unmarshal a non-scalar into string");
      return "";
    }
    return n.Scalar();
  }

  Duration duration(const YAML::Node& n) {
    std::string s = str(n);
    if (s.empty()) return 0;
    auto d = parse_duration(s);
    if (!d) fail(n, "not a valid duration string: \"" + s + "\"");
    return d.value_or(0);
  }

  bool boolean(const YAML::Node& n) {
    std::string s = str(n);
    if (s.empty() || s == "false") return false;
    if (s == "true") return true;
    fail(n, "cannot unmarshal !!str `" + s + "` into bool");
    return false;
  }

  double number(const YAML::Node& n) {
    std::string s = str(n);
    if (s.empty()) return 0;
    std::string l = s;
    std::transform(l.begin(), l.end(), l.begin(), ::tolower);
    if (l == ".nan" || l == "nan") return std::nan("");
    if (l == ".inf" || l == "+.inf" || l == "inf" || l == "+inf") return INFINITY;
    if (l == "-.inf" || l == "-inf") return -INFINITY;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) fail(n, "cannot unmarshal !!str `" + s + "` into float64");
    return v;
  }

  std::map<std::string, std::string> string_map(const YAML::Node& n) {
    std::map<std::string, std::string> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsMap()) {
      fail(n, "cannot unmarshal into map[string]string");
      return out;
    }
    for (const auto& kv : n) out[kv.first.Scalar()] = str(kv.second);
    return out;
  }

  std::optional<bool> match_mode(const YAML::Node& n) {
    if (!n || n.IsNull()) return std::nullopt;
    std::string s = str(n);
    if (s == "subset") return true;
    if (s == "exact") return false;
    fail(n, "match must be \"exact\" or \"subset\", got \"" + s + "\"");
    return std::nullopt;
  }

  Timestamp start_timestamp(const YAML::Node& n) {
    std::string s = str(n);
    if (s.empty()) return 0;
    if (auto t = parse_rfc3339(s)) return *t;
    char* end = nullptr;
    double secs = std::strtod(s.c_str(), &end);
    if (end == s.c_str() + s.size()) return static_cast<Timestamp>(std::llround(secs * 1000));
    fail(n, "start_timestamp: \"" + s + "\" is neither RFC 3339 nor Unix seconds");
    return 0;
  }

  TestFile file(const YAML::Node& root) {
    TestFile f;
    if (!map(root, {"rule_files", "evaluation_interval", "group_eval_order", "tests",
                    "fuzzy_compare"},
             "unitTestFile")) {
      return f;
    }
    for (const auto& r : seq(root["rule_files"])) f.rule_files.push_back(str(r));
    if (auto d = duration(root["evaluation_interval"]); d > 0) f.evaluation_interval = d;
    for (const auto& g : seq(root["group_eval_order"])) f.group_eval_order.push_back(str(g));
    f.fuzzy_compare = boolean(root["fuzzy_compare"]);
    for (const auto& t : seq(root["tests"])) f.tests.push_back(group(t));
    return f;
  }

  std::vector<YAML::Node> seq(const YAML::Node& n) {
    std::vector<YAML::Node> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsSequence()) {
      fail(n, "cannot unmarshal into a list");
      return out;
    }
    for (const auto& e : n) out.push_back(e);
    return out;
  }

  TestGroup group(const YAML::Node& n) {
    TestGroup g;
    if (!map(n, {"name", "interval", "input_series", "alert_rule_test", "promql_expr_test",
                 "external_labels", "external_url", "start_timestamp", "match",
                 "notification_tests"},
             "testGroup")) {
      return g;
    }
    g.name = str(n["name"]);
    g.interval = duration(n["interval"]);
    g.start = start_timestamp(n["start_timestamp"]);
    g.subset = match_mode(n["match"]).value_or(false);
    g.external_url = str(n["external_url"]);
    if (n["notification_tests"] && !n["notification_tests"].IsNull()) {
      if (!n["notification_tests"].IsSequence()) {
        fail(n["notification_tests"], "notification_tests: cannot unmarshal into a list");
      } else {
        g.notification_tests = n["notification_tests"];
      }
    }
    std::vector<Label> ext;
    for (const auto& [k, v] : string_map(n["external_labels"])) ext.push_back({k, v});
    g.external_labels = Labels::from_unsorted(std::move(ext));
    for (const auto& s : seq(n["input_series"])) {
      if (!map(s, {"series", "values"}, "series")) continue;
      g.input_series.push_back({str(s["series"]), str(s["values"])});
    }
    for (const auto& a : seq(n["alert_rule_test"])) {
      AlertTest t;
      if (!map(a, {"eval_time", "alertname", "exp_alerts", "match"}, "alertTestCase")) continue;
      t.eval_time = duration(a["eval_time"]);
      t.alertname = str(a["alertname"]);
      t.subset = match_mode(a["match"]);
      for (const auto& e : seq(a["exp_alerts"])) {
        ExpAlert x;
        if (!e.IsNull() && map(e, {"exp_labels", "exp_annotations"}, "alert")) {
          x.labels = string_map(e["exp_labels"]);
          x.annotations = string_map(e["exp_annotations"]);
        }
        t.exp_alerts.push_back(std::move(x));
      }
      g.alert_tests.push_back(std::move(t));
    }
    for (const auto& p : seq(n["promql_expr_test"])) {
      PromqlTest t;
      if (!map(p, {"expr", "eval_time", "exp_samples"}, "promqlTestCase")) continue;
      t.expr = str(p["expr"]);
      t.eval_time = duration(p["eval_time"]);
      for (const auto& s : seq(p["exp_samples"])) {
        ExpSample x;
        if (map(s, {"labels", "value", "histogram"}, "sample")) {
          x.labels = str(s["labels"]);
          x.value = number(s["value"]);
          x.histogram = s["histogram"] && !s["histogram"].IsNull();
        }
        t.exp_samples.push_back(std::move(x));
      }
      g.promql_tests.push_back(std::move(t));
    }
    return g;
  }

 private:
  std::string file_;
};

// ---- formatting as promtool prints ----

// Go's strconv.FormatFloat(v, 'E', -1, 64).
std::string format_go_e(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  for (int prec = 0; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*E", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string indent_lines(const std::string& s, const std::string& indent) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    out += s[i];
    if (s[i] == '\n' && i + 1 <= s.size()) out += indent;
  }
  return out;
}

Labels labels_from_map(const std::map<std::string, std::string>& m) {
  std::vector<Label> ls;
  for (const auto& [k, v] : m) ls.push_back({k, v});
  return Labels::from_unsorted(std::move(ls));
}

struct LabelsAndAnnotations {
  Labels labels;
  Labels annotations;
  std::string to_string() const {
    return "Labels:" + labels.to_braces() + "\nAnnotations:" + annotations.to_braces();
  }
  friend auto operator<=>(const LabelsAndAnnotations&, const LabelsAndAnnotations&) = default;
  friend bool operator==(const LabelsAndAnnotations&, const LabelsAndAnnotations&) = default;
};

std::string alerts_string(const std::vector<LabelsAndAnnotations>& v) {
  if (v.empty()) return "[]";
  std::string s = "[\n0:" + indent_lines("\n" + v[0].to_string(), "  ");
  for (size_t i = 1; i < v.size(); ++i) {
    s += ",\n" + std::to_string(i) + ":" + indent_lines("\n" + v[i].to_string(), "  ");
  }
  return s + "\n]";
}

struct ParsedSample {
  Labels labels;
  double value = 0;
  std::string to_string() const { return labels.to_braces() + " " + format_go_e(value); }
};

std::string samples_string(const std::vector<ParsedSample>& v) {
  if (v.empty()) return "nil";
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i].to_string();
  return s;
}

}  // namespace

std::string test_line_diff(const std::string& exp, const std::string& got) {
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  };
  auto a = split(exp), b = split(got);
  std::multiset<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  std::string out;
  for (const auto& l : a) {
    if (auto it = sb.find(l); it != sb.end()) {
      sb.erase(it);
    } else {
      out += "        - " + l + "\n";
    }
  }
  for (const auto& l : b) {
    if (auto it = sa.find(l); it != sa.end()) {
      sa.erase(it);
    } else {
      out += "        + " + l + "\n";
    }
  }
  return out;
}

namespace {

std::string line_diff(const std::string& exp, const std::string& got) {
  return test_line_diff(exp, got);
}

bool values_equal(double exp, double got, bool fuzzy) {
  if (std::isnan(exp) && std::isnan(got)) return true;
  if (exp == got) return true;
  return fuzzy && std::nextafter(exp, got) == got;
}

bool annotation_matches(const std::string& exp, const std::string& got) {
  return test_value_matches(exp, got);
}

}  // namespace

bool test_value_matches(const std::string& exp, const std::string& got) {
  if (exp.size() >= 3 && exp[0] == '~' && exp[1] == '"' && exp.back() == '"') {
    RE2 re("^(?:" + exp.substr(2, exp.size() - 3) + ")$", RE2::Quiet);
    return re.ok() && RE2::FullMatch(got, re);
  }
  return exp == got;
}

namespace {

bool alert_matches(const ExpAlert& exp, const std::string& alertname,
                   const LabelsAndAnnotations& got, bool subset) {
  std::map<std::string, std::string> want = exp.labels;
  want["alertname"] = alertname;
  for (auto it = want.begin(); it != want.end();) {  // empty values are absent labels
    it = it->second.empty() ? want.erase(it) : std::next(it);
  }
  if (!subset && want.size() != got.labels.size()) return false;
  for (const auto& [k, v] : want) {
    if (!got.labels.has(k) || got.labels.get(k) != v) return false;
  }
  size_t want_annotations = 0;
  for (const auto& [k, v] : exp.annotations) {
    if (v.empty()) continue;
    ++want_annotations;
    if (!got.annotations.has(k) || !annotation_matches(v, std::string(got.annotations.get(k)))) {
      return false;
    }
  }
  return subset || want_annotations == got.annotations.size();
}

// ---- running one test group ----

class GroupRunner {
 public:
  GroupRunner(const TestFile& file, const TestGroup& tg, const std::vector<RuleFile>& rule_files,
              const TestRulesOptions& options)
      : file_(file), tg_(tg), rule_files_(rule_files), options_(options) {}

  std::vector<std::string> run() {
    std::vector<std::string> errs;
    const Duration eval_interval = file_.evaluation_interval;
    const Duration interval = tg_.interval > 0 ? tg_.interval : eval_interval;
    const Timestamp mint = tg_.start;

    // Input series.
    for (const auto& s : tg_.input_series) {
      auto labels = promql::parse_series_labels(s.series);
      if (!labels) {
        errs.push_back("    series: " + go_quote(s.series) + ": " + labels.error().message);
        continue;
      }
      auto values = promql::parse_series_values(s.values);
      if (!values) {
        errs.push_back("    series: " + go_quote(s.series) + ": " + values.error().message);
        continue;
      }
      inputs_.push_back({*labels, std::move(*values), 0});
    }
    for (const auto& p : tg_.promql_tests) {
      for (const auto& s : p.exp_samples) {
        if (s.histogram) {
          errs.push_back("    expr: " + go_quote(p.expr) +
                         ": not supported: native histograms in exp_samples");
          break;
        }
      }
    }
    for (const auto& a : tg_.alert_tests) {
      if (a.alertname.empty()) {
        errs.push_back("an item under alert_rule_test misses required attribute alertname at "
                       "eval_time " + format_duration(a.eval_time) +
                       (tg_.name.empty() ? "" : " (in TestGroup " + tg_.name + ")"));
      }
    }
    if (!errs.empty()) return errs;

    // Rule groups, ordered by group_eval_order (unlisted groups rank with the first).
    std::map<std::string, int> order;
    for (size_t i = 0; i < file_.group_eval_order.size(); ++i) {
      order.emplace(file_.group_eval_order[i], static_cast<int>(i));
    }
    GroupOptions go;
    go.eval.default_subquery_step = eval_interval;
    go.eval.compat_prometheus2 = options_.compat_prometheus2;
    go.external_labels = tg_.external_labels;
    go.external_url = tg_.external_url;
    for (const auto& rf : rule_files_) {
      for (const auto& g : rf.groups) {
        GroupOptions o = go;
        o.interval = g.interval > 0 ? g.interval : interval;
        groups_.push_back(std::make_unique<Group>(g, o));
      }
    }
    std::stable_sort(groups_.begin(), groups_.end(), [&](const auto& a, const auto& b) {
      auto ra = order.count(a->name()) ? order[a->name()] : 0;
      auto rb = order.count(b->name()) ? order[b->name()] : 0;
      return ra < rb;
    });

    Duration max_eval = 0;
    for (const auto& a : tg_.alert_tests) max_eval = std::max(max_eval, a.eval_time);
    for (const auto& p : tg_.promql_tests) max_eval = std::max(max_eval, p.eval_time);
    const Timestamp maxt = mint + max_eval;

    std::vector<Duration> alert_times;
    for (const auto& a : tg_.alert_tests) alert_times.push_back(a.eval_time);
    std::sort(alert_times.begin(), alert_times.end());
    alert_times.erase(std::unique(alert_times.begin(), alert_times.end()), alert_times.end());
    size_t curr = 0;

    RuleStorage st{&head_, [this] { return head_.appender(); }};
    for (Timestamp ts = mint; ts <= maxt; ts += eval_interval) {
      load_until(ts, interval, mint);
      std::vector<std::string> eval_errs;
      for (auto& g : groups_) {
        auto r = g->eval(ts, st);
        for (const auto& [rule, msg] : r.errors) {
          eval_errs.push_back("    rule: " + rule->name() + ", time: " +
                              format_duration(ts - mint) + ", err: " + msg);
        }
      }
      if (!eval_errs.empty()) {
        errs.insert(errs.end(), eval_errs.begin(), eval_errs.end());
        return errs;
      }
      while (curr < alert_times.size() && ts - mint <= alert_times[curr] &&
             alert_times[curr] < ts - mint + eval_interval) {
        check_alerts(alert_times[curr], errs);
        ++curr;
      }
      if (eval_interval <= 0) break;
    }
    load_until(maxt, interval, mint);

    for (const auto& p : tg_.promql_tests) check_promql(p, mint, eval_interval, errs);
    return errs;
  }

 private:
  struct Input {
    Labels labels;
    std::vector<promql::SeriesValue> values;
    size_t next = 0;
  };

  void load_until(Timestamp ts, Duration interval, Timestamp mint) {
    auto app = head_.appender();
    bool any = false;
    for (auto& in : inputs_) {
      while (in.next < in.values.size() &&
             mint + static_cast<Timestamp>(in.next) * interval <= ts) {
        const promql::SeriesValue& v = in.values[in.next];
        if (!v.omitted) {
          app->add(in.labels, mint + static_cast<Timestamp>(in.next) * interval, v.v);
          any = true;
        }
        ++in.next;
      }
    }
    if (any) {
      (void)app->commit();
    } else {
      app->rollback();
    }
  }

  void check_alerts(Duration t, std::vector<std::string>& errs) {
    std::set<std::string> names;
    for (const auto& a : tg_.alert_tests) {
      if (a.eval_time == t) names.insert(a.alertname);
    }
    std::map<std::string, std::vector<LabelsAndAnnotations>> got;
    for (const auto& g : groups_) {
      for (const auto& r : g->rules()) {
        auto* ar = dynamic_cast<const AlertingRule*>(r.get());
        if (!ar || !names.count(ar->name())) continue;
        auto& list = got[ar->name()];
        for (const auto& a : ar->active_alerts()) {
          if (a.state != AlertState::kFiring) continue;
          list.push_back({a.labels, labels_from_map(a.annotations)});
        }
      }
    }
    for (const auto& test : tg_.alert_tests) {
      if (test.eval_time != t) continue;
      std::vector<LabelsAndAnnotations> g = got[test.alertname];
      std::sort(g.begin(), g.end());
      const bool subset = test.subset.value_or(tg_.subset);
      bool ok = g.size() == test.exp_alerts.size();
      std::vector<bool> used(g.size(), false);
      for (const auto& e : test.exp_alerts) {
        if (!ok) break;
        bool found = false;
        for (size_t i = 0; i < g.size() && !found; ++i) {
          if (!used[i] && alert_matches(e, test.alertname, g[i], subset)) {
            used[i] = found = true;
          }
        }
        ok = found;
      }
      if (ok) continue;
      std::vector<LabelsAndAnnotations> exp;
      for (const auto& e : test.exp_alerts) {
        auto l = e.labels;
        l["alertname"] = test.alertname;
        exp.push_back({labels_from_map(l), labels_from_map(e.annotations)});
      }
      std::sort(exp.begin(), exp.end());
      std::string name = tg_.name.empty() ? "" : "    name: " + tg_.name + ",\n";
      std::string exp_s = alerts_string(exp), got_s = alerts_string(g);
      std::string msg = name + "    alertname: " + test.alertname + ", time: " +
                        format_duration(test.eval_time) + ", \n        exp:" +
                        indent_lines(exp_s, "            ") + ", \n        got:" +
                        indent_lines(got_s, "            ");
      if (options_.diff) msg += "\n        diff:\n" + line_diff(exp_s, got_s);
      errs.push_back(std::move(msg));
    }
  }

  void check_promql(const PromqlTest& p, Timestamp mint, Duration eval_interval,
                    std::vector<std::string>& errs) {
    const std::string head = "    expr: " + go_quote(p.expr) + ", time: " +
                             format_duration(p.eval_time);
    auto expr = promql::parse_expr(p.expr);
    if (!expr) {
      errs.push_back(head + ", err: " + expr.error().to_string());
      return;
    }
    promql::EvalOptions eo;
    eo.default_subquery_step = eval_interval;
    eo.compat_prometheus2 = options_.compat_prometheus2;
    auto r = promql::evaluate_instant(**expr, head_, mint + p.eval_time, eo);
    if (!r) {
      errs.push_back(head + ", err: " + r.error().message);
      return;
    }
    std::vector<ParsedSample> got;
    if (auto* v = std::get_if<promql::Vector>(&r->value)) {
      for (const auto& s : *v) got.push_back({s.metric, s.v});
    } else if (auto* s = std::get_if<promql::Scalar>(&r->value)) {
      got.push_back({Labels{}, s->v});
    } else {
      errs.push_back(head + ", err: rule result is not a vector or scalar");
      return;
    }
    std::vector<ParsedSample> exp;
    for (const auto& s : p.exp_samples) {
      auto l = promql::parse_series_labels(s.labels);
      if (!l) {
        errs.push_back(head + ", err: labels " + go_quote(s.labels) + ": " + l.error().message);
        return;
      }
      exp.push_back({*l, s.value});
    }
    auto by_labels = [](const ParsedSample& a, const ParsedSample& b) {
      return a.labels < b.labels;
    };
    std::stable_sort(exp.begin(), exp.end(), by_labels);
    std::stable_sort(got.begin(), got.end(), by_labels);
    bool ok = exp.size() == got.size();
    for (size_t i = 0; ok && i < exp.size(); ++i) {
      ok = exp[i].labels == got[i].labels &&
           values_equal(exp[i].value, got[i].value, file_.fuzzy_compare);
    }
    if (ok) return;
    std::string msg = head + ",\n        exp: " + samples_string(exp) + "\n        got: " +
                      samples_string(got);
    if (options_.diff) {
      auto lines = [](const std::vector<ParsedSample>& v) {
        std::string s;
        for (const auto& x : v) s += x.to_string() + "\n";
        return s;
      };
      msg += "\n        diff:\n" + line_diff(lines(exp), lines(got));
    }
    errs.push_back(std::move(msg));
  }

  const TestFile& file_;
  const TestGroup& tg_;
  const std::vector<RuleFile>& rule_files_;
  const TestRulesOptions& options_;
  storage::Head head_;
  std::vector<Input> inputs_;
  std::vector<std::unique_ptr<Group>> groups_;
};

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

struct JunitCase {
  std::string name;
  std::vector<std::string> failures;
};
struct JunitSuite {
  std::string name;
  std::vector<JunitCase> cases;
};

std::string junit_xml(const std::vector<JunitSuite>& suites) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  for (const auto& s : suites) {
    int failures = 0;
    for (const auto& c : s.cases) failures += c.failures.empty() ? 0 : 1;
    x += "  <testsuite name=\"" + xml_escape(s.name) + "\" tests=\"" +
         std::to_string(s.cases.size()) + "\" failures=\"" + std::to_string(failures) + "\">\n";
    for (const auto& c : s.cases) {
      x += "    <testcase name=\"" + xml_escape(c.name) + "\">";
      for (const auto& f : c.failures) {
        x += "\n      <failure message=\"" + xml_escape(f) + "\"></failure>";
      }
      x += c.failures.empty() ? "</testcase>\n" : "\n    </testcase>\n";
    }
    x += "  </testsuite>\n";
  }
  return x + "</testsuites>\n";
}

// Runs one test file; returns its errors (empty = success).
std::vector<std::string> run_file(const std::string& path, const TestRulesOptions& options,
                                  const RE2* run, TestRulesCounts& counts, JunitSuite& suite) {
  auto text = read_rule_source(path);
  if (!text) {
    ++counts.failed;
    return {text.error().message};
  }
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    ++counts.failed;
    return {path + ":" + std::to_string(e.mark.line + 1) + ":" +
            std::to_string(e.mark.column + 1) + ": " + e.msg};
  }
  Decoder dec(path);
  TestFile tf = dec.file(root);
  if (!dec.errors.empty()) {
    ++counts.failed;
    return dec.errors;
  }
  std::set<std::string> seen_order;
  for (const auto& g : tf.group_eval_order) {
    if (!seen_order.insert(g).second) {
      ++counts.failed;
      return {"group name repeated in evaluation order: " + g};
    }
  }
  // Rule files are relative to the test file and may be globs.
  std::filesystem::path base = std::filesystem::path(path).parent_path();
  std::vector<std::string> patterns;
  for (const auto& rf : tf.rule_files) {
    if (rf.empty()) continue;
    bool absolute = rf.front() == '/' || rf.rfind(std::string(kBuiltinDir) + "/", 0) == 0;
    std::string p = absolute ? rf : (base / rf).string();
    // Built-in test files name their rule files relative to "<builtin>/".
    if (!absolute && path.rfind(std::string(kBuiltinDir) + "/", 0) == 0) {
      p = std::string(kBuiltinDir) + "/" + rf;
    }
    patterns.push_back(p);
  }
  std::vector<std::string> rule_paths = expand_rule_globs(patterns);
  std::vector<RuleFile> rule_files;
  std::vector<std::string> rule_errors;
  RuleFileOptions rfo;
  rfo.ignore_unknown_fields = options.ignore_unknown_fields;
  for (const auto& p : rule_paths) {
    auto rf = load_rule_file(p, rfo);
    if (!rf) {
      for (const auto& e : rf.error()) rule_errors.push_back(e.to_string());
    } else {
      rule_files.push_back(std::move(*rf));
    }
  }

  std::vector<std::string> errs;
  int index = 0;
  for (const auto& tg : tf.tests) {
    ++index;
    std::string name = tg.name.empty() ? "unnamed#" + std::to_string(index - 1) : tg.name;
    if (run && !RE2::PartialMatch(tg.name, *run)) continue;
    std::vector<std::string> group_errs;
    if (!rule_errors.empty()) {
      group_errs = rule_errors;
    } else {
      group_errs = GroupRunner(tf, tg, rule_files, options).run();
      if (tg.notification_tests.IsSequence()) {
        if (!options.notification_tests) {
          group_errs.push_back("    notification_tests: not supported by this runner (run the "
                               "file with `tocsin test rules`)");
        } else {
          TestGroupContext ctx;
          ctx.test_file = path;
          ctx.group_name = tg.name;
          ctx.rule_files = rule_paths;
          ctx.evaluation_interval = tf.evaluation_interval;
          ctx.interval = tg.interval > 0 ? tg.interval : tf.evaluation_interval;
          ctx.start = tg.start;
          for (const auto& s : tg.input_series) ctx.input_series.emplace_back(s.series, s.values);
          ctx.external_labels = tg.external_labels;
          ctx.external_url = tg.external_url;
          ctx.group_eval_order = tf.group_eval_order;
          ctx.subset = tg.subset;
          ctx.options = &options;
          auto more = options.notification_tests(ctx, tg.notification_tests);
          group_errs.insert(group_errs.end(), more.begin(), more.end());
        }
      }
    }
    suite.cases.push_back({name, group_errs});
    if (group_errs.empty()) {
      ++counts.passed;
    } else {
      ++counts.failed;
      errs.insert(errs.end(), group_errs.begin(), group_errs.end());
    }
  }
  return errs;
}

}  // namespace

int test_rules(const std::vector<std::string>& files, const TestRulesOptions& options,
               std::ostream& out, std::ostream& err, TestRulesCounts* counts_out) {
  std::unique_ptr<RE2> run;
  if (!options.run.empty()) {
    std::string joined;
    for (const auto& r : options.run) joined += (joined.empty() ? "" : "|") + r;
    run = std::make_unique<RE2>(joined, RE2::Quiet);
    if (!run->ok()) {
      err << "invalid --run regular expression: " << run->error() << "\n";
      return 2;
    }
  }
  TestRulesCounts counts;
  std::vector<JunitSuite> suites;
  bool failed = false;
  for (const auto& f : files) {
    out << "Unit Testing:  " << f << "\n";
    JunitSuite suite{f, {}};
    auto errs = run_file(f, options, run.get(), counts, suite);
    suite.name = f;
    if (!errs.empty()) {
      failed = true;
      out.flush();
      err << "  FAILED:\n";
      for (const auto& e : errs) err << e << "\n\n";
      err.flush();
    } else {
      out << "  SUCCESS\n";
    }
    out << "\n";
    suites.push_back(std::move(suite));
  }
  if (!options.junit_file.empty()) {
    std::ofstream j(options.junit_file);
    j << junit_xml(suites);
    if (!j) {
      err << "cannot write JUnit report " << options.junit_file << "\n";
      failed = true;
    }
  }
  out << counts.passed << " passed, " << counts.failed << " failed\n";
  if (counts_out) *counts_out = counts;
  return failed ? 1 : 0;
}

}  // namespace tocsin::rules
