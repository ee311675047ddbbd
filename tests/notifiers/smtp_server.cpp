#include "tests/notifiers/smtp_server.h"
#include "tests/support/net.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace tocsin::notifiers::testing {
namespace {

using tocsin::testing::run_program;

constexpr const char* kServerScript = R"PY(
import asyncio, json, os, ssl, sys
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword, SMTP

port, outdir = int(sys.argv[1]), sys.argv[2]
cert = sys.argv[3] if len(sys.argv) > 3 else ""
key = sys.argv[4] if len(sys.argv) > 4 else ""

class Saver:
    count = 0
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("tempfail"):
            return "450 4.2.1 Mailbox busy, try again later"
        if address.startswith("reject"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"
    async def handle_DATA(self, server, session, envelope):
        if envelope.mail_from.startswith("datareject"):
            return "554 5.6.0 Message rejected as spam"
        if envelope.mail_from.startswith("datatempfail"):
            return "451 4.3.0 Try again later"
        Saver.count += 1
        base = os.path.join(outdir, "msg-%03d" % Saver.count)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                "helo": session.host_name,
                "login": login_of(session),
                "tls": session.ssl is not None, "file": base + ".eml"}
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Message accepted"

def login_of(session):
    data = getattr(session, "auth_data", None) or getattr(session, "login_data", None)
    if isinstance(data, LoginPassword):
        data = data.login
    return data.decode() if isinstance(data, bytes) else data

def authenticator(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword) and auth_data.login == b"alert" and auth_data.password == b"s3cret":
        return AuthResult(success=True, auth_data=auth_data.login)
    return AuthResult(success=False, handled=False)

class TocsinController(Controller):
    def factory(self):
        kw = dict(authenticator=authenticator, auth_require_tls=False, decode_data=False)
        if cert:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(cert, key)
            kw.update(tls_context=ctx, require_starttls=True)
        return SMTP(self.handler, **kw)

c = TocsinController(Saver(), hostname="127.0.0.1", port=port)
c.start()
print("READY", flush=True)
try:
    asyncio.get_event_loop().run_forever()
except KeyboardInterrupt:
    pass
)PY";

constexpr const char* kParseScript = R"PY(
import email, json, sys
from email import policy
from email.header import decode_header, make_header
raw = open(sys.argv[1], "rb").read()
msg = email.message_from_bytes(raw, policy=policy.compat32)
headers = {}
for k, v in msg.items():
    headers[k] = str(make_header(decode_header(v)))
parts = []
for p in (msg.get_payload() if msg.is_multipart() else [msg]):
    payload = p.get_payload(decode=True) or b""
    parts.append({"content_type": p.get_content_type(), "cte": p.get("Content-Transfer-Encoding", ""),
                  "charset": p.get_content_charset() or "", "text": payload.decode(p.get_content_charset() or "utf-8")})
print(json.dumps({"headers": headers, "content_type": msg.get_content_type(), "parts": parts,
                  "defects": [str(d) for d in msg.defects], "crlf": b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")}))
)PY";

// Debian's interpreter: python3-aiosmtpd lives in its dist-packages, while a `python3` found
// first on PATH (pyenv, a venv) may not see it.
std::string python() {
  static const std::string p =
      std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  return p;
}

}  // namespace

bool python_aiosmtpd_available() {
  static const bool ok =
      run_program({python(), "-c", "import aiosmtpd"}, std::chrono::seconds(20)).exit_code == 0;
  return ok;
}

SmtpServer::SmtpServer(Options options) {
  std::string script = dir_.write("smtp_sink.py", kServerScript);
  std::filesystem::create_directories(dir_.path() + "/out");
  for (int attempt = 0; attempt < 3 && port_ == 0; ++attempt) {
    std::uint16_t port = free_port();
    std::vector<std::string> argv = {python(), script, std::to_string(port), dir_.path() + "/out"};
    if (!options.cert_file.empty()) {
      argv.push_back(options.cert_file);
      argv.push_back(options.key_file);
    }
    proc_ = std::make_unique<tocsin::testing::Subprocess>(argv);
    if (proc_->wait_for_output("READY", std::chrono::seconds(20))) {
      port_ = port;
    } else {
      proc_.reset();
    }
  }
}

SmtpServer::~SmtpServer() = default;

std::string SmtpServer::log() const {
  return proc_ ? proc_->stdout_text() + proc_->stderr_text() : "";
}

std::vector<nlohmann::json> SmtpServer::messages() const {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/out")) {
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<nlohmann::json> out;
  for (const auto& f : files) out.push_back(nlohmann::json::parse(tocsin::testing::read_file(f)));
  return out;
}

nlohmann::json parse_mime(const std::string& eml_path) {
  tocsin::testing::TempDir dir;
  std::string script = dir.write("parse_mime.py", kParseScript);
  auto r = run_program({python(), script, eml_path}, std::chrono::seconds(30));
  if (r.exit_code != 0) return {{"error", r.err}};
  return nlohmann::json::parse(r.out);
}

}  // namespace tocsin::notifiers::testing
