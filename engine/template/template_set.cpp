#include "engine/template/template_set.h"

#include <glob.h>

#include <fstream>
#include <sstream>

#include "engine/template/builtins.h"
#include "engine/model/labels.h"  // go_quote
#include "parser/template/parse.h"

namespace tocsin::tmpl {

TemplateSet::TemplateSet(FuncMap functions) {
  auto merged = std::make_shared<FuncMap>(builtin_functions());
  for (auto& [name, fn] : functions) (*merged)[name] = std::move(fn);
  functions_ = std::move(merged);
}

TemplateSet::TemplateSet(std::shared_ptr<const FuncMap> library) : functions_(std::move(library)) {
  if (!functions_) functions_ = std::make_shared<const FuncMap>(builtin_functions());
}

Status TemplateSet::add(std::vector<Tree> trees) {
  std::vector<std::shared_ptr<const Tree>> shared;
  shared.reserve(trees.size());
  for (auto& t : trees) shared.push_back(std::make_shared<const Tree>(std::move(t)));
  adopt(shared);
  return {};
}

void TemplateSet::adopt(const std::vector<std::shared_ptr<const Tree>>& trees) {
  for (const auto& t : trees) {
    auto it = trees_.find(t->name);
    // An empty definition never replaces an existing one (Go's associate()).
    if (it != trees_.end() && is_empty_tree(t->root.get())) continue;
    trees_[t->name] = t;
  }
}

Status TemplateSet::parse(std::string_view name, std::string_view text) {
  ParseOptions opts;
  opts.has_function = [this](std::string_view f) { return functions_->count(f) > 0; };
  auto trees = tmpl::parse(name, name, text, opts);
  if (!trees) return tl::unexpected(trees.error());
  return add(std::move(*trees));
}

Status TemplateSet::parse_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("template: open " + path + ": no such file or directory");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string base = path.substr(path.find_last_of('/') + 1);
  return parse(base, ss.str());
}

Status TemplateSet::parse_glob(const std::string& pattern) {
  glob_t g{};
  int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
  std::vector<std::string> paths;
  if (rc == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) paths.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  if (rc != 0 && rc != GLOB_NOMATCH) return invalid_argument("template: bad glob " + go_quote(pattern));
  for (const auto& p : paths) {
    if (auto s = parse_file(p); !s) return s;
  }
  return {};
}

bool TemplateSet::has(std::string_view name) const { return trees_.find(name) != trees_.end(); }

std::vector<std::string> TemplateSet::names() const {
  std::vector<std::string> out;
  for (const auto& [n, t] : trees_) out.push_back(n);
  return out;
}

Result<std::string> TemplateSet::execute(std::string_view name, const Value& data,
                                         const ExecContext& ctx) const {
  auto it = trees_.find(name);
  if (it == trees_.end()) {
    return not_found("template: no template " + go_quote(name) + " associated with template \"\"");
  }
  TreeLookup lookup = [this](std::string_view n) -> const Tree* {
    auto i = trees_.find(n);
    return i == trees_.end() ? nullptr : i->second.get();
  };
  return execute_tree(*it->second, lookup, *functions_, data, ctx);
}

Result<std::string> TemplateSet::execute_text(std::string_view text, const Value& data,
                                              const ExecContext& ctx,
                                              std::string_view name) const {
  if (text.empty()) return std::string();
  ParseOptions opts;
  opts.has_function = [this](std::string_view f) { return functions_->count(f) > 0; };
  auto trees = tmpl::parse(name, name, text, opts);
  if (!trees) return tl::unexpected(trees.error());
  // Definitions made by the inline text shadow the set's for this execution only.
  std::map<std::string, const Tree*, std::less<>> local;
  const Tree* top = nullptr;
  for (const auto& t : *trees) {
    if (t.name == name) {
      top = &t;
    } else if (!is_empty_tree(t.root.get()) || !has(t.name)) {
      local[t.name] = &t;
    }
  }
  TreeLookup lookup = [this, &local](std::string_view n) -> const Tree* {
    if (auto i = local.find(n); i != local.end()) return i->second;
    auto i = trees_.find(n);
    return i == trees_.end() ? nullptr : i->second.get();
  };
  return execute_tree(*top, lookup, *functions_, data, ctx);
}

}  // namespace tocsin::tmpl
