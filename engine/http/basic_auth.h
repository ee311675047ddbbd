// Basic authentication for the inbound server: the Authorization header, bcrypt hashes checked
// with libcrypt (Debian's libxcrypt: $2a$, $2b$, $2y$), and a cache of answers.
//
// A bcrypt check costs milliseconds to seconds (cost 10 ≈ 70 ms), so, as exporter-toolkit does,
// each (user, hash, password) answer is cached: the cache key is a SHA-256 digest, so no password
// is kept in memory. BasicAuthVerifier is thread-safe; bcrypt computations are serialised (one
// at a time), and the server runs them on its own thread, never on the I/O thread.
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/common/result.h"

namespace tocsin::http {

struct BasicCredentials {
  std::string user;
  std::string password;
};

// Decodes "Basic base64(user:password)" (scheme case-insensitive, as Go's Request.BasicAuth).
// nullopt when absent or malformed.
std::optional<BasicCredentials> parse_basic_authorization(std::string_view header);

// True for a bcrypt hash as Go's bcrypt reads it: $2a$, $2b$, $2x$ or $2y$, a two-digit cost
// 04..31, 53 characters of salt and digest.
bool is_bcrypt_hash(std::string_view hash);

// A fresh bcrypt ($2y$) hash of `password` (tests, docs examples). cost 4..31.
Result<std::string> bcrypt_hash(std::string_view password, int cost);

// Compares `password` with a bcrypt `hash` (constant-time on the digest). Slow by design.
bool bcrypt_matches(std::string_view hash, std::string_view password);

class BasicAuthVerifier {
 public:
  static constexpr std::size_t kCacheSize = 128;

  // The cached answer for these credentials checked against `hash` (nullptr: unknown user).
  std::optional<bool> cached(const BasicCredentials& c, const std::string* hash) const;
  // Checks with bcrypt and caches the answer. An unknown user (hash == nullptr) is checked
  // against a dummy hash of the same cost class, so timing does not reveal which users exist.
  bool verify(const BasicCredentials& c, const std::string* hash);
  // bcrypt computations so far (tests check that the cache spares them).
  std::uint64_t computations() const;

 private:
  using Key = std::array<unsigned char, 32>;
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  static Key key_of(const BasicCredentials& c, const std::string* hash);
  void remember(const Key& k, bool ok);

  mutable std::mutex mu_;
  std::list<Key> order_;  // oldest first
  std::unordered_map<Key, bool, KeyHash> answers_;
  std::uint64_t computations_ = 0;
  std::mutex bcrypt_mu_;   // one bcrypt at a time
  std::string dummy_hash_;  // made on first use (under bcrypt_mu_)
};

}  // namespace tocsin::http
