#include "notifiers/templates.h"

#include "engine/template/alertmanager_functions.h"
#include "notifiers/default_templates.h"
#include "notifiers/template_data.h"

namespace tocsin::notifiers {

Result<TemplateSetPtr> load_notification_templates(const std::vector<std::string>& globs) {
  auto set = std::make_shared<tmpl::TemplateSet>(tmpl::alertmanager_functions());
  for (const TemplateFile& f : default_template_files()) {
    if (auto st = set->parse(f.name, f.text); !st) {
      // A broken embedded template is a bug, but report it rather than abort.
      return tl::unexpected(st.error().with_context("default template " + std::string(f.name)));
    }
  }
  for (const std::string& g : globs) {
    if (auto st = set->parse_glob(g); !st) {
      return tl::unexpected(st.error().with_context("templates " + g));
    }
  }
  return TemplateSetPtr(std::move(set));
}

Renderer::Renderer(const tmpl::TemplateSet& templates, const Notification& n)
    : templates_(templates), data_(template_data(n)), now_(n.now), external_url_(n.external_url) {}

std::string Renderer::text(std::string_view source, std::string_view what) {
  return run(source, what, Mode::kText);
}

std::string Renderer::html(std::string_view source, std::string_view what) {
  return run(source, what, Mode::kHtml);
}

std::string Renderer::slack(std::string_view source, std::string_view what) {
  return run(source, what, Mode::kSlack);
}

std::string Renderer::run(std::string_view source, std::string_view what, Mode mode) {
  if (error_ || source.empty()) return {};
  tmpl::ExecContext ctx;
  ctx.now = now_;
  ctx.external_url = external_url_;
  ctx.html_mode = mode == Mode::kHtml;
  ctx.slack_mode = mode == Mode::kSlack;
  ctx.missing_key = tmpl::MissingKey::kZero;
  auto r = templates_.execute_text(source, data_, ctx);
  if (!r) {
    error_ = r.error().with_context("template for " + std::string(what));
    return {};
  }
  return std::move(*r);
}

}  // namespace tocsin::notifiers
