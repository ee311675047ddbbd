#include "engine/scrape/file_sd.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>

#include "tests/engine/http/tls_server.h"
#include "tests/support/subprocess.h"

namespace tocsin::scrape {
namespace {

TEST(ParseTargetFile, JsonAndYamlGiveTheSameGroups) {
  auto j = parse_target_file("/sd/a.json",
                             R"([{"targets": ["h1:9100", "h2:9100"], "labels": {"env": "prod"}},
                                 {"targets": ["h3:9100"]}])");
  auto y = parse_target_file("/sd/a.yml",
                             "- targets: ['h1:9100', 'h2:9100']\n  labels:\n    env: prod\n"
                             "- targets: ['h3:9100']\n");
  ASSERT_TRUE(j) << j.error().message;
  ASSERT_TRUE(y) << y.error().message;
  ASSERT_EQ(j->size(), 2u);
  ASSERT_EQ(y->size(), 2u);
  for (const auto* groups : {&*j, &*y}) {
    EXPECT_EQ((*groups)[0].targets.size(), 2u);
    EXPECT_EQ((*groups)[0].targets[1].get("__address__"), "h2:9100");
    EXPECT_EQ((*groups)[0].labels.get("env"), "prod");
    EXPECT_EQ((*groups)[1].targets[0].get("__address__"), "h3:9100");
  }
  EXPECT_EQ((*j)[0].labels.get("__meta_filepath"), "/sd/a.json");
  EXPECT_EQ((*j)[1].source, "/sd/a.json:1");
  EXPECT_TRUE(parse_target_file("/sd/empty.yml", ""));
}

TEST(ParseTargetFile, Errors) {
  EXPECT_FALSE(parse_target_file("/a.json", "[{\"targets\": [\"h:1\"]"));        // truncated
  EXPECT_FALSE(parse_target_file("/a.json", "{\"targets\": []}"));               // not a list
  EXPECT_FALSE(parse_target_file("/a.yml", "- targets: [a\n"));                  // bad YAML
  auto bad = parse_target_file("/a.json", R"([{"targets": ["h:1"], "labels": {"0x": "v"}}])");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "/a.json: \"0x\" is not a valid label name");
  auto ext = parse_target_file("/a.txt", "");
  ASSERT_FALSE(ext);
  EXPECT_NE(ext.error().message.find("unknown file extension"), std::string::npos);
}

TEST(FileDiscovery, RereadsFilesAndKeepsTheLastGoodOnError) {
  boost::asio::io_context io;
  boost::asio::thread_pool pool(1);
  ::tocsin::testing::TempDir dir;
  dir.write("a.json", R"([{"targets": ["a:1"]}])");
  dir.write("b.yml", "- targets: ['b:1']\n");
  dir.write("ignored.txt", "nope");
  config::FileSdConfig cfg;
  cfg.files = {dir.path() + "/*.json", dir.path() + "/*.yml"};
  cfg.refresh_interval = 50;
  std::vector<std::vector<std::string>> updates;
  prometheus::Counter read_errors;
  FileDiscovery d(
      io, pool, cfg,
      [&](std::vector<TargetGroup> groups) {
    std::vector<std::string> addrs;
    for (const auto& g : groups) {
      for (const auto& t : g.targets) addrs.emplace_back(t.get("__address__"));
    }
    std::sort(addrs.begin(), addrs.end());
    updates.push_back(addrs);
      },
      &read_errors);
  d.start();
  ASSERT_TRUE(::tocsin::testing::run_until(io, [&] { return updates.size() == 1; }));
  EXPECT_EQ(updates[0], (std::vector<std::string>{"a:1", "b:1"}));

  // Unchanged files: no update for several refreshes.
  ::tocsin::testing::run_until(io, [] { return false; }, std::chrono::milliseconds(200));
  EXPECT_EQ(updates.size(), 1u);

  dir.write("a.json", R"([{"targets": ["a:1", "a:2"]}])");
  ASSERT_TRUE(::tocsin::testing::run_until(io, [&] { return updates.size() == 2; }));
  EXPECT_EQ(updates[1], (std::vector<std::string>{"a:1", "a:2", "b:1"}));
  EXPECT_EQ(read_errors.Value(), 0);

  dir.write("a.json", R"([{"targets": ["a:3")");  // broken: keep a:1, a:2
  ::tocsin::testing::run_until(io, [] { return false; }, std::chrono::milliseconds(200));
  EXPECT_EQ(updates.size(), 2u);
  EXPECT_GE(read_errors.Value(), 1) << "each failed read of the broken file is counted";

  std::remove((dir.path() + "/b.yml").c_str());  // gone: its targets go
  ASSERT_TRUE(::tocsin::testing::run_until(io, [&] { return updates.size() == 3; }));
  EXPECT_EQ(updates[2], (std::vector<std::string>{"a:1", "a:2"}));
  pool.join();
}

}  // namespace
}  // namespace tocsin::scrape
