#include "engine/dispatch/stored_alert.h"

#include <cassert>
#include <cstring>
#include <string>
#include <vector>

#include "engine/common/byte_codec.h"

namespace tocsin::dispatch {
namespace {

std::size_t varint_size(std::size_t n) {
  std::size_t k = 1;
  while (n >= 0x80) {
    n >>= 7;
    ++k;
  }
  return k;
}

char* put_string(char* p, std::string_view s) {
  std::size_t n = s.size();
  while (n >= 0x80) {
    *p++ = static_cast<char>((n & 0x7f) | 0x80);
    n >>= 7;
  }
  *p++ = static_cast<char>(n);
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

}  // namespace

std::string_view StoredAlert::Cursor::next() {
  std::size_t n = 0;
  int shift = 0;
  for (;;) {
    unsigned char b = *p_++;
    n |= static_cast<std::size_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  std::string_view s(reinterpret_cast<const char*>(p_), n);
  p_ += n;
  return s;
}

std::shared_ptr<const StoredAlert> StoredAlert::make(const Alert& a) {
  return make(a, a.fingerprint());
}

std::shared_ptr<const StoredAlert> StoredAlert::make(const Alert& a, std::uint64_t fingerprint) {
  assert(fingerprint == a.fingerprint());
  std::size_t size = 0;
  auto add = [&](std::string_view s) { size += varint_size(s.size()) + s.size(); };
  for (const Label& l : a.labels) add(l.name), add(l.value);
  for (const auto& [name, value] : a.annotations) add(name), add(value);
  add(a.generator_url);

  std::shared_ptr<StoredAlert> s(new StoredAlert());
  s->starts_at = a.starts_at;
  s->ends_at = a.ends_at;
  s->updated_at = a.updated_at;
  s->timeout = a.timeout;
  s->fingerprint_ = fingerprint;
  s->label_count_ = static_cast<std::uint32_t>(a.labels.size());
  s->annotation_count_ = static_cast<std::uint32_t>(a.annotations.size());
  s->size_ = static_cast<std::uint32_t>(size);
  s->data_ = std::make_unique_for_overwrite<char[]>(size == 0 ? 1 : size);
  char* p = s->data_.get();
  for (const Label& l : a.labels) p = put_string(put_string(p, l.name), l.value);
  for (const auto& [name, value] : a.annotations) p = put_string(put_string(p, name), value);
  p = put_string(p, a.generator_url);
  assert(static_cast<std::size_t>(p - s->data_.get()) == size);
  return s;
}

std::shared_ptr<const StoredAlert> StoredAlert::with_ends_at(Timestamp ends) const {
  std::shared_ptr<StoredAlert> s(new StoredAlert());
  s->starts_at = starts_at;
  s->ends_at = ends;
  s->updated_at = updated_at;
  s->timeout = timeout;
  s->fingerprint_ = fingerprint_;
  s->label_count_ = label_count_;
  s->annotation_count_ = annotation_count_;
  s->size_ = size_;
  s->data_ = std::make_unique_for_overwrite<char[]>(size_ == 0 ? 1 : size_);
  std::memcpy(s->data_.get(), data_.get(), size_);
  return s;
}

std::string_view StoredAlert::label(std::string_view name) const {
  Cursor c(data_.get());
  for (std::size_t i = 0; i < label_count_; ++i) {
    std::string_view n = c.next(), v = c.next();
    if (n == name) return v;
    if (n > name) break;  // sorted by name
  }
  return {};
}

bool StoredAlert::has_label(std::string_view name) const { return !label(name).empty(); }

std::string_view StoredAlert::generator_url() const {
  Cursor c(data_.get());
  for (std::size_t i = 0; i < 2 * (std::size_t{label_count_} + annotation_count_); ++i) c.next();
  return c.next();
}

Labels StoredAlert::labels() const {
  std::vector<Label> out;
  out.reserve(label_count_);
  for_each_label([&](std::string_view n, std::string_view v) {
    out.push_back(Label{std::string(n), std::string(v)});
  });
  return Labels::from_sorted(std::move(out));
}

Alert StoredAlert::alert() const {
  Alert a;
  a.labels = labels();
  Cursor c(data_.get());
  for (std::size_t i = 0; i < 2 * std::size_t{label_count_}; ++i) c.next();
  for (std::size_t i = 0; i < annotation_count_; ++i) {
    std::string_view n = c.next(), v = c.next();
    a.annotations.emplace_hint(a.annotations.end(), std::string(n), std::string(v));
  }
  a.generator_url = std::string(c.next());
  a.starts_at = starts_at;
  a.ends_at = ends_at;
  a.updated_at = updated_at;
  a.timeout = timeout;
  return a;
}

void StoredAlert::encode(std::string& out) const {
  put_fixed64(out, static_cast<std::uint64_t>(starts_at));
  put_fixed64(out, static_cast<std::uint64_t>(ends_at));
  put_fixed64(out, static_cast<std::uint64_t>(updated_at));
  out.push_back(timeout ? 1 : 0);
  put_varint(out, label_count_);
  put_varint(out, annotation_count_);
  put_varint(out, size_);
  out.append(data_.get(), size_);
}

Result<std::shared_ptr<const StoredAlert>> StoredAlert::decode(std::string_view& in) {
  auto corrupt = [](const char* what) {
    return tl::unexpected(Error{ErrorCode::kInvalidArgument, std::string("stored alert: ") + what});
  };
  ByteReader r(in);
  std::uint64_t starts, ends, updated, labels, annotations, size;
  std::uint8_t timeout;
  if (!r.fixed64(starts) || !r.fixed64(ends) || !r.fixed64(updated) || !r.byte(timeout) ||
      !r.varint(labels) || !r.varint(annotations) || !r.varint(size)) {
    return corrupt("truncated");
  }
  if (size > r.rest().size() || labels > size || annotations > size) return corrupt("bad sizes");
  // Every string of the buffer must lie inside it: 2 per label and annotation, one URL.
  const std::string_view body = r.rest().substr(0, size);
  ByteReader walk(body);
  for (std::uint64_t i = 0; i < 2 * (labels + annotations) + 1; ++i) {
    std::string_view str;
    if (!walk.bytes(str)) return corrupt("bad string length");
  }
  if (!walk.empty()) return corrupt("trailing bytes");
  std::shared_ptr<StoredAlert> s(new StoredAlert());
  s->starts_at = static_cast<Timestamp>(starts);
  s->ends_at = static_cast<Timestamp>(ends);
  s->updated_at = static_cast<Timestamp>(updated);
  s->timeout = timeout != 0;
  s->label_count_ = static_cast<std::uint32_t>(labels);
  s->annotation_count_ = static_cast<std::uint32_t>(annotations);
  s->size_ = static_cast<std::uint32_t>(size);
  s->data_ = std::make_unique_for_overwrite<char[]>(size == 0 ? 1 : size);
  std::memcpy(s->data_.get(), body.data(), size);
  r.skip(size);
  in = r.rest();
  s->fingerprint_ = s->labels().fingerprint();
  return std::shared_ptr<const StoredAlert>(std::move(s));
}

}  // namespace tocsin::dispatch
