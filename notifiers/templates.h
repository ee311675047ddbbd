// The notification TemplateSet and rendering against one notification.
//
// load_notification_templates() builds the set once per configuration: Alertmanager's template
// functions, tocsin's default templates (default_templates.h), then the config's `templates:`
// globs in order, so a user file may redefine any default name. The set is immutable
// afterwards and shared (shared_ptr<const>) by every integration of every receiver; executing
// it is const and thread-safe.
//
// Renderer renders the many template strings of one integration's message (title, text,
// fields...) against one notification's data, like Alertmanager's notify.TmplText: after the
// first failure every further call returns "" and error() keeps the first error, so the
// integration checks once, before sending, and never sends half-rendered output. A Renderer is
// a short-lived local of one notify() call.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/result.h"
#include "engine/template/template_set.h"
#include "engine/template/value.h"
#include "notifiers/notifier.h"

namespace tocsin::notifiers {

using TemplateSetPtr = std::shared_ptr<const tmpl::TemplateSet>;

// Defaults plus every file matching `globs` (absolute paths, as the config loader gives them).
// A glob without matches is not an error (Alertmanager's behaviour). Reads files: call it where
// blocking is allowed (config load/reload), not on the I/O thread.
Result<TemplateSetPtr> load_notification_templates(const std::vector<std::string>& globs = {});

class Renderer {
 public:
  Renderer(const tmpl::TemplateSet& templates, const Notification& n);

  // Executes `source` as text (Alertmanager's ExecuteTextString). `what` names the field in
  // the error ("slack title"). Empty source renders "".
  std::string text(std::string_view source, std::string_view what);
  // Executes `source` in HTML mode (ExecuteHTMLString): printed values are HTML-escaped.
  std::string html(std::string_view source, std::string_view what);
  // Executes `source` for a Slack text field (title, text, pretext, fallback, fields, footer,
  // action and confirm texts): printed values get Slack's &, <, > escaping unless passed
  // through safeHtml. URL, channel and name fields use text().
  std::string slack(std::string_view source, std::string_view what);

  bool failed() const { return error_.has_value(); }
  // REQUIRES: failed().
  const Error& error() const { return *error_; }
  const tmpl::Value& data() const { return data_; }

 private:
  enum class Mode { kText, kHtml, kSlack };
  std::string run(std::string_view source, std::string_view what, Mode mode);

  const tmpl::TemplateSet& templates_;
  tmpl::Value data_;
  Timestamp now_;
  std::string external_url_;
  std::optional<Error> error_;
};

}  // namespace tocsin::notifiers
