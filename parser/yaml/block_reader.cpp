#include "parser/yaml/block_reader.h"

#include <cstdint>
#include <vector>

#include "engine/common/utf8.h"

namespace tocsin::yaml {
namespace {

// Thrown inside the reader only, caught in read_block_subset: "not in the subset, ask yaml-cpp".
struct GiveUp {};

constexpr int kMaxDepth = 64;

struct Line {
  std::size_t start;  // first byte
  std::size_t end;    // the '\n' ending it
  std::size_t first;  // first byte that is not a space (== end on a blank line)
  bool content;       // neither blank nor a comment
  std::size_t indent() const { return first - start; }
};

// Bytes yaml-cpp reads differently from us or rejects: controls other than '\n' (tabs and
// carriage returns included), invalid UTF-8, and the Unicode line breaks, byte order mark and
// C1 controls that a YAML 1.1 reader may treat as breaks or strip.
bool plain_bytes(std::string_view t) {
  const auto* s = reinterpret_cast<const unsigned char*>(t.data());
  const std::size_t n = t.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (len == 0 || c > 0xf4 || i + len > n) return false;
    std::uint32_t cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) return false;
    if (cp >= 0xd800 && cp <= 0xdfff) return false;
    if (cp < 0xa0 || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff) return false;
    i += len;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Reader {
 public:
  explicit Reader(std::string_view t) : t_(t) {}

  Node document() {
    if (!t_.empty() && t_.back() != '\n') throw GiveUp{};
    index_lines();
    std::size_t li = next_content(0);
    if (li == lines_.size()) return Node(NodeType::kNull, Mark{});
    // A document start marker alone on the first line; any other marker or directive (or a
    // second document) is left to yaml-cpp.
    if (starts_marker(lines_[li]) && lines_[li].indent() == 0 &&
        t_.compare(lines_[li].start, 3, "---") == 0) {
      std::size_t after = skip_blanks(lines_[li].start + 3, lines_[li].end);
      if (after != lines_[li].end && !(t_[after] == '#' && after > lines_[li].start + 3)) {
        throw GiveUp{};
      }
      li = next_content(li + 1);
      if (li == lines_.size()) throw GiveUp{};
    }
    for (std::size_t k = li; k < lines_.size(); ++k) {
      if (lines_[k].content && lines_[k].indent() == 0 &&
          (starts_marker(lines_[k]) || t_[lines_[k].first] == '%')) {
        throw GiveUp{};
      }
    }
    line_ = li;
    const Line& l = lines_[li];
    Node root = collection(l.first, l.indent(), 0);
    if (next_content(line_ + 1) != lines_.size()) throw GiveUp{};
    return root;
  }

 private:
  void index_lines() {
    std::size_t start = 0;
    lines_.reserve(t_.size() / 24 + 1);
    while (start < t_.size()) {
      std::size_t end = t_.find('\n', start);
      std::size_t first = start;
      while (first < end && t_[first] == ' ') ++first;
      lines_.push_back(Line{start, end, first, first < end && t_[first] != '#'});
      start = end + 1;
    }
  }

  bool starts_marker(const Line& l) const {
    if (l.end - l.first < 3) return false;
    std::string_view head = t_.substr(l.first, 3);
    if (head != "---" && head != "...") return false;
    return l.first + 3 == l.end || t_[l.first + 3] == ' ';
  }

  std::size_t skip_blanks(std::size_t p, std::size_t end) const {
    while (p < end && t_[p] == ' ') ++p;
    return p;
  }

  // The first line at or after `li` with content; lines_.size() when there is none.
  std::size_t next_content(std::size_t li) const {
    while (li < lines_.size() && !lines_[li].content) ++li;
    return li;
  }

  Mark mark_at(std::size_t line, std::size_t pos) const {
    return Mark{static_cast<int>(pos), static_cast<int>(line),
                static_cast<int>(pos - lines_[line].start)};
  }

  // Where yaml-cpp puts a value that is empty: at the next token, or at the end of the text.
  Mark next_token_mark(std::size_t li) const {
    li = next_content(li);
    if (li < lines_.size()) return mark_at(li, lines_[li].first);
    return Mark{static_cast<int>(t_.size()), static_cast<int>(lines_.size()), 0};
  }

  bool is_item(std::size_t p, std::size_t end) const {
    return t_[p] == '-' && (p + 1 == end || t_[p + 1] == ' ');
  }

  // A block sequence or mapping whose first token is at `p` (column `indent`) on line_.
  Node collection(std::size_t p, std::size_t indent, int depth) {
    if (depth > kMaxDepth) throw GiveUp{};
    const std::size_t end = lines_[line_].end;
    if (is_item(p, end)) return sequence(p, indent, depth);
    if (key_end(p, end) != std::string_view::npos) return mapping(p, indent, depth);
    throw GiveUp{};  // a scalar where a collection was expected
  }

  Node sequence(std::size_t p, std::size_t indent, int depth) {
    if (depth > kMaxDepth) throw GiveUp{};
    Node seq(NodeType::kSequence, mark_at(line_, p));
    std::vector<Node>& items = seq.mutable_children();
    for (;;) {
      const std::size_t end = lines_[line_].end;
      std::size_t q = skip_blanks(p + 1, end);
      if (q == end || t_[q] == '#') {
        items.push_back(value_below(indent, false, depth));
      } else if (is_item(q, end)) {
        items.push_back(sequence(q, q - lines_[line_].start, depth + 1));
      } else if (key_end(q, end) != std::string_view::npos) {
        items.push_back(mapping(q, q - lines_[line_].start, depth + 1));
      } else {
        items.push_back(inline_scalar(q, indent));
      }
      const std::size_t next = next_content(line_ + 1);
      if (next == lines_.size()) break;
      const Line& l = lines_[next];
      if (l.indent() > indent) throw GiveUp{};
      if (l.indent() < indent || !is_item(l.first, l.end)) break;
      line_ = next;
      p = l.first;
    }
    return seq;
  }

  Node mapping(std::size_t p, std::size_t indent, int depth) {
    if (depth > kMaxDepth) throw GiveUp{};
    Node map(NodeType::kMap, mark_at(line_, p));
    std::vector<Node>& kv = map.mutable_children();
    for (;;) {
      const std::size_t end = lines_[line_].end;
      const std::size_t colon = key_end(p, end);
      if (colon == std::string_view::npos) throw GiveUp{};
      kv.push_back(key_node(p, colon));
      std::size_t q = skip_blanks(colon + 1, end);
      if (q == end || t_[q] == '#') {
        kv.push_back(value_below(indent, true, depth));
      } else {
        kv.push_back(inline_scalar(q, indent));
      }
      const std::size_t next = next_content(line_ + 1);
      if (next == lines_.size()) break;
      const Line& l = lines_[next];
      if (l.indent() > indent) throw GiveUp{};
      if (l.indent() < indent) break;
      line_ = next;
      p = l.first;
    }
    return map;
  }

  // The value of a key or item with nothing after its indicator: a collection on the lines
  // below, or null. A mapping's value may be a sequence at the mapping's own indentation.
  Node value_below(std::size_t indent, bool in_mapping, int depth) {
    const Mark empty = next_token_mark(line_ + 1);
    const std::size_t next = next_content(line_ + 1);
    if (next == lines_.size()) {
      line_ = lines_.size() - 1;
      return Node(NodeType::kNull, empty);
    }
    const Line& l = lines_[next];
    if (l.indent() > indent || (in_mapping && l.indent() == indent && is_item(l.first, l.end))) {
      line_ = next;
      return collection(l.first, l.indent(), depth + 1);
    }
    line_ = next - 1;  // the caller looks for its next entry from here
    return Node(NodeType::kNull, empty);
  }

  // The end of a mapping key starting at `p` (the position of its ':'), or npos when the line
  // from `p` is not a key.
  std::size_t key_end(std::size_t p, std::size_t end) const {
    const char c = t_[p];
    if (c == '"' || c == '\'') {
      std::size_t close = quoted_end(p, end);
      if (close == std::string_view::npos) return std::string_view::npos;
      std::size_t q = skip_blanks(close + 1, end);
      if (q < end && t_[q] == ':' && (q + 1 == end || t_[q + 1] == ' ')) return q;
      return std::string_view::npos;
    }
    if (!plain_start(p, end)) return std::string_view::npos;
    for (std::size_t i = p; i < end; ++i) {
      if (t_[i] == ':' && (i + 1 == end || t_[i + 1] == ' ')) return i;
      if (t_[i] == '#' && t_[i - 1] == ' ') return std::string_view::npos;
    }
    return std::string_view::npos;
  }

  // Whether a plain scalar may start at `p`.
  bool plain_start(std::size_t p, std::size_t end) const {
    switch (t_[p]) {
      case '-':
        return p + 1 < end && t_[p + 1] != ' ';
      case '?': case ':': case ',': case '[': case ']': case '{': case '}': case '#':
      case '&': case '*': case '!': case '|': case '>': case '\'': case '"': case '%':
      case '@': case '`':
        return false;
      default:
        return true;
    }
  }

  Node key_node(std::size_t p, std::size_t colon) {
    // An implicit key is at most 1024 characters long in YAML; yaml-cpp's limit counts from a
    // position of its own, so long keys of either kind are left to it.
    if (colon - p > 1000) throw GiveUp{};
    if (t_[p] == '"' || t_[p] == '\'') {
      Node key(NodeType::kScalar, mark_at(line_, p));
      quoted(p, colon, key.mutable_scalar());
      return key;
    }
    std::size_t e = colon;
    while (e > p && t_[e - 1] == ' ') --e;
    return plain(p, e);
  }

  Node plain(std::size_t p, std::size_t e) {
    std::string_view s = t_.substr(p, e - p);
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
      return Node(NodeType::kNull, mark_at(line_, p));
    }
    Node n(NodeType::kScalar, mark_at(line_, p));
    n.mutable_scalar() = s;
    return n;
  }

  // A scalar after "key: " or "- " at `p`, ending on this line (or a block scalar below it).
  Node inline_scalar(std::size_t p, std::size_t indent) {
    const std::size_t end = lines_[line_].end;
    const char c = t_[p];
    if (c == '|' || c == '>') return block_scalar(p, indent);
    if (c == '"' || c == '\'') {
      Node n(NodeType::kScalar, mark_at(line_, p));
      std::size_t close = quoted(p, end, n.mutable_scalar());
      std::size_t q = skip_blanks(close + 1, end);
      if (q != end && !(t_[q] == '#' && q > close + 1)) throw GiveUp{};
      return n;
    }
    if (!plain_start(p, end)) throw GiveUp{};
    std::size_t e = p;
    for (std::size_t i = p; i < end; ++i) {
      if (t_[i] == ':' && (i + 1 == end || t_[i + 1] == ' ')) throw GiveUp{};
      if (t_[i] == '#' && t_[i - 1] == ' ') break;
      if (t_[i] != ' ') e = i + 1;
    }
    return plain(p, e);
  }

  // The closing quote of a quoted scalar opening at `p`, on the same line; npos if none.
  std::size_t quoted_end(std::size_t p, std::size_t end) const {
    const char q = t_[p];
    for (std::size_t i = p + 1; i < end; ++i) {
      if (q == '"' && t_[i] == '\\') {
        ++i;
      } else if (t_[i] == q) {
        if (q == '\'' && i + 1 < end && t_[i + 1] == '\'') {
          ++i;
        } else {
          return i;
        }
      }
    }
    return std::string_view::npos;
  }

  // Decodes the quoted scalar at `p` into `out`; returns its closing quote.
  std::size_t quoted(std::size_t p, std::size_t end, std::string& out) const {
    const char q = t_[p];
    std::size_t i = p + 1;
    for (; i < end; ++i) {
      const char c = t_[i];
      if (c == q) {
        if (q == '\'' && i + 1 < end && t_[i + 1] == '\'') {
          out += '\'';
          ++i;
          continue;
        }
        return i;
      }
      if (q == '"' && c == '\\') {
        if (++i >= end) throw GiveUp{};
        switch (t_[i]) {
          case '0': out += '\0'; break;
          case 'a': out += '\a'; break;
          case 'b': out += '\b'; break;
          case 't': out += '\t'; break;
          case 'n': out += '\n'; break;
          case 'v': out += '\v'; break;
          case 'f': out += '\f'; break;
          case 'r': out += '\r'; break;
          case 'e': out += '\x1b'; break;
          case ' ': out += ' '; break;
          case '"': out += '"'; break;
          case '/': out += '/'; break;
          case '\\': out += '\\'; break;
          case 'x': case 'u': case 'U': {
            const std::size_t digits = t_[i] == 'x' ? 2 : t_[i] == 'u' ? 4 : 8;
            if (i + digits >= end) throw GiveUp{};
            std::uint32_t cp = 0;
            for (std::size_t k = 1; k <= digits; ++k) {
              int h = hex_value(t_[i + k]);
              if (h < 0) throw GiveUp{};
              cp = cp * 16 + static_cast<std::uint32_t>(h);
            }
            if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw GiveUp{};
            append_utf8(out, cp);
            i += digits;
            break;
          }
          default:
            throw GiveUp{};
        }
        continue;
      }
      out += c;
    }
    throw GiveUp{};  // not closed on this line
  }

  // A literal (|) or folded (>) scalar whose header is at `p`; its lines follow, indented more
  // than `indent`, the indentation of the collection it belongs to.
  Node block_scalar(std::size_t p, std::size_t indent) {
    const Line& header = lines_[line_];
    const bool literal = t_[p] == '|';
    char chomp = 'c';  // clip or strip (-)
    std::size_t q = p + 1;
    if (q < header.end && (t_[q] == '-' || t_[q] == '+')) chomp = t_[q++];
    // Keep (+): yaml-cpp's count of the final breaks depends on the style and on what follows.
    if (chomp == '+') throw GiveUp{};
    std::size_t after = skip_blanks(q, header.end);
    if (after != header.end && !(t_[after] == '#' && after > q)) throw GiveUp{};
    Node n(NodeType::kScalar, mark_at(line_, p));

    // The content's indentation: that of its first non-blank line. Blank lines before it may
    // not be longer (yaml-cpp rejects or reads those as content).
    std::size_t li = line_ + 1;
    std::size_t longest_blank = 0;
    while (li < lines_.size() && lines_[li].first == lines_[li].end) {
      longest_blank = std::max(longest_blank, lines_[li].end - lines_[li].start);
      ++li;
    }
    if (li == lines_.size()) throw GiveUp{};
    const std::size_t m = lines_[li].indent();
    if (m <= indent || longest_blank > m) throw GiveUp{};

    std::string& out = n.mutable_scalar();
    std::size_t pending_breaks = 0;  // blank lines since the last text
    bool have_text = false;
    bool prev_more_indented = false;
    std::size_t last = line_;
    for (li = line_ + 1; li < lines_.size(); ++li) {
      const Line& l = lines_[li];
      if (l.first == l.end) {  // blank
        if (l.end - l.start > m) throw GiveUp{};
        ++pending_breaks;
        continue;
      }
      if (l.indent() < m) break;
      const bool more_indented = l.indent() > m;
      if (!have_text) {
        out.append(pending_breaks, '\n');
      } else if (literal || more_indented || prev_more_indented) {
        out.append(pending_breaks + 1, '\n');
      } else if (pending_breaks == 0) {
        out += ' ';
      } else {
        out.append(pending_breaks, '\n');
      }
      out.append(t_.substr(l.start + m, l.end - l.start - m));
      have_text = true;
      prev_more_indented = more_indented;
      pending_breaks = 0;
      last = li;
    }
    if (chomp == 'c') {
      out += '\n';
    }
    line_ = last;
    return n;
  }

  std::string_view t_;
  std::vector<Line> lines_;
  std::size_t line_ = 0;  // the line being read; after a node, the last line it took
};

}  // namespace

std::optional<Node> read_block_subset(std::string_view text) {
  if (!plain_bytes(text)) return std::nullopt;
  try {
    return Reader(text).document();
  } catch (const GiveUp&) {
    return std::nullopt;
  }
}

}  // namespace tocsin::yaml
