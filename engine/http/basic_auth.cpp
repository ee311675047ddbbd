#include "engine/http/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>

namespace tocsin::http {

namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with padding (Go's base64.StdEncoding).
std::optional<std::string> base64_decode(std::string_view s) {
  if (s.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(s.size() / 4 * 3);
  for (size_t i = 0; i < s.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      char c = s[i + static_cast<size_t>(j)];
      if (c == '=' && i + 4 == s.size() && j >= 2) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[j] = base64_value(c);
      if (v[j] < 0) return std::nullopt;
    }
    std::uint32_t n = (static_cast<std::uint32_t>(v[0]) << 18) |
                      (static_cast<std::uint32_t>(v[1]) << 12) |
                      (static_cast<std::uint32_t>(v[2]) << 6) | static_cast<std::uint32_t>(v[3]);
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

bool is_bcrypt_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '/';
}

}  // namespace

std::optional<BasicCredentials> parse_basic_authorization(std::string_view header) {
  constexpr std::string_view kPrefix = "basic ";
  if (header.size() < kPrefix.size()) return std::nullopt;
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kPrefix[i]) return std::nullopt;
  }
  auto decoded = base64_decode(header.substr(kPrefix.size()));
  if (!decoded) return std::nullopt;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

bool is_bcrypt_hash(std::string_view h) {
  // $2y$10$ + 53 characters.
  if (h.size() != 60 || h[0] != '$' || h[1] != '2' || h[3] != '$' || h[6] != '$') return false;
  if (h[2] != 'a' && h[2] != 'b' && h[2] != 'x' && h[2] != 'y') return false;
  if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9') return false;
  int cost = (h[4] - '0') * 10 + (h[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (size_t i = 7; i < h.size(); ++i) {
    if (!is_bcrypt_char(h[i])) return false;
  }
  return true;
}

Result<std::string> bcrypt_hash(std::string_view password, int cost) {
  if (cost < 4 || cost > 31) return invalid_argument("bcrypt cost must be 4..31");
  if (password.find('\0') != std::string_view::npos) {
    return invalid_argument("a bcrypt password cannot hold a NUL byte");
  }
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2y$", static_cast<unsigned long>(cost), nullptr, 0, setting,
                       sizeof setting) == nullptr) {
    return internal_error(std::string("crypt_gensalt: ") + std::strerror(errno));
  }
  auto data = std::make_unique<crypt_data>();
  std::string phrase(password);
  const char* out = crypt_rn(phrase.c_str(), setting, data.get(), sizeof(crypt_data));
  if (out == nullptr || out[0] == '*') {
    return internal_error(std::string("crypt: ") + std::strerror(errno));
  }
  return std::string(out);
}

bool bcrypt_matches(std::string_view hash, std::string_view password) {
  if (!is_bcrypt_hash(hash)) return false;
  // crypt takes C strings: a password with a NUL byte would be silently cut short there.
  if (password.find('\0') != std::string_view::npos) return false;
  auto data = std::make_unique<crypt_data>();
  std::string phrase(password);
  std::string setting(hash);
  const char* out = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  if (out == nullptr) return false;
  size_t n = std::strlen(out);
  bool ok = n == hash.size() && CRYPTO_memcmp(out, hash.data(), n) == 0;
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  OPENSSL_cleanse(phrase.data(), phrase.size());
  return ok;
}

std::size_t BasicAuthVerifier::KeyHash::operator()(const Key& k) const {
  std::size_t h = 0;
  std::memcpy(&h, k.data(), sizeof h);
  return h;
}

BasicAuthVerifier::Key BasicAuthVerifier::key_of(const BasicCredentials& c,
                                                 const std::string* hash) {
  // Length-prefixed fields, so ("ab","c") and ("a","bc") differ.
  std::string buf;
  auto field = [&](std::string_view s) {
    std::uint64_t n = s.size();
    buf.append(reinterpret_cast<const char*>(&n), sizeof n);
    buf.append(s);
  };
  field(c.user);
  field(hash ? std::string_view(*hash) : std::string_view("\x01unknown"));
  field(c.password);
  Key k{};
  unsigned int len = 0;
  EVP_Digest(buf.data(), buf.size(), k.data(), &len, EVP_sha256(), nullptr);
  OPENSSL_cleanse(buf.data(), buf.size());
  return k;
}

std::optional<bool> BasicAuthVerifier::cached(const BasicCredentials& c,
                                              const std::string* hash) const {
  Key k = key_of(c, hash);
  std::lock_guard lock(mu_);
  auto it = answers_.find(k);
  if (it == answers_.end()) return std::nullopt;
  return it->second;
}

void BasicAuthVerifier::remember(const Key& k, bool ok) {
  std::lock_guard lock(mu_);
  if (answers_.count(k) != 0) return;
  if (answers_.size() >= kCacheSize) {
    answers_.erase(order_.front());
    order_.pop_front();
  }
  answers_.emplace(k, ok);
  order_.push_back(k);
}

bool BasicAuthVerifier::verify(const BasicCredentials& c, const std::string* hash) {
  Key k = key_of(c, hash);
  {
    std::lock_guard lock(mu_);
    if (auto it = answers_.find(k); it != answers_.end()) return it->second;
  }
  bool ok = false;
  {
    std::lock_guard lock(bcrypt_mu_);
    if (hash != nullptr) {
      ok = bcrypt_matches(*hash, c.password);
    } else {
      if (dummy_hash_.empty()) {
        auto h = bcrypt_hash("tocsin: not a user", 10);
        dummy_hash_ = h ? *h : std::string();
      }
      bcrypt_matches(dummy_hash_, c.password);
      ok = false;
    }
    std::lock_guard lock2(mu_);
    ++computations_;
  }
  remember(k, ok);
  return ok;
}

std::uint64_t BasicAuthVerifier::computations() const {
  std::lock_guard lock(mu_);
  return computations_;
}

}  // namespace tocsin::http
