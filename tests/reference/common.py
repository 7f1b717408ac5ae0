"""Shared helpers for the hand-written corral reference implementations.

Independent of corral's sources: written from LANGUAGE.md and the documented semantics
decisions only. Values: None is "missing"; times and durations are integer microseconds
(times since the Unix epoch); ints are Python ints wrapped to i64 by `wrap`.
"""
import argparse
import json
import math
import sys
from datetime import datetime, timezone

US = 1
SEC = 1_000_000
MIN = 60 * SEC
HOUR = 60 * MIN
DAY = 24 * HOUR
WEEK = 7 * DAY

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def parse_time(s):
    """RFC 3339 (or a bare date, midnight UTC) -> microseconds since the epoch."""
    if s is None:
        return None
    if len(s) == 10:
        s = s + "T00:00:00Z"
    t = s.replace("z", "Z")
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    t = t.replace("t", "T")
    d = datetime.fromisoformat(t)
    delta = d - _EPOCH
    return (delta.days * 86400 + delta.seconds) * SEC + delta.microseconds


def fmt_time(us):
    """Microseconds since the epoch -> RFC 3339 UTC, fraction only when non-zero."""
    secs, micros = divmod(us, SEC)
    d = datetime.fromtimestamp(secs, tz=timezone.utc)
    base = d.strftime("%Y-%m-%dT%H:%M:%S")
    if micros:
        base += "." + ("%06d" % micros).rstrip("0")
    return base + "Z"


# ---- i64 ------------------------------------------------------------------------------


def wrap(x):
    if x is None:
        return None
    x &= (1 << 64) - 1
    return x - (1 << 64) if x >= (1 << 63) else x


# ---- missing-aware operators ----------------------------------------------------------


def cmp(op, a, b):
    """Comparison: false when either side is missing."""
    if a is None or b is None:
        return False
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    raise ValueError(op)


def is_in(a, lst):
    return a is not None and a in lst


def not_in(a, lst):
    return a is not None and a not in lst


def contains(s, x):
    return s is not None and x is not None and x in s


def add(a, b, int_=False):
    if a is None or b is None:
        return None
    return wrap(a + b) if int_ else a + b


def sub(a, b, int_=False):
    if a is None or b is None:
        return None
    return wrap(a - b) if int_ else a - b


def mul(a, b, int_=False):
    if a is None or b is None:
        return None
    return wrap(a * b) if int_ else a * b


def div(a, b):
    """`/` always gives a float; division by zero is missing."""
    if a is None or b is None:
        return None
    if b == 0:
        return None
    return float(a) / float(b)


def rem_int(a, b):
    """`%` on ints: truncated (sign of the dividend), like i64::wrapping_rem; by zero missing."""
    if a is None or b is None or b == 0:
        return None
    q = abs(a) // abs(b)
    r = abs(a) - q * abs(b)
    return wrap(-r if a < 0 else r)


def neg(a, int_=False):
    if a is None:
        return None
    return wrap(-a) if int_ else -a


def since(now, t):
    return None if t is None else now - t


def boolf(v):
    """A missing bool field reads as false."""
    return v is True


# ---- events ---------------------------------------------------------------------------


class Event:
    __slots__ = ("type", "at", "props", "idx")

    def __init__(self, type_, at, props, idx):
        self.type = type_
        self.at = at
        self.props = props
        self.idx = idx

    def get(self, name):
        if name == "at":
            return self.at
        return self.props.get(name)


def load_events(p):
    out = []
    for i, e in enumerate(p.get("events") or []):
        props = {k: v for k, v in e.items() if k not in ("type", "at")}
        out.append(Event(e["type"], parse_time(e["at"]), props, i))
    return out


def select(events, etype, now, where=None, within=None, since_t=None, has_since=False):
    """Matching events of type `etype`, in time order (stable on input order).

    `within D`: now - D < at <= now; `since t`: t <= at <= now (a missing t matches
    nothing); always at <= now.
    """
    out = []
    for e in events:
        if e.type != etype or e.at > now:
            continue
        if within is not None and not (now - within < e.at):
            continue
        if has_since and (since_t is None or not (since_t <= e.at)):
            continue
        if where is not None and not where(e):
            continue
        out.append(e)
    out.sort(key=lambda e: e.at)
    return out


def agg_count(evs):
    return len(evs)


def agg_sum(evs, prop, zero=0.0):
    total = zero
    for e in evs:
        v = e.get(prop)
        if v is None:
            continue
        total = total + v
    return total


def _present(evs, prop):
    return [e.get(prop) for e in evs if e.get(prop) is not None]


def agg_avg(evs, prop):
    vals = _present(evs, prop)
    if not vals:
        return None
    total = 0.0
    for v in vals:
        total += v
    return total / len(vals)


def agg_min(evs, prop):
    vals = _present(evs, prop)
    return min(vals) if vals else None


def agg_max(evs, prop):
    vals = _present(evs, prop)
    return max(vals) if vals else None


def first(evs):
    """Earliest matching event; ties: first in input order. `evs` is stably time-sorted."""
    return evs[0] if evs else None


def last(evs):
    """Latest matching event; ties: last in input order."""
    if not evs:
        return None
    best = evs[0]
    for e in evs:
        if e.at >= best.at:
            best = e
    return best


def prop_of(ev, name):
    return None if ev is None else ev.get(name)


def streak(evs, cond):
    """Length of the latest run of consecutive events (time order) satisfying `cond`."""
    latest = 0
    run = 0
    for e in evs:
        if cond(e):
            run += 1
            latest = run
        else:
            run = 0
    return latest


# ---- sample ---------------------------------------------------------------------------

M64 = (1 << 64) - 1


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & M64
    return h


def fmix64(x):
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & M64
    x ^= x >> 33
    x = (x * 0xC4CEB93E53FE1A85) & M64
    x ^= x >> 33
    return x


def sample(p, salt, pid):
    x = fmix64(fnv1a64(salt.encode("utf-8") + b":" + pid.encode("utf-8")))
    return (x >> 11) / float(1 << 53) < p


# ---- output ---------------------------------------------------------------------------


def fmt_float(f):
    """A finite f64 as corral (serde_json) prints it: shortest round-trip digits, plain
    decimal for 1e-5 <= |f| < 1e16 (integral values end in `.0`), otherwise `d.ddde±x`."""
    if f == 0:
        return "-0.0" if math.copysign(1.0, f) < 0 else "0.0"
    r = repr(f)
    sign = ""
    if r.startswith("-"):
        sign, r = "-", r[1:]
    # digits and exponent from Python's shortest repr
    if "e" in r:
        mant, exp = r.split("e")
        exp = int(exp)
    else:
        mant, exp = r, 0
    if "." in mant:
        ip, fp = mant.split(".")
    else:
        ip, fp = mant, ""
    digits = (ip + fp).lstrip("0")
    # value = 0.<ip+fp> scaled: position of decimal point relative to digits start
    point = len(ip) + exp  # decimal point after this many chars of ip+fp
    lead_zeros = len(ip + fp) - len((ip + fp).lstrip("0"))
    point -= lead_zeros
    digits = digits.rstrip("0") or "0"
    n = len(digits)
    kk = point  # ryu: value = 0.d1d2... * 10^kk
    k = kk - n
    if 0 <= k and kk <= 16:
        s = digits + "0" * k + ".0"
    elif 0 < kk <= 16:
        s = digits[:kk] + "." + digits[kk:]
    elif -5 < kk <= 0:
        s = "0." + "0" * (-kk) + digits
    else:
        # serde_json's current formatter writes an explicit `+` on positive exponents
        e = kk - 1
        es = ("+" if e > 0 else "") + str(e)
        s = (digits if n == 1 else digits[0] + "." + digits[1:]) + "e" + es
    return sign + s


class Enum(str):
    """An enum variant (prints as its name)."""


class Time(int):
    """A time value (prints as RFC 3339)."""


def to_json_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Time):
        return json.dumps(fmt_time(int(v)), ensure_ascii=False)
    if isinstance(v, float):
        return fmt_float(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(str(v), ensure_ascii=False)
    raise TypeError(type(v))


def count_key(v):
    """The counts key of a valued tag value: its JSON text, strings without quotes."""
    if isinstance(v, Time):
        return fmt_time(int(v))
    if isinstance(v, str):
        return str(v)
    return to_json_text(v)


def member_line(pid, tags, segments):
    """tags: list of (name, value) already filtered (true bools / present values)."""
    parts = ", ".join(json.dumps(k, ensure_ascii=False) + ": " + to_json_text(v) for k, v in tags)
    segs = ", ".join(json.dumps(s, ensure_ascii=False) for s in segments)
    return '{"id": %s, "tags": {%s}, "segments": [%s]}' % (
        json.dumps(pid, ensure_ascii=False),
        parts,
        segs,
    )


def run(evaluate, tag_kinds, segment_names):
    """CLI driver. evaluate(profile_dict, events, now) -> (dict tag->value, dict seg->bool).

    tag_kinds: ordered list of (name, "bool" | "value").
    """
    ap = argparse.ArgumentParser()
    ap.add_argument("--profiles", required=True)
    ap.add_argument("--now", required=True)
    ap.add_argument("--output", choices=["members", "counts"], default="members")
    a = ap.parse_args()
    now = parse_time(a.now)
    out = sys.stdout
    counts_tags = {}
    for name, kind in tag_kinds:
        counts_tags[name] = 0 if kind == "bool" else {}
    counts_segs = {s: 0 for s in segment_names}
    n = 0
    with open(a.profiles, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            p = json.loads(line)
            n += 1
            evs = load_events(p)
            tags, segs = evaluate(p, evs, now)
            shown = []
            for name, kind in tag_kinds:
                v = tags[name]
                if kind == "bool":
                    if v is True:
                        shown.append((name, True))
                        counts_tags[name] += 1
                elif v is not None:
                    shown.append((name, v))
                    key = count_key(v)
                    counts_tags[name][key] = counts_tags[name].get(key, 0) + 1
            in_segs = [s for s in segment_names if segs[s]]
            for s in in_segs:
                counts_segs[s] += 1
            if a.output == "members":
                out.write(member_line(p["id"], shown, in_segs) + "\n")
    if a.output == "counts":
        out.write(
            json.dumps(
                {"profiles": n, "tags": counts_tags, "segments": counts_segs},
                ensure_ascii=False,
            )
            + "\n"
        )
