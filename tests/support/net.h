// Loopback helpers for tests that start servers (the tocsin binary, prometheus, alertmanager,
// aiosmtpd) on ports they do not choose themselves.
#pragma once

#include <cstdint>

namespace tocsin::testing {

// A 127.0.0.1 port with nothing listening (bound, then closed). Another process may take it
// before it is used; tests that can bind port 0 themselves should.
std::uint16_t free_port();

// A 127.0.0.1 port where a connection is refused for as long as this object lives: a socket is
// bound to it and never listens, so no other server can take the port and no outgoing
// connection can use it as its own end (free_port() gives no such promise: a server started by
// a test running alongside once took the port a "connection refused" test was about to use).
class RefusingPort {
 public:
  RefusingPort();
  ~RefusingPort();
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace tocsin::testing
