// AlertingRule: an expression whose result series are alerts (Prometheus' rules/alerting.go).
//
// Each result series becomes an alert whose labels are the series labels without __name__,
// plus the rule's labels (templated), plus alertname; annotations are templated with
// $labels, $value, $externalLabels and $externalURL (a template that fails at run time renders
// "<error expanding template: ...>" into the value, as Prometheus does). The per-alert state
// machine is alert_state.h's step(). Each evaluation also yields the ALERTS and
// ALERTS_FOR_STATE series for the active alerts.
//
// The group `limit`: more active alerts than the limit is an error ("exceeded limit of N with
// M alerts") and drops every alert of the rule, as Prometheus does.
//
// Threads: eval() and alerts_to_send() from the owning group's evaluation only; the
// accessors (active_alerts(), state(), status()) from any thread — the rule's mutex guards
// the alert map.
#pragma once

#include <map>
#include <vector>

#include "engine/model/alert.h"
#include "engine/rules/alert_state.h"
#include "engine/rules/rule.h"
#include "engine/template/template_set.h"

namespace tocsin::rules {

class AlertingRule final : public Rule {
 public:
  explicit AlertingRule(RuleSpec spec);

  Result<promql::Vector> eval(Timestamp ts, const EvalContext& ctx) override;

  // The alerts due to be sent at `ts` (firing, or resolved since the last send), marked sent.
  std::vector<Alert> alerts_to_send(Timestamp ts, Duration resend_delay, Duration interval,
                                    std::string_view generator_url);

  // Pending and firing alerts, sorted by labels.
  std::vector<ActiveAlert> active_alerts() const;
  // The highest state of any alert (inactive when none is active).
  AlertState state() const;
  // Takes over the alerts of the rule this one replaces on reload.
  void copy_state_from(const AlertingRule& old);
  // Every alert, including resolved ones still to be re-sent: what a restart must get back.
  std::vector<ActiveAlert> saved_state() const;
  // A hash of the part of saved_state() a restart needs (labels, state, activeAt, firedAt,
  // resolvedAt, keepFiringSince): unchanged by evaluations that only move the value, the
  // annotations or the send times, which restore_state() resets or the next evaluation renews.
  std::uint64_t state_signature() const;
  // Puts alerts saved before a restart back (before the first evaluation); they are re-sent to
  // the sink at the first evaluation.
  void restore_state(const std::vector<ActiveAlert>& alerts);

 private:
  // One label or annotation value: a literal (no "{{" in it, or the text of a parse error),
  // or the name of its parsed template in templates_.
  struct Expansion {
    std::string key;       // the label or annotation name
    std::string template_name;  // empty for a literal
    std::string literal;
  };
  std::string expand(const Expansion& e, const tmpl::Value& data,
                     const tmpl::ExecContext& ctx) const;

  tmpl::TemplateSet templates_;
  std::vector<Expansion> label_expansions_;       // in spec_.labels order
  std::vector<Expansion> annotation_expansions_;  // in spec_.annotations order
  bool needs_template_data_ = false;              // some expansion is a template
  std::map<Labels, ActiveAlert> alerts_;                 // guarded by mu_
};

}  // namespace tocsin::rules
