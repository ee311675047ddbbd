#include "engine/remote/remote_write.h"

#include <snappy.h>

#include <boost/asio/post.hpp>
#include <cstring>
#include <map>

#include "engine/common/log.h"

namespace tocsin::remote {
namespace {

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_tag(std::string& out, int field, int wire) {
  put_varint(out, static_cast<std::uint64_t>(field << 3 | wire));
}

void put_bytes(std::string& out, int field, std::string_view b) {
  put_tag(out, field, 2);
  put_varint(out, b.size());
  out.append(b);
}

struct Reader {
  std::string_view in;
  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
      auto b = static_cast<unsigned char>(in.front());
      in.remove_prefix(1);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool bytes(std::string_view& b) {
    std::uint64_t n;
    if (!varint(n) || n > in.size()) return false;
    b = in.substr(0, n);
    in.remove_prefix(n);
    return true;
  }
  bool fixed64(std::uint64_t& v) {
    if (in.size() < 8) return false;
    v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(in[i]);
    in.remove_prefix(8);
    return true;
  }
  bool skip(int wire) {
    std::uint64_t v;
    std::string_view b;
    switch (wire) {
      case 0: return varint(v);
      case 1: return fixed64(v);
      case 2: return bytes(b);
      case 5:
        if (in.size() < 4) return false;
        in.remove_prefix(4);
        return true;
      default: return false;
    }
  }
};

}  // namespace

std::string encode_write_request(const std::vector<WriteSeries>& series) {
  std::string out, ts, part;
  for (const auto& s : series) {
    ts.clear();
    for (const Label& l : s.labels) {
      part.clear();
      put_bytes(part, 1, l.name);
      put_bytes(part, 2, l.value);
      put_bytes(ts, 1, part);
    }
    for (const auto& smp : s.samples) {
      part.clear();
      put_tag(part, 1, 1);
      std::uint64_t bits;
      std::memcpy(&bits, &smp.value, 8);
      for (int i = 0; i < 8; ++i) part.push_back(static_cast<char>(bits >> (8 * i)));
      put_tag(part, 2, 0);
      put_varint(part, static_cast<std::uint64_t>(smp.t));
      put_bytes(ts, 2, part);
    }
    put_bytes(out, 1, ts);
  }
  return out;
}

Result<std::vector<WriteSeries>> decode_write_request(std::string_view bytes) {
  std::vector<WriteSeries> out;
  Reader r{bytes};
  auto bad = [] { return invalid_argument("malformed WriteRequest"); };
  while (!r.in.empty()) {
    std::uint64_t key;
    if (!r.varint(key)) return bad();
    if (key != (1 << 3 | 2)) {
      if (!r.skip(static_cast<int>(key & 7))) return bad();
      continue;
    }
    std::string_view tsb;
    if (!r.bytes(tsb)) return bad();
    WriteSeries s;
    std::vector<Label> labels;
    Reader t{tsb};
    while (!t.in.empty()) {
      std::uint64_t k;
      std::string_view b;
      if (!t.varint(k)) return bad();
      if ((k & 7) != 2) {
        if (!t.skip(static_cast<int>(k & 7))) return bad();
        continue;
      }
      if (!t.bytes(b)) return bad();
      Reader f{b};
      if ((k >> 3) == 1) {
        Label l;
        while (!f.in.empty()) {
          std::uint64_t fk;
          std::string_view fb;
          if (!f.varint(fk) || (fk & 7) != 2 || !f.bytes(fb)) return bad();
          ((fk >> 3) == 1 ? l.name : l.value) = std::string(fb);
        }
        labels.push_back(std::move(l));
      } else if ((k >> 3) == 2) {
        WriteSample smp;
        while (!f.in.empty()) {
          std::uint64_t fk, v;
          if (!f.varint(fk)) return bad();
          if (fk == (1 << 3 | 1)) {
            if (!f.fixed64(v)) return bad();
            std::memcpy(&smp.value, &v, 8);
          } else if (fk == (2 << 3 | 0)) {
            if (!f.varint(v)) return bad();
            smp.t = static_cast<Timestamp>(v);
          } else if (!f.skip(static_cast<int>(fk & 7))) {
            return bad();
          }
        }
        s.samples.push_back(smp);
      }
    }
    s.labels = Labels::from_unsorted(std::move(labels));
    out.push_back(std::move(s));
  }
  return out;
}

std::string snappy_compress(std::string_view raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

Result<std::string> snappy_uncompress(std::string_view compressed) {
  std::string out;
  if (!snappy::Uncompress(compressed.data(), compressed.size(), &out)) {
    return invalid_argument("malformed snappy data");
  }
  return out;
}

Result<std::shared_ptr<RemoteWriter>> RemoteWriter::make(boost::asio::io_context& io,
                                                         http::CurlClient& client,
                                                         const config::RemoteWriteConfig& cfg,
                                                         config::HttpOptions http,
                                                         Labels external_labels,
                                                         RemoteWriteMetrics metrics) {
  auto rules = scrape::compile(cfg.write_relabel_configs);
  if (!rules) return tl::unexpected(rules.error().with_context("remote_write " + cfg.url));
  auto w = std::make_shared<RemoteWriter>(io, client, cfg.url, cfg.remote_timeout, cfg.headers,
                                          std::move(*rules), std::move(http),
                                          std::move(external_labels), metrics);
  if (cfg.queue_config) {
    w->min_backoff_ = cfg.queue_config->min_backoff;
    w->max_backoff_ = cfg.queue_config->max_backoff;
    w->retry_429_ = cfg.queue_config->retry_on_http_429;
  }
  return w;
}

RemoteWriter::RemoteWriter(boost::asio::io_context& io, http::CurlClient& client,
                           std::string url, Duration timeout,
                           std::map<std::string, std::string> headers,
                           std::vector<scrape::RelabelRule> relabel, config::HttpOptions http,
                           Labels external_labels, RemoteWriteMetrics metrics)
    : io_(io),
      client_(client),
      url_(std::move(url)),
      timeout_(timeout),
      headers_(std::move(headers)),
      relabel_(std::move(relabel)),
      http_(std::move(http)),
      external_labels_(std::move(external_labels)),
      metrics_(metrics),
      retry_timer_(io) {}

void RemoteWriter::count(const char* result) {
  if (metrics_.requests) metrics_.requests->Add({{"url", url_}, {"result", result}}).Increment();
}

void RemoteWriter::write(std::vector<WriteSeries> series) {
  std::vector<WriteSeries> out;
  std::size_t samples = 0;
  for (auto& s : series) {
    LabelsBuilder b(s.labels);
    for (const Label& l : external_labels_) {
      if (!s.labels.has(l.name)) b.set(l.name, l.value);
    }
    auto relabelled = scrape::relabel(b.labels(), relabel_);
    if (!relabelled || relabelled->empty()) continue;
    samples += s.samples.size();
    out.push_back({std::move(*relabelled), std::move(s.samples)});
  }
  if (out.empty()) return;
  Pending p{snappy_compress(encode_write_request(out)), samples};
  boost::asio::post(io_, [self = shared_from_this(), p = std::move(p)]() mutable {
    self->enqueue(std::move(p));
  });
}

void RemoteWriter::enqueue(Pending p) {
  if (queue_.size() >= kMaxQueue) {
    // The oldest request not being sent goes.
    queue_.erase(queue_.begin() + (in_flight_ ? 1 : 0));
    if (metrics_.dropped) metrics_.dropped->Add({{"url", url_}}).Increment();
  }
  queue_.push_back(std::move(p));
  pump();
}

void RemoteWriter::pump() {
  if (in_flight_ || queue_.empty()) return;
  in_flight_ = true;
  http::HttpRequest req;
  req.method = "POST";
  req.url = url_;
  req.body = queue_.front().body;
  req.timeout = std::chrono::milliseconds(timeout_);
  req.headers = {{"Content-Encoding", "snappy"},
                 {"Content-Type", "application/x-protobuf"},
                 {"X-Prometheus-Remote-Write-Version", "0.1.0"},
                 {"User-Agent", "tocsin"}};
  for (const auto& [k, v] : headers_) req.headers.push_back({k, v});
  http_.apply(req);
  client_.request(std::move(req), [self = shared_from_this()](Result<http::HttpResponse> r) {
    self->in_flight_ = false;
    bool retry = false;
    if (r && r->status / 100 == 2) {
      self->count("success");
      if (self->metrics_.samples) {
        self->metrics_.samples->Add({{"url", self->url_}}).Increment(
            static_cast<double>(self->queue_.front().samples));
      }
      self->queue_.pop_front();
      self->backoff_ = 0;
    } else {
      self->count("failure");
      retry = !r ? retryable(r.error())
                 : (r->status >= 500 || (r->status == 429 && self->retry_429_));
      std::string why = !r ? r.error().message
                           : r->status_text + ": " + r->body.substr(0, 200);
      log::warn("remote write failed", {{"url", self->url_}, {"err", why},
                                        {"retry", retry ? "true" : "false"}});
      if (!retry) {
        self->queue_.pop_front();
        if (self->metrics_.dropped) self->metrics_.dropped->Add({{"url", self->url_}}).Increment();
      }
    }
    if (retry) {
      self->backoff_ = std::min<Duration>(self->backoff_ ? self->backoff_ * 2 : self->min_backoff_,
                                          self->max_backoff_);
      self->retry_timer_.expires_after(std::chrono::milliseconds(self->backoff_));
      self->retry_timer_.async_wait([self](const boost::system::error_code& ec) {
        if (!ec) self->pump();
      });
    } else {
      self->pump();
    }
  });
}

TeeAppender::TeeAppender(std::unique_ptr<storage::Appender> local,
                         std::vector<std::shared_ptr<RemoteWriter>> writers)
    : local_(std::move(local)), writers_(std::move(writers)) {}

void TeeAppender::add(const Labels& labels, Timestamp t, double v) {
  local_->add(labels, t, v);
  pending_.push_back({labels, {{v, t}}});
}

void TeeAppender::add_ref(storage::SeriesRef ref, Timestamp t, double v) {
  local_->add_ref(ref, t, v);
  pending_.push_back({local_->labels_of(ref), {{v, t}}});
}

Status TeeAppender::commit() {
  Status st = local_->commit();
  if (!pending_.empty()) {
    for (size_t i = 0; i < writers_.size(); ++i) {
      writers_[i]->write(i + 1 == writers_.size() ? std::move(pending_) : pending_);
    }
    pending_.clear();
  }
  return st;
}

void TeeAppender::rollback() {
  local_->rollback();
  pending_.clear();
}

}  // namespace tocsin::remote
