// Rule: what recording and alerting rules share — the spec they were loaded from, the query
// they run, and their health (Prometheus' ok / err / unknown, last error, last evaluation).
//
// A Group owns its rules and evaluates them one at a time on the manager's worker. eval() is
// called by one thread at a time (the group's evaluation); the status and alert accessors take
// the rule's mutex and may be called from any thread (the HTTP API reads them on the I/O
// thread while a worker evaluates).
#pragma once

#include <mutex>
#include <string>

#include "engine/common/result.h"
#include "engine/common/time.h"
#include "engine/model/labels.h"
#include "engine/promql/engine.h"
#include "engine/rules/rule_file.h"
#include "engine/storage/storage.h"

namespace tocsin::rules {

// A remote query API (tocsin's `datasource:`): a rule's expression is sent whole as an instant
// query at `t` instead of being evaluated against local storage. Implementations may block the
// calling worker thread until the answer arrives (never call one on the I/O thread).
class InstantQuerier {
 public:
  virtual ~InstantQuerier() = default;
  virtual Result<promql::Value> instant_query(std::string_view expr, Timestamp t) const = 0;
};

// Everything one evaluation needs besides time. Built by the Group for each evaluation.
struct EvalContext {
  const storage::Querier& querier;
  promql::EvalOptions options;
  Duration query_offset = 0;  // queries run at ts - query_offset; results are stamped so
  int limit = 0;              // most alerts / series per rule; 0 = unlimited
  Labels external_labels;     // $externalLabels in templates
  std::string external_url;   // $externalURL in templates
  const InstantQuerier* remote = nullptr;  // set: queries go there instead of `querier`
};

enum class RuleHealth { kUnknown, kOk, kErr };
std::string_view to_string(RuleHealth h);  // "unknown", "ok", "err"

struct RuleStatus {
  RuleHealth health = RuleHealth::kUnknown;
  std::string last_error;
  Timestamp last_evaluation = 0;  // 0: never
  double evaluation_seconds = 0;
};

class Rule {
 public:
  explicit Rule(RuleSpec spec) : spec_(std::move(spec)) {}
  virtual ~Rule() = default;
  Rule(const Rule&) = delete;
  Rule& operator=(const Rule&) = delete;

  const RuleSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name(); }
  bool is_alert() const { return spec_.is_alert(); }
  // Name and labels: how a reload matches a new rule to an old one to carry state over.
  std::string identity() const;

  // Evaluates the rule at `ts`; the samples to append to storage (stamped ts - query_offset).
  virtual Result<promql::Vector> eval(Timestamp ts, const EvalContext& ctx) = 0;

  RuleStatus status() const;
  void set_status(RuleStatus s);

 protected:
  // Runs the rule's expression at `t` as an instant query: a scalar becomes one sample
  // without labels; other result types are an error.
  Result<promql::Vector> query(Timestamp t, const EvalContext& ctx) const;

  const RuleSpec spec_;
  mutable std::mutex mu_;
  RuleStatus status_;  // guarded by mu_
};

}  // namespace tocsin::rules
