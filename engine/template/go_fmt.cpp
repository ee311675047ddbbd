#include "engine/template/go_fmt.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/common/utf8.h"
#include "engine/model/labels.h"  // go_quote
#include "engine/template/go_time.h"

namespace tocsin::tmpl {
namespace {

size_t rune_count(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// Shortest round-trip digits of |f| (f finite, non-zero): digits and decimal exponent, so that
// |f| = 0.DIGITS * 10^dp.
void shortest_digits(double f, std::string* digits, int* dp) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(f), std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
  size_t e = s.find('e');
  std::string_view mant = s.substr(0, e);
  int exp = std::atoi(std::string(s.substr(e + 1)).c_str());
  digits->clear();
  for (char c : mant) {
    if (c != '.') *digits += c;
  }
  while (digits->size() > 1 && digits->back() == '0') digits->pop_back();
  *dp = exp + 1;
}

std::string exp_suffix(char e, int exp) {
  std::string out(1, e);
  out += exp < 0 ? '-' : '+';
  int a = exp < 0 ? -exp : exp;
  if (a < 10) out += '0';
  out += std::to_string(a);
  return out;
}

std::string fmt_e_digits(const std::string& d, int dp, char e) {
  std::string out(1, d[0]);
  if (d.size() > 1) {
    out += '.';
    out += d.substr(1);
  }
  return out + exp_suffix(e, d == "0" ? 0 : dp - 1);
}

std::string fmt_f_digits(const std::string& d, int dp) {
  std::string out;
  int nd = static_cast<int>(d.size());
  if (dp <= 0) {
    out = "0";
  } else {
    for (int i = 0; i < dp; ++i) out += i < nd ? d[static_cast<size_t>(i)] : '0';
  }
  int frac = nd - dp;
  if (frac > 0) {
    out += '.';
    for (int i = dp; i < nd; ++i) out += i < 0 ? '0' : d[static_cast<size_t>(i)];
  }
  return out;
}

struct Spec {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  int width = -1;
  int prec = -1;
  char verb = 'v';
  bool plus_v = false;  // %+v
};

std::string pad(std::string s, const Spec& sp, bool numeric) {
  if (sp.width < 0) return s;
  size_t n = rune_count(s);
  if (n >= static_cast<size_t>(sp.width)) return s;
  size_t fill = static_cast<size_t>(sp.width) - n;
  if (sp.minus) return s + std::string(fill, ' ');
  if (sp.zero && numeric) {
    size_t sign = (!s.empty() && (s[0] == '+' || s[0] == '-' || s[0] == ' ')) ? 1 : 0;
    return s.substr(0, sign) + std::string(fill, '0') + s.substr(sign);
  }
  return std::string(fill, ' ') + s;
}

std::string with_sign(std::string num, bool neg, const Spec& sp) {
  if (neg) return "-" + num;
  if (sp.plus) return "+" + num;
  if (sp.space) return " " + num;
  return num;
}

std::string fmt_float(double f, const Spec& sp, char verb) {
  int prec = sp.prec;
  char v = verb;
  if (verb == 'v') {
    v = 'g';
    prec = sp.prec;  // %v honours an explicit precision like %g
  } else if ((verb == 'e' || verb == 'E' || verb == 'f' || verb == 'F') && prec < 0) {
    prec = 6;
  }
  if (v == 'F') v = 'f';
  if (std::isnan(f)) {
    std::string s = sp.plus ? "+NaN" : sp.space ? " NaN" : "NaN";
    Spec nz = sp;
    nz.zero = false;
    return pad(s, nz, false);
  }
  if (std::isinf(f)) {
    std::string s = f > 0 ? (sp.space && !sp.plus ? " Inf" : "+Inf") : "-Inf";
    Spec nz = sp;
    nz.zero = false;
    return pad(s, nz, false);
  }
  std::string num = format_float(std::fabs(f), v, prec);
  return pad(with_sign(num, std::signbit(f), sp), sp, true);
}

std::string to_base(std::uint64_t u, int base, bool upper) {
  if (u == 0) return "0";
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s;
  while (u > 0) {
    s.insert(s.begin(), digits[u % static_cast<std::uint64_t>(base)]);
    u /= static_cast<std::uint64_t>(base);
  }
  return s;
}

std::string quote_rune(std::int64_t r) {
  if (r == '\'') return "'\\''";
  if (r == '\\') return "'\\\\'";
  if (r == '\n') return "'\\n'";
  if (r == '\t') return "'\\t'";
  if (r == '\r') return "'\\r'";
  if (r < 0x20 || r == 0x7f) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "'\\x%02x'", static_cast<unsigned>(r));
    return buf;
  }
  std::string out = "'";
  append_utf8(out, static_cast<std::uint32_t>(r));
  return out + "'";
}

std::string bad_verb(const Value& v, char verb);

std::string fmt_int(std::int64_t i, const Spec& sp, char verb) {
  bool neg = i < 0;
  std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i);
  std::string digits;
  switch (verb) {
    case 'v': case 'd': digits = to_base(u, 10, false); break;
    case 'x': digits = to_base(u, 16, false); if (sp.sharp) digits = "0x" + digits; break;
    case 'X': digits = to_base(u, 16, true); if (sp.sharp) digits = "0X" + digits; break;
    case 'o': digits = to_base(u, 8, false); if (sp.sharp) digits = "0" + digits; break;
    case 'O': digits = "0o" + to_base(u, 8, false); break;
    case 'b': digits = to_base(u, 2, false); break;
    case 'c': {
      std::string s = quote_rune(i);
      return pad(s.substr(1, s.size() - 2), sp, false);
    }
    case 'q': return pad(quote_rune(i), sp, false);
    case 'U': {
      char buf[32];
      std::snprintf(buf, sizeof buf, "U+%04llX", static_cast<unsigned long long>(u));
      return pad(buf, sp, false);
    }
    default: return bad_verb(Value(static_cast<long long>(i)), verb);
  }
  if (sp.prec >= 0) {
    if (sp.prec == 0 && u == 0) digits.clear();
    while (static_cast<int>(digits.size()) < sp.prec) digits.insert(digits.begin(), '0');
    Spec np = sp;
    np.zero = false;
    return pad(with_sign(digits, neg, sp), np, true);
  }
  return pad(with_sign(digits, neg, sp), sp, true);
}

std::string hex_string(std::string_view s, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string fmt_string(std::string_view s, const Spec& sp, char verb, const Value* orig) {
  switch (verb) {
    case 'v': case 's': {
      std::string t(s);
      if (sp.prec >= 0) {
        size_t runes = 0, i = 0;
        while (i < t.size() && runes < static_cast<size_t>(sp.prec)) {
          ++i;
          while (i < t.size() && (static_cast<unsigned char>(t[i]) & 0xC0) == 0x80) ++i;
          ++runes;
        }
        t.resize(i);
      }
      return pad(t, sp, false);
    }
    case 'q': return pad(go_quote(s), sp, false);
    case 'x': return pad(hex_string(s, false), sp, false);
    case 'X': return pad(hex_string(s, true), sp, false);
    default: return orig ? bad_verb(*orig, verb) : bad_verb(Value(std::string(s)), verb);
  }
}

std::string print_value(const Value& v, const Spec& sp, char verb, int depth);

std::string print_fields(const std::vector<std::pair<std::string, Value>>& fields, const Spec& sp,
                         char verb, int depth) {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ' ';
    if (sp.plus_v) out += fields[i].first + ":";
    out += print_value(fields[i].second, sp, verb, depth + 1);
  }
  return out + "}";
}

std::string print_value(const Value& v, const Spec& sp, char verb, int depth) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::kMissing:
      return depth == 0 ? "<invalid reflect.Value>" : "<nil>";
    case K::kNil:
      if (verb == 'v' || verb == 's' || depth > 0) {
        if (verb != 'v' && depth == 0) return bad_verb(v, verb);
        return pad("<nil>", sp, false);
      }
      return bad_verb(v, verb);
    case K::kBool:
      if (verb == 'v' || verb == 't') return pad(v.as_bool() ? "true" : "false", sp, false);
      return bad_verb(v, verb);
    case K::kInt:
      return fmt_int(v.as_int(), sp, verb);
    case K::kFloat:
      switch (verb) {
        case 'v': case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
          return fmt_float(v.as_float(), sp, verb);
        default:
          return bad_verb(v, verb);
      }
    case K::kString:
      return fmt_string(v.as_string(), sp, verb, &v);
    case K::kTime:
      if (verb == 'v' || verb == 's' || verb == 'q' || verb == 'x' || verb == 'X') {
        return fmt_string(time_string(v.as_time()), sp, verb, nullptr);
      }
      return bad_verb(v, verb);
    case K::kDuration:
      if (verb == 'v' || verb == 's' || verb == 'q' || verb == 'x' || verb == 'X') {
        return fmt_string(duration_string(v.as_duration()), sp, verb, nullptr);
      }
      return fmt_int(v.as_duration(), sp, verb);
    case K::kCallable:
      return pad("0x1", sp, false);
    case K::kObject: {
      if (auto s = v.as_object().string();
          s && (verb == 'v' || verb == 's' || verb == 'q' || verb == 'x' || verb == 'X')) {
        return fmt_string(*s, sp, verb, nullptr);
      }
      if (!v.list_data() && !v.map_data()) return print_fields(v.as_object().fields(), sp, verb, depth);
      [[fallthrough]];
    }
    case K::kList:
    case K::kMap:
      break;
  }
  if (const ListData* l = v.list_data()) {
    std::string out = "[";
    for (size_t i = 0; i < l->items.size(); ++i) {
      if (i > 0) out += ' ';
      out += print_value(l->items[i], sp, verb, depth + 1);
    }
    return out + "]";
  }
  const MapData* m = v.map_data();
  std::string out = "map[";
  bool first = true;
  for (const auto& [k, val] : m->entries) {
    if (!first) out += ' ';
    first = false;
    out += fmt_string(k, sp, verb, nullptr);
    out += ':';
    out += print_value(val, sp, verb, depth + 1);
  }
  return out + "]";
}

std::string bad_verb(const Value& v, char verb) {
  std::string out = "%!";
  out += verb;
  out += '(';
  if (v.is_nil() || v.is_missing()) {
    out += "<nil>";
  } else {
    out += v.type_name();
    out += '=';
    out += print_value(v, Spec{}, 'v', 0);
  }
  return out + ")";
}

}  // namespace

std::string format_float(double f, char fmt, int prec) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  bool neg = std::signbit(f);
  std::string sign = neg ? "-" : "";
  double a = std::fabs(f);
  bool upper = fmt == 'E' || fmt == 'G';
  char e = upper ? 'E' : 'e';
  if (prec >= 0) {
    char cfmt[8] = {'%', '.', '*', fmt == 'F' ? 'f' : fmt, 0};
    char buf[512];
    std::snprintf(buf, sizeof buf, cfmt, prec, a);
    return sign + buf;
  }
  std::string digits;
  int dp;
  if (a == 0) {
    digits = "0";
    dp = 1;
  } else {
    shortest_digits(a, &digits, &dp);
  }
  switch (fmt) {
    case 'e': case 'E':
      return sign + fmt_e_digits(digits, dp, e);
    case 'f': case 'F':
      return sign + fmt_f_digits(digits, dp);
    default: {  // 'g', 'G': %e when the exponent is < -4 or >= 6 (shortest uses eprec 6)
      int exp = dp - 1;
      if (a != 0 && (exp < -4 || exp >= 6)) return sign + fmt_e_digits(digits, dp, e);
      return sign + fmt_f_digits(digits, dp);
    }
  }
}

std::string format_value(const Value& v) {
  if (v.is_missing()) return "<no value>";
  return print_value(v, Spec{}, 'v', 0);
}

std::string sprint(std::span<const Value> args) {
  std::string out;
  bool prev_string = false;
  for (size_t i = 0; i < args.size(); ++i) {
    bool is_string = args[i].is_string();
    if (i > 0 && !is_string && !prev_string) out += ' ';
    const Value& a = args[i];
    out += a.is_missing() ? "<nil>" : print_value(a, Spec{}, 'v', 0);
    prev_string = is_string;
  }
  return out;
}

std::string sprintln(std::span<const Value> args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ' ';
    out += args[i].is_missing() ? "<nil>" : print_value(args[i], Spec{}, 'v', 0);
  }
  return out + "\n";
}

std::string sprintf(std::string_view f, std::span<const Value> args) {
  std::string out;
  size_t argi = 0;
  size_t i = 0;
  // As Go's fmt, a width or precision beyond ±1e6 is no number (so "%999999999d" cannot make a
  // gigabyte of padding): from an argument it is BADWIDTH/BADPREC, written in the format it ends
  // the format (NOVERB).
  constexpr std::int64_t kTooLarge = 1'000'000;
  auto arg_int = [&](int* dst) {
    if (argi < args.size() && args[argi].kind() == Value::Kind::kInt &&
        args[argi].as_int() <= kTooLarge && args[argi].as_int() >= -kTooLarge) {
      *dst = static_cast<int>(args[argi].as_int());
      ++argi;
      return true;
    }
    ++argi;
    return false;
  };
  while (i < f.size()) {
    size_t pct = f.find('%', i);
    if (pct == std::string_view::npos) {
      out += f.substr(i);
      break;
    }
    out += f.substr(i, pct - i);
    i = pct + 1;
    Spec sp;
    for (; i < f.size(); ++i) {
      char c = f[i];
      if (c == '-') { sp.minus = true; sp.zero = false; }
      else if (c == '+') sp.plus = true;
      else if (c == '#') sp.sharp = true;
      else if (c == ' ') sp.space = true;
      else if (c == '0') sp.zero = !sp.minus;
      else break;
    }
    if (i < f.size() && f[i] == '*') {
      ++i;
      int w = 0;
      if (!arg_int(&w)) {
        out += "%!(BADWIDTH)";
      } else {
        if (w < 0) { sp.minus = true; sp.zero = false; w = -w; }
        sp.width = w;
      }
    } else {
      int w = -1;
      while (i < f.size() && f[i] >= '0' && f[i] <= '9') {
        if (w > kTooLarge) {
          w = -1;
          i = f.size();
          break;
        }
        w = (w < 0 ? 0 : w * 10) + (f[i++] - '0');
      }
      sp.width = w;
    }
    if (i < f.size() && f[i] == '.') {
      ++i;
      if (i < f.size() && f[i] == '*') {
        ++i;
        int p = 0;
        if (!arg_int(&p)) {
          out += "%!(BADPREC)";
        } else {
          sp.prec = p < 0 ? -1 : p;
        }
      } else {
        int p = 0;
        while (i < f.size() && f[i] >= '0' && f[i] <= '9') {
          if (p > kTooLarge) {
            p = 0;
            i = f.size();
            break;
          }
          p = p * 10 + (f[i++] - '0');
        }
        sp.prec = p;
      }
    }
    if (i >= f.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = f[i++];
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (argi >= args.size()) {
      out += "%!";
      out += verb;
      out += "(MISSING)";
      continue;
    }
    const Value& a = args[argi++];
    if (verb == 'v' && sp.plus) {
      sp.plus_v = true;
      sp.plus = false;
    }
    if (verb == 'T') {
      out += pad(a.is_missing() || a.is_nil() ? "<nil>" : a.type_name(), sp, false);
      continue;
    }
    if (a.is_missing() || a.is_nil()) {
      out += verb == 'v' ? pad("<nil>", sp, false) : bad_verb(Value::nil(), verb);
      continue;
    }
    out += print_value(a, sp, verb, 0);
  }
  if (argi < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = argi; k < args.size(); ++k) {
      if (k > argi) out += ", ";
      const Value& a = args[k];
      if (a.is_nil() || a.is_missing()) {
        out += "<nil>";
      } else {
        out += a.type_name() + "=" + print_value(a, Spec{}, 'v', 0);
      }
    }
    out += ")";
  }
  return out;
}

}  // namespace tocsin::tmpl
