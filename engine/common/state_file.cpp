#include "engine/common/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/common/hash.h"

namespace tocsin {
namespace {

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

constexpr std::string_view kMagic = "tocsin-state ";

// The fault-injection hook (state_file.h): true while TOCSIN_FAULT_ENOSPC names an existing file.
bool injected_disk_full() {
  const char* flag = std::getenv("TOCSIN_FAULT_ENOSPC");
  struct stat st;
  return flag != nullptr && *flag != '\0' && ::stat(flag, &st) == 0;
}

}  // namespace

std::string frame_state(std::string_view kind, int version, std::string_view body) {
  char tail[64];
  std::snprintf(tail, sizeof tail, " v%d %zu %016" PRIx64 "\n", version, body.size(), fnv1a(body));
  std::string out;
  out.reserve(kMagic.size() + kind.size() + sizeof tail + body.size());
  out.append(kMagic).append(kind).append(tail).append(body);
  return out;
}

Result<std::string> unframe_state(std::string_view kind, int max_version, std::string_view text) {
  if (!text.empty() && text.front() == '{') return std::string(text);  // written before framing
  if (text.substr(0, kMagic.size()) != kMagic) return invalid_argument("not a tocsin state file");
  const size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return invalid_argument("truncated header");
  std::string header(text.substr(kMagic.size(), nl - kMagic.size()));
  char got_kind[64];
  int version = 0;
  unsigned long long length = 0;
  unsigned long long checksum = 0;
  if (std::sscanf(header.c_str(), "%63s v%d %llu %llx", got_kind, &version, &length, &checksum) != 4) {
    return invalid_argument("malformed header: " + header);
  }
  if (kind != got_kind) {
    return invalid_argument("a " + std::string(got_kind) + " state file, not " + std::string(kind));
  }
  if (version > max_version) {
    return invalid_argument("format version " + std::to_string(version) +
                            " is newer than this tocsin reads (" + std::to_string(max_version) + ")");
  }
  std::string_view body = text.substr(nl + 1);
  if (body.size() != length) {
    return invalid_argument("truncated: " + std::to_string(body.size()) + " of " +
                            std::to_string(length) + " bytes");
  }
  if (fnv1a(body) != checksum) return invalid_argument("checksum mismatch (corrupt file)");
  return std::string(body);
}

namespace {

using WriteFn = std::function<bool(std::string_view)>;

// Writes a temp file with `fill(write, overwrite_start)`, fsyncs it, renames it over `path` and
// fsyncs the directory. `write(bytes)` appends; `overwrite_start(bytes)` writes over the file's
// first bytes (already written). Both return false after a failed write (errno set).
Status write_atomic_with(const std::string& path,
                         const std::function<bool(const WriteFn&, const WriteFn&)>& fill) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return unavailable(errno_text("open", tmp));
  if (injected_disk_full()) {
    errno = ENOSPC;
    std::string msg = errno_text("write", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return unavailable(msg);
  }
  auto write_all = [fd](std::string_view data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(fd, data.data() + off, data.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      off += static_cast<size_t>(n);
    }
    return true;
  };
  auto overwrite_start = [fd](std::string_view data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::pwrite(fd, data.data() + off, data.size() - off, static_cast<off_t>(off));
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      off += static_cast<size_t>(n);
    }
    return true;
  };
  if (!fill(write_all, overwrite_start)) {
    std::string msg = errno_text("write", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return unavailable(msg);
  }
  if (::fsync(fd) != 0) {
    std::string msg = errno_text("fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return unavailable(msg);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string msg = errno_text("rename", tmp);
    ::unlink(tmp.c_str());
    return unavailable(msg);
  }
  std::string dir = ".";
  if (auto slash = path.rfind('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : path.substr(0, slash);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

// The header with the length zero-padded to 20 digits, so that its size does not depend on the
// body: written first as a placeholder and overwritten once the body's length and checksum are
// known. unframe_state reads it like any other header.
std::string fixed_width_header(std::string_view kind, int version, std::size_t size,
                               std::uint64_t sum) {
  char tail[64];
  std::snprintf(tail, sizeof tail, " v%d %020zu %016" PRIx64 "\n", version, size, sum);
  return std::string(kMagic).append(kind).append(tail);
}

}  // namespace

Status write_file_atomic(const std::string& path, std::string_view data) {
  return write_atomic_with(path, [&](const WriteFn& write, const WriteFn&) { return write(data); });
}

Status write_state_streamed(const std::string& path, std::string_view kind, int version,
                            const std::function<void(const StateSink&)>& produce) {
  return write_atomic_with(path, [&](const WriteFn& write, const WriteFn& overwrite_start) {
    if (!write(fixed_width_header(kind, version, 0, 0))) return false;
    std::size_t size = 0;
    std::uint64_t sum = kFnvOffset;
    // Pieces are gathered into 64 KiB writes.
    std::string buf;
    buf.reserve(1 << 16);
    bool ok = true;
    produce([&](std::string_view piece) {
      if (!ok) return;
      size += piece.size();
      sum = fnv1a(piece, sum);
      if (buf.size() + piece.size() > buf.capacity()) {
        ok = write(buf);
        buf.clear();
        if (piece.size() >= buf.capacity()) {
          ok = ok && write(piece);
          return;
        }
      }
      buf.append(piece);
    });
    return ok && write(buf) && overwrite_start(fixed_width_header(kind, version, size, sum));
  });
}

Result<std::string> read_state_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return not_found("no state file " + path);
    return unavailable(errno_text("open", path));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status append_file_synced(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return unavailable("open " + path + ": " + std::strerror(errno));
  if (injected_disk_full()) {
    ::close(fd);
    return unavailable("write " + path + ": " + std::strerror(ENOSPC));
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return unavailable("write " + path + ": " + std::strerror(e));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int e = errno;
    ::close(fd);
    return unavailable("fsync " + path + ": " + std::strerror(e));
  }
  ::close(fd);
  return {};
}

}  // namespace tocsin
