#include "engine/template/prometheus_functions.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/common/time.h"
#include "engine/model/labels.h"
#include "engine/template/builtins.h"
#include "engine/template/go_fmt.h"
#include "engine/template/string_functions.h"

namespace tocsin::tmpl {
namespace {

using Args = std::span<const Value>;

std::string g4(double v) { return format_float(v, 'g', 4); }

constexpr std::string_view kSampleType = "*template.sample";

Value sample_value(const QuerySample& s) {
  auto o = std::make_shared<Struct>(std::string(kSampleType));
  o->set("Labels", Value::string_map(s.labels)).set("Value", s.value);
  return Value::object(std::move(o));
}

Result<const Object*> arg_sample(const Value& v) {
  if (v.kind() == Value::Kind::kObject && v.as_object().type_name() == kSampleType) {
    return &v.as_object();
  }
  return tl::unexpected(wrong_type(kSampleType, v));
}

Result<const ListData*> arg_query_result(const Value& v) {
  const ListData* l = v.list_data();
  if (l == nullptr || l->type_name != "template.queryResult") {
    return tl::unexpected(wrong_type("template.queryResult", v));
  }
  return l;
}

std::string sample_label(const Object& s, std::string_view name) {
  const MapData* m = s.field("Labels")->map_data();
  auto it = m->entries.find(name);
  return it == m->entries.end() ? "" : it->second.as_string();
}

bool parse_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

Result<GoTime> float_to_time(double v) {
  if (std::isnan(v) || std::isinf(v)) return invalid_argument("value is NaN or Inf");
  double ts = v * 1e9;
  if (ts > 9.223372036854775807e18 || ts < -9.223372036854775808e18) {
    return invalid_argument(format_float(v, 'g', -1) +
                            " cannot be represented as a nanoseconds timestamp since it "
                            "overflows int64");
  }
  // model.TimeFromUnixNano keeps milliseconds.
  std::int64_t ms = static_cast<std::int64_t>(ts) / 1000000;
  return GoTime::from_ms(ms);
}

template <class F>
Function string_result(F f) {
  return {1, 1, [f](const ExecContext&, Args a) -> Result<Value> {
            auto s = f(a[0]);
            if (!s) return tl::unexpected(s.error());
            return Value(*s);
          }};
}

Function string_fn(std::string (*f)(std::string_view)) {
  return {1, 1, [f](const ExecContext&, Args a) -> Result<Value> {
            auto s = arg_string(a[0]);
            if (!s) return tl::unexpected(s.error());
            return Value(f(*s));
          }};
}

// The url path of an external URL ("http://host:9090/prom" -> "/prom").
std::string url_path(std::string_view url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : url.find('/', scheme + 3);
  if (start == std::string_view::npos) return "";
  std::string_view rest = url.substr(start);
  size_t end = rest.find_first_of("?#");
  return std::string(rest.substr(0, end));
}

}  // namespace

Result<double> convert_to_float(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kFloat: return v.as_float();
    case Value::Kind::kInt: return static_cast<double>(v.as_int());
    case Value::Kind::kString: return parse_go_float(v.as_string());
    case Value::Kind::kDuration: return static_cast<double>(v.as_duration()) / 1e9;
    default:
      return invalid_argument("can't convert " +
                              (v.is_nil() || v.is_missing() ? std::string("<nil>") : v.type_name()) +
                              " to float");
  }
}

Result<std::string> humanize(const Value& in) {
  auto f = convert_to_float(in);
  if (!f) return tl::unexpected(f.error());
  double v = *f;
  if (v == 0 || std::isnan(v) || std::isinf(v)) return g4(v);
  if (std::fabs(v) >= 1) {
    std::string prefix;
    for (const char* p : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return g4(v) + prefix;
  }
  std::string prefix;
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v) + prefix;
}

Result<std::string> humanize_1024(const Value& in) {
  auto f = convert_to_float(in);
  if (!f) return tl::unexpected(f.error());
  double v = *f;
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return g4(v);
  std::string prefix;
  for (const char* p : {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v) + prefix;
}

Result<std::string> humanize_duration(const Value& in) {
  auto f = convert_to_float(in);
  if (!f) return tl::unexpected(f.error());
  double v = *f;
  if (std::isnan(v) || std::isinf(v)) return g4(v);
  if (v == 0) return g4(v) + "s";
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    auto d = static_cast<std::int64_t>(v);
    std::int64_t seconds = d % 60, minutes = (d / 60) % 60, hours = (d / 60 / 60) % 24,
                 days = d / 60 / 60 / 24;
    auto s = [](std::int64_t x) { return std::to_string(x); };
    if (days != 0) return sign + s(days) + "d " + s(hours) + "h " + s(minutes) + "m " + s(seconds) + "s";
    if (hours != 0) return sign + s(hours) + "h " + s(minutes) + "m " + s(seconds) + "s";
    if (minutes != 0) return sign + s(minutes) + "m " + s(seconds) + "s";
    return sign + g4(v) + "s";
  }
  std::string prefix;
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v) + prefix + "s";
}

Result<std::string> humanize_percentage(const Value& in) {
  auto f = convert_to_float(in);
  if (!f) return tl::unexpected(f.error());
  return g4(*f * 100) + "%";
}

Result<std::string> humanize_timestamp(const Value& in) {
  double v;
  if (in.kind() == Value::Kind::kTime) {
    v = static_cast<double>(in.as_time().sec) + in.as_time().nsec / 1e9;
  } else {
    auto f = convert_to_float(in);
    if (!f) return tl::unexpected(f.error());
    v = *f;
  }
  if (std::isnan(v) || std::isinf(v)) return g4(v);
  auto t = float_to_time(v);
  if (!t) return tl::unexpected(t.error());
  return format_value(Value::time(*t));
}

Value make_query_result(const std::vector<QuerySample>& samples) {
  std::vector<Value> items;
  items.reserve(samples.size());
  for (const auto& s : samples) items.push_back(sample_value(s));
  return Value::list(std::move(items), "template.queryResult");
}

void add_shared_text_functions(FuncMap& m) {
  m["match"] = {2, 2, [](const ExecContext&, Args a) -> Result<Value> {
                  auto p = arg_string(a[0]);
                  if (!p) return tl::unexpected(p.error());
                  auto t = arg_string(a[1]);
                  if (!t) return tl::unexpected(t.error());
                  auto r = regexp_match(*p, *t);
                  if (!r) return tl::unexpected(r.error());
                  return Value(*r);
                }};
  m["reReplaceAll"] = {3, 3, [](const ExecContext&, Args a) -> Result<Value> {
                         auto p = arg_string(a[0]);
                         if (!p) return tl::unexpected(p.error());
                         auto r = arg_string(a[1]);
                         if (!r) return tl::unexpected(r.error());
                         auto t = arg_string(a[2]);
                         if (!t) return tl::unexpected(t.error());
                         auto out = regexp_replace_all(*p, *r, *t);
                         if (!out) return tl::unexpected(out.error());
                         return Value(*out);
                       }};
  m["safeHtml"] = {1, 1, [](const ExecContext&, Args a) -> Result<Value> {
                     auto s = arg_string(a[0]);
                     if (!s) return tl::unexpected(s.error());
                     return Value::html(*s);
                   }};
}

FuncMap prometheus_functions() {
  FuncMap m;
  add_shared_text_functions(m);
  m["query"] = {1, 1, [](const ExecContext& ctx, Args a) -> Result<Value> {
                  auto q = arg_string(a[0]);
                  if (!q) return tl::unexpected(q.error());
                  if (!ctx.query) return unavailable("no query engine available to templates");
                  auto r = ctx.query(*q, ctx.now);
                  if (!r) return tl::unexpected(r.error());
                  return make_query_result(*r);
                }};
  m["first"] = {1, 1, [](const ExecContext&, Args a) -> Result<Value> {
                  auto l = arg_query_result(a[0]);
                  if (!l) return tl::unexpected(l.error());
                  if ((*l)->items.empty()) {
                    return invalid_argument("first() called on vector with no elements");
                  }
                  return (*l)->items[0];
                }};
  m["label"] = {2, 2, [](const ExecContext&, Args a) -> Result<Value> {
                  auto name = arg_string(a[0]);
                  if (!name) return tl::unexpected(name.error());
                  auto s = arg_sample(a[1]);
                  if (!s) return tl::unexpected(s.error());
                  return Value(sample_label(**s, *name));
                }};
  m["value"] = {1, 1, [](const ExecContext&, Args a) -> Result<Value> {
                  auto s = arg_sample(a[0]);
                  if (!s) return tl::unexpected(s.error());
                  return *(*s)->field("Value");
                }};
  m["strvalue"] = {1, 1, [](const ExecContext&, Args a) -> Result<Value> {
                     auto s = arg_sample(a[0]);
                     if (!s) return tl::unexpected(s.error());
                     return Value(sample_label(**s, "__value__"));
                   }};
  m["args"] = {0, -1, [](const ExecContext&, Args a) -> Result<Value> {
                 std::map<std::string, Value, std::less<>> out;
                 for (size_t i = 0; i < a.size(); ++i) out.emplace("arg" + std::to_string(i), a[i]);
                 return Value::map(std::move(out));
               }};
  m["title"] = string_fn(&strings_title);
  m["toUpper"] = string_fn(&to_upper);
  m["toLower"] = string_fn(&to_lower);
  m["graphLink"] = {1, 1, [](const ExecContext&, Args a) -> Result<Value> {
                      auto e = arg_string(a[0]);
                      if (!e) return tl::unexpected(e.error());
                      return Value("/graph?g0.expr=" + query_escape(*e) + "&g0.tab=0");
                    }};
  m["tableLink"] = {1, 1, [](const ExecContext&, Args a) -> Result<Value> {
                      auto e = arg_string(a[0]);
                      if (!e) return tl::unexpected(e.error());
                      return Value("/graph?g0.expr=" + query_escape(*e) + "&g0.tab=1");
                    }};
  m["sortByLabel"] = {2, 2, [](const ExecContext&, Args a) -> Result<Value> {
                        auto name = arg_string(a[0]);
                        if (!name) return tl::unexpected(name.error());
                        auto l = arg_query_result(a[1]);
                        if (!l) return tl::unexpected(l.error());
                        std::vector<Value> items = (*l)->items;
                        std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
                          return sample_label(x.as_object(), *name) < sample_label(y.as_object(), *name);
                        });
                        return Value::list(std::move(items), "template.queryResult");
                      }};
  m["stripPort"] = {1, 1, [](const ExecContext&, Args a) -> Result<Value> {
                      auto hp = arg_string(a[0]);
                      if (!hp) return tl::unexpected(hp.error());
                      std::string host, port;
                      if (!split_host_port(*hp, &host, &port)) return Value(*hp);
                      return Value(host);
                    }};
  m["stripDomain"] = {1, 1, [](const ExecContext&, Args a) -> Result<Value> {
                        auto hp = arg_string(a[0]);
                        if (!hp) return tl::unexpected(hp.error());
                        if (hp->empty()) return Value("");
                        std::string host, port;
                        if (!split_host_port(*hp, &host, &port)) {
                          host = *hp;
                          port.clear();
                        }
                        if (parse_ip(host)) return Value(*hp);
                        host = host.substr(0, host.find('.'));
                        if (!port.empty()) return Value(join_host_port(host, port));
                        return Value(host);
                      }};
  m["humanize"] = string_result(&humanize);
  m["humanize1024"] = string_result(&humanize_1024);
  m["humanizeDuration"] = string_result(&humanize_duration);
  m["humanizePercentage"] = string_result(&humanize_percentage);
  m["humanizeTimestamp"] = string_result(&humanize_timestamp);
  m["toTime"] = {1, 1, [](const ExecContext&, Args a) -> Result<Value> {
                   auto f = convert_to_float(a[0]);
                   if (!f) return tl::unexpected(f.error());
                   auto t = float_to_time(*f);
                   if (!t) return tl::unexpected(t.error());
                   return Value::time(*t);
                 }};
  m["toDuration"] = {1, 1, [](const ExecContext&, Args a) -> Result<Value> {
                       auto f = convert_to_float(a[0]);
                       if (!f) return tl::unexpected(f.error());
                       if (std::isnan(*f) || std::isinf(*f)) return invalid_argument("value is NaN or Inf");
                       // time.Duration(v * 1e9): out of int64's range Go's conversion
                       // on amd64 yields math.MinInt64 (in C++ the cast is undefined).
                       const double ns = *f * 1e9;
                       if (!(ns >= -9223372036854775808.0 && ns < 9223372036854775808.0)) {
                         return Value::duration(std::numeric_limits<std::int64_t>::min());
                       }
                       return Value::duration(static_cast<std::int64_t>(ns));
                     }};
  m["now"] = {0, 0, [](const ExecContext& ctx, Args) -> Result<Value> {
                return Value(static_cast<double>(ctx.now) / 1000.0);
              }};
  m["parseDuration"] = {1, 1, [](const ExecContext&, Args a) -> Result<Value> {
                          auto s = arg_string(a[0]);
                          if (!s) return tl::unexpected(s.error());
                          auto d = parse_duration(*s);
                          if (!d) return invalid_argument("not a valid duration string: " + go_quote(*s));
                          return Value(static_cast<double>(*d) / 1000.0);
                        }};
  m["pathPrefix"] = {0, 0, [](const ExecContext& ctx, Args) -> Result<Value> {
                       return Value(url_path(ctx.external_url));
                     }};
  m["externalURL"] = {0, 0, [](const ExecContext& ctx, Args) -> Result<Value> {
                        return Value(ctx.external_url);
                      }};
  return m;
}

const std::shared_ptr<const FuncMap>& prometheus_function_library() {
  static const std::shared_ptr<const FuncMap> library = [] {
    auto m = std::make_shared<FuncMap>(builtin_functions());
    for (auto& [name, fn] : prometheus_functions()) (*m)[name] = std::move(fn);
    return std::shared_ptr<const FuncMap>(std::move(m));
  }();
  return library;
}

}  // namespace tocsin::tmpl
