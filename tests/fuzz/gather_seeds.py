#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) from the
repository's own tests, rule files, configuration examples and templates.

    python3 tests/fuzz/gather_seeds.py [--out DIR]
    python3 tests/fuzz/gather_seeds.py --shared SHARED/conformance --out WORKDIR

Seeds are the string literals of the relevant unit tests (C++ raw and ordinary literals,
adjacent literals joined) and whole data files, filtered per target, deduplicated and named by
their SHA-1 as libFuzzer names corpus files. Re-running it is idempotent; the committed corpus is
its output.

With --shared, the seeds come from the third-party conformance data instead (promqltest `eval`
expressions and Lezer grammar tests, Alertmanager configurations and templates, promtool rule
files); tests/fuzz/run.sh writes those into its work directory at run time, never into the
repository.
"""
import argparse
import hashlib
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MAX_SEED = 16 * 1024
MAX_PER_TARGET = 400

SIMPLE_ESC = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0",
              "a": "\a", "b": "\b", "f": "\f", "v": "\v", "?": "?"}


def cpp_literals(text):
    """Yields the string literals of a C++ source, adjacent literals concatenated."""
    i, n = 0, len(text)
    parts, last_end = [], -1
    out = []

    def flush():
        if parts:
            out.append("".join(parts))
            parts.clear()

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i)
            i = n if j < 0 else j + 2
            continue
        if c == "'" :  # character literal
            j = i + 1
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        m = re.compile(r'(?:u8|u|U|L)?R"([^()\\ ]{0,16})\(').match(text, i)
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            delim = ")" + m.group(1) + '"'
            j = text.find(delim, m.end())
            if j < 0:
                break
            if last_end >= 0 and text[last_end:i].strip() == "":
                pass
            else:
                flush()
            parts.append(text[m.end():j])
            i = j + len(delim)
            last_end = i
            continue
        if c == '"':
            j = i + 1
            buf = []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    e = text[j + 1]
                    if e in SIMPLE_ESC:
                        buf.append(SIMPLE_ESC[e])
                        j += 2
                    elif e == "x":
                        k = j + 2
                        while k < n and text[k] in "0123456789abcdefABCDEF":
                            k += 1
                        buf.append(chr(int(text[j + 2:k] or "0", 16) & 0xFF))
                        j = k
                    elif e in "uU":
                        w = 4 if e == "u" else 8
                        buf.append(chr(int(text[j + 2:j + 2 + w], 16)))
                        j += 2 + w
                    elif e.isdigit():
                        k = j + 1
                        while k < n and k < j + 4 and text[k] in "01234567":
                            k += 1
                        buf.append(chr(int(text[j + 1:k], 8)))
                        j = k
                    else:
                        buf.append(e)
                        j += 2
                else:
                    buf.append(text[j])
                    j += 1
            if not (last_end >= 0 and text[last_end:i].strip() == ""):
                flush()
            parts.append("".join(buf))
            i = j + 1
            last_end = i
            continue
        if not c.isspace():
            flush()
            last_end = -1
        i += 1
    flush()
    return out


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def literals(*paths):
    for p in paths:
        full = os.path.join(ROOT, p)
        if not os.path.exists(full):
            continue
        for s in cpp_literals(read(p).decode("utf-8", "replace")):
            try:
                yield s.encode("utf-8")
            except UnicodeEncodeError:
                yield s.encode("utf-8", "surrogateescape")


def files(*patterns):
    import glob
    for pat in patterns:
        for p in sorted(glob.glob(os.path.join(ROOT, pat), recursive=True)):
            if os.path.isfile(p):
                yield read(os.path.relpath(p, ROOT))


def yaml_values(key, *patterns):
    """`key: value` scalars (single line, or a folded/literal block) of YAML files."""
    rx = re.compile(rb"^(\s*-?\s*)" + re.escape(key.encode()) + rb":\s*(.*)$")
    for data in files(*patterns):
        lines = data.split(b"\n")
        for i, line in enumerate(lines):
            m = rx.match(line)
            if not m:
                continue
            v = m.group(2).strip()
            if v in (b"|", b">", b"|-", b">-", b"|+", b">+"):
                ind = len(m.group(1)) + 2
                block = []
                for l in lines[i + 1:]:
                    if l.strip() and len(l) - len(l.lstrip()) < ind:
                        break
                    block.append(l.strip())
                yield b"\n".join(block).strip()
            elif v:
                if len(v) >= 2 and v[:1] in (b"'", b'"') and v[-1:] == v[:1]:
                    v = v[1:-1]
                yield v


def seeds():
    s = {}
    promql_tests = ["tests/parser/promql/parse_test.cpp", "tests/parser/promql/functions_test.cpp",
                    "tests/engine/promql/evaluator_test.cpp", "tests/engine/promql/engine_test.cpp"]
    rule_yaml = ["rules/**/*.yml", "tests/**/*.yml", "docs/examples/**/*.yml"]
    s["promql_parser_fuzz"] = [x for x in literals(*promql_tests)
                               if x and b"\n" not in x[:200] and not x.startswith(b"1:")] + \
        list(yaml_values("expr", *rule_yaml))
    s["exposition_fuzz"] = list(files("tests/parser/exposition/testdata/*", "tests/app/eval/testdata/*.prom")) + \
        [x for x in literals("tests/parser/exposition/parser_test.cpp",
                             "tests/engine/scrape/scrape_loop_test.cpp")
         if b"\n" in x or b"{" in x]
    tmpl_tests = ["tests/parser/template/parse_test.cpp", "tests/parser/template/lexer_test.cpp",
                  "tests/engine/template/exec_test.cpp", "tests/engine/template/functions_test.cpp",
                  "tests/engine/template/alertmanager_templates_test.cpp",
                  "tests/engine/template/go_fmt_test.cpp"]
    s["template_fuzz"] = [x for x in literals(*tmpl_tests) if b"{{" in x] + \
        list(files("notifiers/templates/*.tmpl", "tests/**/*.tmpl")) + \
        [x for x in yaml_values("summary", *rule_yaml) if b"{{" in x] + \
        [x for x in yaml_values("description", *rule_yaml) if b"{{" in x]
    cfg_tests = ["tests/engine/config/load_test.cpp", "tests/engine/config/errors_test.cpp",
                 "tests/engine/config/merge_test.cpp", "tests/engine/config/print_test.cpp",
                 "tests/engine/rules/rule_file_test.cpp", "tests/engine/rules/check_test.cpp"]
    s["config_fuzz"] = list(files("tests/engine/config/testdata/*.yml", "rules/**/*.yml",
                                  "tests/app/**/*.yml", "docs/examples/ci/*.yml",
                                  "docs/examples/ci/rules/*.yml")) + \
        [x for x in literals(*cfg_tests) if b":" in x and b"\n" in x]
    s["matchers_fuzz"] = [x for x in literals("tests/parser/matchers/parse_test.cpp",
                                              "tests/parser/matchers/matcher_test.cpp")
                          if len(x) < 512] + list(yaml_values("matchers", *rule_yaml))
    s["yaml_fuzz"] = list(files("rules/**/*.yml", "tests/**/*.yml", "docs/examples/**/*.yml")) + \
        [x for x in literals("tests/parser/yaml/block_reader_test.cpp") if b":" in x]
    s["api_v2_fuzz"] = [x for x in literals("tests/engine/api/postable_alerts_test.cpp",
                                            "tests/engine/api/alertmanager_v2_test.cpp")
                        if x.lstrip()[:1] in (b"[", b"{")]
    return s


def shared_seeds(shared):
    import glob

    def tree(*pats):
        for pat in pats:
            for p in sorted(glob.glob(os.path.join(shared, pat), recursive=True)):
                if os.path.isfile(p):
                    with open(p, "rb") as f:
                        yield f.read()

    s = {"promql_parser_fuzz": [], "config_fuzz": [], "template_fuzz": [], "yaml_fuzz": []}
    ev = re.compile(rb"^\s*eval\w*\s+(?:instant\s+at\s+\S+|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+)\s+(.*)$")
    for data in tree("promql/*.test"):
        for line in data.split(b"\n"):
            m = ev.match(line)
            if m:
                s["promql_parser_fuzz"].append(m.group(1).strip())
    for data in tree("promql/parser-lezer/*"):
        for block in data.split(b"\n# ")[1:]:
            body = block.split(b"\n", 1)[-1].split(b"==>")[0].strip()
            if body:
                s["promql_parser_fuzz"].append(body)
    s["config_fuzz"] += list(tree("alertmanager/**/*.yml", "promtool/*.yml"))
    s["yaml_fuzz"] += list(tree("promtool/*.yml"))
    s["template_fuzz"] += list(tree("alertmanager/templates/*.tmpl"))
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fuzz", "corpus"))
    ap.add_argument("--shared", help="conformance directory to take seeds from instead")
    args = ap.parse_args()
    all_seeds = shared_seeds(args.shared) if args.shared else seeds()
    for target, items in all_seeds.items():
        d = os.path.join(args.out, target)
        os.makedirs(d, exist_ok=True)
        seen = set()
        kept = 0
        for data in items:
            if not data or len(data) > MAX_SEED:
                continue
            h = hashlib.sha1(data).hexdigest()
            if h in seen:
                continue
            seen.add(h)
            if not args.shared and kept >= MAX_PER_TARGET:
                break
            with open(os.path.join(d, h), "wb") as f:
                f.write(data)
            kept += 1
        print(f"{target}: {kept} seeds", file=sys.stderr)


if __name__ == "__main__":
    main()
