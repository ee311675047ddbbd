#include "engine/rules/rule_file.h"

#include <glob.h>

#include <fstream>
#include <set>
#include <sstream>

#include "engine/model/labels.h"
#include "engine/rules/unsupported.h"
#include "engine/template/prometheus_data.h"
#include "engine/template/prometheus_functions.h"
#include "parser/promql/parse.h"
#include "parser/template/parse.h"
#include "parser/yaml/load.h"
#include "rules/builtin_files.h"

namespace tocsin::rules {

std::string RuleFileError::to_string() const {
  std::string out = file;
  if (pos.line > 0) {
    out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  }
  return out + ": " + message;
}

// Parses one label or annotation template of alerting rule `rule_name` as template `name`;
// nullopt when it does not parse (check_template_syntax then gives the message).
std::optional<std::vector<std::shared_ptr<const tmpl::Tree>>> parse_rule_template(
    std::string_view rule_name, const std::string& name, std::string_view text);

namespace {

SourcePos pos_of(const yaml::Node& n) {
  const yaml::Mark& m = n.mark();
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

// Line and column (1-based) of byte `p` of `text`.
SourcePos pos_at(std::string_view text, size_t p) {
  SourcePos out{1, 1};
  for (size_t i = 0; i < p && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++out.line;
      out.column = 1;
    } else {
      ++out.column;
    }
  }
  return out;
}

// Maps byte `offset` of a scalar's value back to the file: walks the source the way a YAML
// reader produces the value (escapes, folded line breaks, block indentation). Best effort:
// exotic escapes and chomping details may put the column a little off, never the line.
SourcePos scalar_offset_position(std::string_view text, const yaml::Mark& mark,
                                 std::uint32_t offset) {
  if (mark.pos < 0 || static_cast<size_t>(mark.pos) >= text.size()) return {};
  size_t p = static_cast<size_t>(mark.pos);
  const char style = text[p];
  auto skip_blanks = [&](size_t q) {
    while (q < text.size() && (text[q] == ' ' || text[q] == '\t')) ++q;
    return q;
  };
  if (style == '|' || style == '>') {
    size_t line_start = text.find('\n', p);
    if (line_start == std::string_view::npos) return pos_at(text, p);
    ++line_start;
    // Indentation of the first non-empty content line.
    size_t indent = std::string_view::npos;
    std::uint32_t value_pos = 0;
    while (line_start < text.size()) {
      size_t end = text.find('\n', line_start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(line_start, end - line_start);
      size_t first = line.find_first_not_of(' ');
      if (first == std::string_view::npos) {  // empty line: one line break in the value
        ++value_pos;
        line_start = end + 1;
        continue;
      }
      if (indent == std::string_view::npos) indent = first;
      if (first < indent) break;  // the scalar ended
      std::uint32_t len = static_cast<std::uint32_t>(line.size() - indent);
      if (offset <= value_pos + len) {
        return pos_at(text, line_start + indent + (offset - value_pos));
      }
      value_pos += len + 1;
      line_start = end + 1;
    }
    return pos_at(text, line_start);
  }
  std::uint32_t vi = 0;
  if (style == '"' || style == '\'') {
    ++p;
    while (p < text.size() && vi < offset) {
      char c = text[p];
      if (c == style) {
        if (style == '\'' && p + 1 < text.size() && text[p + 1] == '\'') {
          p += 2;
          ++vi;
          continue;
        }
        break;
      }
      if (style == '"' && c == '\\' && p + 1 < text.size()) {
        char e = text[p + 1];
        p += e == 'x' ? 4 : e == 'u' ? 6 : e == 'U' ? 10 : 2;
        ++vi;
        continue;
      }
      if (c == '\n') {
        p = skip_blanks(p + 1);
        ++vi;
        continue;
      }
      ++p;
      ++vi;
    }
    return pos_at(text, p);
  }
  while (p < text.size() && vi < offset) {
    if (text[p] == '\n') {
      p = skip_blanks(p + 1);
      ++vi;
      continue;
    }
    ++p;
    ++vi;
  }
  return pos_at(text, p);
}

// Walks the YAML tree, collecting errors with positions.
class Loader {
 public:
  Loader(std::string_view text, std::string_view path, const RuleFileOptions& options)
      : text_(text), path_(path), options_(options) {}

  RuleFileResult run() {
    RuleFile file;
    file.path = path_;
    auto loaded = yaml::load(text_);
    if (!loaded) {
      error({loaded.error().mark.line + 1, loaded.error().mark.column + 1},
            loaded.error().message);
      return tl::unexpected(std::move(errors_));
    }
    const yaml::Node& root = *loaded;
    if (root.is_null() || !root.defined()) return file;  // empty file: no groups
    if (!root.is_map()) {
      error(pos_of(root), "cannot unmarshal " + kind(root) + " into rulefmt.RuleGroups");
      return tl::unexpected(std::move(errors_));
    }
    check_keys(root, {"groups"}, "rulefmt.RuleGroups");
    const yaml::Node& groups = root["groups"];
    if (groups && !groups.is_null()) {
      if (!groups.is_sequence()) {
        error(pos_of(groups), "cannot unmarshal " + kind(groups) + " into []rulefmt.RuleGroup");
      } else {
        std::set<std::string> names;
        for (const yaml::Node& g : groups.items()) {
          GroupSpec spec = group(g);
          if (spec.name.empty()) {
            error(pos_of(g), "Groupname must not be empty");
          } else if (!names.insert(spec.name).second) {
            error(pos_of(g), "groupname: \"" + spec.name + "\" is repeated in the same file");
          }
          file.groups.push_back(std::move(spec));
        }
      }
    }
    if (!errors_.empty()) return tl::unexpected(std::move(errors_));
    return file;
  }

 private:
  static std::string kind(const yaml::Node& n) {
    if (n.is_sequence()) return "!!seq";
    if (n.is_map()) return "!!map";
    if (n.is_null()) return "!!null";
    return "!!str `" + n.scalar() + "`";
  }

  void error(SourcePos pos, std::string message, bool unsupported = false) {
    errors_.push_back(RuleFileError{std::string(path_), pos, std::move(message), unsupported});
  }

  // Unknown and repeated keys of a mapping.
  void check_keys(const yaml::Node& map, std::initializer_list<std::string_view> known,
                  std::string_view type, bool any_key = false) {
    std::map<std::string, SourcePos> seen;
    for (std::size_t i = 0; i < map.pair_count(); ++i) {
      const yaml::Node& k = map.key(i);
      std::string key = k.is_scalar() ? k.scalar() : "";
      SourcePos pos = pos_of(k);
      if (auto it = seen.find(key); it != seen.end()) {
        error(pos, "mapping key \"" + key + "\" already defined at line " +
                       std::to_string(it->second.line));
        continue;
      }
      seen.emplace(key, pos);
      if (options_.ignore_unknown_fields || any_key) continue;
      bool ok = false;
      for (auto k : known) ok = ok || k == key;
      if (!ok) error(pos, "field " + key + " not found in type " + std::string(type));
    }
  }

  std::string scalar(const yaml::Node& n, std::string_view what) {
    if (!n || n.is_null()) return "";
    if (!n.is_scalar()) {
      error(pos_of(n), "cannot unmarshal " + kind(n) + " into " + std::string(what));
      return "";
    }
    return n.scalar();
  }

  Duration duration(const yaml::Node& n) {
    std::string s = scalar(n, "model.Duration");
    if (s.empty()) return 0;
    auto d = parse_duration(s);
    if (!d) {
      error(pos_of(n), "not a valid duration string: \"" + s + "\"");
      return 0;
    }
    return *d;
  }

  std::map<std::string, std::string> string_map(const yaml::Node& n, const char* what,
                                                std::map<std::string, SourcePos>* positions) {
    std::map<std::string, std::string> out;
    if (!n || n.is_null()) return out;
    if (!n.is_map()) {
      error(pos_of(n), "cannot unmarshal " + kind(n) + " into map[string]string");
      return out;
    }
    check_keys(n, {}, "", true);  // only duplicates: every key is allowed
    for (std::size_t i = 0; i < n.pair_count(); ++i) {
      std::string k = scalar(n.key(i), "string");
      out[k] = scalar(n.value(i), "string");
      if (positions) (*positions)[k] = pos_of(n.value(i));
    }
    (void)what;
    return out;
  }

  GroupSpec group(const yaml::Node& g) {
    GroupSpec spec;
    spec.file = path_;
    spec.pos = pos_of(g);
    if (!g.is_map()) {
      error(pos_of(g), "cannot unmarshal " + kind(g) + " into rulefmt.RuleGroup");
      return spec;
    }
    // check_keys with ignore_unknown_fields still reports duplicates.
    check_keys(g, {"name", "interval", "query_offset", "limit", "rules", "labels"},
               "rulefmt.RuleGroup");
    spec.name = scalar(g["name"], "string");
    spec.interval = duration(g["interval"]);
    if (g["query_offset"] && !g["query_offset"].is_null()) {
      spec.query_offset = duration(g["query_offset"]);
    }
    if (const yaml::Node& l = g["limit"]; l && !l.is_null()) {
      std::string s = scalar(l, "int");
      try {
        size_t used = 0;
        spec.limit = std::stoi(s, &used);
        if (used != s.size()) throw std::invalid_argument(s);
      } catch (const std::exception&) {
        error(pos_of(l), "cannot unmarshal !!str `" + s + "` into int");
      }
    }
    spec.labels = string_map(g["labels"], "labels", nullptr);
    for (const auto& [k, v] : spec.labels) {
      if (!is_valid_label_name(k) || k == kMetricName) {
        error(pos_of(g["labels"]), "invalid label name: " + k);
      }
    }
    const yaml::Node& rules = g["rules"];
    if (rules && !rules.is_null()) {
      if (!rules.is_sequence()) {
        error(pos_of(rules), "cannot unmarshal " + kind(rules) + " into []rulefmt.Rule");
      } else {
        int index = 0;
        for (const yaml::Node& r : rules.items()) spec.rules.push_back(rule(r, spec, ++index));
      }
    }
    return spec;
  }

  RuleSpec rule(const yaml::Node& r, const GroupSpec& group, int index) {
    RuleSpec spec;
    spec.pos = pos_of(r);
    if (!r.is_map()) {
      error(pos_of(r), "cannot unmarshal " + kind(r) + " into rulefmt.Rule");
      return spec;
    }
    check_keys(r, {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"},
               "rulefmt.Rule");
    spec.record = scalar(r["record"], "string");
    spec.alert = scalar(r["alert"], "string");
    const yaml::Node& expr = r["expr"];
    spec.expr = scalar(expr, "string");
    spec.expr_pos = expr ? pos_of(expr) : spec.pos;
    spec.hold = duration(r["for"]);
    spec.keep_firing_for = duration(r["keep_firing_for"]);
    std::map<std::string, SourcePos> label_pos;
    auto own_labels = string_map(r["labels"], "labels", &spec.label_pos);
    spec.annotations = string_map(r["annotations"], "annotations", &spec.annotation_pos);
    spec.labels = group.labels;
    for (const auto& [k, v] : own_labels) spec.labels[k] = v;

    const std::string name = spec.is_alert() ? spec.alert : spec.record;
    const SourcePos name_pos = r["alert"]   ? pos_of(r["alert"])
                               : r["record"] ? pos_of(r["record"])
                                             : spec.pos;
    auto rule_error = [&](SourcePos pos, const std::string& msg, bool unsupported = false) {
      error(pos, "group \"" + group.name + "\", rule " + std::to_string(index) + ", \"" + name +
                     "\": " + msg,
            unsupported);
    };
    if (!spec.record.empty() && !spec.alert.empty()) {
      rule_error(name_pos, "only one of 'record' and 'alert' must be set");
    }
    if (spec.record.empty() && spec.alert.empty()) {
      rule_error(spec.pos, "one of 'record' or 'alert' must be set");
    }
    if (spec.expr.empty()) {
      rule_error(spec.expr_pos, "field 'expr' must be set in rule");
    } else {
      auto parsed = promql::parse_expr(spec.expr);
      if (!parsed) {
        SourcePos at = scalar_offset_position(text_, expr.mark(), parsed.error().offset);
        if (at.line == 0) at = spec.expr_pos;
        if (auto why = unsupported_syntax(spec.expr)) {
          rule_error(at, "could not parse expression: not supported: " + *why + " (" +
                             parsed.error().to_string() + ")",
                     true);
        } else {
          rule_error(at, "could not parse expression: " + parsed.error().to_string());
        }
      } else {
        spec.parsed = *parsed;
        if (auto why = unsupported_feature(**parsed)) {
          rule_error(spec.expr_pos, "not supported: " + *why, true);
        }
      }
    }
    if (!spec.record.empty()) {
      if (!spec.annotations.empty()) {
        rule_error(name_pos, "invalid field 'annotations' in recording rule");
      }
      if (spec.hold != 0) rule_error(name_pos, "invalid field 'for' in recording rule");
      if (spec.keep_firing_for != 0) {
        rule_error(name_pos, "invalid field 'keep_firing_for' in recording rule");
      }
      if (spec.record.find_first_of("{}") != std::string::npos) {
        rule_error(name_pos, "braces present in the recording rule name; should it be in expr?: " +
                                 spec.record);
      } else if (!is_valid_metric_name(spec.record)) {
        rule_error(name_pos, "invalid recording rule name: " + spec.record +
                                 " (not supported: UTF-8 metric names)",
                   true);
      }
    }
    for (const auto& [k, v] : own_labels) {
      if (!is_valid_label_name(k) || k == kMetricName) {
        rule_error(spec.label_pos[k], "invalid label name: " + k);
      }
    }
    for (const auto& [k, v] : spec.annotations) {
      if (!is_valid_label_name(k)) rule_error(spec.annotation_pos[k], "invalid annotation name: " + k);
    }
    if (spec.is_alert()) {
      // Parsed once here (files load on several threads) and kept for the rule to adopt.
      auto parsed = std::make_shared<RuleSpec::ParsedTemplates>();
      auto compile = [&](bool annotation, const std::string& k, const std::string& v) {
        if (v.find("{{") == std::string::npos) return;  // plain text
        std::string name = template_name(annotation, k);
        if (auto trees = parse_rule_template(spec.alert, name, v)) {
          (*parsed)[name] = std::move(*trees);
          return;
        }
        if (auto e = check_template_syntax(spec.alert, v)) {
          rule_error(annotation ? spec.annotation_pos[k] : spec.label_pos[k],
                     std::string(annotation ? "annotation" : "label") + " \"" + k + "\": " + *e);
        }
      };
      for (const auto& [k, v] : own_labels) compile(false, k, v);
      for (const auto& [k, v] : spec.annotations) compile(true, k, v);
      if (!parsed->empty()) spec.templates = std::move(parsed);
    }
    return spec;
  }

  std::string_view text_;
  std::string_view path_;
  const RuleFileOptions& options_;
  std::vector<RuleFileError> errors_;
};

}  // namespace

// Parses `text` with Prometheus' data prelude and functions as template `name`, located (in
// errors and at execution) as Prometheus names a rule's templates: "__alert_" + rule.
Result<std::vector<tmpl::Tree>> parse_alert_template(std::string_view rule_name,
                                                     std::string_view name,
                                                     std::string_view text) {
  const tmpl::FuncMap& funcs = *tmpl::prometheus_function_library();
  std::string full = std::string(tmpl::kPrometheusAlertPrelude) + std::string(text);
  const std::string parse_name = "__alert_" + std::string(rule_name);
  tmpl::ParseOptions options;
  options.has_function = [&funcs](std::string_view n) { return funcs.find(n) != funcs.end(); };
  return tmpl::parse(name, parse_name, full, options);
}

std::optional<std::string> check_template_syntax(std::string_view rule_name,
                                                 std::string_view text) {
  if (text.find("{{") == std::string_view::npos) return std::nullopt;  // no action: plain text
  auto parsed = parse_alert_template(rule_name, "__alert_" + std::string(rule_name), text);
  if (!parsed) return parsed.error().message;
  return std::nullopt;
}

std::string template_name(bool annotation, std::string_view key) {
  return (annotation ? "annotation:" : "label:") + std::string(key);
}

std::optional<std::vector<std::shared_ptr<const tmpl::Tree>>> parse_rule_template(
    std::string_view rule_name, const std::string& name, std::string_view text) {
  auto trees = parse_alert_template(rule_name, name, text);
  if (!trees) return std::nullopt;
  std::vector<std::shared_ptr<const tmpl::Tree>> out;
  for (auto& t : *trees) {
    // A {{define}} of Prometheus' own name for the template is an error there (a second
    // definition); leave that verdict to check_template_syntax.
    if (t.name == t.parse_name) return std::nullopt;
    out.push_back(std::make_shared<const tmpl::Tree>(std::move(t)));
  }
  return out;
}

RuleFileResult parse_rule_file(std::string_view text, std::string_view path,
                               const RuleFileOptions& options) {
  return Loader(text, path, options).run();
}

Result<std::string> read_rule_source(const std::string& path) {
  std::string prefix = std::string(kBuiltinDir) + "/";
  if (path.rfind(prefix, 0) == 0) {
    std::string_view text = builtin::file(std::string_view(path).substr(prefix.size()));
    if (text.empty()) return not_found(path + ": no such built-in file");
    return std::string(text);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(path + ": open " + path + ": no such file or directory");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RuleFileResult load_rule_file(const std::string& path, const RuleFileOptions& options) {
  auto text = read_rule_source(path);
  if (!text) {
    return tl::unexpected(std::vector<RuleFileError>{{path, {}, text.error().message}});
  }
  return parse_rule_file(*text, path, options);
}

std::vector<std::string> expand_rule_globs(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  std::string prefix = std::string(kBuiltinDir) + "/";
  for (const auto& p : patterns) {
    if (p.rfind(prefix, 0) == 0) {
      out.push_back(p);
      continue;
    }
    glob_t g{};
    if (::glob(p.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    }
    ::globfree(&g);
  }
  return out;
}

}  // namespace tocsin::rules
