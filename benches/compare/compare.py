#!/usr/bin/env python3
"""Times corral and DuckDB on the same rules and data; see run.sh.

Checks first that both sides count the same profiles for every tag value and segment
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


def run_duckdb(threads, load, query, reps):
    con = duckdb.connect()
    if threads is not None:
        con.execute(f"SET threads={threads}")
    n_threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    load_s = []
    for _ in range(min(reps, 2)):
        t = time.perf_counter()
        for stmt in load:
            con.execute(stmt)
        load_s.append(time.perf_counter() - t)
    query_s = []
    result = None
    for _ in range(reps):
        t = time.perf_counter()
        cur = con.execute(query)
        row = cur.fetchone()
        query_s.append(time.perf_counter() - t)
        result = flat_duckdb([d[0] for d in cur.description], row)
    events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    return {"threads": int(n_threads), "load_s": load_s, "query_s": query_s,
            "counts": result, "events": events}


def corral_cli(corral, rules, parquet, threads, engine, cli_help):
    cmd = [corral, "eval", rules, "--profiles", parquet, "--now", NOW, "--threads", str(threads)]
    if "--engine" in cli_help:
        cmd += ["--engine", engine]
    if "--timings" in cli_help:
        cmd += ["--timings"]
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"corral eval failed ({p.returncode}):\n{p.stderr}")
    return wall, json.loads(p.stdout), p.stderr.strip()


def main():
    ap = argparse.ArgumentParser()
    for flag in ["--corral", "--tool", "--parquet", "--rules", "--queries", "--out"]:
        ap.add_argument(flag, required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--engines", default="interp")
    a = ap.parse_args()
    cores = os.cpu_count() or 1
    threads = sorted({1, 2, cores})

    print(f"data: {a.parquet} ({os.path.getsize(a.parquet) / 1e6:.0f} MB)", file=sys.stderr)
    print("corral: compile, load, evaluate ...", file=sys.stderr)
    tool = subprocess.run(
        [a.tool, "time", a.rules, a.parquet, str(a.reps), ",".join(map(str, threads)), a.engines],
        capture_output=True, text=True)
    if tool.returncode != 0:
        sys.exit(f"timing tool failed:\n{tool.stderr}")
    corral = json.loads(tool.stdout)

    cli_help = subprocess.run([a.corral, "eval", "--help"], capture_output=True, text=True).stdout
    cli = {}
    for engine in a.engines.split(","):
        for t in threads:
            print(f"corral eval --threads {t} ({engine}) ...", file=sys.stderr)
            cli[(engine, t)] = corral_cli(a.corral, a.rules, a.parquet, t, engine, cli_help)

    load, query = sql_parts(a.queries, a.parquet)
    duck = {}
    for t in [1, None]:
        print(f"duckdb threads={t or 'default'} ...", file=sys.stderr)
        duck[t] = run_duckdb(t, load, query, a.reps)

    # --- the answers must agree before any time means anything ---------------------
    reference = flat_corral(corral["counts"])
    answers = {f"corral eval --threads {t} ({e})": flat_corral(c[1]) for (e, t), c in cli.items()}
    answers.update({f"duckdb threads={d['threads']}": d["counts"] for d in duck.values()})
    bad = False
    for name, counts in answers.items():
        d = diff(reference, counts)
        if d:
            bad = True
            print(f"MISMATCH: {name} differs from the timing tool's counts:", file=sys.stderr)
            for k, x, y in d[:20]:
                print(f"  {k}: corral {x} vs {y}", file=sys.stderr)
    if bad:
        sys.exit(1)
    n = corral["profiles"]
    events = duck[1]["events"]
    print(f"agree: {len(reference) - 1} tag/segment counts over {n} profiles "
          f"({events} events), corral and DuckDB\n")

    # --- timings -------------------------------------------------------------------
    rows = []
    corral_load = median(corral["load_s"])
    rows.append(("load Parquet", "corral (1 thread)", corral_load, None))
    for d in duck.values():
        rows.append(("load Parquet", f"DuckDB threads={d['threads']}", median(d["load_s"]), corral_load))
    best = {}
    for e in corral["eval"]:
        s = median(e["secs"])
        best[e["threads"]] = min(best.get(e["threads"], s), s)
        rows.append(("evaluate", f"corral {e['engine']}, {e['threads']} thread(s)", s, None))
    for d in duck.values():
        base = best.get(d["threads"], min(best.values()))
        rows.append(("evaluate", f"DuckDB threads={d['threads']}", median(d["query_s"]), base))
    for (engine, t), (wall, _, _) in cli.items():
        rows.append(("end to end", f"corral eval --threads {t} ({engine})", wall, None))

    print(f"{'step':<12} {'who':<34} {'median':>10} {'per profile':>12}  DuckDB / corral")
    for step, who, s, base in rows:
        ratio = f"{s / base:8.2f}x" if base else ""
        print(f"{step:<12} {who:<34} {s * 1e3:8.1f}ms {s / n * 1e9:10.0f}ns  {ratio}")
    print("\n(DuckDB / corral > 1: corral is faster; evaluation ratios compare equal thread counts)")
    print(f"corral compile (parse+check) of {os.path.basename(a.rules)}: {corral['compile_s'] * 1e3:.2f} ms")
    for (engine, t), (_, _, stderr) in cli.items():
        if stderr:
            print(f"corral eval --threads {t} ({engine}) stderr:\n{stderr}")

    with open(a.out, "w") as f:
        json.dump({"profiles": n, "events": events, "corral": corral,
                   "cli": {f"{e}/{t}": c[0] for (e, t), c in cli.items()},
                   "duckdb": {str(d["threads"]): {k: v for k, v in d.items() if k != "counts"}
                              for d in duck.values()},
                   "duckdb_version": duckdb.__version__}, f, indent=1)
    print(f"results: {a.out}")


if __name__ == "__main__":
    main()
