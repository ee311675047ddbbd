// Secret files read at load time, off the I/O thread.
//
// Configurations name secrets by file (basic_auth.password_file, authorization.credentials_file,
// webhook url_file, Slack api_url_file, PagerDuty routing_key_file, ...). The engine reads them
// all while it loads a configuration on the blocking pool and keeps the values inline, so the
// stages that apply the configuration on the I/O thread never touch the disk. A missing or
// unreadable file fails the load (or reload) naming the file and the key; rotating a secret file
// takes a reload. TLS ca/cert/key files are read too: their names stay (for printing) and their
// contents go to TlsConfig's *_file_content, which the HTTP client uses instead of the files.
#pragma once

#include "engine/common/result.h"
#include "engine/config/config.h"

namespace tocsin::app {

// Reads every *_file secret of `config` into its inline field (whitespace-trimmed, as the
// peers do) and clears the file field. Blocking; call on the blocking pool.
Status inline_secret_files(config::Config& config);

}  // namespace tocsin::app
