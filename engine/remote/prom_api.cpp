#include "engine/remote/prom_api.h"

#include <cmath>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace tocsin::remote {
namespace {

using nlohmann::json;

struct Bad {
  std::string what;
};

Timestamp to_ms(const json& t) {
  if (!t.is_number()) throw Bad{"sample time is not a number"};
  return static_cast<Timestamp>(std::llround(t.get<double>() * 1000.0));
}

double to_value(const json& v) {
  if (!v.is_string()) throw Bad{"sample value is not a string"};
  const std::string s = v.get<std::string>();
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) throw Bad{"bad sample value \"" + s + "\""};
  return d;
}

std::pair<Timestamp, const json*> pair_of(const json& p) {
  if (!p.is_array() || p.size() != 2) throw Bad{"sample is not [time, value]"};
  return {to_ms(p.at(0)), &p.at(1)};
}

Labels metric_of(const json& item) {
  std::vector<Label> ls;
  if (item.contains("metric")) {
    const json& m = item.at("metric");
    if (!m.is_object()) throw Bad{"metric is not an object"};
    for (auto it = m.begin(); it != m.end(); ++it) {
      if (!it.value().is_string()) throw Bad{"label value is not a string"};
      ls.push_back({it.key(), it.value().get<std::string>()});
    }
  }
  return Labels::from_unsorted(std::move(ls));
}

promql::Value decode(const json& data) {
  const std::string type = data.at("resultType").get<std::string>();
  const json& result = data.at("result");
  if (type == "scalar") {
    auto [t, v] = pair_of(result);
    return promql::Scalar{t, to_value(*v)};
  }
  if (type == "string") {
    auto [t, v] = pair_of(result);
    if (!v->is_string()) throw Bad{"string value is not a string"};
    return promql::String{t, v->get<std::string>()};
  }
  if (!result.is_array()) throw Bad{"result is not a list"};
  if (type == "vector") {
    promql::Vector out;
    for (const json& item : result) {
      auto [t, v] = pair_of(item.at("value"));
      out.push_back(promql::Sample{metric_of(item), to_value(*v), t, false});
    }
    return out;
  }
  if (type == "matrix") {
    promql::Matrix out;
    for (const json& item : result) {
      promql::Series s{metric_of(item), {}, false};
      for (const json& p : item.at("values")) {
        auto [t, v] = pair_of(p);
        s.points.push_back({t, to_value(*v)});
      }
      out.push_back(std::move(s));
    }
    return out;
  }
  throw Bad{"unknown resultType \"" + type + "\""};
}

}  // namespace

Result<promql::Value> parse_query_response(std::string_view body, long http_status) {
  const bool retryable = http_status >= 500 || http_status == 429;
  auto fail = [&](std::string msg) -> Result<promql::Value> {
    msg = "server returned HTTP status " + std::to_string(http_status) + ": " + msg;
    return retryable ? unavailable(std::move(msg)) : invalid_argument(std::move(msg));
  };
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    std::string head(body.substr(0, 200));
    return fail("response is not JSON: " + head);
  }
  try {
    const std::string status = doc.value("status", "");
    if (status != "success") {
      return fail(doc.value("errorType", std::string("error")) + ": " +
                  doc.value("error", std::string("(no message)")));
    }
    if (http_status / 100 != 2) return fail("unexpected status with a success body");
    return decode(doc.at("data"));
  } catch (const Bad& b) {
    return internal_error("bad query response: " + b.what);
  } catch (const json::exception& e) {
    return internal_error(std::string("bad query response: ") + e.what());
  }
}

}  // namespace tocsin::remote
