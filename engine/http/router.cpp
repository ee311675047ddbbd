#include "engine/http/router.h"

#include <atomic>
#include <exception>
#include <memory>

#include <nlohmann/json.hpp>

#include "engine/common/log.h"

namespace tocsin::http {

Response internal_error_response(std::string_view path, std::string_view what) {
  log::error("HTTP handler failed", {{"path", path}, {"err", what}});
  std::string msg = "internal error: " + std::string(what);
  if (path.rfind("/api/v1/", 0) == 0) {
    nlohmann::json j{{"status", "error"}, {"errorType", "internal"}, {"error", msg}};
    return Response::json(500, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return Response::text(500, msg + "\n");
}

Response run_guarded(std::string_view path, const std::function<Response()>& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return internal_error_response(path, e.what());
  } catch (...) {
    return internal_error_response(path, "unknown exception");
  }
}

void Router::add(std::string method, std::string path, Handler h) {
  add_async(std::move(method), std::move(path),
            [h = std::move(h)](Request req, Reply reply) { reply(h(req)); });
}

void Router::add_async(std::string method, std::string path, AsyncHandler h) {
  Route r;
  r.method = std::move(method);
  if (!path.empty() && path.back() == '*') {
    path.pop_back();
    r.prefix = true;
  }
  r.path = std::move(path);
  r.handler = std::move(h);
  routes_.push_back(std::move(r));
}

namespace {

// Calls `handler`; `reply` runs at most once even when the handler replies and then throws, and
// an exception before any reply answers 500.
void call_guarded(const AsyncHandler& handler, Request req, Reply reply) {
  auto replied = std::make_shared<std::atomic<bool>>(false);
  Reply once = [replied, reply = std::move(reply)](Response res) {
    if (!replied->exchange(true)) reply(std::move(res));
  };
  std::string path = req.path;
  Response failure;
  try {
    handler(std::move(req), once);
    return;
  } catch (const std::exception& e) {
    failure = internal_error_response(path, e.what());
  } catch (...) {
    failure = internal_error_response(path, "unknown exception");
  }
  once(std::move(failure));
}

}  // namespace

void Router::dispatch(Request req, Reply reply) const {
  bool path_known = false;
  std::vector<std::string> allowed;
  // Exact routes win over prefix routes.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& r : routes_) {
      bool exact_pass = pass == 0;
      if (r.prefix == exact_pass) continue;
      bool match = r.prefix ? req.path.compare(0, r.path.size(), r.path) == 0 &&
                                  req.path.size() > r.path.size()
                            : req.path == r.path;
      if (!match) continue;
      path_known = true;
      if (r.method == req.method || (req.method == "HEAD" && r.method == "GET")) {
        call_guarded(r.handler, std::move(req), std::move(reply));
        return;
      }
      allowed.push_back(r.method);
    }
  }
  if (path_known) {
    Response res = Response::text(405, "method not allowed\n");
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    res.headers.emplace_back("Allow", allow);
    reply(std::move(res));
    return;
  }
  reply(Response::text(404, "404 page not found\n"));
}

}  // namespace tocsin::http
