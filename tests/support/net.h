// Loopback helpers for tests that start servers (the tocsin binary, prometheus, alertmanager,
// aiosmtpd) on ports they do not choose themselves.
#pragma once

#include <cstdint>

namespace tocsin::testing {

// A 127.0.0.1 port with nothing listening (bound, then closed). Another process may take it
// before it is used; tests that can bind port 0 themselves should.
std::uint16_t free_port();

}  // namespace tocsin::testing
