// Prometheus remote-write (protocol 1.0) for what rules write: recording rule results, ALERTS and
// ALERTS_FOR_STATE go to every `remote_write:` endpoint as a snappy-compressed protobuf
// WriteRequest (Content-Encoding: snappy, Content-Type: application/x-protobuf,
// X-Prometheus-Remote-Write-Version: 0.1.0).
//
// RemoteWriter: write() may be called from any thread (the rule workers): it relabels
// (write_relabel_configs), adds the global external labels, encodes and compresses there, then
// hands the request to the I/O thread, which sends one request at a time per endpoint in order.
// A 2xx answer is success; a 5xx, 429 (unless queue_config.retry_on_http_429 is false) or a
// transport error is retried with backoff (queue_config's min_backoff doubling to max_backoff;
// 30 ms to 5 s by default) while the queue (max 1000 requests, oldest dropped first) holds; any
// other status drops the request. Counted in tocsin_remote_write_* metrics.
//
// TeeAppender: an Appender that writes to the local one and, on commit, to the writers.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/config/config.h"
#include "engine/config/http_options.h"
#include "engine/http/curl_client.h"
#include "engine/scrape/relabel.h"
#include "engine/storage/storage.h"

namespace tocsin::remote {

struct WriteSample {
  double value = 0;
  Timestamp t = 0;
};
struct WriteSeries {
  Labels labels;  // sorted by name
  std::vector<WriteSample> samples;
};

// The protobuf WriteRequest (uncompressed).
std::string encode_write_request(const std::vector<WriteSeries>& series);
// The inverse, for tests: series with their labels and samples; an error on malformed input.
Result<std::vector<WriteSeries>> decode_write_request(std::string_view bytes);
// Snappy block format, as remote-write uses it.
std::string snappy_compress(std::string_view raw);
Result<std::string> snappy_uncompress(std::string_view compressed);

struct RemoteWriteMetrics {
  prometheus::Family<prometheus::Counter>* requests = nullptr;  // {url, result}
  prometheus::Family<prometheus::Counter>* samples = nullptr;   // {url} samples sent
  prometheus::Family<prometheus::Counter>* dropped = nullptr;   // {url} requests dropped
};

class RemoteWriter : public std::enable_shared_from_this<RemoteWriter> {
 public:
  static constexpr std::size_t kMaxQueue = 1000;

  // Fails when write_relabel_configs do not compile.
  static Result<std::shared_ptr<RemoteWriter>> make(boost::asio::io_context& io,
                                                    http::CurlClient& client,
                                                    const config::RemoteWriteConfig& cfg,
                                                    config::HttpOptions http,
                                                    Labels external_labels,
                                                    RemoteWriteMetrics metrics);

  void write(std::vector<WriteSeries> series);  // any thread
  const std::string& url() const { return url_; }

  RemoteWriter(boost::asio::io_context& io, http::CurlClient& client, std::string url,
               Duration timeout, std::map<std::string, std::string> headers,
               std::vector<scrape::RelabelRule> relabel, config::HttpOptions http,
               Labels external_labels, RemoteWriteMetrics metrics);

 private:
  struct Pending {
    std::string body;
    std::size_t samples = 0;
  };
  void enqueue(Pending p);  // I/O thread
  void pump();              // I/O thread
  void count(const char* result);

  boost::asio::io_context& io_;
  http::CurlClient& client_;
  std::string url_;
  Duration timeout_;
  std::map<std::string, std::string> headers_;
  std::vector<scrape::RelabelRule> relabel_;
  config::HttpOptions http_;
  Labels external_labels_;
  RemoteWriteMetrics metrics_;
  // I/O thread only:
  std::deque<Pending> queue_;
  bool in_flight_ = false;
  Duration backoff_ = 0;
  Duration min_backoff_ = 30;
  Duration max_backoff_ = 5 * kSecond;
  bool retry_429_ = true;
  boost::asio::steady_timer retry_timer_;
};

class TeeAppender final : public storage::Appender {
 public:
  TeeAppender(std::unique_ptr<storage::Appender> local,
              std::vector<std::shared_ptr<RemoteWriter>> writers);
  void add(const Labels& labels, Timestamp t, double v) override;
  // References are the local storage's; samples added by one are sent with its labels.
  storage::SeriesRef ref(const Labels& labels) override { return local_->ref(labels); }
  void add_ref(storage::SeriesRef ref, Timestamp t, double v) override;
  Labels labels_of(storage::SeriesRef ref) const override { return local_->labels_of(ref); }
  Status commit() override;
  void rollback() override;

 private:
  std::unique_ptr<storage::Appender> local_;
  std::vector<std::shared_ptr<RemoteWriter>> writers_;
  std::vector<WriteSeries> pending_;
};

}  // namespace tocsin::remote
