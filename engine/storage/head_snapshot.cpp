#include "engine/storage/head_snapshot.h"

#include <cstring>

namespace tocsin::storage {

namespace {

void put_uvarint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_varint(std::string& out, std::int64_t v) {
  put_uvarint(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

void put_string(std::string& out, std::string_view s) {
  put_uvarint(out, s.size());
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool done() const { return pos_ >= in_.size(); }
  bool uvarint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return false;
      auto b = static_cast<unsigned char>(in_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool varint(std::int64_t& v) {
    std::uint64_t u;
    if (!uvarint(u)) return false;
    v = static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  bool string(std::string& s) {
    std::uint64_t n;
    if (!uvarint(n) || n > in_.size() - pos_) return false;
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool f64(double& v) {
    if (in_.size() - pos_ < 8) return false;
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= static_cast<std::uint64_t>(static_cast<unsigned char>(in_[pos_ + i])) << (8 * i);
    pos_ += 8;
    std::memcpy(&v, &bits, 8);
    return true;
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace

void encode_head(const Head& head, Timestamp mint,
                 const std::function<void(std::string_view)>& sink, HeadSnapshotStats* stats) {
  std::string out;  // one series at a time, reused
  HeadSnapshotStats st;
  head.for_each_series(mint, [&](const Labels& labels, std::span<const Sample> samples) {
    out.clear();
    put_uvarint(out, labels.size());
    for (const auto& l : labels) {
      put_string(out, l.name);
      put_string(out, l.value);
    }
    put_uvarint(out, samples.size());
    Timestamp prev = 0;
    for (const Sample& s : samples) {
      put_varint(out, s.t - prev);
      prev = s.t;
      std::uint64_t bits;
      std::memcpy(&bits, &s.v, 8);
      for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
    }
    sink(out);
    ++st.series;
    st.samples += samples.size();
  });
  if (stats) *stats = st;
}

std::string encode_head(const Head& head, Timestamp mint, HeadSnapshotStats* stats) {
  std::string out;
  encode_head(head, mint, [&](std::string_view piece) { out.append(piece); }, stats);
  return out;
}

Result<HeadSnapshotStats> decode_head(std::string_view body, Head& head, std::size_t batch) {
  Reader r(body);
  HeadSnapshotStats st;
  auto app = head.appender();
  std::size_t pending = 0;
  auto fail = [&](const std::string& what) -> Result<HeadSnapshotStats> {
    (void)app->commit();  // keep the whole series read so far
    return invalid_argument("head snapshot: " + what + " after " + std::to_string(st.series) +
                            " series");
  };
  while (!r.done()) {
    std::uint64_t n;
    if (!r.uvarint(n) || n > 1024) return fail("bad label count");
    std::vector<Label> ls(n);
    for (auto& l : ls) {
      if (!r.string(l.name) || !r.string(l.value)) return fail("truncated labels");
    }
    Labels labels = Labels::from_unsorted(std::move(ls));
    std::uint64_t count;
    if (!r.uvarint(count)) return fail("truncated sample count");
    std::vector<Sample> samples;
    samples.reserve(std::min<std::uint64_t>(count, 1 << 16));
    Timestamp t = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
      std::int64_t d;
      double v;
      if (!r.varint(d) || !r.f64(v)) return fail("truncated samples");
      t += d;
      samples.push_back({t, v});
    }
    for (const Sample& s : samples) app->add(labels, s.t, s.v);
    ++st.series;
    st.samples += samples.size();
    pending += samples.size();
    if (pending >= batch) {
      (void)app->commit();  // out-of-order samples are counted by the head and skipped
      pending = 0;
    }
  }
  (void)app->commit();
  return st;
}

}  // namespace tocsin::storage
