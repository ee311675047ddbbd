#include "engine/storage/head.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <limits>
#include <mutex>

namespace tocsin::storage {

namespace {

constexpr std::uint32_t kNoSymbol = std::numeric_limits<std::uint32_t>::max();

std::uint64_t pair_key(std::uint32_t name, std::uint32_t value) {
  return (std::uint64_t{name} << 32) | value;
}

std::vector<std::uint32_t> intersect(const std::vector<std::uint32_t>& a,
                                     const std::vector<std::uint32_t>& b) {
  std::vector<std::uint32_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<std::uint32_t> subtract(const std::vector<std::uint32_t>& a,
                                    const std::vector<std::uint32_t>& b) {
  std::vector<std::uint32_t> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// Union of several sorted lists.
std::vector<std::uint32_t> merge(const std::vector<const std::vector<std::uint32_t>*>& lists) {
  if (lists.empty()) return {};
  if (lists.size() == 1) return *lists[0];
  std::vector<std::uint32_t> out;
  for (const auto* l : lists) out.insert(out.end(), l->begin(), l->end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Iterates samples copied out of the Head.
class VectorIterator final : public SampleIterator {
 public:
  explicit VectorIterator(std::vector<Sample> s) : samples_(std::move(s)) {}
  bool next() override { return ++pos_ < samples_.size(); }
  Timestamp t() const override { return samples_[pos_].t; }
  double v() const override { return samples_[pos_].v; }
  size_t size_hint() const override { return samples_.size() - (pos_ + 1); }
  std::vector<Sample> take_all() override {
    std::vector<Sample> out;
    if (pos_ == static_cast<size_t>(-1)) {
      out = std::move(samples_);
    } else if (pos_ < samples_.size()) {
      out.assign(samples_.begin() + static_cast<std::ptrdiff_t>(pos_ + 1), samples_.end());
    }
    samples_.clear();
    pos_ = 0;
    return out;
  }

 private:
  std::vector<Sample> samples_;
  size_t pos_ = static_cast<size_t>(-1);
};

// The label set stored at `syms` (name, value symbol ids, n pairs) of the symbol table.
Labels labels_at(const std::deque<std::string>& symbols, const std::deque<std::uint32_t>& label_syms,
                 std::size_t syms, std::size_t n) {
  return Labels::make_sorted(n, [&](std::span<Label> out) {
    for (size_t i = 0; i < n; ++i) {
      out[i].name = symbols[label_syms[syms + 2 * i]];
      out[i].value = symbols[label_syms[syms + 2 * i + 1]];
    }
  });
}

constexpr std::uint32_t kEmptySlot = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t kDeletedSlot = kEmptySlot - 1;

// Bytes glibc malloc really holds for an n-byte request (8-byte header, 16-byte rounding,
// 32-byte minimum); 0 for no allocation.
std::uint64_t malloc_bytes(std::uint64_t n) {
  if (n == 0) return 0;
  std::uint64_t c = (n + 8 + 15) & ~std::uint64_t{15};
  return c < 32 ? 32 : c;
}

// A cheap label-set hash for the series table (not the Alertmanager fingerprint).
std::uint32_t label_hash(const Labels& labels) {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL;
  std::hash<std::string_view> hs;
  for (const auto& l : labels) {
    h = (h ^ hs(l.name)) * 0xff51afd7ed558ccdULL;
    h = (h ^ hs(l.value)) * 0xc4ceb9fe1a85ec53ULL;
  }
  h ^= h >> 33;
  return static_cast<std::uint32_t>(h);
}

size_t slot_of(std::uint32_t hash, size_t mask) {
  return static_cast<size_t>((std::uint64_t{hash} * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
}

}  // namespace

struct Head::MemSeries {
  XorChunk open;                          // open for appends; keeps the last sample's t and v
  std::unique_ptr<FrozenChunk[]> closed;  // exact size, oldest first
  std::uint32_t syms = 0;                 // offset in label_syms_
  std::uint16_t num_closed = 0;
  std::uint16_t num_labels = 0;
  std::uint32_t hash = 0;

  bool has_samples() const { return num_closed > 0 || open.num_samples() > 0; }
};

class HeadAppender final : public Appender {
 public:
  explicit HeadAppender(Head& head) : head_(head) {}
  void add(const Labels& labels, Timestamp t, double v) override {
    pending_.push_back({labels, Head::kByLabels, t, v});
  }
  SeriesRef ref(const Labels& labels) override { return SeriesRef{head_.series_id(labels)} + 1; }
  void add_ref(SeriesRef ref, Timestamp t, double v) override {
    pending_.push_back({Labels{}, static_cast<std::uint32_t>(ref - 1), t, v});
  }
  Labels labels_of(SeriesRef ref) const override { return head_.labels_of_ref(ref); }
  Status commit() override {
    Status s = head_.apply(pending_);
    pending_.clear();
    return s;
  }
  void rollback() override { pending_.clear(); }

 private:
  Head& head_;
  std::vector<Head::PendingSample> pending_;
};

Head::Head(HeadOptions options) : options_(options) {}
Head::~Head() = default;

std::unique_ptr<Appender> Head::appender() { return std::make_unique<HeadAppender>(*this); }

std::uint32_t Head::intern(std::string_view s) {
  auto it = symbol_ids_.find(s);
  if (it != symbol_ids_.end()) return it->second;
  symbols_.emplace_back(s);
  auto id = static_cast<std::uint32_t>(symbols_.size() - 1);
  symbol_ids_.emplace(symbols_.back(), id);
  return id;
}

std::uint32_t Head::lookup(std::string_view s) const {
  auto it = symbol_ids_.find(s);
  return it == symbol_ids_.end() ? kNoSymbol : it->second;
}

Labels Head::labels_of(const MemSeries& s) const {
  return labels_at(symbols_, label_syms_, s.syms, s.num_labels);
}

bool Head::same_labels(const MemSeries& s, const Labels& labels) const {
  if (s.num_labels != labels.size()) return false;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (symbols_[label_syms_[s.syms + 2 * i + 1]] != labels[i].value ||
        symbols_[label_syms_[s.syms + 2 * i]] != labels[i].name) {
      return false;
    }
  }
  return true;
}

void Head::table_rehash(size_t slots) {
  std::vector<std::uint32_t> old = std::move(table_);
  table_.assign(slots, kEmptySlot);
  table_used_ = 0;
  table_deleted_ = 0;
  for (std::uint32_t id : old) {
    if (id < kDeletedSlot) table_insert(id, series_[id]->hash);
  }
}

void Head::table_insert(std::uint32_t id, std::uint32_t hash) {
  // Keep the load (live + deleted) under 0.8.
  if ((table_used_ + table_deleted_ + 1) * 5 > table_.size() * 4) {
    size_t n = 16;
    while ((table_used_ + 1) * 5 > n * 3) n *= 2;  // rehash to at most 0.6 live
    table_rehash(n);
  }
  size_t mask = table_.size() - 1;
  for (size_t i = slot_of(hash, mask);; i = (i + 1) & mask) {
    if (table_[i] == kEmptySlot || table_[i] == kDeletedSlot) {
      if (table_[i] == kDeletedSlot) --table_deleted_;
      table_[i] = id;
      ++table_used_;
      return;
    }
  }
}

void Head::table_erase(std::uint32_t id, std::uint32_t hash) {
  size_t mask = table_.size() - 1;
  for (size_t i = slot_of(hash, mask); table_[i] != kEmptySlot; i = (i + 1) & mask) {
    if (table_[i] == id) {
      table_[i] = kDeletedSlot;
      --table_used_;
      ++table_deleted_;
      return;
    }
  }
  assert(false && "series missing from the table");
}

std::uint32_t Head::find_id(const Labels& labels, std::uint32_t h) const {
  if (table_.empty()) return kByLabels;
  size_t mask = table_.size() - 1;
  for (size_t i = slot_of(h, mask); table_[i] != kEmptySlot; i = (i + 1) & mask) {
    std::uint32_t id = table_[i];
    if (id == kDeletedSlot) continue;
    const MemSeries* s = series_[id].get();
    if (s->hash == h && same_labels(*s, labels)) return id;
  }
  return kByLabels;
}

std::uint32_t Head::id_of(const Labels& labels) {
  std::uint32_t h = label_hash(labels);
  if (std::uint32_t id = find_id(labels, h); id != kByLabels) return id;
  auto s = std::make_unique<MemSeries>();
  s->hash = h;
  s->syms = static_cast<std::uint32_t>(label_syms_.size());
  s->num_labels = static_cast<std::uint16_t>(labels.size());
  auto id = static_cast<std::uint32_t>(series_.size());
  for (const auto& l : labels) {
    std::uint32_t n = intern(l.name);
    std::uint32_t v = intern(l.value);
    label_syms_.push_back(n);
    label_syms_.push_back(v);
    auto& list = postings_[pair_key(n, v)];
    if (list.empty()) values_[n].push_back(v);
    list.push_back(id);
  }
  series_.push_back(std::move(s));
  ++num_series_;
  table_insert(id, h);
  return id;
}

Head::MemSeries* Head::get_or_create(const Labels& labels) {
  return series_[id_of(labels)].get();
}

std::uint32_t Head::series_id(const Labels& labels) {
  {
    std::shared_lock lock(mu_);
    if (std::uint32_t id = find_id(labels, label_hash(labels)); id != kByLabels) return id;
  }
  std::unique_lock lock(mu_);
  return id_of(labels);
}

Labels Head::labels_of_id(std::uint32_t id) const {
  if (id < series_.size() && series_[id]) return labels_of(*series_[id]);
  auto it = removed_labels_.find(id);
  if (it == removed_labels_.end()) return {};
  const IdLabels& il = it->second;
  return labels_at(symbols_, label_syms_, il.syms, il.num_labels);
}

Labels Head::labels_of_ref(SeriesRef ref) const {
  if (ref == 0) return {};
  std::shared_lock lock(mu_);
  return labels_of_id(static_cast<std::uint32_t>(ref - 1));
}

Status Head::apply(std::vector<PendingSample>& samples) {
  std::unique_lock lock(mu_);
  std::uint64_t ooo = 0;
  std::uint64_t dup = 0;
  std::uint64_t unknown = 0;
  for (auto& p : samples) {
    MemSeries* s = nullptr;
    if (p.id == kByLabels) {
      s = get_or_create(p.labels);
    } else if (p.id < series_.size() && series_[p.id]) {
      s = series_[p.id].get();
    } else if (Labels l = labels_of_id(p.id); !l.empty()) {
      s = get_or_create(l);  // removed by retention since: create it again
    } else {
      ++unknown;  // a reference from before clear()
      continue;
    }
    if (s->has_samples()) {
      if (p.t < s->open.max_time()) {
        ++ooo;
        continue;
      }
      if (p.t == s->open.max_time()) {
        if (std::bit_cast<std::uint64_t>(p.v) !=
            std::bit_cast<std::uint64_t>(s->open.last_value())) {
          ++dup;
        }
        continue;
      }
    }
    s->open.append(p.t, p.v);
    // Cut at the sample count, or before the 16-bit byte size could overflow.
    if (s->open.num_samples() >= options_.samples_per_chunk || s->open.size_bytes() > 60000) {
      auto grown = std::make_unique<FrozenChunk[]>(s->num_closed + 1u);
      for (size_t i = 0; i < s->num_closed; ++i) grown[i] = std::move(s->closed[i]);
      grown[s->num_closed] = s->open.freeze();
      s->closed = std::move(grown);
      ++s->num_closed;
    }
  }
  out_of_order_ += ooo;
  duplicates_ += dup;
  if (ooo + dup > 0) {
    return invalid_argument(std::to_string(ooo) + " out-of-order and " + std::to_string(dup) +
                            " duplicate samples rejected");
  }
  if (unknown > 0) {
    return invalid_argument(std::to_string(unknown) + " samples for unknown series references");
  }
  return {};
}

std::vector<std::uint32_t> Head::postings_for(std::span<const Matcher> matchers) const {
  bool have = false;
  std::vector<std::uint32_t> result;
  std::vector<std::vector<std::uint32_t>> negatives;
  for (const Matcher& m : matchers) {
    std::uint32_t name = lookup(m.name());
    const std::vector<std::uint32_t>* values = nullptr;
    if (name != kNoSymbol) {
      auto it = values_.find(name);
      if (it != values_.end()) values = &it->second;
    }
    auto list_of = [&](std::uint32_t v) -> const std::vector<std::uint32_t>* {
      auto it = postings_.find(pair_key(name, v));
      return it == postings_.end() ? nullptr : &it->second;
    };
    std::vector<const std::vector<std::uint32_t>*> lists;
    if (m.matches("")) {
      // Matches series without the label: drop those whose value does not match.
      if (values) {
        for (auto v : *values) {
          if (!m.matches(symbols_[v])) {
            if (auto* l = list_of(v)) lists.push_back(l);
          }
        }
      }
      negatives.push_back(merge(lists));
      continue;
    }
    if (name != kNoSymbol && m.type() == MatchType::kEqual) {
      std::uint32_t v = lookup(m.value());
      if (v != kNoSymbol) {
        if (auto* l = list_of(v)) lists.push_back(l);
      }
    } else if (name != kNoSymbol && m.type() == MatchType::kRegexMatch &&
               !m.set_values().empty()) {
      for (const auto& sv : m.set_values()) {
        std::uint32_t v = lookup(sv);
        if (v == kNoSymbol) continue;
        if (auto* l = list_of(v)) lists.push_back(l);
      }
    } else if (values) {
      for (auto v : *values) {
        if (m.matches(symbols_[v])) {
          if (auto* l = list_of(v)) lists.push_back(l);
        }
      }
    }
    std::vector<std::uint32_t> pos = merge(lists);
    result = have ? intersect(result, pos) : std::move(pos);
    have = true;
    if (result.empty()) return result;
  }
  if (!have) {
    result.reserve(num_series_);
    for (size_t id = 0; id < series_.size(); ++id) {
      if (series_[id]) result.push_back(static_cast<std::uint32_t>(id));
    }
  }
  for (const auto& n : negatives) result = subtract(result, n);
  return result;
}

std::vector<Series> Head::select(std::span<const Matcher> matchers, Timestamp mint,
                                 Timestamp maxt) const {
  std::shared_lock lock(mu_);
  std::vector<Series> out;
  std::vector<std::uint32_t> ids = postings_for(matchers);
  ids.erase(std::remove_if(ids.begin(), ids.end(), [&](std::uint32_t id) { return !series_[id]; }),
            ids.end());
  out.reserve(ids.size());
  auto decode = [&](std::vector<Sample>& samples, ChunkIterator it, Timestamp cmin, Timestamp cmax) {
    if (cmax < mint || cmin > maxt) return;
    while (it.next()) {
      if (it.t() < mint) continue;
      if (it.t() > maxt) break;
      samples.push_back({it.t(), it.v()});
    }
  };
  for (std::uint32_t id : ids) {
    const MemSeries* s = series_[id].get();
    // A series made by a reference whose samples never came (a failed scrape) until retention
    // removes it.
    if (!s->has_samples()) continue;
    std::vector<Sample> samples;  // decoded straight into the vector the iterator will own
    // Reserve what the chunks hold within [mint, maxt], assuming evenly spaced samples, plus
    // slack: an exact-size vector most of the time, without decoding twice.
    std::size_t upper = 0;
    auto estimate = [&](std::size_t n, Timestamp cmin, Timestamp cmax) {
      if (n == 0 || cmax < mint || cmin > maxt) return;
      if (cmin >= mint && cmax <= maxt) {
        upper += n;
        return;
      }
      const double covered = static_cast<double>(std::min(cmax, maxt) - std::max(cmin, mint));
      const double span = static_cast<double>(std::max<Timestamp>(1, cmax - cmin));
      upper += std::min(n, static_cast<std::size_t>(static_cast<double>(n) * covered / span) + 2);
    };
    for (size_t i = 0; i < s->num_closed; ++i) {
      const FrozenChunk& c = s->closed[i];
      estimate(c.num_samples(), c.min_time(), c.max_time());
    }
    estimate(s->open.num_samples(), s->open.min_time(), s->open.max_time());
    samples.reserve(upper);
    for (size_t i = 0; i < s->num_closed; ++i) {
      const FrozenChunk& c = s->closed[i];
      decode(samples, c.iterator(), c.min_time(), c.max_time());
    }
    if (s->open.num_samples() > 0) {
      decode(samples, s->open.iterator(), s->open.min_time(), s->open.max_time());
    }
    out.push_back({labels_of(*s), std::make_unique<VectorIterator>(std::move(samples))});
  }
  return out;
}

void Head::for_each_series(
    Timestamp mint,
    const std::function<void(const Labels&, std::span<const Sample>)>& fn) const {
  constexpr std::size_t kBatch = 1024;
  std::vector<std::pair<Labels, std::vector<Sample>>> batch;
  for (std::size_t next = 0;;) {
    batch.clear();
    {
      std::shared_lock lock(mu_);
      if (next >= series_.size()) break;
      const std::size_t end = std::min(series_.size(), next + kBatch);
      for (; next < end; ++next) {
        const MemSeries* s = series_[next].get();
        if (!s || !s->has_samples()) continue;
        std::vector<Sample> samples;
        auto copy = [&](ChunkIterator it, Timestamp cmax) {
          if (cmax < mint) return;
          while (it.next()) {
            if (it.t() >= mint) samples.push_back({it.t(), it.v()});
          }
        };
        for (size_t i = 0; i < s->num_closed; ++i) {
          copy(s->closed[i].iterator(), s->closed[i].max_time());
        }
        if (s->open.num_samples() > 0) copy(s->open.iterator(), s->open.max_time());
        if (!samples.empty()) batch.emplace_back(labels_of(*s), std::move(samples));
      }
    }
    for (const auto& [labels, samples] : batch) fn(labels, samples);
  }
}

void Head::remove_series(std::uint32_t id) {
  MemSeries& s = *series_[id];
  table_erase(id, s.hash);
  for (size_t i = 0; i < s.num_labels; ++i) {
    std::uint64_t key = pair_key(label_syms_[s.syms + 2 * i], label_syms_[s.syms + 2 * i + 1]);
    auto it = postings_.find(key);
    if (it == postings_.end()) continue;
    auto& l = it->second;
    l.erase(std::remove(l.begin(), l.end(), id), l.end());
    if (l.empty()) {
      auto name = static_cast<std::uint32_t>(key >> 32);
      auto value = static_cast<std::uint32_t>(key & 0xffffffffu);
      auto& vals = values_[name];
      vals.erase(std::remove(vals.begin(), vals.end(), value), vals.end());
      if (vals.empty()) values_.erase(name);
      postings_.erase(it);
    }
  }
  removed_labels_[id] = {s.syms, s.num_labels};
  series_[id].reset();
  --num_series_;
}

void Head::truncate(Timestamp mint) {
  std::unique_lock lock(mu_);
  std::vector<std::uint32_t> dead;
  for (size_t id = 0; id < series_.size(); ++id) {
    MemSeries* s = series_[id].get();
    if (!s) continue;
    if (s->open.max_time() < mint) {  // every chunk, open or frozen, is older than mint
      dead.push_back(static_cast<std::uint32_t>(id));
      continue;
    }
    size_t keep = 0;
    while (keep < s->num_closed && s->closed[keep].max_time() < mint) ++keep;
    if (keep == 0) continue;
    size_t left = s->num_closed - keep;
    std::unique_ptr<FrozenChunk[]> rest;
    if (left > 0) {
      rest = std::make_unique<FrozenChunk[]>(left);
      for (size_t i = 0; i < left; ++i) rest[i] = std::move(s->closed[keep + i]);
    }
    s->closed = std::move(rest);
    s->num_closed = static_cast<std::uint16_t>(left);
    if (!s->has_samples()) dead.push_back(static_cast<std::uint32_t>(id));
  }
  if (dead.size() > 64) {
    // Many at once: rebuild the postings in one pass instead of one erase per label.
    for (std::uint32_t id : dead) {
      table_erase(id, series_[id]->hash);
      series_[id].reset();
      --num_series_;
    }
    auto gone = [this](std::uint32_t id) { return series_[id] == nullptr; };
    for (auto it = postings_.begin(); it != postings_.end();) {
      auto& l = it->second;
      l.erase(std::remove_if(l.begin(), l.end(), gone), l.end());
      if (l.empty()) {
        auto name = static_cast<std::uint32_t>(it->first >> 32);
        auto value = static_cast<std::uint32_t>(it->first & 0xffffffffu);
        auto& vals = values_[name];
        vals.erase(std::remove(vals.begin(), vals.end(), value), vals.end());
        if (vals.empty()) values_.erase(name);
        it = postings_.erase(it);
      } else {
        ++it;
      }
    }
  } else {
    for (std::uint32_t id : dead) remove_series(id);
  }
}

void Head::clear() {
  std::unique_lock lock(mu_);
  symbol_ids_.clear();
  symbols_.clear();
  label_syms_.clear();
  series_.clear();
  removed_labels_.clear();
  table_.clear();
  table_used_ = 0;
  table_deleted_ = 0;
  num_series_ = 0;
  postings_.clear();
  values_.clear();
}

HeadStats Head::stats() const {
  std::shared_lock lock(mu_);
  HeadStats st;
  st.out_of_order_rejected = out_of_order_;
  st.duplicate_rejected = duplicates_;
  std::uint64_t mem = malloc_bytes(series_.capacity() * sizeof(series_[0])) +
                      malloc_bytes(removed_labels_.bucket_count() * sizeof(void*)) +
                      removed_labels_.size() * malloc_bytes(32);  // a hash node each
  for (const auto& sp : series_) {
    if (!sp) continue;
    ++st.num_series;
    mem += malloc_bytes(sizeof(MemSeries));
    if (sp->num_closed > 0) {
      // new[] of a non-trivial type stores the count in front.
      mem += malloc_bytes(sp->num_closed * sizeof(FrozenChunk) + sizeof(size_t));
    }
    for (size_t i = 0; i < sp->num_closed; ++i) {
      const FrozenChunk& c = sp->closed[i];
      st.num_samples += c.num_samples();
      st.chunk_bytes += c.size_bytes();
      mem += malloc_bytes(c.size_bytes());
      ++st.num_chunks;
    }
    if (sp->open.num_samples() > 0) {
      st.num_samples += sp->open.num_samples();
      st.chunk_bytes += sp->open.size_bytes();
      mem += malloc_bytes(sp->open.capacity_bytes());
      ++st.num_chunks;
    }
  }
  // Hash maps: one node per entry (next pointer + key + value), 8 bytes per bucket.
  auto vec_bytes = [](const std::vector<std::uint32_t>& v) {
    return malloc_bytes(v.capacity() * sizeof(std::uint32_t));
  };
  constexpr std::uint64_t kListNode = 8 + 8 + sizeof(std::vector<std::uint32_t>);
  mem += malloc_bytes(postings_.bucket_count() * 8) + malloc_bytes(values_.bucket_count() * 8);
  for (const auto& [k, v] : postings_) mem += malloc_bytes(kListNode) + vec_bytes(v);
  for (const auto& [k, v] : values_) mem += malloc_bytes(kListNode) + vec_bytes(v);
  mem += vec_bytes(table_);
  // The label arena: a deque of 512-byte blocks plus its block map.
  mem += (label_syms_.size() * sizeof(std::uint32_t) + 511) / 512 * malloc_bytes(512);
  mem += malloc_bytes(symbol_ids_.bucket_count() * 8);
  for (const auto& s : symbols_) {
    mem += sizeof(std::string) + malloc_bytes(8 + 16 + 8) +
           (s.size() > 15 ? malloc_bytes(s.size() + 1) : 0);
  }
  st.approx_memory_bytes = mem;
  return st;
}

}  // namespace tocsin::storage
