#include "engine/dispatch/routes_batch.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/common/time.h"
#include "engine/dispatch/inhibitor.h"
#include "engine/dispatch/route.h"

namespace tocsin::dispatch {
namespace {

// Thrown inside the parser only; caught in parse_route_cases.
struct CaseError {
  std::string message;
};

std::string position(std::string_view file, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  std::string s(file);
  if (m.line >= 0) s += ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  return s;
}

[[noreturn]] void fail(std::string_view file, const YAML::Node& n, const std::string& what) {
  throw CaseError{position(file, n) + ": " + what};
}

std::string scalar(std::string_view file, const YAML::Node& n, const std::string& what) {
  if (!n.IsScalar()) fail(file, n, what + ": expected a string");
  return n.Scalar();
}

Labels label_map(std::string_view file, const YAML::Node& n, const std::string& what) {
  if (!n.IsMap()) fail(file, n, what + ": expected a map of label names to values");
  std::vector<Label> out;
  std::set<std::string> seen;
  for (const auto& kv : n) {
    std::string name = scalar(file, kv.first, what);
    if (name.empty()) fail(file, kv.first, what + ": empty label name");
    if (!seen.insert(name).second) fail(file, kv.first, what + ": duplicate label " + name);
    std::string value = kv.second.IsNull() ? "" : scalar(file, kv.second, what + "." + name);
    if (!value.empty()) out.push_back({std::move(name), std::move(value)});
  }
  return Labels::from_unsorted(std::move(out));
}

RouteCase parse_case(std::string_view file, const YAML::Node& n, size_t index) {
  const std::string what = "tests[" + std::to_string(index) + "]";
  RouteCase c;
  c.where = position(file, n);
  if (!n.IsMap()) fail(file, n, what + ": expected a map");
  bool has_labels = false;
  for (const auto& kv : n) {
    const std::string key = scalar(file, kv.first, what);
    if (key == "name") {
      c.name = scalar(file, kv.second, what + ".name");
    } else if (key == "labels") {
      c.labels = label_map(file, kv.second, what + ".labels");
      has_labels = true;
    } else if (key == "receivers") {
      if (!kv.second.IsSequence()) fail(file, kv.second, what + ".receivers: expected a list");
      std::vector<std::string> rs;
      for (const auto& r : kv.second) rs.push_back(scalar(file, r, what + ".receivers"));
      c.receivers = std::move(rs);
    } else if (key == "inhibited") {
      bool b = false;
      if (!kv.second.IsScalar() || !YAML::convert<bool>::decode(kv.second, b)) {
        fail(file, kv.second, what + ".inhibited: expected true or false");
      }
      c.inhibited = b;
    } else {
      fail(file, kv.first, what + "." + key + ": unknown key");
    }
  }
  if (!has_labels) fail(file, n, what + ": labels is required");
  return c;
}

std::string list(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + "]";
}

std::string labels_list(const std::vector<Labels>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i].to_braces();
  return s;
}

std::string group_by_string(const RouteOpts& o) {
  if (o.group_by_all) return "[...]";
  return list(std::vector<std::string>(o.group_by.begin(), o.group_by.end()));
}

std::vector<std::string> receivers_of(const RoutedAlert& a) {
  std::vector<std::string> out;
  for (const auto& t : a.targets) out.push_back(t.receiver);
  return out;
}

// --- Label sets from matchers -------------------------------------------------------------

// The literal alternatives of a regex like "a|b|(c)" or "^critical$" ("" when not literal).
std::vector<std::string> literal_alternatives(const std::string& re) {
  std::vector<std::string> alts;
  std::string cur;
  int depth = 0;
  for (size_t i = 0; i < re.size(); ++i) {
    char ch = re[i];
    if (ch == '\\' && i + 1 < re.size()) {
      cur += re.substr(i, 2);
      ++i;
      continue;
    }
    if (ch == '(') ++depth;
    if (ch == ')') --depth;
    if (ch == '|' && depth == 0) {
      alts.push_back(cur);
      cur.clear();
      continue;
    }
    cur += ch;
  }
  alts.push_back(cur);
  std::vector<std::string> out;
  for (std::string a : alts) {
    if (!a.empty() && a.front() == '^') a.erase(0, 1);
    if (!a.empty() && a.back() == '$') a.pop_back();
    if (a.size() >= 2 && a.front() == '(' && a.back() == ')') a = a.substr(1, a.size() - 2);
    if (a.rfind("?:", 0) == 0) a.erase(0, 2);
    std::string lit;
    bool literal = true;
    for (size_t i = 0; i < a.size() && literal; ++i) {
      char ch = a[i];
      if (ch == '\\' && i + 1 < a.size() && !std::isalnum(static_cast<unsigned char>(a[i + 1]))) {
        lit += a[++i];
      } else if (std::string_view(".[]{}()*+?^$|\\").find(ch) != std::string_view::npos) {
        literal = false;
      } else {
        lit += ch;
      }
    }
    if (literal) out.push_back(lit);
  }
  return out;
}

// A value for label `name` satisfying every matcher in `ms` on that name, if one is found among
// the values the matchers name themselves, "" (absent) and a placeholder.
std::string satisfying_value(const std::vector<const matchers::Matcher*>& ms) {
  std::vector<std::string> candidates;
  for (const auto* m : ms) {
    switch (m->type()) {
      case matchers::MatchType::kEqual: candidates.push_back(m->value()); break;
      case matchers::MatchType::kRegex:
        for (auto& a : literal_alternatives(m->value())) candidates.push_back(a);
        break;
      default: break;
    }
  }
  candidates.push_back("");
  candidates.push_back("routes-diff");
  for (const auto& c : candidates) {
    if (std::all_of(ms.begin(), ms.end(), [&](const auto* m) { return m->matches(c); })) return c;
  }
  return candidates.front();
}

std::map<std::string, std::string> satisfy(const std::vector<matchers::Matcher>& ms) {
  std::map<std::string, std::vector<const matchers::Matcher*>> by_name;
  for (const auto& m : ms) by_name[m.name()].push_back(&m);
  std::map<std::string, std::string> out;
  for (const auto& [name, v] : by_name) out[name] = satisfying_value(v);
  return out;
}

Labels to_labels(const std::map<std::string, std::string>& m) {
  std::vector<Label> v;
  for (const auto& [k, val] : m) {
    if (!val.empty()) v.push_back({k, val});
  }
  return Labels::from_sorted(std::move(v));
}

// `equal_names`: every label name some inhibit rule of either configuration lists in `equal`.
void derive_from(const config::Config& cfg, const std::set<std::string>& equal_names,
                 std::set<Labels>& out) {
  auto tree = Route::build(cfg.route);
  if (tree) {
    (*tree)->walk([&](const Route& r) {
      std::vector<matchers::Matcher> path;
      for (const Route* p = &r; p; p = p->parent()) {
        path.insert(path.end(), p->matchers().begin(), p->matchers().end());
      }
      out.insert(to_labels(satisfy(path)));
    });
  }
  for (const auto& rule : cfg.inhibit_rules) {
    auto src = satisfy(rule.all_source_matchers());
    auto tgt = satisfy(rule.all_target_matchers());
    for (const auto& e : rule.equal) {
      // Shared value: the one a side constrains, else a placeholder.
      std::string v = src.count(e) && !src[e].empty() ? src[e]
                      : tgt.count(e) && !tgt[e].empty() ? tgt[e]
                                                        : "routes-diff";
      src[e] = v;
      tgt[e] = v;
    }
    // Labels the other configuration may require equal get different values on both sides, so
    // a change of `equal` shows as a change of inhibition.
    for (const auto& e : equal_names) {
      if (std::find(rule.equal.begin(), rule.equal.end(), e) != rule.equal.end()) continue;
      if (!src.count(e)) src[e] = "routes-diff-source";
      if (!tgt.count(e)) tgt[e] = "routes-diff-target";
    }
    out.insert(to_labels(src));
    out.insert(to_labels(tgt));
  }
}

}  // namespace

Result<std::vector<RouteCase>> parse_route_cases(std::string_view yaml, std::string_view file) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    std::vector<RouteCase> cases;
    if (root.IsMap()) {
      for (const auto& kv : root) {
        const std::string key = scalar(file, kv.first, "");
        if (key != "tests") fail(file, kv.first, key + ": unknown key (expected tests)");
      }
      const YAML::Node tests = root["tests"];
      if (!tests || !tests.IsSequence()) fail(file, root, "tests: expected a list");
      size_t i = 0;
      for (const auto& t : tests) cases.push_back(parse_case(file, t, i++));
    } else if (root.IsSequence()) {
      size_t i = 0;
      for (const auto& t : root) {
        if (t.IsMap() && t["labels"] && t["labels"].IsMap()) {
          cases.push_back(parse_case(file, t, i++));
        } else {
          RouteCase c;
          c.where = position(file, t);
          c.labels = label_map(file, t, "[" + std::to_string(i++) + "]");
          cases.push_back(std::move(c));
        }
      }
    } else {
      fail(file, root,
           "expected `tests:` or a list of label sets (see `tocsin routes test --help`)");
    }
    if (cases.empty()) return invalid_argument(std::string(file) + ": no test cases");
    return cases;
  } catch (const CaseError& e) {
    return invalid_argument(e.message);
  } catch (const YAML::Exception& e) {
    return invalid_argument(std::string(file) + ":" + std::to_string(e.mark.line + 1) + ":" +
                            std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Result<std::vector<RouteCase>> load_route_cases(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(path + ": cannot read file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_route_cases(ss.str(), path);
}

Result<std::vector<RoutedAlert>> route_batch(const config::Config& cfg,
                                             const std::vector<Labels>& batch) {
  auto tree = Route::build(cfg.route);
  if (!tree) return tl::unexpected(tree.error());
  Inhibitor inhibitor(cfg.inhibit_rules);
  std::map<std::string, Labels> by_fp;
  for (const Labels& l : batch) {
    Alert a;
    a.labels = l;
    inhibitor.observe(a);  // ends_at unset: firing
    by_fp[fingerprint_hex(l.fingerprint())] = l;
  }
  std::vector<RoutedAlert> out;
  for (const Labels& l : batch) {
    RoutedAlert ra;
    ra.labels = l;
    for (const Route* r : (*tree)->match(l)) {
      const RouteOpts& o = r->opts();
      ra.targets.push_back({o.receiver, r->id(), group_by_string(o),
                            group_key(*r, group_labels(l, o)),
                            "group_wait=" + format_duration(o.group_wait) +
                                " group_interval=" + format_duration(o.group_interval) +
                                " repeat_interval=" + format_duration(o.repeat_interval)});
    }
    for (const std::string& fp : inhibitor.mutes(l, 0)) {
      auto it = by_fp.find(fp);
      if (it != by_fp.end()) ra.inhibited_by.push_back(it->second);
    }
    out.push_back(std::move(ra));
  }
  return out;
}

CliOutput routes_test_cases(const config::Config& cfg, const std::vector<RouteCase>& cases) {
  CliOutput res;
  for (const auto& c : cases) {
    if (!c.receivers && !c.inhibited) {
      res.err = c.where + ": a test case needs receivers or inhibited\n";
      res.exit_code = 2;
      return res;
    }
  }
  std::vector<Labels> batch;
  for (const auto& c : cases) batch.push_back(c.labels);
  auto routed = route_batch(cfg, batch);
  if (!routed) {
    res.err = "error: " + routed.error().message + "\n";
    res.exit_code = 2;
    return res;
  }
  int passed = 0, failed = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const RouteCase& c = cases[i];
    const RoutedAlert& got = (*routed)[i];
    std::vector<std::string> got_receivers = receivers_of(got);
    const bool got_inhibited = !got.inhibited_by.empty();
    bool want_inhibited = c.inhibited.value_or(c.receivers && c.receivers->empty());
    std::string diff;
    if (c.receivers && !c.receivers->empty()) {
      auto want = *c.receivers, have = got_receivers;
      std::sort(want.begin(), want.end());
      std::sort(have.begin(), have.end());
      if (want != have) {
        diff += "  receivers: expected " + list(*c.receivers) + ", got " + list(got_receivers) +
                "\n";
      }
    }
    if (want_inhibited != got_inhibited) {
      diff += "  inhibited: expected " + std::string(want_inhibited ? "true" : "false") +
              ", got " + (got_inhibited ? "true (by " + labels_list(got.inhibited_by) + ")"
                                        : std::string("false")) +
              "\n";
    }
    std::string title = c.name.empty() ? "case " + std::to_string(i + 1)
                                       : "case " + std::to_string(i + 1) + " \"" + c.name + "\"";
    if (diff.empty()) {
      ++passed;
      res.out += "ok   " + title + ": " + got.labels.to_braces() + " -> " +
                 (got_inhibited ? "inhibited by " + labels_list(got.inhibited_by)
                                : list(got_receivers)) +
                 "\n";
    } else {
      ++failed;
      res.out += "FAIL " + title + " (" + c.where + "): " + got.labels.to_braces() + "\n" + diff;
    }
  }
  res.out += std::to_string(passed) + " passed, " + std::to_string(failed) + " failed\n";
  res.exit_code = failed ? 1 : 0;
  return res;
}

std::vector<Labels> derive_label_sets(const config::Config& a, const config::Config& b) {
  std::set<std::string> equal_names;
  for (const auto* cfg : {&a, &b}) {
    for (const auto& rule : cfg->inhibit_rules) equal_names.insert(rule.equal.begin(), rule.equal.end());
  }
  std::set<Labels> out;
  derive_from(a, equal_names, out);
  derive_from(b, equal_names, out);
  return {out.begin(), out.end()};
}

CliOutput routes_diff(const config::Config& old_cfg, const config::Config& new_cfg,
                      const std::vector<Labels>& batch) {
  CliOutput res;
  auto before = route_batch(old_cfg, batch);
  auto after = route_batch(new_cfg, batch);
  for (const auto* r : {&before, &after}) {
    if (!*r) {
      res.err = "error: " + r->error().message + "\n";
      res.exit_code = 2;
      return res;
    }
  }
  size_t changed = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    const RoutedAlert& a = (*before)[i];
    const RoutedAlert& b = (*after)[i];
    std::string diff;
    const auto ra = receivers_of(a), rb = receivers_of(b);
    if (ra != rb) diff += "  receivers: " + list(ra) + " -> " + list(rb) + "\n";
    // Pair the targets by receiver name (k-th occurrence with k-th occurrence).
    std::map<std::string, int> seen;
    for (const auto& ta : a.targets) {
      int k = seen[ta.receiver]++;
      const RoutedTarget* tb = nullptr;
      for (const auto& t : b.targets) {
        if (t.receiver == ta.receiver && k-- == 0) {
          tb = &t;
          break;
        }
      }
      if (!tb) continue;
      const std::string who = "  " + ta.receiver + ": ";
      if (ta.group_by != tb->group_by) {
        diff += who + "group_by: " + ta.group_by + " -> " + tb->group_by + "\n";
      }
      if (ta.group_key != tb->group_key) {
        diff += who + "group key: " + ta.group_key + " -> " + tb->group_key + "\n";
      }
      if (ta.timers != tb->timers) diff += who + "timers: " + ta.timers + " -> " + tb->timers + "\n";
    }
    const bool ia = !a.inhibited_by.empty(), ib = !b.inhibited_by.empty();
    if (ia != ib) {
      diff += "  inhibited: " +
              (ia ? "yes (by " + labels_list(a.inhibited_by) + ")" : std::string("no")) +
              " -> " +
              (ib ? "yes (by " + labels_list(b.inhibited_by) + ")" : std::string("no")) + "\n";
    }
    if (!diff.empty()) {
      ++changed;
      res.out += a.labels.to_braces() + "\n" + diff;
    }
  }
  res.out += std::to_string(changed) + " of " + std::to_string(batch.size()) +
             " alerts change routing\n";
  res.exit_code = changed ? 1 : 0;
  return res;
}

}  // namespace tocsin::dispatch
