// Rule files: Prometheus' rule file format (model/rulefmt), loaded strictly.
//
//   groups:
//     - name: api            # unique per file, required
//       interval: 30s        # optional; 0 = the global evaluation_interval
//       query_offset: 1m     # optional; unset = the global rule_query_offset
//       limit: 10            # optional; most alerts/series a rule may produce (0 = none)
//       labels: {team: x}    # optional; added to every rule's labels (rule labels win)
//       rules:
//         - alert: HighErrorRate | record: job:errors:rate5m
//           expr: ...
//           for: 5m / keep_firing_for: 10m / labels: {...} / annotations: {...}
//
// Every problem is reported, each naming file:line:column. A PromQL error inside `expr` points
// at the line and column of the offending character INSIDE THE FILE (plain, quoted and block
// scalars are mapped back to the source). The checks are those promtool check rules makes:
// group names present and unique, exactly one of record/alert, expr present and parsing,
// no for/keep_firing_for/annotations on recording rules, valid metric and label names, and
// alerting-rule templates that parse.
//
// Files named "<builtin>/NAME" are read from tocsin::builtin::file(NAME), not from disk.
// Loading is a pure function of the file contents; any thread may call these functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/result.h"
#include "engine/common/time.h"
#include "parser/promql/ast.h"
#include "parser/template/ast.h"

namespace tocsin::rules {

inline constexpr std::string_view kBuiltinDir = "<builtin>";

// A 1-based line and column in a file; 0 means unknown.
struct SourcePos {
  int line = 0;
  int column = 0;
};

struct RuleSpec {
  std::string record;  // exactly one of record and alert is set
  std::string alert;
  std::string expr;
  promql::ExprPtr parsed;  // null only in a file that failed to load
  Duration hold = 0;       // `for`
  Duration keep_firing_for = 0;
  std::map<std::string, std::string> labels;       // group labels merged in, rule labels win
  std::map<std::string, std::string> annotations;  // alerting rules only
  SourcePos pos;       // the rule's first key
  SourcePos expr_pos;  // the expr scalar
  std::map<std::string, SourcePos> label_pos;       // value positions, for lints
  std::map<std::string, SourcePos> annotation_pos;  // value positions, for lints
  // Alerting rules: the label and annotation templates parsed while the file was checked, keyed
  // by template name (template_name()); values without "{{" are not templates. Shared, never
  // changed: the rule adopts them instead of parsing them again.
  using ParsedTemplates = std::map<std::string, std::vector<std::shared_ptr<const tmpl::Tree>>>;
  std::shared_ptr<const ParsedTemplates> templates;

  bool is_alert() const { return !alert.empty(); }
  const std::string& name() const { return is_alert() ? alert : record; }
};

struct GroupSpec {
  std::string name;
  std::string file;
  Duration interval = 0;  // 0: the global evaluation_interval
  std::optional<Duration> query_offset;
  int limit = 0;
  std::map<std::string, std::string> labels;
  std::vector<RuleSpec> rules;
  SourcePos pos;
};

struct RuleFile {
  std::string path;
  std::vector<GroupSpec> groups;
};

// One problem in a rule file.
struct RuleFileError {
  std::string file;
  SourcePos pos;
  std::string message;
  bool unsupported = false;  // needs a feature tocsin does not have (native histograms, ...)
  // "file:line:column: message" (the position left out when unknown).
  std::string to_string() const;
};

struct RuleFileOptions {
  // Accept (and drop) keys the format does not know, as promtool --ignore-unknown-fields.
  bool ignore_unknown_fields = false;
};

using RuleFileResult = tl::expected<RuleFile, std::vector<RuleFileError>>;

// Parses the text of one rule file named `path` (used in messages only).
RuleFileResult parse_rule_file(std::string_view text, std::string_view path,
                               const RuleFileOptions& options = {});

// Reads `path` (or the built-in file for "<builtin>/NAME") and parses it.
RuleFileResult load_rule_file(const std::string& path, const RuleFileOptions& options = {});

// Reads a file from disk, or from the built-in files for "<builtin>/NAME".
Result<std::string> read_rule_source(const std::string& path);

// Expands shell globs (paths under "<builtin>/" are kept as they are). A pattern that matches
// nothing yields nothing, as Prometheus' filepath.Glob.
std::vector<std::string> expand_rule_globs(const std::vector<std::string>& patterns);

// Checks that an alerting-rule template parses with Prometheus' data prelude and functions;
// returns the parser's message on failure.
std::optional<std::string> check_template_syntax(std::string_view rule_name,
                                                 std::string_view text);

// The name under which an alerting rule keeps the template of one label ("label:KEY") or
// annotation ("annotation:KEY").
std::string template_name(bool annotation, std::string_view key);

}  // namespace tocsin::rules
