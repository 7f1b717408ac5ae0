#!/usr/bin/env python3
"""Hand-written reference implementation of examples/retail.corral (tags and segments).

Usage: retail.py --profiles P.ndjson --now RFC3339 [--output members|counts]
Prints corral's `eval --output members` NDJSON (or the counts object).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (  # noqa: E402
    DAY,
    boolf,
    cmp,
    contains,
    is_in,
    last,
    prop_of,
    run,
    sample,
    select,
    since,
    streak,
    agg_sum,
)

PROMO_SKUS = ["SKU-1", "SKU-2", "SKU-3"]
HUADONG = ["上海", "江苏", "浙江"]

TAGS = [
    ("female", "bool"),
    ("east_china", "bool"),
    ("young_adult", "bool"),
    ("mom_interest", "bool"),
    ("cart_abandoner", "bool"),
    ("promo_cart", "bool"),
    ("big_spender", "bool"),
    ("parenting", "bool"),
    ("reachable", "bool"),
    ("coupon_user", "bool"),
    ("recency", "value"),
    ("frequency", "value"),
    ("monetary", "value"),
    ("lifecycle", "value"),
    ("高价值用户", "bool"),
]
SEGMENTS = [
    "ios_follow_unpaid",
    "ios_follow_paid",
    "ios_nofollow_unpaid",
    "ios_nofollow_paid",
    "recall",
    "control_group",
    "vip_east",
    "parenting_push",
]


def evaluate(p, evs, now):
    from common import parse_time

    g = p.get
    signup_at = parse_time(g("signup_at"))
    last_login_at = parse_time(g("last_login_at"))
    t = {}
    t["female"] = cmp("==", g("gender"), "F")
    t["east_china"] = is_in(g("province"), HUADONG)
    t["young_adult"] = cmp(">=", g("age"), 18) and cmp("<", g("age"), 30)
    t["mom_interest"] = contains(g("interests"), "母婴")

    def sel(etype, **kw):
        return select(evs, etype, now, **kw)

    t["cart_abandoner"] = len(sel("add_cart", within=7 * DAY)) > 0 and not (
        len(sel("pay", within=7 * DAY)) > 0
    )
    t["promo_cart"] = (
        len(sel("add_cart", where=lambda e: is_in(e.get("sku"), PROMO_SKUS), within=7 * DAY)) > 0
    )
    sum90 = agg_sum(sel("pay", within=90 * DAY), "amount")
    t["big_spender"] = cmp(">=", sum90, 1000)
    t["parenting"] = cmp(
        ">=",
        streak(sel("article_view"), lambda e: cmp("==", e.get("category"), "母婴")),
        3,
    )
    t["reachable"] = boolf(g("follows_oa")) or boolf(g("wecom_friend")) or g("phone") is not None
    t["coupon_user"] = len(sel("coupon_redeem", within=30 * DAY)) > 0 or (
        len(sel("pay", where=lambda e: e.get("coupon") is not None, within=30 * DAY)) > 0
    )

    pays = sel("pay")
    since_last_pay = since(now, prop_of(last(pays), "at"))
    if cmp("<=", since_last_pay, 7 * DAY):
        t["recency"] = 5
    elif cmp("<=", since_last_pay, 30 * DAY):
        t["recency"] = 4
    elif cmp("<=", since_last_pay, 90 * DAY):
        t["recency"] = 3
    elif len(pays) > 0:
        t["recency"] = 2
    else:
        t["recency"] = 1

    c90 = len(sel("pay", within=90 * DAY))
    if c90 >= 8:
        t["frequency"] = 5
    elif c90 >= 4:
        t["frequency"] = 4
    elif c90 >= 2:
        t["frequency"] = 3
    elif c90 == 1:
        t["frequency"] = 2
    else:
        t["frequency"] = 1

    if sum90 >= 3000:
        t["monetary"] = 5
    elif sum90 >= 1000:
        t["monetary"] = 4
    elif sum90 >= 300:
        t["monetary"] = 3
    elif sum90 > 0:
        t["monetary"] = 2
    else:
        t["monetary"] = 1

    if len(pays) == 0 and cmp("<", since(now, signup_at), 7 * DAY):
        t["lifecycle"] = "new"
    elif cmp(">", since(now, last_login_at), 90 * DAY):
        t["lifecycle"] = "lost"
    elif cmp(">", since(now, last_login_at), 30 * DAY):
        t["lifecycle"] = "silent"
    else:
        t["lifecycle"] = "growth"

    t["高价值用户"] = cmp(">=", t["recency"], 4) and cmp(">=", t["monetary"], 4)

    s = {}
    ios = cmp("==", g("platform"), "ios")
    wl, fo, pd = boolf(g("wechat_login")), boolf(g("follows_oa")), boolf(g("paid"))
    s["ios_follow_unpaid"] = (wl and fo and not pd) and ios
    s["ios_follow_paid"] = (wl and fo and pd) and ios
    s["ios_nofollow_unpaid"] = (wl and not fo and not pd) and ios
    s["ios_nofollow_paid"] = (wl and not fo and pd) and ios
    s["recall"] = cmp("==", t["lifecycle"], "silent") and t["reachable"]
    s["control_group"] = s["recall"] and sample(0.10, "recall-2026", p["id"])
    s["vip_east"] = t["east_china"] and cmp(">=", g("vip_level"), 3)
    s["parenting_push"] = t["parenting"] and t["female"] and t["reachable"]
    return t, s


if __name__ == "__main__":
    run(evaluate, TAGS, SEGMENTS)
