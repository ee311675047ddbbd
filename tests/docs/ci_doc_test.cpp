// docs/ci.md's `doc-test` blocks (the format is described at the end of that page): blocks with
// file=PATH must equal docs/examples/ci/PATH, and every `tocsin ...` command line runs with
// /bin/sh in a fresh copy of docs/examples/ci with the built binary first on PATH, expecting
// exit 0 or the `# exit N` the line states.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/support/subprocess.h"

namespace tocsin::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = TOCSIN_SOURCE_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Block {
  int line = 0;        // of the opening fence
  std::string file;    // file=PATH, "" when none
  std::string text;
};

std::vector<Block> doc_test_blocks(const std::string& doc) {
  std::vector<Block> out;
  std::istringstream in(doc);
  std::string l;
  int n = 0;
  Block* open = nullptr;
  bool in_other = false;
  while (std::getline(in, l)) {
    ++n;
    if (l.rfind("```", 0) == 0) {
      if (open) {
        open = nullptr;
      } else if (in_other) {
        in_other = false;
      } else if (std::regex_search(l, std::regex(R"(^```\S*\s.*\bdoc-test\b)"))) {
        Block b;
        b.line = n;
        std::smatch m;
        if (std::regex_search(l, m, std::regex(R"(\bfile=(\S+))"))) b.file = m[1];
        out.push_back(b);
        open = &out.back();
      } else {
        in_other = true;
      }
      continue;
    }
    if (open) open->text += l + "\n";
  }
  EXPECT_EQ(open, nullptr) << "unterminated doc-test block";
  return out;
}

struct Command {
  int line = 0;
  std::string text;
  int exit_code = 0;
};

std::vector<Command> commands(const Block& b) {
  std::vector<Command> out;
  std::istringstream in(b.text);
  std::string l;
  int n = b.line;
  Command* cont = nullptr;
  while (std::getline(in, l)) {
    ++n;
    if (cont) {
      std::string t = l.substr(std::min(l.find_first_not_of(' '), l.size()));
      cont->text += " " + t;
    } else {
      std::string t = l.substr(std::min(l.find_first_not_of(' '), l.size()));
      if (t.rfind("- ", 0) == 0) t = t.substr(2);
      if (t.rfind("run: ", 0) == 0) t = t.substr(5);
      if (t.rfind("tocsin ", 0) != 0) continue;
      out.push_back({n, t, 0});
      cont = &out.back();
    }
    // A trailing backslash continues the command on the next line.
    if (!cont->text.empty() && cont->text.back() == '\\') {
      cont->text.pop_back();
      continue;
    }
    std::smatch m;
    if (std::regex_search(cont->text, m, std::regex(R"(\s+# exit (\d+)\s*$)"))) {
      cont->exit_code = std::stoi(m[1]);
      cont->text = cont->text.substr(0, m.position(0));
    }
    cont = nullptr;
  }
  return out;
}

TEST(DocsCi, ExampleFilesMatchTheDoc) {
  auto blocks = doc_test_blocks(slurp(kSource / "docs/ci.md"));
  int files = 0;
  for (const auto& b : blocks) {
    if (b.file.empty()) continue;
    ++files;
    const fs::path p = kSource / "docs/examples/ci" / b.file;
    ASSERT_TRUE(fs::exists(p)) << p;
    EXPECT_EQ(slurp(p), b.text) << "docs/ci.md:" << b.line << ": the block differs from " << p;
  }
  EXPECT_GE(files, 2) << "the GitHub Actions and GitLab CI blocks";
}

TEST(DocsCi, CommandsRunAgainstTheExample) {
  auto blocks = doc_test_blocks(slurp(kSource / "docs/ci.md"));
  std::vector<Command> all;
  for (const auto& b : blocks) {
    auto c = commands(b);
    all.insert(all.end(), c.begin(), c.end());
  }
  // The extraction itself must find what the page promises, or an empty run would pass.
  for (const char* want : {"tocsin check config", "tocsin check rules --format=github",
                           "tocsin test rules", "tocsin routes test", "tocsin eval"}) {
    int found = 0;
    for (const auto& c : all) found += c.text.rfind(want, 0) == 0;
    EXPECT_GE(found, 2) << want << " (once in the text, once in a CI job at least)";
  }

  const fs::path dir = fs::temp_directory_path() /
                       ("tocsin-docs-ci-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::copy(kSource / "docs/examples/ci", dir, fs::copy_options::recursive);
  const std::string bindir = fs::path(TOCSIN_BINARY).parent_path().string();
  for (const auto& c : all) {
    auto r = run_program({"/bin/sh", "-c",
                          "cd '" + dir.string() + "' && PATH='" + bindir + "':\"$PATH\" && " +
                              c.text},
                         std::chrono::seconds(120));
    EXPECT_EQ(r.exit_code, c.exit_code)
        << "docs/ci.md:" << c.line << ": " << c.text << "\n" << r.out << r.err;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tocsin::testing
