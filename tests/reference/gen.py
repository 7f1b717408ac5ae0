#!/usr/bin/env python3
"""Deterministic test profiles (LANGUAGE.md section 1 schema) full of edge cases.

Usage: gen.py N SEED OUT.ndjson [--now RFC3339]

`--now` (default 2026-11-22T00:00:00Z) anchors the boundary events: many profiles get
events exactly at now, now - 7d / 30d / 90d, one microsecond either side of those, and
after now. Also: every profile field missing now and then (and `events` absent or
empty), ties in `at` (with differing properties), events out of time order, time
strings with offsets and fractional seconds, integral floats, negative and huge
numbers, Unicode ids, events of undeclared types and undeclared fields.
"""
import json
import random
import sys
from datetime import datetime, timedelta, timezone

PROVINCES = ["上海", "江苏", "浙江", "广东", "北京", "四川", "", "Zhejiang", "上海 "]
INTERESTS = ["母婴", "美妆", "数码", "运动", "食品", "家居", ""]
SKUS = ["SKU-1", "SKU-2", "SKU-3", "SKU-4", "SKU-10", "SKU-33", "sku-1", "SKU-1 "]
CATEGORIES = ["母婴", "美妆", "数码", "运动"]
COUPONS = ["CART10", "NEW20", "VIP50", ""]
DAY = timedelta(days=1)
US = timedelta(microseconds=1)


def ymdhms(t):
    return "%04d-%02d-%02dT%02d:%02d:%02d" % (t.year, t.month, t.day, t.hour, t.minute, t.second)


def fmt(t, rnd):
    """An RFC 3339 string for t, in one of several equivalent spellings."""
    r = rnd.random()
    if not 2 <= t.year <= 9998:
        r = 0.0
    if r < 0.7 or t.microsecond and r < 0.85:
        s = ymdhms(t)
        if t.microsecond:
            s += "." + ("%06d" % t.microsecond)
        return s + "Z"
    if r < 0.85:
        s = ymdhms(t) + ".000Z"
        return s
    # the same instant written in +08:00 (or -05:00)
    off = 8 if r < 0.95 else -5
    lt = t + timedelta(hours=off)
    s = ymdhms(lt)
    if t.microsecond:
        s += "." + ("%06d" % t.microsecond)
    return s + ("+%02d:00" % off if off > 0 else "-%02d:00" % -off)


def money(rnd):
    r = rnd.random()
    if r < 0.15:
        return float(rnd.randrange(0, 2000))  # integral float, written as 100.0
    if r < 0.2:
        return rnd.choice([0.0, 0.1, 0.2, 0.3, 1000.0, 999.99, 300.0, 3000.0, 1e-7, 123456.789])
    return round(rnd.uniform(0.01, 1500), 2)


def boundary_times(now, rnd):
    base = [
        now,
        now - US,
        now + US,
        now + DAY,
        now + 400 * DAY,
        now - 7 * DAY,
        now - 7 * DAY + US,
        now - 7 * DAY - US,
        now - 30 * DAY,
        now - 30 * DAY + US,
        now - 30 * DAY - US,
        now - 90 * DAY,
        now - 90 * DAY + US,
        now - 90 * DAY - US,
        now - 14 * DAY,
        now - 10 * DAY,
        datetime(2026, 1, 1, tzinfo=timezone.utc),
    ]
    return base


def event(kind, at, rnd):
    e = {"type": kind, "at": at}
    miss = rnd.random() < 0.04
    if kind == "add_cart":
        if not (miss and rnd.random() < 0.5):
            e["sku"] = rnd.choice(SKUS)
        if not (miss and rnd.random() < 0.5):
            e["price"] = money(rnd)
    elif kind == "pay":
        if not miss:
            e["amount"] = money(rnd)
        if rnd.random() < 0.3:
            e["coupon"] = rnd.choice(COUPONS)
    elif kind == "article_view":
        if not miss:
            e["category"] = rnd.choices(CATEGORIES, [50, 20, 20, 10])[0]
    elif kind == "coupon_redeem":
        if not miss:
            e["coupon"] = rnd.choice(COUPONS)
    elif kind == "share":
        e["channel"] = "moments"
    if rnd.random() < 0.02:
        e["undeclared_prop"] = 1
    return e


KINDS = ["add_cart", "pay", "article_view", "login", "coupon_redeem", "share"]
KIND_W = [22, 22, 30, 15, 8, 3]


def profile(n, rnd, now):
    def maybe(p=0.1):
        return rnd.random() >= p

    pid = "u%d" % n if rnd.random() < 0.9 else "用户-%d" % n
    p = {"id": pid}
    if maybe():
        p["gender"] = rnd.choices(["F", "M", "U"], [48, 45, 7])[0]
    if maybe(0.15):
        p["age"] = rnd.choice([rnd.randrange(10, 80), 0, 17, 18, 29, 30, -1, 120])
        if rnd.random() < 0.01:
            p["age"] = rnd.choice([2**63 - 1, -(2**63), 2**62, -(2**63) + 50])
    if maybe():
        p["province"] = rnd.choice(PROVINCES)
    if maybe():
        p["platform"] = rnd.choices(["ios", "android", "web"], [45, 45, 10])[0]
    for b, pr in (("wechat_login", 0.6), ("follows_oa", 0.45), ("wecom_friend", 0.3), ("paid", 0.35)):
        if maybe(0.12):
            p[b] = rnd.random() < pr
    if maybe(0.2):
        p["phone"] = rnd.choice(["1%010d" % rnd.randrange(10**10), "", "+86 138 0000 8888", "0755-8888"])
    if maybe():
        p["vip_level"] = rnd.choices(range(7), [30, 25, 15, 10, 8, 7, 5])[0]
    if maybe():
        p["balance"] = rnd.choice(
            [round(rnd.random() ** 3 * 5000, 2), 0.0, -12.5, 100.0, 1e16, 3.0, 7.0, 0.01, 2.5e-6]
        )
    sk = rnd.random()
    if sk < 0.1:
        signup = None
    elif sk < 0.2:
        signup = rnd.choice(boundary_times(now, rnd))
    else:
        signup = now - timedelta(seconds=rnd.randrange(0, 400 * 86400))
    if rnd.random() < 0.01:
        signup = rnd.choice(
            [datetime(1, 1, 1, tzinfo=timezone.utc), datetime(9000, 12, 31, 23, 59, 59, tzinfo=timezone.utc)]
        )
    if signup is not None:
        p["signup_at"] = fmt(signup, rnd)
    lk = rnd.random()
    if lk < 0.1:
        pass
    elif lk < 0.3:
        p["last_login_at"] = fmt(rnd.choice(boundary_times(now, rnd)), rnd)
    else:
        p["last_login_at"] = fmt(now - timedelta(seconds=rnd.randrange(-86400, 200 * 86400)), rnd)
    if maybe(0.1):
        p["interests"] = sorted(rnd.sample(INTERESTS, rnd.choices(range(4), [30, 40, 20, 10])[0]))
    if rnd.random() < 0.05:
        p["undeclared_field"] = {"x": [1, 2]}

    ek = rnd.random()
    if ek < 0.05:
        return p  # no `events` key at all
    if ek < 0.12:
        p["events"] = []
        return p
    evs = []
    n_ev = rnd.choices([1, 2, 3, 5, 8, 12, 20, 30], [10, 10, 15, 20, 20, 12, 8, 5])[0]
    for _ in range(n_ev):
        r = rnd.random()
        if r < 0.3:
            at = rnd.choice(boundary_times(now, rnd))
        elif r < 0.4 and evs:
            at = evs[-1][0]  # a tie with the previous event
        else:
            at = now - timedelta(seconds=rnd.randrange(-3 * 86400, 120 * 86400))
            if rnd.random() < 0.1:
                at += timedelta(microseconds=rnd.randrange(1, 10**6))
        kind = rnd.choices(KINDS, KIND_W)[0]
        evs.append((at, kind))
    # a run of article views now and then, to make streaks
    if rnd.random() < 0.25:
        t0 = now - timedelta(days=rnd.randrange(0, 40))
        for i in range(rnd.randrange(1, 6)):
            evs.append((t0 + i * timedelta(hours=rnd.choice([1, 0])), "article_view"))
    out = [(at, event(kind, fmt(at, rnd), rnd)) for at, kind in evs]
    if rnd.random() < 0.75:
        out.sort(key=lambda x: x[0])  # stable: ties keep generation order
    else:
        rnd.shuffle(out)
    p["events"] = [e for _, e in out]
    return p


def main():
    n, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    now_s = "2026-11-22T00:00:00Z"
    if "--now" in sys.argv:
        now_s = sys.argv[sys.argv.index("--now") + 1]
    now = datetime.fromisoformat(now_s.replace("Z", "+00:00"))
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    now = now.astimezone(timezone.utc)
    rnd = random.Random(seed)
    with open(out, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps(profile(i, rnd, now), ensure_ascii=False, separators=(",", ":")))
            f.write("\n")


if __name__ == "__main__":
    main()
