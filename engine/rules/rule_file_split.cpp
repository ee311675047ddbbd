#include "engine/rules/rule_file_split.h"

#include <set>

namespace tocsin::rules {

namespace {

constexpr std::string_view kGroupsKey = "groups:";
// Every part ends with one more group of this name, on a line of its own at the groups'
// indentation. A part that ends inside a construct still open at the cut (a quoted scalar, a
// flow collection) swallows that line or fails on it, so its end is checked by finding this group
// as its second one, at the part's last line. (yaml-cpp accepts an unterminated quoted scalar at
// the end of its input, so a bare part could parse although it was cut in the wrong place.)
constexpr std::string_view kEndGroup = "__tocsin_split_end__";

// "groups:" alone on its line, optionally followed by blanks and a comment.
bool is_groups_line(std::string_view line) {
  if (line.substr(0, kGroupsKey.size()) != kGroupsKey) return false;
  std::string_view rest = line.substr(kGroupsKey.size());
  size_t first = rest.find_first_not_of(' ');
  if (first == std::string_view::npos) return true;
  return first > 0 && rest[first] == '#';
}

// A block sequence item at `indent`: "-" followed by a blank or the end of the line.
bool is_item(std::string_view line, size_t indent) {
  return line[indent] == '-' && (indent + 1 == line.size() || line[indent + 1] == ' ');
}

}  // namespace

std::vector<std::string> split_rule_groups(std::string_view text) {
  if (text.find('\r') != std::string_view::npos) return {};
  size_t groups_end = std::string_view::npos;  // offset just past the `groups:` line
  int groups_lines = 0;                         // lines up to and including it
  size_t item_indent = std::string_view::npos;
  std::vector<size_t> starts;
  std::vector<int> start_lines;
  int line_no = 0;
  for (size_t pos = 0; pos < text.size(); ++line_no) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    const size_t indent = line.find_first_not_of(' ');
    const size_t line_start = pos;
    pos = eol + 1;
    if (indent == std::string_view::npos || line[indent] == '#') continue;  // blank or comment
    if (groups_end == std::string_view::npos) {
      if (indent != 0 || !is_groups_line(line)) return {};
      groups_end = std::min(pos, text.size());
      groups_lines = line_no + 1;
      continue;
    }
    if (indent == 0 && line[0] != '-') return {};  // another key, a document marker, a tab...
    if (item_indent == std::string_view::npos) {
      if (!is_item(line, indent)) return {};
      item_indent = indent;
    }
    if (indent < item_indent) return {};
    if (indent == item_indent) {
      if (!is_item(line, indent)) return {};
      starts.push_back(line_start);
      start_lines.push_back(line_no);
    }
  }
  if (starts.size() < 2) return {};
  std::vector<std::string> parts;
  parts.reserve(starts.size());
  const std::string_view head = text.substr(0, groups_end);
  for (size_t k = 0; k < starts.size(); ++k) {
    const size_t end = k + 1 < starts.size() ? starts[k + 1] : text.size();
    std::string part;
    part.reserve(head.size() + static_cast<size_t>(start_lines[k] - groups_lines) +
                 (end - starts[k]) + item_indent + kEndGroup.size() + 10);
    part.append(head);
    part.append(static_cast<size_t>(start_lines[k] - groups_lines), '\n');
    part.append(text.substr(starts[k], end - starts[k]));
    if (!part.empty() && part.back() != '\n') part.push_back('\n');
    part.append(item_indent, ' ');
    part.append("- name: ");
    part.append(kEndGroup);
    part.push_back('\n');
    parts.push_back(std::move(part));
  }
  return parts;
}

std::optional<RuleFile> join_rule_group_parts(std::string_view path,
                                              std::vector<RuleFileResult>& parts) {
  RuleFile out;
  out.path = std::string(path);
  std::set<std::string, std::less<>> names;
  for (auto& part : parts) {
    if (!part || part->groups.size() != 2) return std::nullopt;
    const GroupSpec& end = part->groups.back();
    if (end.name != kEndGroup || !end.rules.empty() || !end.labels.empty()) return std::nullopt;
    GroupSpec& g = part->groups.front();
    if (g.name.empty() || !names.insert(g.name).second) return std::nullopt;
    out.groups.push_back(std::move(g));
  }
  return out;
}

}  // namespace tocsin::rules
