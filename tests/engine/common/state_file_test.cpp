// State files: framing (kind, version, length, checksum) and atomic writes.
#include "engine/common/state_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace tocsin {
namespace {

TEST(StateFile, FrameRoundTripsAndRejectsDamage) {
  const std::string body = "{\"silences\": [1, 2, 3]}\nsecond line";
  const std::string framed = frame_state("silences", 1, body);
  EXPECT_EQ(framed.rfind("tocsin-state silences v1 ", 0), 0u) << framed;
  auto back = unframe_state("silences", 1, framed);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, body);

  // Truncated anywhere in the body.
  auto cut = unframe_state("silences", 1, framed.substr(0, framed.size() - 5));
  ASSERT_FALSE(cut);
  EXPECT_NE(cut.error().message.find("truncated"), std::string::npos) << cut.error().message;
  // Truncated inside the header.
  EXPECT_FALSE(unframe_state("silences", 1, framed.substr(0, 20)));
  // One flipped byte.
  std::string corrupt = framed;
  corrupt[corrupt.size() - 3] ^= 0x20;
  auto bad = unframe_state("silences", 1, corrupt);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("checksum"), std::string::npos) << bad.error().message;
  // Another kind, a newer version, garbage.
  auto other = unframe_state("nflog", 1, framed);
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("silences"), std::string::npos);
  auto newer = unframe_state("silences", 1, frame_state("silences", 2, body));
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("version 2"), std::string::npos);
  EXPECT_FALSE(unframe_state("silences", 1, "garbage"));
  EXPECT_FALSE(unframe_state("silences", 1, ""));
  // Files written before framing (a bare JSON document) are still read.
  auto legacy = unframe_state("silences", 1, "{\"a\":1}");
  ASSERT_TRUE(legacy);
  EXPECT_EQ(*legacy, "{\"a\":1}");
}

TEST(StateFile, FailedWriteLeavesTheOldFileIntact) {
  char tmpl[] = "/tmp/tocsin-state-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string path = dir + "/alerts.state";
  ASSERT_TRUE(write_file_atomic(path, "old"));
  auto text = read_state_file(path);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "old");
  // The directory becomes read-only (unless we are root, who may write anyway): the write fails
  // with an error naming the file, and the old content stays.
  ::chmod(dir.c_str(), 0555);
  auto st = write_file_atomic(path, "new");
  const bool root = ::geteuid() == 0;
  if (!root) {
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("alerts.state"), std::string::npos) << st.error().message;
    EXPECT_EQ(*read_state_file(path), "old");
  }
  ::chmod(dir.c_str(), 0755);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(read_state_file(path).error().code, ErrorCode::kNotFound);
}

TEST(StateFile, InjectedDiskFullFailsWritesWhileTheFlagFileExists) {
  char tmpl[] = "/tmp/tocsin-state-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string path = dir + "/silences.json";
  const std::string flag = dir + "/disk-full";
  ::setenv("TOCSIN_FAULT_ENOSPC", flag.c_str(), 1);
  ASSERT_TRUE(write_file_atomic(path, "old"));  // no flag file yet: inert
  { std::ofstream(flag) << ""; }
  auto st = write_file_atomic(path, "new");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(st.error().message.find("silences.json.tmp: No space left on device"),
            std::string::npos)
      << st.error().message;
  EXPECT_EQ(*read_state_file(path), "old");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  auto ap = append_file_synced(dir + "/dead_letters.jsonl", "line\n");
  ASSERT_FALSE(ap);
  EXPECT_NE(ap.error().message.find("No space left on device"), std::string::npos);
  std::filesystem::remove(flag);  // space again
  EXPECT_TRUE(write_file_atomic(path, "new"));
  EXPECT_EQ(*read_state_file(path), "new");
  ::unsetenv("TOCSIN_FAULT_ENOSPC");
  std::filesystem::remove_all(dir);
}

TEST(StateFile, StreamedWriteProducesOnceAndReadsBackAsAFramedFile) {
  char tmpl[] = "/tmp/tocsin-state-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string path = dir + "/head.state";
  // Small pieces, one piece larger than the 64 KiB write buffer, and bytes of every value.
  std::string expected;
  std::vector<std::string> pieces;
  for (int i = 0; i < 5000; ++i) pieces.push_back("series " + std::to_string(i) + "\n");
  pieces.push_back(std::string(200'000, 'x'));
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  pieces.push_back(all_bytes);
  for (const auto& p : pieces) expected += p;
  int calls = 0;
  ASSERT_TRUE(write_state_streamed(path, "head", 1, [&](const StateSink& sink) {
    ++calls;
    for (const auto& p : pieces) sink(p);
  }));
  EXPECT_EQ(calls, 1) << "the body is produced once";
  auto text = read_state_file(path);
  ASSERT_TRUE(text);
  auto body = unframe_state("head", 1, *text);
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(*body, expected);
  // The same body framed in memory reads back the same; only the length's padding differs.
  EXPECT_EQ(*unframe_state("head", 1, frame_state("head", 1, expected)), expected);
  // Damage is caught as in any framed file.
  std::string cut = text->substr(0, text->size() - 10);
  EXPECT_FALSE(unframe_state("head", 1, cut));
  std::string flipped = *text;
  flipped[flipped.size() / 2] ^= 0x01;
  EXPECT_FALSE(unframe_state("head", 1, flipped));

  // An empty body, and a full disk leaving the previous file whole.
  ASSERT_TRUE(write_state_streamed(dir + "/empty.state", "dispatch", 1, [](const StateSink&) {}));
  EXPECT_EQ(*unframe_state("dispatch", 1, *read_state_file(dir + "/empty.state")), "");
  const std::string flag = dir + "/disk-full";
  ::setenv("TOCSIN_FAULT_ENOSPC", flag.c_str(), 1);
  { std::ofstream(flag) << ""; }
  EXPECT_FALSE(write_state_streamed(path, "head", 1, [](const StateSink& sink) { sink("new"); }));
  ::unsetenv("TOCSIN_FAULT_ENOSPC");
  EXPECT_EQ(*unframe_state("head", 1, *read_state_file(path)), expected);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tocsin
