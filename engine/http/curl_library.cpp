#include "engine/http/curl_library.h"

#include <dlfcn.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>

#ifndef TOCSIN_LIBCURL_SONAME
#define TOCSIN_LIBCURL_SONAME "libcurl.so.4"
#endif

namespace tocsin::http {

namespace {

struct Waiter {
  std::uint64_t token;
  boost::asio::io_context* io;
  std::function<void()> ready;
};

struct Loader {
  std::mutex mu;
  std::condition_variable finished_cv;
  bool started = false;
  bool finished = false;  // guarded by mu; `api`/`error` are immutable once it is true
  CurlApi api;
  std::string error;
  std::uint64_t next_token = 1;
  std::vector<Waiter> waiters;
};

// Never destroyed: the detached helper thread may still be finishing when the process exits.
Loader& loader() {
  static Loader* l = new Loader;
  return *l;
}

// Runs on the helper thread. RTLD_LAZY: binding every symbol of libcurl's ~30 dependencies up
// front (RTLD_NOW) cost more CPU than the whole rest of start-up; the few tocsin calls are bound
// on first use, which costs microseconds.
void load() {
  Loader& l = loader();
  CurlApi api;
  std::string error;
  // TOCSIN_LIBCURL names another libcurl (a file or a soname) in place of the one built against.
  const char* env = std::getenv("TOCSIN_LIBCURL");
  const std::string path = env != nullptr && *env != '\0' ? env : TOCSIN_LIBCURL_SONAME;
  void* lib = ::dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = ::dlerror();
    error = "cannot load libcurl: " + std::string(why != nullptr ? why : path + ": unknown error");
  } else {
#define TOCSIN_CURL_RESOLVE(name)                                                         \
  if (error.empty()) {                                                                    \
    api.name = reinterpret_cast<decltype(api.name)>(::dlsym(lib, "curl_" #name));         \
    if (api.name == nullptr) error = "cannot load libcurl: " + path + " lacks curl_" #name;   \
  }
    TOCSIN_CURL_FUNCTIONS(TOCSIN_CURL_RESOLVE)
#undef TOCSIN_CURL_RESOLVE
    if (error.empty()) {
      CURLcode rc = api.global_init(CURL_GLOBAL_DEFAULT);
      if (rc != CURLE_OK) error = "curl_global_init failed (code " + std::to_string(rc) + ")";
    }
  }
  std::lock_guard<std::mutex> lock(l.mu);
  l.api = api;
  l.error = std::move(error);
  l.finished = true;
  for (Waiter& w : l.waiters) boost::asio::post(*w.io, std::move(w.ready));
  l.waiters.clear();
  l.finished_cv.notify_all();
}

void start_locked(Loader& l) {
  if (l.started) return;
  l.started = true;
  std::thread(load).detach();
}

}  // namespace

void start_loading_curl() {
  Loader& l = loader();
  std::lock_guard<std::mutex> lock(l.mu);
  start_locked(l);
}

const CurlApi* loaded_curl(std::string* error) {
  Loader& l = loader();
  std::lock_guard<std::mutex> lock(l.mu);
  if (!l.finished) return nullptr;
  if (!l.error.empty()) {
    if (error != nullptr) *error = l.error;
    return nullptr;
  }
  return &l.api;
}

std::uint64_t when_curl_loaded(boost::asio::io_context& io, std::function<void()> ready) {
  Loader& l = loader();
  std::lock_guard<std::mutex> lock(l.mu);
  const std::uint64_t token = l.next_token++;
  if (l.finished) {
    boost::asio::post(io, std::move(ready));
  } else {
    l.waiters.push_back(Waiter{token, &io, std::move(ready)});
  }
  return token;
}

void cancel_curl_wait(std::uint64_t token) {
  Loader& l = loader();
  std::lock_guard<std::mutex> lock(l.mu);
  std::erase_if(l.waiters, [token](const Waiter& w) { return w.token == token; });
}

Result<const CurlApi*> wait_for_curl() {
  Loader& l = loader();
  std::unique_lock<std::mutex> lock(l.mu);
  start_locked(l);
  l.finished_cv.wait(lock, [&l] { return l.finished; });
  if (!l.error.empty()) return internal_error(l.error);
  return &l.api;
}

}  // namespace tocsin::http
