// The block reader against yaml-cpp: wherever it accepts a text, its tree (types, text,
// positions) must be yaml-cpp's. Checked on hand-written cases, on every YAML file of the
// repository and of ../shared, on generated rule-like documents and on mutations of them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "parser/yaml/block_reader.h"
#include "parser/yaml/load.h"

namespace tocsin::yaml {
namespace {

namespace fs = std::filesystem;

// "" when the block reader gives up or agrees with yaml-cpp; otherwise both trees.
std::string disagreement(std::string_view text, bool* accepted = nullptr) {
  std::optional<Node> fast = read_block_subset(text);
  if (accepted) *accepted = fast.has_value();
  if (!fast) return "";
  auto ref = load_with_yaml_cpp(text);
  if (!ref) {
    return "yaml-cpp rejects what the block reader accepted: " + ref.error().message + " at " +
           std::to_string(ref.error().mark.line) + ":" + std::to_string(ref.error().mark.column);
  }
  if (*fast == *ref) return "";
  return "block reader:\n" + debug_string(*fast) + "yaml-cpp:\n" + debug_string(*ref);
}

void expect_accepted_and_equal(const std::string& text) {
  bool accepted = false;
  std::string diff = disagreement(text, &accepted);
  EXPECT_TRUE(accepted) << "outside the subset:\n" << text;
  EXPECT_EQ(diff, "") << text;
}

void expect_given_up(const std::string& text) {
  EXPECT_FALSE(read_block_subset(text).has_value()) << text;
}

TEST(BlockReader, RuleFileShapes) {
  expect_accepted_and_equal(
      "groups:\n"
      "- name: a\n"
      "  interval: 30s\n"
      "  rules:\n"
      "  - alert: HighLatency   # trailing comment\n"
      "    expr: |\n"
      "      histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))) > 0.5\n"
      "    for: 10m\n"
      "    labels:\n"
      "      severity: page\n"
      "    annotations:\n"
      "      summary: \"{{ $labels.job }} is slow\"\n"
      "      description: 'it''s at {{ $value }}'\n"
      "      runbook: https://example.org/x#y\n"
      "  - record: job:x:rate5m\n"
      "    expr: sum by (job) (rate(x[5m]))\n");
  expect_accepted_and_equal(
      "# leading comment\n\n"
      "groups:\n"
      "  - name: b\n"
      "    rules:\n"
      "      -   alert: X\n"
      "          expr: >-\n"
      "            up\n"
      "            == 0\n"
      "\n"
      "          for:\n"
      "          labels:\n"
      "            team: a\n");
}

TEST(BlockReader, ScalarsAndNulls) {
  expect_accepted_and_equal("a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: ''\ng: \"\"\nh: nil\n");
  expect_accepted_and_equal("a: \"\\t\\n\\\\\\\"\\/ \\x41\\u00e9\\U0001F600\"\nb: 'x''y'\n");
  expect_accepted_and_equal("a: b c  d   # comment\nb: x#y\nc: -1\nd: http://h:9090/x\n");
  expect_accepted_and_equal("é: \"ü\"\nkey with spaces  : v\n\"quoted key\": 1\n'k2': 2\n");
  expect_accepted_and_equal("a:\n  b:\nc: 1\nd:\n  - e:\n# hi\n\nf:\n");
  expect_accepted_and_equal("a:\n- \n-\n- x\nb:\n  -\n");
  expect_accepted_and_equal("---\na: b\n");
  expect_accepted_and_equal("--- # doc\na:\n  - - 1\n    - 2\n  - - 3\n");
  expect_accepted_and_equal("");
  expect_accepted_and_equal("# only a comment\n\n");
}

TEST(BlockReader, BlockScalars) {
  expect_accepted_and_equal("a: |\n  x\n\n\nc: >\n  p\n   q\n  r\n\n  s\n");
  expect_accepted_and_equal("a: |-\n    x\n      y\n    z\nb: >\n  p\n\n  q\n\nc: 1\n");
  expect_accepted_and_equal("- |\n  one\n  # not a comment\n- >\n\n  two\n  three\n- x\n");
  expect_accepted_and_equal("a:\n  - b: |\n      c\n    d: >-\n      e\n       f\n      g\n");
  expect_accepted_and_equal("a: | # comment\n  x\nb: 1\n");
}

TEST(BlockReader, GivesUpOutsideTheSubset) {
  expect_given_up("a: [1, 2]\n");
  expect_given_up("a: {b: c}\n");
  expect_given_up("a: &x 1\nb: *x\n");
  expect_given_up("a: !!str 1\n");
  expect_given_up("a: b\n  c\n");          // multi-line plain scalar
  expect_given_up("a: \"b\n  c\"\n");      // multi-line quoted scalar
  expect_given_up("a: b\n---\nc: d\n");    // two documents
  expect_given_up("%YAML 1.2\n---\na: b\n");
  expect_given_up("a:\tb\n");
  expect_given_up("a: b\r\n");
  expect_given_up("a: b");                 // no final line break
  expect_given_up("? a\n: b\n");
  expect_given_up("a: |2\n   x\n");        // indentation indicator
  expect_given_up("a: |+\n  x\n\nb: 1\n");  // keep chomping
  expect_given_up("just a scalar\n");
  expect_given_up("a: b: c\n");
  expect_given_up("a:\n    b: 1\n  c: 2\n");
  expect_given_up("a: \"\\N\"\n");
  expect_given_up("a: \"x\"y\n");
  expect_given_up(std::string("a: \xff\n"));
  // Keys longer than YAML's 1024 characters (yaml-cpp rejects a quoted one: found by yaml_fuzz).
  expect_given_up("\"" + std::string(1100, 'k') + "\":\n  - x\n");
  expect_given_up(std::string(1100, 'k') + ": x\n");
}

// Errors are yaml-cpp's, through load().
TEST(Load, SyntaxErrorsAreYamlCpps) {
  auto r = load("a: b\n  c: d\n");
  ASSERT_FALSE(r);
  auto ref = load_with_yaml_cpp("a: b\n  c: d\n");
  ASSERT_FALSE(ref);
  EXPECT_EQ(r.error().message, ref.error().message);
  EXPECT_EQ(r.error().mark, ref.error().mark);
  EXPECT_EQ(r.error().mark.line, 1);
}

TEST(Load, FallsBackToYamlCpp) {
  auto r = load("a: [1, {b: c}]\n");
  ASSERT_TRUE(r);
  ASSERT_TRUE((*r)["a"].is_sequence());
  EXPECT_EQ((*r)["a"].items()[1]["b"].scalar(), "c");
  EXPECT_FALSE((*r)["missing"].defined());
  EXPECT_FALSE((*r)["a"]["b"].defined());
}

TEST(Node, LookupFindsTheFirstOfRepeatedKeys) {
  auto r = load("a: 1\na: 2\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pair_count(), 2u);
  EXPECT_EQ((*r)["a"].scalar(), "1");
}

std::vector<fs::path> yaml_files() {
  std::vector<fs::path> out;
  std::vector<fs::path> roots = {fs::path(TOCSIN_SOURCE_DIR) / "rules",
                                 fs::path(TOCSIN_SOURCE_DIR) / "tests",
                                 fs::path(TOCSIN_SOURCE_DIR) / "docs",
                                 fs::path(TOCSIN_SOURCE_DIR) / "bench"};
  if (fs::exists(TOCSIN_SHARED_DIR)) roots.push_back(fs::path(TOCSIN_SHARED_DIR) / "conformance");
  for (const auto& root : roots) {
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".yml" || ext == ".yaml")) out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(BlockReader, AgreesOnEveryYamlFileAtHand) {
  int files = 0, accepted_count = 0;
  for (const auto& p : yaml_files()) {
    std::string text = read(p);
    bool accepted = false;
    EXPECT_EQ(disagreement(text, &accepted), "") << p;
    ++files;
    accepted_count += accepted;
  }
  // The project's own rule files are all in the subset (they are what start-up reads).
  for (const auto& e : fs::recursive_directory_iterator(fs::path(TOCSIN_SOURCE_DIR) / "rules")) {
    if (e.path().string().ends_with(".rules.yml")) {
      EXPECT_TRUE(read_block_subset(read(e.path())).has_value()) << e.path();
    }
  }
  std::cout << files << " files, " << accepted_count << " read by the block reader\n";
  EXPECT_GT(files, 10);
}

// Generated documents in the rule-file style, with the variations the reader claims.
class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}

  std::string document() {
    out_.clear();
    if (pick(4) == 0) out_ += pick(2) ? "---\n" : "# header\n\n";
    mapping(0, 0);
    return out_;
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string word() {
    static const char* kWords[] = {"groups", "name", "rules", "alert", "expr", "for", "labels",
                                   "annotations", "severity", "x y", "é", "null", "~", "a-b",
                                   "http://h:1/p", "a#b", "-1", "0.5", "true", "up == 0"};
    return kWords[pick(20)];
  }

  void comment_or_blank() {
    int k = pick(8);
    if (k == 0) out_ += "\n";
    if (k == 1) out_ += std::string(static_cast<std::size_t>(pick(6)), ' ') + "# note\n";
  }

  void scalar(int indent) {
    switch (pick(9)) {
      case 0: out_ += "\n"; return;  // null
      case 1: out_ += "'" + word() + "''s'\n"; return;
      case 2: out_ += "\"" + word() + "\\t\\u00e9 {{ $labels.x }}\"\n"; return;
      case 3: case 4: {
        const char* headers[] = {"|", "|-", "|", ">", ">-", ">"};
        out_ += std::string(headers[pick(6)]) + (pick(4) == 0 ? " # c" : "") + "\n";
        const int m = indent + 1 + pick(3);
        const int lines = 1 + pick(4);
        for (int i = 0; i < lines; ++i) {
          if (pick(4) == 0) out_ += "\n";
          out_ += std::string(static_cast<std::size_t>(m + (pick(5) == 0 ? 1 + pick(2) : 0)), ' ') +
                  word() + "\n";
        }
        if (pick(3) == 0) out_ += "\n";
        return;
      }
      default:
        out_ += word() + (pick(5) == 0 ? "  # c" : "") + "\n";
    }
  }

  void value(int indent, int depth, bool in_mapping) {
    const int k = depth > 4 ? 0 : pick(6);
    if (k <= 2) {
      out_ += " ";
      scalar(indent);
      return;
    }
    out_ += "\n";
    comment_or_blank();
    const int inner = indent + (in_mapping && k == 3 ? 0 : 1 + pick(3));
    if (k == 5) {
      mapping(inner, depth + 1);
    } else {
      sequence(inner, depth + 1);
    }
  }

  void mapping(int indent, int depth, bool continued = false) {
    const int n = 1 + pick(4);
    for (int i = 0; i < n; ++i) {
      if (i > 0 || !continued) out_ += std::string(static_cast<std::size_t>(indent), ' ');
      out_ += word() + ":";
      value(indent, depth, true);
      comment_or_blank();
    }
  }

  void sequence(int indent, int depth) {
    const int n = 1 + pick(3);
    for (int i = 0; i < n; ++i) {
      out_ += std::string(static_cast<std::size_t>(indent), ' ') + "-";
      const int k = depth > 4 ? 0 : pick(4);
      if (k == 0) {
        out_ += " ";
        scalar(indent);
      } else if (k == 1) {
        value(indent, depth, false);
      } else {
        const int spaces = 1 + pick(2);
        out_ += std::string(static_cast<std::size_t>(spaces), ' ');
        mapping(indent + 1 + spaces, depth + 1, true);
      }
      comment_or_blank();
    }
  }

  std::mt19937 rng_;
  std::string out_;
};

TEST(BlockReader, AgreesOnGeneratedDocuments) {
  Generator gen(20261125);
  int accepted_count = 0;
  constexpr int kDocs = 3000;
  for (int i = 0; i < kDocs; ++i) {
    std::string doc = gen.document();
    bool accepted = false;
    std::string diff = disagreement(doc, &accepted);
    ASSERT_EQ(diff, "") << "document " << i << ":\n" << doc;
    accepted_count += accepted;
  }
  std::cout << accepted_count << " of " << kDocs
            << " generated documents read by the block reader\n";
  EXPECT_GT(accepted_count, kDocs / 2);  // the reader does not just give up
}

TEST(BlockReader, AgreesOnMutatedDocuments) {
  Generator gen(7);
  std::mt19937 rng(11);
  static const char kBytes[] = " \n-:#|>'\"\\{}[]~a0é&*!?%";
  int accepted_count = 0;
  constexpr int kDocs = 4000;
  for (int i = 0; i < kDocs; ++i) {
    std::string doc = gen.document();
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !doc.empty(); ++e) {
      std::size_t at = rng() % doc.size();
      char c = kBytes[rng() % (sizeof kBytes - 1)];
      switch (rng() % 3) {
        case 0: doc.insert(doc.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        case 1: doc.erase(at, 1); break;
        default: doc[at] = c;
      }
    }
    bool accepted = false;
    std::string diff = disagreement(doc, &accepted);
    ASSERT_EQ(diff, "") << "document " << i << ":\n" << doc;
    accepted_count += accepted;
  }
  std::cout << accepted_count << " of " << kDocs << " mutated documents read by the block reader\n";
  EXPECT_GT(accepted_count, kDocs / 10);
}

}  // namespace
}  // namespace tocsin::yaml
