// A real SMTP server for the email tests: aiosmtpd (Debian's python3-aiosmtpd) run by
// python3 as a subprocess on 127.0.0.1, with a small handler that saves each accepted message
// and its envelope (sender, recipients, EHLO name, authenticated login) as files, rejects
// recipients starting with "tempfail" (450) or "reject" (550), accepts AUTH PLAIN/LOGIN for
// alert/s3cret, and offers STARTTLS when given a certificate. Plus a MIME parser (Python's
// email package) to read the saved messages back. Test-only code.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/net.h"
#include "tests/support/subprocess.h"

namespace tocsin::notifiers::testing {

bool python_aiosmtpd_available();

class SmtpServer {
 public:
  struct Options {
    std::string cert_file;  // STARTTLS offered (and required) when set
    std::string key_file;
  };
  explicit SmtpServer(Options options = {});
  ~SmtpServer();
  bool started() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }
  std::string smarthost() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log() const;

  // Messages received so far: {"mail_from", "rcpt_tos", "helo", "login", "tls", "file"}.
  std::vector<nlohmann::json> messages() const;

 private:
  tocsin::testing::TempDir dir_;
  std::unique_ptr<tocsin::testing::Subprocess> proc_;
  std::uint16_t port_ = 0;
};

// Parses an RFC 5322 message with Python's email package: {"headers": {name: decoded value},
// "content_type", "parts": [{"content_type", "cte", "charset", "text"}], "defects"}.
nlohmann::json parse_mime(const std::string& eml_path);

using tocsin::testing::free_port;     // tests/support/net.h
using tocsin::testing::RefusingPort;  // tests/support/net.h

}  // namespace tocsin::notifiers::testing
