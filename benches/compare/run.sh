#!/usr/bin/env bash
# corral vs DuckDB on the same machine and the same data, in one run.
#
#   benches/compare/run.sh                 # 1M profiles
#   N=100000 REPS=5 benches/compare/run.sh
#
# Environment: N profiles (default 1000000), SEED (42), REPS timed rounds (3; the
# median is reported), EVAL_RUNS corral evaluations per round (5; the round keeps
# their median), ENGINES corral engines to time (interp; comma-separated, the names of
# benches/support/engine.rs).
#
# Creates benches/compare/.venv (DuckDB from pip) and benches/compare/data (the
# generated Parquet file, kept between runs, and results-N.json); both are gitignored.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
here=benches/compare
N=${N:-1000000}
SEED=${SEED:-42}
REPS=${REPS:-3}
EVAL_RUNS=${EVAL_RUNS:-5}
ENGINES=${ENGINES:-interp}

if [ ! -x "$here/.venv/bin/python" ]; then
  python3 -m venv "$here/.venv"
fi
if ! "$here/.venv/bin/python" -c 'import duckdb' 2>/dev/null; then
  "$here/.venv/bin/pip" install --quiet duckdb
fi

echo "building corral and the timing tool (release)..." >&2
cargo build --release --quiet --bin corral
tool=$(cargo bench --quiet --bench compare --no-run --message-format=json |
  "$here/.venv/bin/python" -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "compare" and m.get("executable"):
        print(m["executable"])')

data="$here/data"
mkdir -p "$data"
parquet="$data/profiles-$N-$SEED.parquet"
if [ ! -f "$parquet" ]; then
  "$tool" gen "$N" "$SEED" "$parquet.tmp"
  mv "$parquet.tmp" "$parquet"
fi

exec "$here/.venv/bin/python" "$here/compare.py" \
  --corral target/release/corral --tool "$tool" --parquet "$parquet" \
  --rules "$here/rules.corral" --queries "$here/queries.sql" \
  --reps "$REPS" --eval-runs "$EVAL_RUNS" --engines "$ENGINES" --out "$data/results-$N.json"
