// Router: maps (method, path) to handlers for the inbound HTTP server.
//
// Paths match exactly, or by prefix when registered with a trailing '*'
// ("/api/v2/silence/*"). A known path with the wrong method answers 405; anything else 404.
// Handlers run on the I/O thread: they must not block. A handler that has slow work posts it to
// a worker and calls `reply` later (from any thread; the server hops back to its own thread).
// Register all routes before the server starts; the table is read-only afterwards.
// An exception escaping a handler never ends the process: it is logged and answered with 500
// (JSON in the Prometheus API's error shape under /api/v1/, text elsewhere); `reply` still runs
// exactly once, so a handler that replied and then threw sends nothing more.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/http/http_types.h"

namespace tocsin::http {

using Reply = std::function<void(Response)>;
using AsyncHandler = std::function<void(Request, Reply)>;
using Handler = std::function<Response(const Request&)>;

// The 500 answer for a failure in the handler of `path`: logged with the path and `what`.
Response internal_error_response(std::string_view path, std::string_view what);

// Runs `fn` and returns its response; an exception escaping it becomes
// internal_error_response(path, ...).
// For work a handler posts elsewhere (a worker pool), where the router's guard does not reach.
Response run_guarded(std::string_view path, const std::function<Response()>& fn);

class Router {
 public:
  void add(std::string method, std::string path, Handler h);
  void add_async(std::string method, std::string path, AsyncHandler h);

  // Dispatches the request; `reply` is called exactly once.
  void dispatch(Request req, Reply reply) const;

 private:
  struct Route {
    std::string method;
    std::string path;  // without the trailing '*' for prefix routes
    bool prefix = false;
    AsyncHandler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace tocsin::http
