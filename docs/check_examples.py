#!/usr/bin/env python3
"""Checks the examples of docs/language.md and docs/diagnostics.md with the real binary.

    cargo build --bin corral && python3 docs/check_examples.py

language.md: every ```corral block must check with no error and no warning (blocks
without a `profile` are checked after the example schema, the first block); blocks
with a `test` must pass `corral test`.

diagnostics.md: every ```corral block follows a `### `code`` heading (or a
`<!-- code: ... -->` comment for a second example of one code) and must produce that
code, from `corral check`, or for `corral::data::*` codes from `corral eval` over the
```ndjson block that follows (`profiles.parquet` for the Parquet code, no file for
`corral::data::io`). When the example is followed by a line "`COMMAND` prints (exit N):"
and a ```text block, COMMAND is run as written and its output (stdout and stderr) and
exit code must be exactly those shown.

Run by hand (no test or CI job runs it); it takes about a second.
"""

import shlex

import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORRAL = os.path.join(ROOT, "target", "debug", "corral")
NOW = "2026-11-22T00:00:00Z"


def blocks(text, lang):
    return [(m.start(), m.group(1)) for m in re.finditer(r"```" + lang + r"\n(.*?)```", text, re.S)]


def run(args, cwd):
    return subprocess.run([CORRAL, *args], cwd=cwd, capture_output=True, text=True)


def language(failures):
    text = open(os.path.join(ROOT, "docs", "language.md"), encoding="utf-8").read()
    found = blocks(text, "corral")
    schema = found[0][1]
    for i, (_, block) in enumerate(found):
        source = block if "profile {" in block else schema + "\n" + block
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "example.corral")
            open(path, "w", encoding="utf-8").write(source)
            checked = run(["check", "--deny-warnings", "example.corral"], tmp)
            if checked.returncode != 0:
                failures.append(f"language.md block {i}: check failed\n{block}\n{checked.stdout}")
                continue
            if re.search(r"^test ", block, re.M):
                tested = run(["test", "--now", NOW, "example.corral"], tmp)
                if tested.returncode != 0:
                    failures.append(f"language.md block {i}: test failed\n{tested.stdout}")
    return len(found)


PRINTS = re.compile(r"^`(corral [^`]*)` prints \(exit (\d+)\):\n\n```text\n(.*?)```", re.M | re.S)


def printed(text, pos, end):
    """The first "`COMMAND` prints (exit N):" and its output between pos and end."""
    m = PRINTS.search(text, pos, end)
    return (m.group(1), int(m.group(2)), m.group(3)) if m else None


def diagnostics(failures):
    text = open(os.path.join(ROOT, "docs", "diagnostics.md"), encoding="utf-8").read()
    marks = [(m.start(), m.group(1)) for m in re.finditer(r"^### `([a-z0-9_:]+)`", text, re.M)]
    marks += [(m.start(), m.group(1)) for m in re.finditer(r"<!-- code: ([a-z0-9_:]+) -->", text)]
    marks.sort()
    data = blocks(text, "ndjson")
    found = blocks(text, "corral")
    for pos, block in found:
        code = [c for p, c in marks if p < pos][-1]
        following = [d for p, d in data if p > pos]
        next_corral = [p for p, _ in found if p > pos]
        ndjson = None
        if following:
            dpos = [p for p, _ in data if p > pos][0]
            if not next_corral or dpos < next_corral[0]:
                ndjson = following[0]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "example.corral")
            if code == "corral::parse::not_utf8":
                open(path, "wb").write(block.encode("utf-8").replace(b"\\xff", b"\xff"))
            else:
                open(path, "w", encoding="utf-8").write(block)
            for name in ("cycle_a.corral", "cycle_b.corral"):
                other = "cycle_b.corral" if name == "cycle_a.corral" else "cycle_a.corral"
                open(os.path.join(tmp, name), "w").write(f'import "{other}"\n')
            if code.startswith("corral::data::"):
                name = {"corral::data::io": "missing.ndjson",
                        "corral::data::parquet": "profiles.parquet"}.get(code, "profiles.ndjson")
                if ndjson is not None:
                    open(os.path.join(tmp, name), "w", encoding="utf-8").write(ndjson)
                result = run(["eval", "example.corral", "--profiles", name,
                              "--now", NOW, "--format", "json"], tmp)
                output = result.stderr
            else:
                result = run(["check", "--format", "json", "example.corral"], tmp)
                output = result.stdout + result.stderr
            if code not in output:
                failures.append(f"diagnostics.md: expected {code}\n{block}\n{output}")
            shown = printed(text, pos, next_corral[0] if next_corral else len(text))
            if shown is not None:
                command, status, expected = shown
                got = run(shlex.split(command)[1:], tmp)
                actual = got.stdout + got.stderr
                if actual != expected or got.returncode != status:
                    failures.append(f"diagnostics.md: `{command}` on\n{block}\nprints (exit "
                                    f"{got.returncode}):\n{actual}\nnot (exit {status}):\n{expected}")
    # The JSON sample of "How they print" is `check --format json` on the first example
    # of the code it shows.
    sample = blocks(text, "json")[0][1]
    code = json.loads(sample)["code"]
    example = [b for p, b in found if [c for q, c in marks if q < p][-1] == code][0]
    with tempfile.TemporaryDirectory() as tmp:
        open(os.path.join(tmp, "example.corral"), "w", encoding="utf-8").write(example)
        got = run(["check", "--format", "json", "example.corral"], tmp).stdout
    if got != sample:
        failures.append(f"diagnostics.md: the JSON sample is\n{sample}\nbut the binary prints\n{got}")
    return len(found)


def all_codes():
    """Every code the source defines (constants, `code(...)` attributes, ad-hoc strings)."""
    codes = set()
    for folder, _, files in os.walk(os.path.join(ROOT, "src")):
        for name in files:
            if name.endswith(".rs"):
                text = open(os.path.join(folder, name), encoding="utf-8").read()
                codes.update(re.findall(r"corral::(?:parse|check|data)::[a-z0-9_]+", text))
    return codes


def coverage(failures):
    text = open(os.path.join(ROOT, "docs", "diagnostics.md"), encoding="utf-8").read()
    documented = set(re.findall(r"^### `([a-z0-9_:]+)`", text, re.M))
    for code in sorted(all_codes() - documented):
        failures.append(f"diagnostics.md: {code} is not documented")
    for code in sorted(documented - all_codes()):
        failures.append(f"diagnostics.md: {code} is not in the source")


def main():
    if not os.path.exists(CORRAL):
        sys.exit(f"build the CLI first: cargo build --bin corral ({CORRAL})")
    failures = []
    n = language(failures)
    coverage(failures)
    m = diagnostics(failures) if os.path.exists(os.path.join(ROOT, "docs", "diagnostics.md")) else 0
    for f in failures:
        print(f, end="\n\n")
    print(f"{n} language examples, {m} diagnostic examples, {len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
