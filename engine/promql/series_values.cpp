#include "engine/promql/series_values.h"

#include <cctype>
#include <cmath>
#include <limits>

#include "engine/storage/storage.h"
#include "parser/promql/parse.h"

namespace tocsin::promql {

std::optional<double> parse_sample_value(std::string_view s) {
  std::string l;
  for (char c : s) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "nan" || l == "+nan" || l == "-nan") return std::numeric_limits<double>::quiet_NaN();
  if (l == "inf" || l == "+inf") return std::numeric_limits<double>::infinity();
  if (l == "-inf") return -std::numeric_limits<double>::infinity();
  if (l == "stale") return storage::stale_nan();
  if (s.empty()) return std::nullopt;
  std::string str(s);
  char* end = nullptr;
  double v = std::strtod(str.c_str(), &end);
  if (end != str.c_str() + str.size()) return std::nullopt;
  return v;
}

Result<std::vector<SeriesValue>> parse_series_values(std::string_view text) {
  std::vector<SeriesValue> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    if (text.substr(i, 2) == "{{") {
      return unimplemented("not supported: native histogram values (\"" +
                           std::string(text.substr(i, 40)) + "...\")");
    }
    size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    std::string_view tok = text.substr(i, j - i);
    i = j;
    auto bad = [&](std::string_view why) {
      return invalid_argument("invalid value \"" + std::string(tok) + "\" in series values: " +
                              std::string(why));
    };
    std::string_view head = tok;
    std::optional<long> times;
    if (size_t x = tok.rfind('x'); x != std::string_view::npos && x + 1 < tok.size()) {
      std::string_view n = tok.substr(x + 1);
      bool digits = true;
      for (char c : n) digits = digits && std::isdigit(static_cast<unsigned char>(c));
      if (digits) {
        times = std::stol(std::string(n));
        head = tok.substr(0, x);
      }
    }
    if (head == "_") {
      for (long k = 0; k < (times ? *times : 1); ++k) out.push_back({true, 0});
      continue;
    }
    if (!times) {
      auto v = parse_sample_value(head);
      if (!v) return bad("not a number");
      out.push_back({false, *v});
      continue;
    }
    size_t op = std::string_view::npos;
    for (size_t k = 1; k < head.size(); ++k) {
      if ((head[k] == '+' || head[k] == '-') && head[k - 1] != 'e' && head[k - 1] != 'E') {
        op = k;
        break;
      }
    }
    auto a = parse_sample_value(op == std::string_view::npos ? head : head.substr(0, op));
    std::optional<double> b = 0.0;
    if (op != std::string_view::npos) {
      b = parse_sample_value(head.substr(op + 1));
      if (b && head[op] == '-') b = -*b;
    }
    if (!a || !b) return bad("expected a, a+bxN or a-bxN");
    if (storage::is_stale_nan(*a)) {
      for (long k = 0; k <= *times; ++k) out.push_back({false, *a});
      continue;
    }
    double v = *a;
    for (long k = 0; k <= *times; ++k) {
      out.push_back({false, v});
      v += *b;
    }
  }
  return out;
}

Result<Labels> parse_series_labels(std::string_view text) {
  bool blank = true;
  for (char c : text) blank = blank && std::isspace(static_cast<unsigned char>(c));
  if (blank) return Labels{};
  auto sel = parse_selector(text);
  if (!sel) return invalid_argument(sel.error().to_string());
  const auto* vs = std::get_if<VectorSelector>(&(*sel)->node);
  if (!vs) return invalid_argument("not a series selector: " + std::string(text));
  std::vector<Label> ls;
  if (!vs->name.empty()) ls.push_back({std::string(kMetricName), vs->name});
  for (const auto& m : vs->matchers) {
    if (m.type != MatchType::kEqual) {
      return invalid_argument("only equality matchers are allowed in a series: " +
                              std::string(text));
    }
    if (m.name == kMetricName && !vs->name.empty()) continue;
    ls.push_back({m.name, m.value});
  }
  return Labels::from_unsorted(std::move(ls));
}

}  // namespace tocsin::promql
