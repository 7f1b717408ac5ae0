#!/usr/bin/env python3
"""Compare corral's members/counts output with a reference implementation's, by hand.

Usage: compare.py CORRAL_BIN RULES REFERENCE.py PROFILES NOW [--max N]

Runs both with `--output members` and `--output counts`; compares members line by line
as parsed JSON (ints and floats are kept distinct, and the raw number text of every
float is compared too), and counts as parsed JSON. Prints every differing profile (up to
--max) and a per-tag summary of disagreements. Exit status 1 on any difference.
"""
import json
import subprocess
import sys
from collections import Counter


class Num:
    """A JSON number kept with its text, so 1 != 1.0 and 1e16 != 1e+16."""

    def __init__(self, text):
        self.text = text

    def __eq__(self, other):
        return isinstance(other, Num) and self.text == other.text

    def __hash__(self):
        return hash(self.text)

    def __repr__(self):
        return self.text


def parse(line):
    return json.loads(line, parse_float=Num, parse_int=Num)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write("command failed: %s\n%s\n" % (" ".join(cmd), r.stderr))
        sys.exit(2)
    return r.stdout


def main():
    corral, rules, ref, profiles, now = sys.argv[1:6]
    mx = int(sys.argv[sys.argv.index("--max") + 1]) if "--max" in sys.argv else 10
    c_out = run([corral, "eval", rules, "--profiles", profiles, "--now", now, "--output", "members"])
    r_out = run([sys.executable, ref, "--profiles", profiles, "--now", now, "--output", "members"])
    c_lines, r_lines = c_out.splitlines(), r_out.splitlines()
    if not r_lines:
        print("no profiles: refusing to call an empty comparison OK")
        sys.exit(2)
    bad = 0
    per_key = Counter()
    if len(c_lines) != len(r_lines):
        print("line counts differ: corral %d reference %d" % (len(c_lines), len(r_lines)))
        bad += 1
    for cl, rl in zip(c_lines, r_lines):
        c, r = parse(cl), parse(rl)
        if c == r:
            continue
        bad += 1
        ct, rt = c.get("tags", {}), r.get("tags", {})
        for k in sorted(set(ct) | set(rt)):
            if ct.get(k) != rt.get(k):
                per_key["tag " + k] += 1
        cs, rs = c.get("segments", []), r.get("segments", [])
        if cs != rs:
            for s in sorted(set(cs) ^ set(rs)):
                per_key["segment " + s] += 1
            if set(cs) == set(rs):
                per_key["segment order"] += 1
        if bad <= mx:
            print("DIFF %s" % r.get("id"))
            for k in sorted(set(ct) | set(rt)):
                if ct.get(k) != rt.get(k):
                    print("   tag %s: corral=%r reference=%r" % (k, ct.get(k), rt.get(k)))
            if cs != rs:
                print("   segments: corral=%r reference=%r" % (cs, rs))
    c_cnt = parse(run([corral, "eval", rules, "--profiles", profiles, "--now", now, "--output", "counts"]))
    r_cnt = parse(run([sys.executable, ref, "--profiles", profiles, "--now", now, "--output", "counts"]))
    if c_cnt != r_cnt:
        bad += 1
        print("COUNTS differ:")
        for sect in ("tags", "segments"):
            ck, rk = c_cnt.get(sect, {}), r_cnt.get(sect, {})
            for k in sorted(set(ck) | set(rk)):
                if ck.get(k) != rk.get(k):
                    print("   %s %s: corral=%r reference=%r" % (sect, k, ck.get(k), rk.get(k)))
        if c_cnt.get("profiles") != r_cnt.get("profiles"):
            print("   profiles: corral=%r reference=%r" % (c_cnt.get("profiles"), r_cnt.get("profiles")))
    for k, n in per_key.most_common():
        print("  %6d profiles differ in %s" % (n, k))
    print("%s %s now=%s profiles=%d: %s" % (rules, profiles, now, len(r_lines), "OK" if not bad else "%d DIFFERENCES" % bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
