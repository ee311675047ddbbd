// The executor: walks a Tree against a data Value, as Go's text/template/exec.go does.
//
// Errors are thrown as ExecFailure inside this file and caught once, in execute_tree(). Error
// texts follow Go: "template: NAME:LINE:COL: executing \"NAME\" at <NODE>: MESSAGE".
#include <chrono>
#include <optional>
#include <utility>

#include "engine/template/builtins.h"
#include "engine/template/go_fmt.h"
#include "engine/template/go_time.h"
#include "engine/template/template_set.h"
#include "engine/model/labels.h"  // go_quote

namespace tocsin::tmpl {
namespace {

// Slack's escaping: exactly &, < and >.
std::string slack_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

struct ExecFailure {
  ErrorCode code;
  std::string message;
};

enum class Control { kNormal, kBreak, kContinue };

class Executor {
 public:
  Executor(const TreeLookup& lookup, const FuncMap& funcs, const ExecContext& ctx)
      : lookup_(lookup), funcs_(funcs), ctx_(ctx) {
    if (ctx_.limits.max_duration.count() > 0) {
      deadline_ = std::chrono::steady_clock::now() + ctx_.limits.max_duration;
    }
  }

  std::string run(const Tree& tree, const Value& data) {
    tree_ = &tree;
    vars_.push_back({"$", data});
    if (!tree.root) errorf("\"" + tree.name + "\" is an incomplete or empty template");
    walk(data, *tree.root);
    return std::move(out_);
  }

 private:
  struct Var {
    std::string name;
    Value value;
  };

  // ---- errors -------------------------------------------------------------------------------

  // `with_context`: name the node's text (Go's "at <...>"). Printing a node walks its subtree,
  // so the nesting-limit error, raised deep in the stack, leaves it out.
  [[noreturn]] void errorf(const std::string& msg, ErrorCode code = ErrorCode::kInvalidArgument,
                           bool with_context = true) {
    std::string prefix;
    if (node_ != nullptr && !with_context) {
      prefix = "template: " + tree_->location(node_->pos) + ": executing " + go_quote(tree_->name) +
               ": ";
    } else if (node_ == nullptr) {
      prefix = "template: " + tree_->name + ": ";
    } else {
      std::string context = to_string(*node_);
      if (context.size() > 20) context = context.substr(0, 20) + "...";
      prefix = "template: " + tree_->location(node_->pos) + ": executing " + go_quote(tree_->name) +
               " at <" + context + ">: ";
    }
    throw ExecFailure{code, prefix + msg};
  }
  void at(const Node* n) { node_ = n; }

  void step() {
    if (++steps_ > ctx_.limits.max_steps) {
      errorf("execution exceeded the limit of " + std::to_string(ctx_.limits.max_steps) + " steps",
             ErrorCode::kResourceExhausted);
    }
    if ((steps_ & 255) == 0) check_deadline();
  }

  void check_deadline() {
    if (deadline_ && std::chrono::steady_clock::now() > *deadline_) {
      errorf("execution exceeded the time limit of " +
                 std::to_string(ctx_.limits.max_duration.count()) + "ms",
             ErrorCode::kDeadlineExceeded);
    }
  }

  // Counts one level of recursion (walk, pipeline) for as long as it lives.
  struct Nest {
    explicit Nest(Executor* e) : e_(e) {
      if (++e_->nesting_ > e_->ctx_.limits.max_nesting) {
        e_->errorf("exceeded maximum nesting depth (" +
                       std::to_string(e_->ctx_.limits.max_nesting) + ")",
                   ErrorCode::kResourceExhausted, false);
      }
    }
    ~Nest() { --e_->nesting_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    Executor* e_;
  };

  // A function's or method's result: no single string may outgrow the output limit.
  Value checked(Value v) {
    check_deadline();
    if (v.kind() == Value::Kind::kString && v.as_string().size() > ctx_.limits.max_output_bytes) {
      errorf("a value exceeded the limit of " + std::to_string(ctx_.limits.max_output_bytes) +
                 " bytes",
             ErrorCode::kResourceExhausted);
    }
    return v;
  }

  void write(std::string_view s) {
    if (out_.size() + s.size() > ctx_.limits.max_output_bytes) {
      errorf("output exceeded the limit of " + std::to_string(ctx_.limits.max_output_bytes) +
                 " bytes",
             ErrorCode::kResourceExhausted);
    }
    out_ += s;
  }

  // ---- variables ----------------------------------------------------------------------------

  size_t mark() const { return vars_.size(); }
  void pop(size_t m) { vars_.resize(m); }
  void push(const std::string& name, Value v) { vars_.push_back({name, std::move(v)}); }
  void set_var(const std::string& name, Value v) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].name == name) {
        vars_[i].value = std::move(v);
        return;
      }
    }
    errorf("undefined variable: " + name);
  }
  void set_top_var(size_t n, Value v) { vars_[vars_.size() - n].value = std::move(v); }
  Value var_value(const std::string& name) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].name == name) return vars_[i].value;
    }
    errorf("undefined variable: " + name);
  }

  // ---- walking ------------------------------------------------------------------------------

  Control walk(const Value& dot, const Node& node) {
    Nest nest(this);
    step();
    at(&node);
    switch (node.type) {
      case NodeType::kAction: {
        const auto& a = static_cast<const ActionNode&>(node);
        Value v = eval_pipeline(dot, *a.pipe);
        if (a.pipe->decl.empty()) print_value(node, v);
        return Control::kNormal;
      }
      case NodeType::kBreak: return Control::kBreak;
      case NodeType::kContinue: return Control::kContinue;
      case NodeType::kIf:
      case NodeType::kWith:
        return walk_if_or_with(dot, static_cast<const BranchNode&>(node));
      case NodeType::kList:
        for (const auto& n : static_cast<const ListNode&>(node).nodes) {
          Control c = walk(dot, *n);
          if (c != Control::kNormal) return c;
        }
        return Control::kNormal;
      case NodeType::kRange:
        walk_range(dot, static_cast<const BranchNode&>(node));
        return Control::kNormal;
      case NodeType::kTemplate:
        walk_template(dot, static_cast<const TemplateNode&>(node));
        return Control::kNormal;
      case NodeType::kText:
        write(static_cast<const TextNode&>(node).text);
        return Control::kNormal;
      default:
        errorf("unknown node: " + to_string(node));
    }
  }

  Control walk_if_or_with(const Value& dot, const BranchNode& b) {
    size_t m = mark();
    Value v = eval_pipeline(dot, *b.pipe);
    Control c = Control::kNormal;
    if (is_true(v)) {
      c = walk(b.type == NodeType::kWith ? v : dot, *b.list);
    } else if (b.else_list) {
      c = walk(dot, *b.else_list);
    }
    pop(m);
    return c;
  }

  void walk_range(const Value& dot, const BranchNode& r) {
    at(&r);
    size_t outer = mark();
    Value val = eval_pipeline(dot, *r.pipe);
    size_t m = mark();
    const auto& decl = r.pipe->decl;
    // Returns false on {{break}}.
    auto one = [&](const Value& index, const Value& elem) {
      if (!decl.empty()) {
        if (r.pipe->is_assign) {
          set_var(decl[0]->ident[0], decl.size() > 1 ? index : elem);
        } else {
          set_top_var(1, elem);
        }
      }
      if (decl.size() > 1) {
        if (r.pipe->is_assign) {
          set_var(decl[1]->ident[0], elem);
        } else {
          set_top_var(2, index);
        }
      }
      Control c = walk(elem, *r.list);
      pop(m);
      return c != Control::kBreak;
    };
    bool empty = true;
    if (const ListData* l = val.list_data()) {
      empty = l->items.empty();
      for (size_t i = 0; i < l->items.size(); ++i) {
        if (!one(Value(static_cast<long long>(i)), l->items[i])) break;
      }
    } else if (const MapData* mp = val.map_data()) {
      empty = mp->entries.empty();
      for (const auto& [k, v] : mp->entries) {
        if (!one(Value(k), v)) break;
      }
    } else if (val.kind() == Value::Kind::kInt) {
      if (decl.size() > 1) {
        errorf("can't use " + format_value(val) + " to iterate over more than one variable");
      }
      std::int64_t n = val.as_int();
      empty = n <= 0;
      for (std::int64_t i = 0; i < n; ++i) {
        if (!one(Value(static_cast<long long>(i)), Value(static_cast<long long>(i)))) break;
      }
    } else if (val.is_missing() || val.is_nil()) {
      empty = true;
    } else {
      errorf("range can't iterate over " + format_value(val));
    }
    if (empty && r.else_list) walk(dot, *r.else_list);
    pop(outer);
  }

  void walk_template(const Value& dot, const TemplateNode& t) {
    at(&t);
    const Tree* tree = lookup_(t.name);
    if (tree == nullptr || !tree->root) errorf("template " + go_quote(t.name) + " not defined");
    if (depth_ >= ctx_.limits.max_template_depth) {
      errorf("exceeded maximum template depth (" + std::to_string(ctx_.limits.max_template_depth) +
                 ")",
             ErrorCode::kResourceExhausted);
    }
    Value new_dot = t.pipe ? eval_pipeline(dot, *t.pipe) : Value();
    std::vector<Var> saved_vars = std::move(vars_);
    const Tree* saved_tree = tree_;
    vars_.clear();
    vars_.push_back({"$", new_dot});
    tree_ = tree;
    ++depth_;
    walk(new_dot, *tree->root);
    --depth_;
    tree_ = saved_tree;
    vars_ = std::move(saved_vars);
  }

  // ---- evaluation ---------------------------------------------------------------------------

  Value eval_pipeline(const Value& dot, const PipeNode& pipe) {
    Nest nest(this);
    at(&pipe);
    std::optional<Value> value;
    for (const auto& cmd : pipe.cmds) value = eval_command(dot, *cmd, value);
    Value v = value ? *value : Value();
    for (const auto& var : pipe.decl) {
      if (pipe.is_assign) {
        set_var(var->ident[0], v);
      } else {
        push(var->ident[0], v);
      }
    }
    return v;
  }

  void not_a_function(const std::vector<NodePtr>& args, const std::optional<Value>& final) {
    if (args.size() > 1 || final) {
      errorf("can't give argument to non-function " + to_string(*args[0]));
    }
  }

  Value eval_command(const Value& dot, const CommandNode& cmd, const std::optional<Value>& final) {
    step();
    const Node& first = *cmd.args[0];
    switch (first.type) {
      case NodeType::kField:
        return eval_field_node(dot, static_cast<const FieldNode&>(first), cmd.args, final);
      case NodeType::kChain:
        return eval_chain_node(dot, static_cast<const ChainNode&>(first), cmd.args, final);
      case NodeType::kIdentifier:
        return eval_function(dot, static_cast<const IdentifierNode&>(first), cmd.args, final);
      case NodeType::kPipe:
        not_a_function(cmd.args, final);
        return eval_pipeline(dot, static_cast<const PipeNode&>(first));
      case NodeType::kVariable:
        return eval_variable_node(dot, static_cast<const VariableNode&>(first), cmd.args, final);
      default:
        break;
    }
    at(&first);
    not_a_function(cmd.args, final);
    switch (first.type) {
      case NodeType::kBool: return Value(static_cast<const BoolNode&>(first).value);
      case NodeType::kDot: return dot;
      case NodeType::kNil: errorf("nil is not a command");
      case NodeType::kNumber: return ideal_constant(static_cast<const NumberNode&>(first));
      case NodeType::kString: return Value(static_cast<const StringNode&>(first).text);
      default: errorf("can't evaluate command " + go_quote(to_string(first)));
    }
  }

  Value ideal_constant(const NumberNode& n) {
    at(&n);
    const std::string& t = n.text;
    bool hex = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X');
    bool looks_float = !hex && t[0] != '\'' && t.find_first_of(".eEpP") != std::string::npos;
    if (n.is_float && looks_float) return Value(n.float_value);
    if (n.is_int) return Value(static_cast<long long>(n.int_value));
    if (n.is_uint) errorf(t + " overflows int");
    return Value(n.float_value);
  }

  Value eval_field_node(const Value& dot, const FieldNode& f, const std::vector<NodePtr>& args,
                        const std::optional<Value>& final) {
    at(&f);
    return eval_field_chain(dot, dot, f, f.ident, args, final);
  }

  Value eval_chain_node(const Value& dot, const ChainNode& c, const std::vector<NodePtr>& args,
                        const std::optional<Value>& final) {
    at(&c);
    if (c.node->type == NodeType::kNil) errorf("indirection through explicit nil in " + to_string(c));
    Value pipe = eval_arg(dot, *c.node);
    return eval_field_chain(dot, pipe, c, c.field, args, final);
  }

  Value eval_variable_node(const Value& dot, const VariableNode& v,
                           const std::vector<NodePtr>& args, const std::optional<Value>& final) {
    at(&v);
    Value value = var_value(v.ident[0]);
    if (v.ident.size() == 1) {
      not_a_function(args, final);
      return value;
    }
    std::vector<std::string> rest(v.ident.begin() + 1, v.ident.end());
    return eval_field_chain(dot, value, v, rest, args, final);
  }

  Value eval_field_chain(const Value& dot, Value receiver, const Node& node,
                         const std::vector<std::string>& ident, const std::vector<NodePtr>& args,
                         const std::optional<Value>& final) {
    static const std::vector<NodePtr> kNoArgs;
    for (size_t i = 0; i + 1 < ident.size(); ++i) {
      receiver = eval_field(dot, ident[i], node, kNoArgs, std::nullopt, receiver);
    }
    return eval_field(dot, ident.back(), node, args, final, receiver);
  }

  // Arguments of a call: args[1:] evaluated, then the piped-in final value.
  std::vector<Value> call_args(const Value& dot, const std::vector<NodePtr>& args,
                               const std::optional<Value>& final) {
    std::vector<Value> out;
    for (size_t i = 1; i < args.size(); ++i) out.push_back(arg_value(eval_arg(dot, *args[i])));
    if (final) out.push_back(arg_value(*final));
    return out;
  }
  // A missing value passed to a function becomes nil, as Go's validateType does for interfaces.
  static Value arg_value(Value v) { return v.is_missing() ? Value::nil() : v; }

  Value eval_field(const Value& dot, const std::string& name, const Node& node,
                   const std::vector<NodePtr>& args, const std::optional<Value>& final,
                   const Value& receiver) {
    using K = Value::Kind;
    bool has_args = args.size() > 1 || final.has_value();
    if (receiver.is_missing()) {
      if (ctx_.missing_key == MissingKey::kError) errorf("nil data; no entry for key " + go_quote(name));
      return Value();
    }
    if (receiver.is_nil()) errorf("nil pointer evaluating interface {}." + name);
    // Methods first.
    if (receiver.kind() == K::kTime || receiver.kind() == K::kDuration) {
      if (has_time_method(receiver, name)) {
        std::vector<Value> a = call_args(dot, args, final);
        at(&node);
        auto r = call_time_method(receiver, name, a);
        if (!r) errorf("error calling " + name + ": " + r.error().message);
        return checked(std::move(*r));
      }
    }
    if (receiver.kind() == K::kObject) {
      const Object& o = receiver.as_object();
      if (o.has_method(name)) {
        std::vector<Value> a = call_args(dot, args, final);
        at(&node);
        auto r = o.call_method(name, a);
        if (!r) {
          if (r.error().message.starts_with("wrong number of args") ||
              r.error().message.starts_with("wrong type for value")) {
            errorf(r.error().message);
          }
          errorf("error calling " + name + ": " + r.error().message);
        }
        return checked(std::move(*r));
      }
      if (auto f = o.field(name)) {
        if (has_args) errorf(name + " has arguments but cannot be invoked as function");
        return *f;
      }
    }
    if (const MapData* m = receiver.map_data()) {
      if (has_args) errorf(name + " is not a method but has arguments");
      auto it = m->entries.find(name);
      if (it != m->entries.end()) return it->second;
      switch (ctx_.missing_key) {
        case MissingKey::kDefault: return Value();
        case MissingKey::kZero: return m->string_values ? Value("") : Value::nil();
        case MissingKey::kError: errorf("map has no entry for key " + go_quote(name));
      }
    }
    errorf("can't evaluate field " + name + " in type " + receiver.type_name());
  }

  Value eval_function(const Value& dot, const IdentifierNode& id, const std::vector<NodePtr>& args,
                      const std::optional<Value>& final) {
    at(&id);
    const std::string& name = id.name;
    auto it = funcs_.find(name);
    if (it == funcs_.end()) errorf(go_quote(name) + " is not a defined function");
    const Function& fn = it->second;
    size_t nargs = args.size() - 1 + (final ? 1 : 0);
    if (fn.max_args >= 0 && fn.min_args == fn.max_args && nargs != static_cast<size_t>(fn.min_args)) {
      errorf("wrong number of args for " + name + ": want " + std::to_string(fn.min_args) +
             " got " + std::to_string(nargs));
    }
    if (nargs < static_cast<size_t>(fn.min_args)) {
      errorf("wrong number of args for " + name + ": want at least " +
             std::to_string(fn.min_args) + " got " + std::to_string(nargs));
    }
    if (fn.max_args >= 0 && nargs > static_cast<size_t>(fn.max_args)) {
      errorf("wrong number of args for " + name + ": want at most " +
             std::to_string(fn.max_args) + " got " + std::to_string(nargs));
    }
    // and/or short-circuit (when they are the builtins).
    bool is_and = name == "and", is_or = name == "or";
    if (fn.short_circuit && (is_and || is_or)) {
      Value v;
      for (size_t i = 1; i < args.size(); ++i) {
        v = eval_arg(dot, *args[i]);
        if (is_true(v) == is_or) return v;
      }
      if (final) v = *final;
      return v;
    }
    std::vector<Value> a = call_args(dot, args, final);
    at(&id);
    auto r = fn.fn(ctx_, a);
    if (!r) {
      if (r.error().message.starts_with("wrong type for value")) errorf(r.error().message);
      errorf("error calling " + name + ": " + r.error().message, r.error().code);
    }
    return checked(std::move(*r));
  }

  Value eval_arg(const Value& dot, const Node& n) {
    at(&n);
    static const std::vector<NodePtr> kNoArgs;
    switch (n.type) {
      case NodeType::kDot: return dot;
      case NodeType::kNil: return Value::nil();
      case NodeType::kField: {
        const auto& f = static_cast<const FieldNode&>(n);
        return eval_field_chain(dot, dot, f, f.ident, kNoArgs, std::nullopt);
      }
      case NodeType::kVariable:
        return eval_variable_node(dot, static_cast<const VariableNode&>(n), kNoArgs, std::nullopt);
      case NodeType::kPipe: return eval_pipeline(dot, static_cast<const PipeNode&>(n));
      case NodeType::kIdentifier: {
        // A bare function name as an argument is a call with no arguments.
        return eval_function_noargs(dot, static_cast<const IdentifierNode&>(n));
      }
      case NodeType::kChain:
        return eval_chain_node(dot, static_cast<const ChainNode&>(n), kNoArgs, std::nullopt);
      case NodeType::kBool: return Value(static_cast<const BoolNode&>(n).value);
      case NodeType::kNumber: return ideal_constant(static_cast<const NumberNode&>(n));
      case NodeType::kString: return Value(static_cast<const StringNode&>(n).text);
      default: errorf("can't handle " + to_string(n) + " as an argument");
    }
  }

  Value eval_function_noargs(const Value& dot, const IdentifierNode& id) {
    std::vector<NodePtr> args;
    args.push_back(nullptr);  // placeholder for the function word; never dereferenced
    return eval_function(dot, id, args, std::nullopt);
  }

  void print_value(const Node& n, const Value& v) {
    at(&n);
    if (v.kind() == Value::Kind::kCallable) {
      errorf("can't print " + to_string(n) + " of type " + v.type_name());
    }
    std::string s = format_value(v);
    if (ctx_.html_mode && !v.is_html()) {
      s = html_escape(s);
    } else if (ctx_.slack_mode && !v.is_html()) {
      s = slack_escape(s);
    }
    write(s);
  }

  const TreeLookup& lookup_;
  const FuncMap& funcs_;
  const ExecContext& ctx_;
  const Tree* tree_ = nullptr;
  const Node* node_ = nullptr;
  std::vector<Var> vars_;
  std::string out_;
  std::int64_t steps_ = 0;
  int depth_ = 0;
  int nesting_ = 0;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
};

}  // namespace

Result<std::string> execute_tree(const Tree& tree, const TreeLookup& lookup, const FuncMap& funcs,
                                 const Value& data, const ExecContext& ctx) {
  Executor ex(lookup, funcs, ctx);
  try {
    return ex.run(tree, data);
  } catch (const ExecFailure& e) {
    return make_error(e.code, e.message);
  }
}

}  // namespace tocsin::tmpl
