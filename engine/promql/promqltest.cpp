#include "engine/promql/promqltest.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include <re2/re2.h>

#include "engine/promql/series_values.h"
#include "engine/storage/head.h"
#include "parser/promql/functions.h"
#include "parser/promql/parse.h"

namespace tocsin::promql {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits off the first whitespace-separated word.
std::string_view next_word(std::string_view& s) {
  s = trim(s);
  size_t i = 0;
  while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  std::string_view w = s.substr(0, i);
  s = trim(s.substr(i));
  return w;
}

std::optional<Timestamp> parse_time(std::string_view s) {
  if (s == "0") return 0;
  auto d = parse_duration(s);
  if (d) return *d;
  return std::nullopt;
}

// ---- series descriptions: `metric{a="b"} 1 2+3x4 _ stale` ----

// The promtool value notation, shared with `tocsin test rules` (series_values.h).
using SeqValue = SeriesValue;
std::optional<std::vector<SeqValue>> parse_values(std::string_view text) {
  auto v = parse_series_values(text);
  if (!v) return std::nullopt;
  return std::move(*v);
}

// Go-style unquoting of "...", '...' or `...`. Returns the number of bytes consumed.
std::optional<size_t> unquote(std::string_view s, std::string& out) {
  if (s.empty()) return std::nullopt;
  char q = s[0];
  if (q != '"' && q != '\'' && q != '`') return std::nullopt;
  size_t i = 1;
  while (i < s.size()) {
    char c = s[i];
    if (c == q) return i + 1;
    if (c == '\\' && q != '`' && i + 1 < s.size()) {
      char e = s[++i];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case 'x':
          if (i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
          }
          break;
        default: out += e;
      }
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  return std::nullopt;
}

struct SeriesDesc {
  Labels labels;
  std::string_view values;  // the text after the selector
  bool start_timestamp = false;  // `metric@st`
};

std::optional<SeriesDesc> parse_series_desc(std::string_view line) {
  std::vector<Label> ls;
  size_t i = 0;
  auto is_name_char = [](char c, bool first) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
  };
  std::string name;
  while (i < line.size() && is_name_char(line[i], name.empty())) name += line[i++];
  if (!name.empty()) ls.push_back({std::string(kMetricName), name});
  SeriesDesc d;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (true) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      if (i >= line.size()) return std::nullopt;
      if (line[i] == '}') {
        ++i;
        break;
      }
      std::string lname;
      if (line[i] == '"' || line[i] == '\'' || line[i] == '`') {
        auto n = unquote(line.substr(i), lname);
        if (!n) return std::nullopt;
        i += *n;
      } else {
        while (i < line.size() && is_name_char(line[i], lname.empty())) lname += line[i++];
      }
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      if (i < line.size() && line[i] == '=') {
        ++i;
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        std::string value;
        auto n = unquote(line.substr(i), value);
        if (!n) return std::nullopt;
        i += *n;
        ls.push_back({lname, value});
      } else {
        ls.push_back({std::string(kMetricName), lname});  // {"metric name"}
      }
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      if (i < line.size() && line[i] == ',') ++i;
    }
  } else if (name.empty()) {
    return std::nullopt;
  }
  if (line.substr(i).starts_with("@st")) {
    d.start_timestamp = true;
    i += 3;
  }
  d.labels = Labels::from_unsorted(std::move(ls));
  d.values = trim(line.substr(i));
  return d;
}

// ---- script commands ----

struct Expectation {
  std::string kind;   // fail, warn, info, no_warn, no_info, ordered
  std::string match;  // "", "msg", "regex"
  std::string text;
};

struct ExpectedSeries {
  Labels labels;
  std::vector<SeqValue> values;
  std::string text;
};

struct EvalCase {
  int line = 0;
  bool range = false;
  Timestamp start = 0, end = 0;
  Duration step = 0;
  std::string expr;
  std::vector<Expectation> expects;
  std::vector<ExpectedSeries> series;
  std::optional<double> scalar;
  std::optional<std::string> string_result;
  bool range_vector = false;
  Timestamp rv_start = 0, rv_end = 0;
  Duration rv_step = 0;
  bool expects_histograms = false;
  std::string error;  // a problem in the case's own text
};

bool has_expect(const EvalCase& c, std::string_view kind) {
  return std::any_of(c.expects.begin(), c.expects.end(),
                     [&](const Expectation& e) { return e.kind == kind; });
}

bool almost_equal(double a, double b) {
  constexpr double kEps = 1e-6;
  constexpr double kMinNormal = 2.2250738585072014e-308;
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < kMinNormal) return diff < kEps * kMinNormal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < kEps;
}

// A loaded series that needs a feature we do not run.
struct FlaggedSeries {
  Labels labels;
  std::string reason;
};

class Runner {
 public:
  Runner(std::string_view name, const PromqlTestOptions& o, std::ostream& out)
      : name_(name), opts_(o), out_(out) {
    eval_opts_.compat_prometheus2 = o.compat_prometheus2;
    eval_opts_.max_samples = 10000;  // as upstream's test engine
    eval_opts_.default_subquery_step = kMinute;
  }

  PromqlTestCounts run(std::string_view script);

 private:
  void load(int line, std::string_view cmd, const std::vector<std::pair<int, std::string>>& lines);
  void run_case(EvalCase& c);
  std::optional<std::string> skip_reason(const EvalCase& c, const Expr* e);
  std::optional<std::string> check(const EvalCase& c, const Expr& e);
  std::string fail_prefix(const EvalCase& c) const {
    return name_ + ":" + std::to_string(c.line) + ": " + c.expr;
  }
  void fail(const EvalCase& c, const std::string& why) {
    ++counts_.failed;
    out_ << "FAIL " << fail_prefix(c) << "\n" << why << "\n";
  }

  std::string name_;
  PromqlTestOptions opts_;
  EvalOptions eval_opts_;
  std::ostream& out_;
  std::unique_ptr<storage::Head> head_ = std::make_unique<storage::Head>();
  std::vector<FlaggedSeries> flagged_;
  PromqlTestCounts counts_;
};

void Runner::load(int line, std::string_view cmd,
                  const std::vector<std::pair<int, std::string>>& lines) {
  std::string_view rest = cmd;
  std::string verb = lower(next_word(rest));
  bool nhcb = verb == "load_with_nhcb";
  auto step = parse_time(next_word(rest));
  if (!step || *step <= 0) {
    ++counts_.failed;
    out_ << "FAIL " << name_ << ":" << line << ": invalid load step\n";
    return;
  }
  // Within one block a later line for the same series replaces an earlier one (upstream keys
  // the block's definitions by series).
  std::vector<std::pair<Labels, std::vector<SeqValue>>> defs;
  for (const auto& [ln, text] : lines) {
    auto d = parse_series_desc(text);
    if (!d) {
      ++counts_.failed;
      out_ << "FAIL " << name_ << ":" << ln << ": cannot parse series \"" << text << "\"\n";
      continue;
    }
    if (d->start_timestamp) {
      flagged_.push_back({d->labels, "start timestamps (@st, feature flag)"});
      continue;
    }
    if (d->labels.has("__type__") || d->labels.has("__unit__")) {
      flagged_.push_back({d->labels, "type-and-unit labels (feature flag)"});
    }
    if (d->values.find("{{") != std::string_view::npos) {
      flagged_.push_back({d->labels, "native histograms"});
      continue;
    }
    auto vals = parse_values(d->values);
    if (!vals) {
      ++counts_.failed;
      out_ << "FAIL " << name_ << ":" << ln << ": cannot parse values \"" << d->values << "\"\n";
      continue;
    }
    auto it = std::find_if(defs.begin(), defs.end(), [&](const auto& x) { return x.first == d->labels; });
    if (it != defs.end()) {
      it->second = std::move(*vals);
    } else {
      defs.emplace_back(d->labels, std::move(*vals));
    }
    if (nhcb) {
      std::string_view n = d->labels.metric_name();
      for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
        if (n.ends_with(suffix)) {
          LabelsBuilder b(d->labels);
          b.set(kMetricName, n.substr(0, n.size() - suffix.size()));
          b.del("le");
          flagged_.push_back({b.labels(), "native histograms (load_with_nhcb)"});
        }
      }
    }
  }
  auto app = head_->appender();
  for (const auto& [labels, vals] : defs) {
    for (size_t i = 0; i < vals.size(); ++i) {
      if (vals[i].omitted) continue;
      app->add(labels, static_cast<Timestamp>(i) * *step, vals[i].v);
    }
  }
  (void)app->commit();
}

void collect(const Expr& e, std::vector<const Expr*>& out) {
  out.push_back(&e);
  std::visit(
      [&](const auto& n) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, MatrixSelector>) {
          collect(*n.vector_selector, out);
        } else if constexpr (std::is_same_v<T, SubqueryExpr> || std::is_same_v<T, UnaryExpr> ||
                             std::is_same_v<T, ParenExpr>) {
          collect(*n.expr, out);
        } else if constexpr (std::is_same_v<T, Call>) {
          for (const auto& a : n.args) collect(*a, out);
        } else if constexpr (std::is_same_v<T, AggregateExpr>) {
          collect(*n.expr, out);
          if (n.param) collect(*n.param, out);
        } else if constexpr (std::is_same_v<T, BinaryExpr>) {
          collect(*n.lhs, out);
          collect(*n.rhs, out);
        }
      },
      e.node);
}

bool selector_matches(const VectorSelector& vs, const Labels& l) {
  if (!vs.name.empty() && l.metric_name() != vs.name) return false;
  for (const auto& m : vs.matchers) {
    auto sm = storage::Matcher::make(static_cast<storage::MatchType>(m.type), m.name, m.value);
    if (!sm) return false;
    if (!sm->matches(l.get(m.name))) return false;
  }
  return true;
}

// Textual signs of syntax Prometheus only parses behind a feature flag.
std::optional<std::string> flagged_syntax(std::string_view expr) {
  static const re2::RE2 kExtended(R"(\b(anchored|smoothed)\b)");
  static const re2::RE2 kFill(R"(\b(fill|fill_left|fill_right)\s*\()");
  static const re2::RE2 kDurationExpr(
      R"((?i)\[[^\]]*(\(|\*|/|\+|%|\^|min_of|max_of)[^\]]*\]|\boffset\s*(\(|-?\s*step\b)|\b(step|range|start|end)\s*\(\s*\)|\b(min_of|max_of)\s*\()");
  static const re2::RE2 kInfo(R"(\binfo\s*\()");
  static const re2::RE2 kTrim(R"((>/|</))");
  re2::StringPiece sp(expr.data(), expr.size());
  if (RE2::PartialMatch(sp, kExtended)) return "anchored/smoothed range selectors (feature flag)";
  if (RE2::PartialMatch(sp, kFill)) return "fill() binary-operator modifiers (feature flag)";
  if (RE2::PartialMatch(sp, kInfo)) return "experimental function info() (feature flag)";
  if (RE2::PartialMatch(sp, kDurationExpr)) return "duration expressions (feature flag)";
  if (RE2::PartialMatch(sp, kTrim)) return "native histogram trim operators";
  return std::nullopt;
}

std::optional<std::string> Runner::skip_reason(const EvalCase& c, const Expr* e) {
  if (c.expects_histograms) return "native histograms in the expected result";
  if (c.expr.find("__type__") != std::string::npos || c.expr.find("__unit__") != std::string::npos) {
    return "type-and-unit labels (feature flag)";
  }
  if (!e) return flagged_syntax(c.expr);
  std::vector<const Expr*> nodes;
  collect(*e, nodes);
  for (const Expr* n : nodes) {
    if (auto* call = std::get_if<Call>(&n->node)) {
      const Function* f = find_function(call->func);
      if (f && f->experimental) {
        return "experimental function " + call->func + "() (feature flag)";
      }
    } else if (auto* agg = std::get_if<AggregateExpr>(&n->node)) {
      if (is_experimental(agg->op)) {
        return std::string("experimental aggregation ") + to_string(agg->op) + " (feature flag)";
      }
    }
  }
  for (const Expr* n : nodes) {
    auto* vs = std::get_if<VectorSelector>(&n->node);
    if (!vs) continue;
    for (const auto& f : flagged_) {
      if (selector_matches(*vs, f.labels)) return f.reason;
    }
  }
  return std::nullopt;
}

std::string format_series(const Labels& l, const std::vector<Point>& pts) {
  std::string s = l.to_string() + " =>";
  for (const auto& p : pts) s += " " + format_value(p.v) + "@" + std::to_string(p.t);
  return s;
}

std::string describe(const Value& v) {
  std::string out;
  if (auto* s = std::get_if<Scalar>(&v)) return "scalar " + format_value(s->v);
  if (auto* s = std::get_if<String>(&v)) return "string \"" + s->v + "\"";
  if (auto* vec = std::get_if<Vector>(&v)) {
    if (vec->empty()) return "(empty vector)";
    for (const auto& s : *vec) out += "      " + s.metric.to_string() + " " + format_value(s.v) + "\n";
    return "\n" + out;
  }
  const auto& m = std::get<Matrix>(v);
  if (m.empty()) return "(empty matrix)";
  for (const auto& s : m) out += "      " + format_series(s.metric, s.points) + "\n";
  return "\n" + out;
}

std::string expected_text(const EvalCase& c) {
  if (c.scalar) return "scalar " + format_value(*c.scalar);
  if (c.string_result) return "string \"" + *c.string_result + "\"";
  if (c.series.empty()) return "(empty)";
  std::string out = "\n";
  for (const auto& s : c.series) out += "      " + s.text + "\n";
  return out;
}

// Compares a Matrix against expected series whose values sit at start + i*step.
std::optional<std::string> compare_matrix(const Matrix& m, const std::vector<ExpectedSeries>& exp,
                                          Timestamp start, Duration step) {
  if (m.size() != exp.size()) {
    return "expected " + std::to_string(exp.size()) + " series, got " + std::to_string(m.size());
  }
  for (const auto& e : exp) {
    auto it = std::find_if(m.begin(), m.end(), [&](const Series& s) { return s.metric == e.labels; });
    if (it == m.end()) return "missing series " + e.labels.to_string();
    std::vector<Point> want;
    for (size_t i = 0; i < e.values.size(); ++i) {
      if (!e.values[i].omitted) want.push_back({start + static_cast<Timestamp>(i) * step, e.values[i].v});
    }
    if (want.size() != it->points.size()) {
      return "series " + e.labels.to_string() + ": expected " + std::to_string(want.size()) +
             " points, got " + std::to_string(it->points.size());
    }
    for (size_t i = 0; i < want.size(); ++i) {
      if (want[i].t != it->points[i].t || !almost_equal(want[i].v, it->points[i].v)) {
        return "series " + e.labels.to_string() + ": point " + std::to_string(i) + " expected " +
               format_value(want[i].v) + "@" + std::to_string(want[i].t) + ", got " +
               format_value(it->points[i].v) + "@" + std::to_string(it->points[i].t);
      }
    }
  }
  return std::nullopt;
}

bool matches_text(const Expectation& x, const std::string& text) {
  if (x.match.empty()) return true;
  if (x.match == "msg") return trim(text) == trim(x.text);
  RE2 re(x.text);
  return re.ok() && RE2::PartialMatch(text, re);
}

std::optional<std::string> Runner::check(const EvalCase& c, const Expr& e) {
  Result<QueryResult> r = c.range ? evaluate_range(e, *head_, c.start, c.end, c.step, eval_opts_)
                                  : evaluate_instant(e, *head_, c.start, eval_opts_);
  bool want_fail = has_expect(c, "fail");
  if (!r) {
    if (!want_fail) return "unexpected error: " + r.error().message;
    for (const auto& x : c.expects) {
      if (x.kind == "fail" && !matches_text(x, r.error().message)) {
        return "error \"" + r.error().message + "\" does not match expected " + x.match + " \"" +
               x.text + "\"";
      }
    }
    return std::nullopt;
  }
  if (want_fail) return "expected an error, got " + describe(r->value);

  // Annotations.
  for (auto [kind_name, kind] : {std::pair{"warn", Annotation::Kind::kWarning},
                                 std::pair{"info", Annotation::Kind::kInfo}}) {
    std::vector<std::string> got;
    for (const auto& a : r->annotations) {
      if (a.kind == kind) got.push_back(format_annotation(a, c.expr));
    }
    std::string none = std::string("no_") + kind_name;
    if (has_expect(c, none) && !got.empty()) return "unexpected " + std::string(kind_name) + ": " + got[0];
    std::vector<const Expectation*> xs;
    for (const auto& x : c.expects) {
      if (x.kind == kind_name) xs.push_back(&x);
    }
    if (xs.empty()) continue;
    if (got.empty()) return std::string("expected a ") + kind_name + " annotation, got none";
    for (const auto* x : xs) {
      if (!std::any_of(got.begin(), got.end(), [&](const std::string& g) { return matches_text(*x, g); })) {
        return std::string("no ") + kind_name + " annotation matches " + x->match + " \"" + x->text +
               "\"; got: " + got[0];
      }
    }
    for (const auto& g : got) {
      if (!std::any_of(xs.begin(), xs.end(), [&](const Expectation* x) { return matches_text(*x, g); })) {
        return std::string("unexpected ") + kind_name + " annotation: " + g;
      }
    }
  }

  const Value& v = r->value;
  std::string mismatch = "expected: " + expected_text(c) + "\n    actual: " + describe(v);
  if (c.string_result) {
    auto* s = std::get_if<String>(&v);
    if (!s || s->v != *c.string_result) return mismatch;
    return std::nullopt;
  }
  if (c.scalar) {
    auto* s = std::get_if<Scalar>(&v);
    if (!s || !almost_equal(s->v, *c.scalar)) return mismatch;
    return std::nullopt;
  }
  if (c.range) {
    auto* m = std::get_if<Matrix>(&v);
    if (!m) return mismatch;
    // A scalar range result is one series without labels.
    if (auto why = compare_matrix(*m, c.series, c.start, c.step)) return *why + "\n    " + mismatch;
    return std::nullopt;
  }
  if (c.range_vector) {
    auto* m = std::get_if<Matrix>(&v);
    if (!m) return mismatch;
    if (auto why = compare_matrix(*m, c.series, c.rv_start, c.rv_step)) return *why + "\n    " + mismatch;
    return std::nullopt;
  }
  auto* vec = std::get_if<Vector>(&v);
  if (!vec) {
    if (auto* s = std::get_if<Scalar>(&v); s && c.series.empty()) return mismatch;
    return mismatch;
  }
  if (vec->size() != c.series.size()) return mismatch;
  bool ordered = has_expect(c, "ordered");
  for (size_t i = 0; i < c.series.size(); ++i) {
    const auto& e = c.series[i];
    if (e.values.size() != 1 || e.values[0].omitted) {
      return "expected exactly one value per series for an instant query\n    " + mismatch;
    }
    auto it = std::find_if(vec->begin(), vec->end(), [&](const Sample& s) { return s.metric == e.labels; });
    if (it == vec->end()) return mismatch;
    if (ordered && static_cast<size_t>(it - vec->begin()) != i) {
      return "wrong order\n    " + mismatch;
    }
    if (!almost_equal(it->v, e.values[0].v)) return mismatch;
  }
  return std::nullopt;
}

void Runner::run_case(EvalCase& c) {
  if (!c.error.empty()) {
    fail(c, "    " + c.error);
    return;
  }
  auto parsed = parse_expr(c.expr);
  const Expr* e = parsed ? parsed->get() : nullptr;
  if (auto why = skip_reason(c, e)) {
    ++counts_.skipped;
    out_ << "SKIP " << fail_prefix(c) << " (" << *why << ")\n";
    return;
  }
  if (!parsed) {
    if (has_expect(c, "fail")) {
      for (const auto& x : c.expects) {
        if (x.kind == "fail" && !matches_text(x, parsed.error().message) &&
            !matches_text(x, parsed.error().to_string())) {
          fail(c, "    parse error \"" + parsed.error().to_string() + "\" does not match \"" + x.text + "\"");
          return;
        }
      }
      ++counts_.passed;
      return;
    }
    fail(c, "    parse error: " + parsed.error().to_string());
    return;
  }
  if (auto why = check(c, *e)) {
    fail(c, "    " + *why);
    return;
  }
  ++counts_.passed;
  if (opts_.verbose) out_ << "PASS " << fail_prefix(c) << "\n";
}

std::optional<Expectation> parse_expect(std::string_view line) {
  std::string_view rest = line;
  next_word(rest);  // "expect"
  std::string_view kind = next_word(rest);
  Expectation x;
  if (kind == "range" || kind == "string") {
    x.kind = std::string(kind);
    x.text = std::string(rest);
    return x;
  }
  x.kind = std::string(kind);
  if (!rest.empty()) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    x.match = std::string(trim(rest.substr(0, colon)));
    std::string_view t = trim(rest.substr(colon + 1));
    // A quoted message loses its quotes, as upstream's parser does.
    if (t.size() >= 2 && (t.front() == '"' || t.front() == '`') && t.back() == t.front()) {
      std::string u;
      if (unquote(t, u)) {
        x.text = u;
        return x;
      }
    }
    x.text = std::string(t);
  }
  return x;
}

PromqlTestCounts Runner::run(std::string_view script) {
  std::vector<std::string> lines;
  {
    std::string cur;
    std::istringstream in{std::string(script)};
    while (std::getline(in, cur)) {
      std::string_view t = trim(cur);
      if (t.starts_with("#")) t = "";
      lines.emplace_back(t);
    }
  }
  size_t i = 0;
  while (i < lines.size()) {
    const std::string& l = lines[i];
    int lineno = static_cast<int>(i) + 1;
    if (l.empty()) {
      ++i;
      continue;
    }
    std::string_view rest = l;
    std::string verb = lower(next_word(rest));
    if (verb == "clear") {
      head_ = std::make_unique<storage::Head>();
      flagged_.clear();
      ++i;
      continue;
    }
    if (verb == "load" || verb == "load_with_nhcb") {
      std::vector<std::pair<int, std::string>> body;
      ++i;
      while (i < lines.size() && !lines[i].empty()) {
        body.emplace_back(static_cast<int>(i) + 1, lines[i]);
        ++i;
      }
      load(lineno, l, body);
      continue;
    }
    if (!verb.starts_with("eval")) {
      ++counts_.failed;
      out_ << "FAIL " << name_ << ":" << lineno << ": unknown command \"" << l << "\"\n";
      ++i;
      continue;
    }
    EvalCase c;
    c.line = lineno;
    if (verb == "eval_fail") c.expects.push_back({"fail", "", ""});
    if (verb == "eval_warn") c.expects.push_back({"warn", "", ""});
    if (verb == "eval_info") c.expects.push_back({"info", "", ""});
    if (verb == "eval_ordered") c.expects.push_back({"ordered", "", ""});
    std::string_view mode = next_word(rest);
    if (mode == "instant") {
      next_word(rest);  // at
      auto t = parse_time(next_word(rest));
      if (!t) c.error = "invalid time";
      c.start = c.end = t.value_or(0);
    } else if (mode == "range") {
      next_word(rest);  // from
      auto s = parse_time(next_word(rest));
      next_word(rest);  // to
      auto e = parse_time(next_word(rest));
      next_word(rest);  // step
      auto st = parse_time(next_word(rest));
      if (!s || !e || !st) c.error = "invalid range";
      c.range = true;
      c.start = s.value_or(0);
      c.end = e.value_or(0);
      c.step = st.value_or(1);
    } else {
      c.error = "unknown eval mode";
    }
    c.expr = std::string(rest);
    ++i;
    while (i < lines.size() && !lines[i].empty()) {
      std::string_view t = lines[i];
      ++i;
      if (t == "expect string" || t.starts_with("expect string ")) {
        // The rest of the line, quoted or not: `expect string "Foo"`, `expect string  Foo`.
        std::string_view r = t.substr(std::string_view("expect string").size());
        if (!r.empty()) r.remove_prefix(1);
        std::string u;
        if (!r.empty() && (r.front() == '"' || r.front() == '`' || r.front() == '\'') &&
            unquote(r, u) == r.size()) {
          c.string_result = u;
        } else {
          c.string_result = std::string(r);
        }
        continue;
      }
      if (t.starts_with("expect ")) {
        auto x = parse_expect(t);
        if (!x) {
          c.error = "bad expect line: " + std::string(t);
          continue;
        }
        if (x->kind == "range") {
          // expect range vector from <t> to <t> step <s>
          std::string_view r = x->text;
          next_word(r);  // vector
          next_word(r);  // from
          auto s = parse_time(next_word(r));
          next_word(r);
          auto e = parse_time(next_word(r));
          next_word(r);
          auto st = parse_time(next_word(r));
          if (!s || !e || !st) c.error = "bad expect range vector";
          c.range_vector = true;
          c.rv_start = s.value_or(0);
          c.rv_end = e.value_or(0);
          c.rv_step = st.value_or(1);
        } else if (x->kind == "string") {
          std::string u;
          std::string_view q = trim(x->text);
          if (!unquote(q, u)) c.error = "bad expect string";
          c.string_result = u;
        } else {
          c.expects.push_back(*x);
        }
        continue;
      }
      if (t.starts_with("expected_fail_message")) {
        std::string_view r = t;
        next_word(r);
        c.expects.push_back({"fail", "msg", std::string(r)});
        continue;
      }
      if (t.starts_with("expected_fail_regexp")) {
        std::string_view r = t;
        next_word(r);
        c.expects.push_back({"fail", "regex", std::string(r)});
        continue;
      }
      if (t.find("{{") != std::string_view::npos) {
        c.expects_histograms = true;
        continue;
      }
      if (auto n = parse_sample_value(t); n && !c.range) {
        c.scalar = *n;
        continue;
      }
      auto d = parse_series_desc(t);
      auto vals = d ? parse_values(d->values) : std::nullopt;
      if (!d || !vals) {
        c.error = "cannot parse expected result \"" + std::string(t) + "\"";
        continue;
      }
      c.series.push_back({d->labels, *vals, std::string(t)});
    }
    run_case(c);
  }
  return counts_;
}

}  // namespace

PromqlTestCounts run_promql_test_script(std::string_view script, std::string_view name,
                                        const PromqlTestOptions& options, std::ostream& out) {
  Runner r(name, options, out);
  return r.run(script);
}

int run_promql_test_files(const std::vector<std::string>& files, const PromqlTestOptions& options,
                          std::ostream& out, PromqlTestCounts* totals) {
  PromqlTestCounts all;
  bool io_error = false;
  for (const auto& f : files) {
    std::ifstream in(f);
    if (!in) {
      out << "FAIL " << f << ": cannot read file\n";
      io_error = true;
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string name = f.substr(f.find_last_of('/') == std::string::npos ? 0 : f.find_last_of('/') + 1);
    PromqlTestCounts c = run_promql_test_script(ss.str(), name, options, out);
    out << (c.failed == 0 ? "PASS " : "FAIL ") << name << ": " << c.passed << " passed, "
        << c.failed << " failed, " << c.skipped << " skipped\n";
    all.passed += c.passed;
    all.failed += c.failed;
    all.skipped += c.skipped;
  }
  out << all.passed << " passed, " << all.failed << " failed, " << all.skipped << " skipped\n";
  if (totals) *totals = all;
  return all.failed > 0 || io_error ? 1 : 0;
}

}  // namespace tocsin::promql
