#include "engine/dispatch/dispatch_snapshot.h"

#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "engine/common/byte_codec.h"

namespace tocsin::dispatch {

void DispatchSnapshot::encode(const std::function<void(std::string_view)>& sink) const {
  // The table: the store's alerts in the store's order (store index i is table index i), then
  // the alerts only a group holds (an older version, or one the store collected), in the order
  // the groups name them. One open-addressing index from object to table position serves both.
  boost::unordered_flat_map<const StoredAlert*, std::uint64_t> index;
  index.reserve(store.size());
  const std::size_t in_store = store.size();
  for (std::size_t i = 0; i < in_store; ++i) index.try_emplace(store[i].get(), i);
  std::vector<const StoredAlert*> extra;
  for (const Group& g : groups) {
    for (const SharedAlert& a : g.alerts) {
      if (index.try_emplace(a.get(), in_store + extra.size()).second) extra.push_back(a.get());
    }
  }
  auto index_of = [&](const StoredAlert* a) -> std::uint64_t { return index.find(a)->second; };
  std::string buf;
  auto flush = [&](bool force) {
    if (force || buf.size() >= (1 << 15)) {
      sink(buf);
      buf.clear();
    }
  };
  put_fixed64(buf, static_cast<std::uint64_t>(taken_at));
  put_varint(buf, in_store + extra.size());
  for (const SharedAlert& a : store) a->encode(buf), flush(false);
  for (const StoredAlert* a : extra) a->encode(buf), flush(false);
  put_varint(buf, store.size());
  for (std::size_t i = 0; i < in_store; ++i) put_varint(buf, i), flush(false);
  put_varint(buf, groups.size());
  for (const Group& g : groups) {
    put_bytes(buf, g.route_id);
    put_varint(buf, g.labels.size());
    for (const Label& l : g.labels) put_bytes(buf, l.name), put_bytes(buf, l.value);
    buf.push_back(g.has_flushed ? 1 : 0);
    put_fixed64(buf, static_cast<std::uint64_t>(g.next_flush));
    buf.push_back(g.unconfirmed ? 1 : 0);
    put_varint(buf, g.alerts.size());
    for (const SharedAlert& a : g.alerts) put_varint(buf, index_of(a.get())), flush(false);
  }
  flush(true);
}

std::string DispatchSnapshot::encode() const {
  std::string out;
  encode([&](std::string_view piece) { out.append(piece); });
  return out;
}

Result<DispatchSnapshot> DispatchSnapshot::decode(std::string_view body, Timestamp now) {
  auto corrupt = [](const std::string& what) {
    return tl::unexpected(Error{ErrorCode::kInvalidArgument, "dispatch state: " + what});
  };
  DispatchSnapshot s;
  ByteReader r(body);
  std::uint64_t taken, n;
  if (!r.fixed64(taken)) return corrupt("truncated");
  s.taken_at = static_cast<Timestamp>(taken);
  const Duration down = std::max<Duration>(0, now - s.taken_at);
  if (!r.varint(n) || n > body.size()) return corrupt("bad alert count");
  std::vector<SharedAlert> table;
  table.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string_view rest = r.rest();
    auto a = StoredAlert::decode(rest);
    if (!a) return corrupt(a.error().message);
    r.skip(r.rest().size() - rest.size());
    if (down > 0 && !(*a)->resolved_at(s.taken_at)) *a = (*a)->with_ends_at((*a)->ends_at + down);
    table.push_back(std::move(*a));
  }
  auto get_ref = [&](SharedAlert& out) {
    std::uint64_t i;
    if (!r.varint(i) || i >= table.size()) return false;
    out = table[i];
    return true;
  };
  if (!r.varint(n) || n > table.size()) return corrupt("bad store size");
  for (std::uint64_t i = 0; i < n; ++i) {
    if (!get_ref(s.store.emplace_back())) return corrupt("bad store entry");
  }
  if (!r.varint(n) || n > body.size()) return corrupt("bad group count");
  for (std::uint64_t i = 0; i < n; ++i) {
    Group g;
    std::string_view id;
    std::uint64_t nl, next, na;
    std::uint8_t flushed, unconfirmed;
    if (!r.bytes(id) || !r.varint(nl) || nl > body.size()) return corrupt("bad group");
    std::vector<Label> labels;
    for (std::uint64_t k = 0; k < nl; ++k) {
      std::string_view name, value;
      if (!r.bytes(name) || !r.bytes(value)) return corrupt("bad group label");
      labels.push_back({std::string(name), std::string(value)});
    }
    if (!r.byte(flushed) || !r.fixed64(next) || !r.byte(unconfirmed) || !r.varint(na) ||
        na > body.size()) {
      return corrupt("bad group timing");
    }
    for (std::uint64_t k = 0; k < na; ++k) {
      if (!get_ref(g.alerts.emplace_back())) return corrupt("bad group alert");
    }
    g.route_id = std::string(id);
    g.labels = Labels::from_unsorted(std::move(labels));
    g.has_flushed = flushed != 0;
    g.next_flush = static_cast<Timestamp>(next);
    g.unconfirmed = unconfirmed != 0;
    s.groups.push_back(std::move(g));
  }
  if (!r.empty()) return corrupt("trailing bytes");
  return s;
}

}  // namespace tocsin::dispatch
