// CurlLibrary: libcurl, loaded at run time on a helper thread instead of by the dynamic linker.
//
// libcurl brings about 30 shared libraries with it (TLS, HTTP/2, IDN, Kerberos, LDAP, ...).
// Mapping and relocating them took 5–10 ms of every start, before main() ran, although the first
// outbound request (a scrape or a notification) comes later. tocsin therefore does not link
// libcurl: the first request through a CurlClient (or start_loading_curl(), which `tocsin run`
// calls once it is ready) starts a helper thread that dlopen()s it, resolves the functions below
// and runs curl_global_init. CurlClient queues requests made before the library is there and
// starts them on its I/O thread once it is. Loading is not started earlier, while the main thread
// reads the configuration: the dynamic linker's lock, held through dlopen(), stalled the main
// thread's own thread creation for the whole load.
//
// Ownership: one process-wide loader, never destroyed (the helper thread is detached). The
// loaded table is immutable once published, so it may be read from any thread without a lock;
// the waiter list is guarded by the loader's mutex, which is also held while a waiter's handler is
// posted, so a waiter that unsubscribed (under the same mutex) is never posted to afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <curl/curl.h>

#include "engine/common/result.h"

namespace tocsin::http {

// The libcurl functions tocsin calls, as function pointers (member `x` is `curl_x`).
#define TOCSIN_CURL_FUNCTIONS(X)                                                                 \
  X(global_init)                                                                                 \
  X(easy_init) X(easy_setopt) X(easy_getinfo) X(easy_cleanup) X(easy_strerror)                   \
  X(multi_init) X(multi_setopt) X(multi_cleanup) X(multi_add_handle) X(multi_remove_handle)      \
  X(multi_strerror) X(multi_socket_action) X(multi_info_read)                                    \
  X(slist_append) X(slist_free_all)                                                              \
  X(url) X(url_set) X(url_get) X(url_cleanup) X(free)

struct CurlApi {
#define TOCSIN_CURL_MEMBER(name) decltype(&::curl_##name) name = nullptr;
  TOCSIN_CURL_FUNCTIONS(TOCSIN_CURL_MEMBER)
#undef TOCSIN_CURL_MEMBER
};

// Starts loading libcurl on a helper thread, once per process; later calls do nothing.
void start_loading_curl();

// The table once libcurl is loaded and initialised; nullptr while loading. After a failed load
// it is nullptr too and `error` (when given) is set to why.
const CurlApi* loaded_curl(std::string* error = nullptr);

// Runs `ready` on `io` (posted) once loading has finished, successfully or not; at once (posted)
// when it already has. Does not start loading (a waiter may wait for a load that someone else
// starts later). Returns a token for cancel_curl_wait().
std::uint64_t when_curl_loaded(boost::asio::io_context& io, std::function<void()> ready);

// Forgets a waiter: its handler is not posted afterwards (one already posted may still run).
void cancel_curl_wait(std::uint64_t token);

// Blocks until loading has finished: for callers that are not on an I/O thread (tools, tests).
Result<const CurlApi*> wait_for_curl();

}  // namespace tocsin::http
