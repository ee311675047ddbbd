// TemplateSet: a named set of Go text/templates with one function library, and the way to
// execute them.
//
// Build it at config-load time: construct with the functions (builtins are always present;
// add prometheus_functions() or alertmanager_functions(), or pass a merged library that many
// sets share, such as prometheus_function_library()), then parse() sources in order —
// inline strings, files, or `templates:` globs. As in Go, a later non-empty definition of a
// name replaces an earlier one, and an empty one (whitespace only) never replaces anything;
// within one source two non-empty definitions of a name are an error.
//
// After loading, the set is read-only: execute() and execute_text() are const and may be called
// from any number of threads at once. Neither reads the clock, the filesystem or the network;
// everything comes from the data Value and the ExecContext.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/result.h"
#include "engine/template/function.h"
#include "engine/template/value.h"
#include "parser/template/ast.h"

namespace tocsin::tmpl {

class TemplateSet {
 public:
  // `functions` extend (and may override) the builtins.
  explicit TemplateSet(FuncMap functions = {});
  // Shares an already merged library (builtins included): no copy per set.
  explicit TemplateSet(std::shared_ptr<const FuncMap> library);

  // Parses `text` as template `name` plus its {{define}}s. Errors carry Go-style positions.
  Status parse(std::string_view name, std::string_view text);
  // Reads and parses a file; the template is named after the file's base name (as Go's
  // ParseFiles does).
  Status parse_file(const std::string& path);
  // Parses every file matching a glob. No match is not an error (Alertmanager's behaviour).
  Status parse_glob(const std::string& pattern);

  // Adds trees parsed elsewhere (parse()'s output, shared and never changed), as parse() would.
  void adopt(const std::vector<std::shared_ptr<const Tree>>& trees);

  bool has(std::string_view name) const;
  std::vector<std::string> names() const;
  const FuncMap& functions() const { return *functions_; }

  // Executes the named template.
  Result<std::string> execute(std::string_view name, const Value& data,
                              const ExecContext& ctx) const;
  // Parses `text` as a one-off template that can call every template of the set (Alertmanager's
  // ExecuteTextString, Prometheus' Expand) and executes it. Empty text renders "". `name`
  // names the one-off template in error messages (Prometheus uses "__alert_" + rule name).
  Result<std::string> execute_text(std::string_view text, const Value& data,
                                   const ExecContext& ctx, std::string_view name = "") const;

 private:
  Status add(std::vector<Tree> trees);

  std::shared_ptr<const FuncMap> functions_;  // never null
  std::map<std::string, std::shared_ptr<const Tree>, std::less<>> trees_;
};

// Executes one tree. `lookup` resolves {{template "name"}} calls. Exposed for TemplateSet and
// tests; most callers want TemplateSet.
using TreeLookup = std::function<const Tree*(std::string_view name)>;
Result<std::string> execute_tree(const Tree& tree, const TreeLookup& lookup, const FuncMap& funcs,
                                 const Value& data, const ExecContext& ctx);

}  // namespace tocsin::tmpl
