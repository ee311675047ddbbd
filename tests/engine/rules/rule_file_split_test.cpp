// Rule files split into one part per group (engine/rules/rule_file_split.h): which files are
// split, and that parsing the parts gives exactly what parsing the whole file gives (groups,
// rules, every position) or declines, over the repository's rule files, the promtool
// conformance files (when ../shared exists) and mutations of them.
#include "engine/rules/rule_file_split.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "engine/rules/manager.h"
#include "parser/promql/parse.h"

namespace tocsin::rules {
namespace {

namespace fs = std::filesystem;

std::string pos(const SourcePos& p) {
  return std::to_string(p.line) + ":" + std::to_string(p.column);
}

// Everything a parse yields, positions included, as text.
std::string dump(const RuleFile& f) {
  std::ostringstream o;
  o << "file " << f.path << "\n";
  for (const auto& g : f.groups) {
    o << "group " << g.name << " @" << pos(g.pos) << " file=" << g.file << " interval=" << g.interval
      << " offset=" << (g.query_offset ? std::to_string(*g.query_offset) : "-")
      << " limit=" << g.limit << "\n";
    for (const auto& [k, v] : g.labels) o << "  glabel " << k << "=" << v << "\n";
    for (const auto& r : g.rules) {
      o << "  rule record=" << r.record << " alert=" << r.alert << " @" << pos(r.pos) << " expr@"
        << pos(r.expr_pos) << " for=" << r.hold << " kff=" << r.keep_firing_for << "\n"
        << "    expr " << r.expr << "\n"
        << "    parsed " << (r.parsed ? promql::to_string(*r.parsed) : "-") << "\n";
      for (const auto& [k, v] : r.labels) o << "    label " << k << "=" << v << "\n";
      for (const auto& [k, v] : r.annotations) o << "    annotation " << k << "=" << v << "\n";
      for (const auto& [k, v] : r.label_pos) o << "    label@ " << k << " " << pos(v) << "\n";
      for (const auto& [k, v] : r.annotation_pos) o << "    annotation@ " << k << " " << pos(v) << "\n";
    }
  }
  return o.str();
}

struct Outcome {
  bool split = false;   // the file was split
  bool joined = false;  // and its parts joined
};

// Parses `text` in parts and whole; when the parts join, the whole parse must succeed with the
// same result.
Outcome check_equivalent(const std::string& text, const std::string& name) {
  Outcome out;
  std::vector<std::string> parts = split_rule_groups(text);
  if (parts.empty()) return out;
  out.split = true;
  std::vector<RuleFileResult> results;
  for (const auto& p : parts) results.push_back(parse_rule_file(p, name));
  auto joined = join_rule_group_parts(name, results);
  if (!joined) return out;
  out.joined = true;
  RuleFileResult whole = parse_rule_file(text, name);
  EXPECT_TRUE(whole.has_value()) << name << ": the parts joined but the whole file fails:\n"
                                 << (whole ? "" : whole.error().front().to_string()) << "\n"
                                 << text;
  if (whole) {
    EXPECT_EQ(dump(*joined), dump(*whole)) << name << "\n" << text;
  }
  return out;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Rule files of the repository and, when present, of the promtool conformance data. Test files
// (with `rule_files:` / `tests:`) and other YAML are included: they are simply not split.
std::vector<fs::path> corpus() {
  std::vector<fs::path> out;
  std::vector<fs::path> roots = {fs::path(TOCSIN_SOURCE_DIR) / "rules",
                                 fs::path(TOCSIN_SOURCE_DIR) / "tests",
                                 fs::path(TOCSIN_SHARED_DIR) / "conformance" / "promtool"};
  for (const auto& root : roots) {
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file()) continue;
      auto ext = e.path().extension();
      if (ext == ".yml" || ext == ".yaml") out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

const char* const kPlain = R"(# leading comment
groups:   # the groups
  - name: first
    interval: 30s
    labels: {team: a}
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      # a comment at a deeper indentation
      - alert: Down
        expr: |
          up
            == 0
        for: 5m
        annotations:
          summary: "{{ $labels.instance }} is down"

# between groups
  - name: second
    rules:
      - alert: Broken
        expr: rate(x[5m]) > 1
        labels:
          severity: page
  -
    name: third
    rules: []
)";

TEST(RuleFileSplit, PlainFileSplitsIntoOnePartPerGroupWithTheSameLines) {
  std::vector<std::string> parts = split_rule_groups(kPlain);
  ASSERT_EQ(parts.size(), 3u);
  // Each part keeps the head and pads with empty lines up to its group's first line.
  EXPECT_EQ(parts[0].rfind("# leading comment\ngroups:   # the groups\n  - name: first\n", 0), 0u);
  EXPECT_EQ(parts[1].rfind("# leading comment\ngroups:   # the groups\n" + std::string(16, '\n') +
                               "  - name: second\n",
                           0),
            0u);
  Outcome o = check_equivalent(kPlain, "plain.yml");
  EXPECT_TRUE(o.split);
  EXPECT_TRUE(o.joined);
}

TEST(RuleFileSplit, FilesThatAreNotPlainlyLaidOutAreNotSplit) {
  const std::string two = "  - name: a\n    rules: []\n  - name: b\n    rules: []\n";
  EXPECT_EQ(split_rule_groups("groups:\n" + two).size(), 2u);
  EXPECT_EQ(split_rule_groups("groups:\n- name: a\n  rules: []\n- name: b\n").size(), 2u);
  for (const std::string& text : std::vector<std::string>{
           "groups:\r\n" + two,                              // carriage returns
           "groups: []\n",                                   // flow style
           "groups: [{name: a}, {name: b}]\n",               // flow style
           "other: 1\ngroups:\n" + two,                      // another key first
           "groups:\n" + two + "other: 1\n",                 // another key after
           "groups:\n" + two + "---\ngroups:\n" + two,       // several documents
           "%YAML 1.2\n---\ngroups:\n" + two,                // a directive
           "\"groups\":\n" + two,                            // a quoted key
           "groups:\n  - name: a\n    rules: []\n",          // one group only
           "groups:\n  - name: a\n    rules: []\n name: x\n",  // less indented content
           "groups:\n  - name: a\n  name: b\n",              // a key at the items' indentation
           "groups:\n\t- name: a\n\t- name: b\n",            // tabs
           std::string("\xEF\xBB\xBFgroups:\n") + two,       // a byte order mark
       }) {
    EXPECT_TRUE(split_rule_groups(text).empty()) << text;
  }
}

TEST(RuleFileSplit, ConstructsCutInTwoDeclineAndTheManagerParsesTheWholeFile) {
  // An anchor in the first group used by the second; a quoted scalar running past a line that
  // looks like a group; a repeated group name; an unnamed group.
  const std::vector<std::string> texts = {
      "groups:\n  - name: a\n    labels: &l {team: x}\n    rules: []\n"
      "  - name: b\n    labels: *l\n    rules: []\n",
      "groups:\n  - name: a\n    rules:\n      - record: r\n        expr: up\n        labels:\n"
      "          note: \"x\n  - name: b\"\n  - name: c\n    rules: []\n",
      "groups:\n  - name: a\n    rules: []\n  - name: a\n    rules: []\n",
      "groups:\n  - name: a\n    rules: []\n  - rules: []\n",
  };
  fs::path dir = fs::temp_directory_path() / ("rule_split_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (size_t i = 0; i < texts.size(); ++i) {
    SCOPED_TRACE(texts[i]);
    ASSERT_FALSE(split_rule_groups(texts[i]).empty());
    Outcome o = check_equivalent(texts[i], "t.yml");
    EXPECT_FALSE(o.joined);
    // The manager's load gives what a whole-file load gives: the same groups or the same errors.
    fs::path file = dir / ("f" + std::to_string(i) + ".yml");
    std::ofstream(file) << texts[i];
    RulesConfig cfg;
    cfg.rule_files = {file.string()};
    auto loaded = Manager::load(cfg, ManagerOptions{});
    RuleFileResult whole = load_rule_file(file.string());
    ASSERT_EQ(loaded.has_value(), whole.has_value());
    if (whole) {
      ASSERT_EQ(loaded->files.size(), 1u);
      EXPECT_EQ(dump(loaded->files.front()), dump(*whole));
    } else {
      std::string expected;
      for (const auto& e : whole.error()) expected += (expected.empty() ? "" : "\n") + e.to_string();
      EXPECT_EQ(loaded.error().message, expected);
    }
  }
  // The anchored file and the quoted scalar load (whole); the repeated and unnamed ones fail.
  EXPECT_TRUE(load_rule_file((dir / "f0.yml").string()).has_value());
  EXPECT_TRUE(load_rule_file((dir / "f1.yml").string()).has_value());
  EXPECT_FALSE(load_rule_file((dir / "f2.yml").string()).has_value());
  EXPECT_FALSE(load_rule_file((dir / "f3.yml").string()).has_value());
  fs::remove_all(dir);
}

TEST(RuleFileSplit, PartsGiveTheWholeFilesResultOverTheCorpusAndItsMutations) {
  int files = 0, split = 0, joined = 0, mutants = 0, mutants_joined = 0;
  std::mt19937 rng(20261124);  // fixed: the same mutations every run
  // TOCSIN_SPLIT_MUTANTS raises the number of mutations per split file for a longer hunt.
  const char* env = std::getenv("TOCSIN_SPLIT_MUTANTS");
  const int per_file = env != nullptr ? std::atoi(env) : 200;
  std::vector<std::pair<std::string, std::string>> texts = {{"plain.yml", kPlain}};
  for (const auto& path : corpus()) texts.emplace_back(path.filename().string(), read(path));
  for (const auto& [name, text] : texts) {
    ++files;
    Outcome o = check_equivalent(text, name);
    split += o.split;
    joined += o.joined;
    if (!o.split) continue;
    // Bounded mutations of each split file, one to three each: a line dropped, duplicated or
    // re-indented, or a character from YAML's punctuation inserted.
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    const std::string punct = "-:#&*!|>'\"{}[], \n";
    for (int m = 0; m < per_file && !lines.empty(); ++m) {
      std::vector<std::string> ls = lines;
      for (int n = 1 + static_cast<int>(rng() % 3); n > 0 && !ls.empty(); --n) {
      size_t i = rng() % ls.size();
      switch (rng() % 4) {
        case 0: ls.erase(ls.begin() + static_cast<long>(i)); break;
        case 1: ls.insert(ls.begin() + static_cast<long>(i), ls[i]); break;
        case 2: ls[i] = (rng() % 2 ? "  " : "") + ls[i].substr(std::min<size_t>(ls[i].size(), rng() % 3)); break;
        default: ls[i].insert(rng() % (ls[i].size() + 1), 1, punct[rng() % punct.size()]); break;
      }
      }
      std::string mutated;
      for (const auto& l : ls) mutated += l + "\n";
      Outcome mo = check_equivalent(mutated, name + "#" + std::to_string(m));
      ++mutants;
      mutants_joined += mo.joined;
    }
  }
  // The repository's own rule files include split ones, so this test compares something.
  EXPECT_GE(files, 5);
  EXPECT_GE(split, 2);
  EXPECT_GE(joined, 2);
  EXPECT_GT(mutants_joined, 0);
  std::printf("%d files, %d split, %d joined; %d mutants, %d joined\n", files, split, joined,
              mutants, mutants_joined);
}

}  // namespace
}  // namespace tocsin::rules
