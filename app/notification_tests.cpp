#include "app/notification_tests.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include <yaml-cpp/yaml.h>

#include "app/eval/backtest.h"
#include "app/eval/series_input.h"
#include "engine/config/load.h"
#include "engine/promql/series_values.h"
#include "parser/matchers/parse.h"

namespace tocsin::app {
namespace {

using StringMap = std::map<std::string, std::string>;

// ---- the section ----

struct ExpNotification {
  std::string receiver;
  std::optional<StringMap> group_labels;
  std::string status;  // "" = any
  std::optional<std::vector<StringMap>> alerts;
  std::optional<std::vector<StringMap>> resolved_alerts;
  std::vector<std::pair<std::string, std::string>> fields;  // (key, expected value)
};

struct NotificationTest {
  Duration eval_time = 0;
  Duration since = 0;
  std::optional<config::Config> config;
  std::vector<dispatch::Silence> silences;
  std::optional<bool> subset;
  std::vector<ExpNotification> exp;
};

// Strict decoding; errors name file:line:column and the item.
class Decoder {
 public:
  Decoder(const rules::TestGroupContext& ctx) : ctx_(ctx) {}
  std::vector<std::string> errors;

  void fail(const YAML::Node& n, const std::string& msg) {
    // A missing key is an invalid node, whose Mark() throws.
    const YAML::Mark m = n.IsDefined() ? n.Mark() : YAML::Mark::null_mark();
    std::string pos = m.line >= 0 ? ":" + std::to_string(m.line + 1) + ":" +
                                        std::to_string(m.column + 1)
                                  : "";
    errors.push_back("    " + ctx_.test_file + pos + ": " + where_ + msg);
  }

  bool map(const YAML::Node& n, std::initializer_list<std::string_view> known,
           std::string_view type) {
    if (!n.IsMap()) {
      fail(n, std::string(type) + " must be a mapping");
      return false;
    }
    std::set<std::string> seen;
    bool ok = true;
    for (const auto& kv : n) {
      const std::string k = kv.first.Scalar();
      if (!seen.insert(k).second) {
        fail(kv.first, "mapping key \"" + k + "\" already defined");
        ok = false;
      }
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        fail(kv.first, "field " + k + " not found in " + std::string(type));
        ok = false;
      }
    }
    return ok;
  }

  std::string str(const YAML::Node& n, const char* what) {
    if (!n || n.IsNull()) return "";
    if (!n.IsScalar()) {
      fail(n, std::string(what) + " must be a string");
      return "";
    }
    return n.Scalar();
  }

  StringMap string_map(const YAML::Node& n, const char* what) {
    StringMap out;
    if (!n || n.IsNull()) return out;
    if (!n.IsMap()) {
      fail(n, std::string(what) + " must be a mapping of strings");
      return out;
    }
    for (const auto& kv : n) out[kv.first.Scalar()] = str(kv.second, what);
    return out;
  }

  std::vector<YAML::Node> seq(const YAML::Node& n, const char* what) {
    std::vector<YAML::Node> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsSequence()) {
      fail(n, std::string(what) + " must be a list");
      return out;
    }
    for (const auto& e : n) out.push_back(e);
    return out;
  }

  Duration duration(const YAML::Node& n, const char* what) {
    const std::string s = str(n, what);
    if (s.empty()) return 0;
    auto d = parse_duration(s);
    if (!d) fail(n, std::string(what) + ": not a valid duration string: \"" + s + "\"");
    return d.value_or(0);
  }

  // A duration from the group's start, or RFC 3339.
  Timestamp time(const YAML::Node& n, const char* what, Timestamp dflt) {
    const std::string s = str(n, what);
    if (s.empty()) return dflt;
    if (auto d = parse_duration(s)) return ctx_.start + *d;
    if (auto t = parse_rfc3339(s)) return *t;
    fail(n, std::string(what) + ": \"" + s +
                "\" is neither a duration from the test group's start nor RFC 3339");
    return dflt;
  }

  std::optional<bool> match_mode(const YAML::Node& n) {
    const std::string s = str(n, "match");
    if (s.empty()) return std::nullopt;
    if (s == "subset") return true;
    if (s == "exact") return false;
    fail(n, "match must be \"exact\" or \"subset\", got \"" + s + "\"");
    return std::nullopt;
  }

  NotificationTest test(const YAML::Node& n, size_t index) {
    where_ = "notification_tests[" + std::to_string(index) + "]: ";
    NotificationTest t;
    if (!map(n, {"eval_time", "since", "config", "silences", "match", "exp_notifications"},
             "a notification test")) {
      return t;
    }
    if (!n["eval_time"]) fail(n, "eval_time is required");
    t.eval_time = duration(n["eval_time"], "eval_time");
    t.since = duration(n["since"], "since");
    t.subset = match_mode(n["match"]);
    t.config = load_config(n["config"], index);
    for (const auto& s : seq(n["silences"], "silences")) {
      if (auto x = silence(s)) t.silences.push_back(std::move(*x));
    }
    for (const auto& e : seq(n["exp_notifications"], "exp_notifications")) {
      t.exp.push_back(notification(e));
    }
    return t;
  }

 private:
  std::optional<config::Config> load_config(const YAML::Node& n, size_t index) {
    if (!n || n.IsNull()) {
      fail(n, "config is required (a file, or an inline alertmanager.yml mapping)");
      return std::nullopt;
    }
    const std::filesystem::path dir = std::filesystem::path(ctx_.test_file).parent_path();
    config::LoadResult r;
    if (n.IsScalar()) {
      std::filesystem::path p = n.Scalar();
      if (p.is_relative()) p = dir / p;
      r = config::load_config({p.string()});
    } else if (n.IsMap()) {
      YAML::Emitter e;
      e << n;
      // Relative paths in it (templates) resolve against the test file's directory.
      const std::string name =
          (dir / (std::filesystem::path(ctx_.test_file).filename().string() +
                  "#notification_tests[" + std::to_string(index) + "].config"))
              .string();
      r = config::load_config_from_string(e.c_str(), name);
    } else {
      fail(n, "config must be a file name or a mapping");
      return std::nullopt;
    }
    if (!r) {
      for (const auto& e : r.error()) fail(n, "config: " + e.to_string());
      return std::nullopt;
    }
    return std::move(*r);
  }

  std::optional<dispatch::Silence> silence(const YAML::Node& n) {
    if (!map(n, {"matchers", "startsAt", "endsAt", "createdBy", "comment"}, "a silence")) {
      return std::nullopt;
    }
    dispatch::Silence s;
    for (const auto& m : seq(n["matchers"], "matchers")) {
      if (m.IsScalar()) {
        auto x = matchers::parse_matcher(m.Scalar());
        if (!x) {
          fail(m, "matcher \"" + m.Scalar() + "\": " + x.error().message);
          continue;
        }
        s.matchers.push_back(std::move(*x));
        continue;
      }
      if (!map(m, {"name", "value", "isRegex", "isEqual"}, "a matcher")) continue;
      const bool regex = str(m["isRegex"], "isRegex") == "true";
      const bool equal = str(m["isEqual"], "isEqual") != "false";
      auto type = regex ? (equal ? matchers::MatchType::kRegex : matchers::MatchType::kNotRegex)
                        : (equal ? matchers::MatchType::kEqual : matchers::MatchType::kNotEqual);
      auto x = matchers::Matcher::make(type, str(m["name"], "name"), str(m["value"], "value"));
      if (!x) {
        fail(m, "matcher: " + x.error().message);
        continue;
      }
      s.matchers.push_back(std::move(*x));
    }
    if (s.matchers.empty()) fail(n, "a silence needs at least one matcher");
    s.starts_at = time(n["startsAt"], "startsAt", ctx_.start);
    // The silence store takes 0 for "unset": one starting at the epoch (a test group's default
    // start) starts 1 ms later — before any flush, which comes a group_wait after an alert.
    s.starts_at = std::max<Timestamp>(s.starts_at, 1);
    s.ends_at = time(n["endsAt"], "endsAt", ctx_.start + 100LL * 365 * 24 * kHour);
    s.created_by = str(n["createdBy"], "createdBy");
    if (s.created_by.empty()) s.created_by = "tocsin test rules";
    s.comment = str(n["comment"], "comment");
    if (s.comment.empty()) s.comment = "notification test";
    return s;
  }

  ExpNotification notification(const YAML::Node& n) {
    ExpNotification x;
    if (!map(n, {"receiver", "group_labels", "status", "alerts", "resolved_alerts", "fields"},
             "an expected notification")) {
      return x;
    }
    x.receiver = str(n["receiver"], "receiver");
    if (x.receiver.empty()) fail(n, "an expected notification needs a receiver");
    if (n["group_labels"]) x.group_labels = string_map(n["group_labels"], "group_labels");
    x.status = str(n["status"], "status");
    if (!x.status.empty() && x.status != "firing" && x.status != "resolved") {
      fail(n["status"], "status must be firing or resolved, got \"" + x.status + "\"");
    }
    auto alert_list = [&](const char* key) -> std::optional<std::vector<StringMap>> {
      if (!n[key]) return std::nullopt;
      std::vector<StringMap> out;
      for (const auto& a : seq(n[key], key)) out.push_back(string_map(a, key));
      return out;
    };
    x.alerts = alert_list("alerts");
    x.resolved_alerts = alert_list("resolved_alerts");
    if (n["fields"]) {
      for (const auto& [k, v] : string_map(n["fields"], "fields")) {
        x.fields.emplace_back(normalize_field(k), v);
      }
    }
    return x;
  }

  // "slack.title" → "slack[0].title".
  static std::string normalize_field(const std::string& k) {
    const auto dot = k.find('.');
    if (dot == std::string::npos || k.find('[') < dot) return k;
    return k.substr(0, dot) + "[0]" + k.substr(dot);
  }

  const rules::TestGroupContext& ctx_;
  std::string where_;
};

// ---- what was sent ----

struct GotNotification {
  Timestamp at = 0;
  std::string receiver;
  std::string group_key;
  Labels group_labels;
  std::string status;
  std::vector<Labels> alerts;
  std::vector<Labels> resolved_alerts;
  std::map<std::string, std::string> fields;  // "slack[0].title" → value; "slack[0].payload"
};

std::vector<GotNotification> merge(const std::vector<notifiers::RecordedNotification>& in) {
  std::vector<GotNotification> out;
  std::map<std::tuple<Timestamp, std::string, std::string>, size_t> index;
  for (const auto& r : in) {
    auto key = std::make_tuple(r.at, r.receiver, r.group_key);
    auto [it, fresh] = index.emplace(key, out.size());
    if (fresh) {
      GotNotification g;
      g.at = r.at;
      g.receiver = r.receiver;
      g.group_key = r.group_key;
      g.group_labels = r.group_labels;
      g.status = r.status;
      for (const auto& a : r.firing) g.alerts.push_back(a.labels);
      for (const auto& a : r.resolved) g.resolved_alerts.push_back(a.labels);
      std::sort(g.alerts.begin(), g.alerts.end());
      std::sort(g.resolved_alerts.begin(), g.resolved_alerts.end());
      out.push_back(std::move(g));
    }
    GotNotification& g = out[it->second];
    const std::string prefix = r.integration + "[" + std::to_string(r.integration_index) + "].";
    for (const auto& [k, v] : r.fields) g.fields[prefix + k] = v;
    if (!r.payload.empty()) g.fields[prefix + "payload"] = r.payload;
  }
  return out;
}

Labels to_labels(const StringMap& m) {
  std::vector<Label> ls;
  for (const auto& [k, v] : m) {
    if (!v.empty()) ls.push_back({k, v});  // an empty value is an absent label
  }
  return Labels::from_unsorted(std::move(ls));
}

bool labels_match(const StringMap& exp, const Labels& got, bool subset) {
  Labels want = to_labels(exp);
  if (!subset) return want == got;
  for (const auto& l : want) {
    if (!got.has(l.name) || got.get(l.name) != l.value) return false;
  }
  return true;
}

// Every expected label set matches a distinct got one, and (exact mode) nothing is left over.
bool alerts_match(const std::vector<StringMap>& exp, const std::vector<Labels>& got, bool subset) {
  if (exp.size() != got.size()) return false;
  // Small lists: greedy matching over exact sets is exact; subsets try every pairing order.
  std::vector<size_t> perm(got.size());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  if (!subset) {
    for (const auto& e : exp) {
      bool found = false;
      for (size_t& p : perm) {
        if (p != SIZE_MAX && labels_match(e, got[p], false)) {
          p = SIZE_MAX;
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }
  // Bipartite matching (augmenting paths).
  std::vector<int> owner(got.size(), -1);
  std::function<bool(size_t, std::vector<bool>&)> augment = [&](size_t e, std::vector<bool>& seen) {
    for (size_t g = 0; g < got.size(); ++g) {
      if (seen[g] || !labels_match(exp[e], got[g], true)) continue;
      seen[g] = true;
      if (owner[g] < 0 || augment(static_cast<size_t>(owner[g]), seen)) {
        owner[g] = static_cast<int>(e);
        return true;
      }
    }
    return false;
  };
  for (size_t e = 0; e < exp.size(); ++e) {
    std::vector<bool> seen(got.size(), false);
    if (!augment(e, seen)) return false;
  }
  return true;
}

bool notification_matches(const ExpNotification& e, const GotNotification& g, bool subset) {
  if (e.receiver != g.receiver) return false;
  if (e.group_labels && to_labels(*e.group_labels) != g.group_labels) return false;
  if (!e.status.empty() && e.status != g.status) return false;
  if (e.alerts && !alerts_match(*e.alerts, g.alerts, subset)) return false;
  if (e.resolved_alerts && !alerts_match(*e.resolved_alerts, g.resolved_alerts, subset)) {
    return false;
  }
  for (const auto& [k, v] : e.fields) {
    auto it = g.fields.find(k);
    if (it == g.fields.end() || !rules::test_value_matches(v, it->second)) return false;
  }
  return true;
}

// ---- printing ----

std::string quote(const std::string& s) { return go_quote(s); }

std::string braces(const StringMap& m) { return to_labels(m).to_braces(); }

std::string describe(const ExpNotification& e) {
  std::string s = "receiver: " + e.receiver;
  if (e.group_labels) s += ", group_labels: " + braces(*e.group_labels);
  if (!e.status.empty()) s += ", status: " + e.status;
  auto list = [](const char* name, const std::vector<StringMap>& v) {
    std::string out = std::string("\n  ") + name + ":";
    if (v.empty()) return out + " []";
    for (const auto& a : v) out += "\n    " + braces(a);
    return out;
  };
  if (e.alerts) s += list("alerts", *e.alerts);
  if (e.resolved_alerts) s += list("resolved_alerts", *e.resolved_alerts);
  for (const auto& [k, v] : e.fields) s += "\n  " + k + ": " + quote(v);
  return s;
}

// Shows the fields any expectation names (the rest is noise in a failure).
std::string describe(const GotNotification& g, Timestamp start,
                     const std::set<std::string>& field_keys) {
  std::string s = "receiver: " + g.receiver + ", group_labels: " + g.group_labels.to_braces() +
                  ", status: " + g.status + ", at: " + format_duration(g.at - start);
  auto list = [](const char* name, const std::vector<Labels>& v) {
    std::string out = std::string("\n  ") + name + ":";
    if (v.empty()) return out + " []";
    for (const auto& a : v) out += "\n    " + a.to_braces();
    return out;
  };
  s += list("alerts", g.alerts);
  if (!g.resolved_alerts.empty()) s += list("resolved_alerts", g.resolved_alerts);
  for (const auto& k : field_keys) {
    auto it = g.fields.find(k);
    s += "\n  " + k + ": " + (it == g.fields.end() ? "(not rendered)" : quote(it->second));
  }
  return s;
}

std::string indent_lines(const std::string& s, const std::string& indent) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out;
}

std::string list_string(const std::vector<std::string>& items) {
  if (items.empty()) return "[]";
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    s += (i ? ",\n" : "\n") + std::to_string(i) + ": " + indent_lines(items[i], "   ");
  }
  return s + "\n]";
}

// ---- running ----

Result<eval::SeriesSet> input_series(const rules::TestGroupContext& ctx) {
  std::vector<eval::InputSeries> in;
  for (const auto& [series, values] : ctx.input_series) {
    auto labels = promql::parse_series_labels(series);
    if (!labels) return invalid_argument("series " + go_quote(series) + ": " + labels.error().message);
    auto vs = promql::parse_series_values(values);
    if (!vs) return invalid_argument("series " + go_quote(series) + ": " + vs.error().message);
    eval::InputSeries s;
    s.labels = *labels;
    for (size_t i = 0; i < vs->size(); ++i) {
      if ((*vs)[i].omitted) continue;
      s.samples.push_back({ctx.start + static_cast<Timestamp>(i) * ctx.interval, (*vs)[i].v});
    }
    in.push_back(std::move(s));
  }
  return eval::merge_series(std::move(in));
}

std::vector<std::string> run_one(const rules::TestGroupContext& ctx, const NotificationTest& t,
                                 size_t index, const eval::SeriesSet& series) {
  const std::string head = (ctx.group_name.empty() ? "" : "    name: " + ctx.group_name + ",\n") +
                           "    notification_tests[" + std::to_string(index) + "], eval_time: " +
                           format_duration(t.eval_time);
  eval::BacktestOptions o;
  o.rule_files = ctx.rule_files;
  o.config = t.config;
  o.from = ctx.start;
  o.to = ctx.start + t.eval_time;
  o.step = ctx.evaluation_interval;
  o.compat_prometheus2 = ctx.options && ctx.options->compat_prometheus2;
  o.external_url = ctx.external_url;
  o.aligned_origin = ctx.start;
  o.group_order = ctx.group_eval_order;
  o.silences = t.silences;
  auto loaded = eval::load_backtest_rules(o);
  if (!loaded) return {head + ", err: " + loaded.error().message};
  loaded->config.evaluation_interval = ctx.evaluation_interval;
  for (const auto& l : ctx.external_labels) loaded->config.external_labels[l.name] = l.value;
  auto result = eval::run_backtest(o, std::move(*loaded), series);
  if (!result) return {head + ", err: " + result.error().message};

  std::vector<GotNotification> got;
  for (auto& g : merge(result->notifications)) {
    if (g.at >= ctx.start + t.since && g.at <= ctx.start + t.eval_time) got.push_back(std::move(g));
  }
  const bool subset = t.subset.value_or(ctx.subset);
  // Match every expectation to a distinct notification (augmenting paths: order-free).
  std::vector<int> owner(got.size(), -1);
  std::function<bool(size_t, std::vector<bool>&)> augment = [&](size_t e,
                                                                std::vector<bool>& seen) {
    for (size_t g = 0; g < got.size(); ++g) {
      if (seen[g] || !notification_matches(t.exp[e], got[g], subset)) continue;
      seen[g] = true;
      if (owner[g] < 0 || augment(static_cast<size_t>(owner[g]), seen)) {
        owner[g] = static_cast<int>(e);
        return true;
      }
    }
    return false;
  };
  bool ok = got.size() == t.exp.size();
  for (size_t e = 0; ok && e < t.exp.size(); ++e) {
    std::vector<bool> seen(got.size(), false);
    ok = augment(e, seen);
  }
  if (ok) return {};

  std::set<std::string> keys;
  for (const auto& e : t.exp) {
    for (const auto& [k, v] : e.fields) keys.insert(k);
  }
  std::vector<std::string> exp_items, got_items;
  for (const auto& e : t.exp) exp_items.push_back(describe(e));
  for (const auto& g : got) got_items.push_back(describe(g, ctx.start, keys));
  const std::string exp_s = list_string(exp_items), got_s = list_string(got_items);
  std::string msg = head + ", \n        exp:" + indent_lines(exp_s, "            ") +
                    ", \n        got:" + indent_lines(got_s, "            ");
  if (ctx.options && ctx.options->diff) {
    msg += "\n        diff:\n" + rules::test_line_diff(exp_s, got_s);
  }
  return {msg};
}

}  // namespace

std::vector<std::string> run_notification_tests(const rules::TestGroupContext& ctx,
                                                const YAML::Node& tests) {
  Decoder dec(ctx);
  std::vector<NotificationTest> decoded;
  size_t i = 0;
  for (const auto& n : tests) decoded.push_back(dec.test(n, i++));
  if (!dec.errors.empty()) return dec.errors;
  auto series = input_series(ctx);
  if (!series) return {"    notification_tests: " + series.error().message};
  std::vector<std::string> errs;
  for (size_t k = 0; k < decoded.size(); ++k) {
    auto e = run_one(ctx, decoded[k], k, *series);
    errs.insert(errs.end(), e.begin(), e.end());
  }
  return errs;
}

}  // namespace tocsin::app
