#!/usr/bin/env python3
"""Times corral and DuckDB on the same rules and data; see run.sh.

Runs corral and DuckDB in interleaved rounds (the machine may be shared), checks that
all runs count the same profiles for every tag value and segment
(a comparison of different answers is worthless), then prints medians and ratios.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import duckdb

NOW = "2026-11-22T00:00:00Z"  # synth::NOW_TEXT
NOW_SQL = "TIMESTAMP '2026-11-22 00:00:00'"


def median(xs):
    return statistics.median(xs)


def flat_corral(counts):
    """corral's counts JSON as {"profiles": n, "tag:x": n | {value: n}, "segment:s": n}."""
    out = {"profiles": counts["profiles"]}
    for name, v in counts["tags"].items():
        out["tag:" + name] = v
    for name, v in counts["segments"].items():
        out["segment:" + name] = v
    return out


def flat_duckdb(names, row):
    out = {}
    for name, v in zip(names, row):
        if isinstance(v, dict):  # histogram(): MAP as {key: count}
            v = {str(k): int(c) for k, c in v.items()}
        else:
            v = int(v)
        out[name] = v
    return out


def diff(a, b):
    keys = sorted(set(a) | set(b))
    return [(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)]


def sql_parts(path, parquet):
    text = open(path, encoding="utf-8").read()
    text = text.replace("$parquet", parquet).replace("$now", NOW_SQL)
    load = text.split("-- @load", 1)[1].split("-- @query", 1)[0]
    query = text.split("-- @query", 1)[1]
    return [s for s in load.split(";") if s.strip()], query


class Corral:
    """The timing tool in `serve` mode: profiles loaded once, commands on stdin."""

    def __init__(self, tool, rules, parquet, engines):
        self.p = subprocess.Popen([tool, "serve", rules, parquet, engines],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.hello = self.read()

    def read(self):
        line = self.p.stdout.readline()
        if not line:
            sys.exit(f"timing tool failed (exit {self.p.wait()})")
        return json.loads(line)

    def ask(self, command):
        self.p.stdin.write(command + "\n")
        self.p.stdin.flush()
        return self.read()

    def close(self):
        self.p.stdin.close()
        self.p.wait()


class DuckDB:
    def __init__(self, load, query):
        self.con = duckdb.connect()
        self.load_sql, self.query_sql = load, query
        self.default_threads = int(self.con.execute("SELECT current_setting('threads')").fetchone()[0])

    def threads(self, n):
        self.con.execute(f"SET threads={n or self.default_threads}")

    def load(self, threads):
        self.threads(threads)
        t = time.perf_counter()
        for stmt in self.load_sql:
            self.con.execute(stmt)
        return time.perf_counter() - t

    def query(self, threads):
        self.threads(threads)
        t = time.perf_counter()
        cur = self.con.execute(self.query_sql)
        row = cur.fetchone()
        secs = time.perf_counter() - t
        return secs, flat_duckdb([d[0] for d in cur.description], row)

    def events(self):
        return self.con.execute("SELECT count(*) FROM events").fetchone()[0]


def corral_cli(corral, rules, parquet, threads, engine, cli_help):
    cmd = [corral, "eval", rules, "--profiles", parquet, "--now", NOW, "--threads", str(threads)]
    if "--engine" in cli_help:
        cmd += ["--engine", engine]
    if "--timings" in cli_help:
        cmd += ["--timings"]
    # Peak memory by /usr/bin/time: a forked child's own ru_maxrss can count the
    # parent's pages (here DuckDB's tables) from before its exec.
    timer = ["/usr/bin/time", "-f", "corral-maxrss-kb=%M"] if os.path.exists("/usr/bin/time") else []
    t = time.perf_counter()
    p = subprocess.run(timer + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"corral eval failed ({p.returncode}):\n{p.stderr}")
    lines = p.stderr.strip().splitlines()
    rss = [int(l.split("=", 1)[1]) * 1024 for l in lines if l.startswith("corral-maxrss-kb=")]
    err = "\n".join(l for l in lines if not l.startswith("corral-maxrss-kb="))
    return wall, json.loads(p.stdout), err, rss[0] if rss else 0


def main():
    ap = argparse.ArgumentParser()
    for flag in ["--corral", "--tool", "--parquet", "--rules", "--queries", "--out"]:
        ap.add_argument(flag, required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--engines", default="interp")
    # corral's evaluation takes about a fiftieth of DuckDB's: a burst of other work on
    # the shared host that DuckDB's seconds average out can double one corral run.
    # Each round therefore times it this many times back to back and keeps the median.
    ap.add_argument("--eval-runs", type=int, default=5)
    a = ap.parse_args()
    engines = a.engines.split(",")

    print(f"data: {a.parquet} ({os.path.getsize(a.parquet) / 1e6:.0f} MB)", file=sys.stderr)
    load_sql, query_sql = sql_parts(a.queries, a.parquet)
    corral = Corral(a.tool, a.rules, a.parquet, a.engines)
    duck = DuckDB(load_sql, query_sql)
    cores = duck.default_threads
    threads = sorted({1, cores})
    n = corral.hello["profiles"]

    # Rounds interleave the two sides, so both see the same machine load (it is shared).
    loads = {}
    evals = {}
    answers = {}
    for r in range(a.reps):
        print(f"round {r + 1}/{a.reps}: loads ...", file=sys.stderr)
        for t in threads:
            loads.setdefault(f"corral/{t}", []).append(corral.ask(f"load {t}")["load_s"])
            loads.setdefault(f"duckdb/{t}", []).append(duck.load(t))
        print(f"round {r + 1}/{a.reps}: evaluations ...", file=sys.stderr)
        for t in threads:
            for e in engines:
                runs = []
                for k in range(a.eval_runs):
                    got = corral.ask(f"eval {e} {t}")
                    runs.append(got["secs"])
                    answers[f"corral {e}, {t} thread(s), round {r + 1}, run {k + 1}"] = (
                        flat_corral(got["counts"])
                    )
                evals.setdefault(f"corral/{e}/{t}", []).append(median(runs))
            secs, counts = duck.query(t)
            evals.setdefault(f"duckdb/{t}", []).append(secs)
            answers[f"duckdb threads={t}, round {r + 1}"] = counts
    memory = corral.ask("memory")
    corral.close()
    events = duck.events()

    cli_help = subprocess.run([a.corral, "eval", "--help"], capture_output=True, text=True).stdout
    cli = {}
    for e in engines:
        for t in threads:
            print(f"corral eval --threads {t} ({e}) ...", file=sys.stderr)
            cli[(e, t)] = corral_cli(a.corral, a.rules, a.parquet, t, e, cli_help)
            answers[f"corral eval --threads {t} ({e})"] = flat_corral(cli[(e, t)][1])

    # --- the answers must agree before any time means anything ---------------------
    reference_name = f"corral {engines[0]}, 1 thread(s), round 1, run 1"
    reference = answers[reference_name]
    bad = False
    for name, counts in answers.items():
        d = diff(reference, counts)
        if d:
            bad = True
            print(f"MISMATCH: {name} differs from {reference_name}:", file=sys.stderr)
            for k, x, y in d[:20]:
                print(f"  {k}: {x} vs {y}", file=sys.stderr)
    if bad:
        sys.exit(1)
    print(f"agree: {len(answers)} runs give the same {len(reference) - 1} tag/segment counts "
          f"over {n} profiles ({events} events)\n")

    # --- timings -------------------------------------------------------------------
    rows = []
    for t in threads:
        corral_load = median(loads[f"corral/{t}"])
        rows.append(("load Parquet", f"corral, {t} thread(s)", corral_load, None))
        rows.append(("load Parquet", f"DuckDB threads={t}", median(loads[f"duckdb/{t}"]), corral_load))
    for t in threads:
        for e in engines:
            rows.append(("evaluate", f"corral {e}, {t} thread(s)", median(evals[f"corral/{e}/{t}"]), None))
        base = min(median(evals[f"corral/{e}/{t}"]) for e in engines)
        rows.append(("evaluate", f"DuckDB threads={t}", median(evals[f"duckdb/{t}"]), base))
    for (e, t), (wall, _, _, _) in cli.items():
        rows.append(("end to end", f"corral eval --threads {t} ({e})", wall, None))

    print(f"{'step':<12} {'who':<34} {'median':>10} {'per profile':>12}  DuckDB / corral")
    for step, who, s, base in rows:
        ratio = f"{s / base:8.2f}x" if base else ""
        print(f"{step:<12} {who:<34} {s * 1e3:8.1f}ms {s / n * 1e9:10.0f}ns  {ratio}")
    print(f"\n(median of {a.reps} interleaved rounds, corral's evaluations the median of "
          f"{a.eval_runs} runs in each; DuckDB / corral > 1: corral is faster; "
          "evaluation ratios compare equal thread counts, against corral's fastest engine)")
    print(f"corral compile (parse+check) of {os.path.basename(a.rules)}: "
          f"{corral.hello['compile_s'] * 1e3:.2f} ms")
    heap = memory["heap_bytes"]
    print(f"decoded profiles: {heap / 1e6:.0f} MB; peak memory (VmHWM) of the timing tool "
          f"(one copy loaded, every evaluation run): {memory['peak_rss_bytes'] / 1e6:.0f} MB "
          f"= {memory['peak_rss_bytes'] / heap:.2f}x")
    for (e, t), (_, _, stderr, rss) in cli.items():
        print(f"corral eval --threads {t} ({e}): peak memory {rss / 1e6:.0f} MB = {rss / heap:.2f}x "
              "the decoded profiles")
        if stderr:
            print(f"corral eval --threads {t} ({e}) stderr:\n{stderr}")

    with open(a.out, "w") as f:
        json.dump({"profiles": n, "events": events, "loads": loads, "evals": evals,
                   "compile_s": corral.hello["compile_s"],
                   "cli": {f"{e}/{t}": c[0] for (e, t), c in cli.items()},
                   "cli_peak_rss_bytes": {f"{e}/{t}": c[3] for (e, t), c in cli.items()},
                   "memory": memory,
                   "duckdb_version": duckdb.__version__}, f, indent=1)
    print(f"results: {a.out}")


if __name__ == "__main__":
    main()
