#!/usr/bin/env python3
"""Hand-written reference implementation of tests/reference/edge.corral.

Usage: edge.py --profiles P.ndjson --now RFC3339 [--output members|counts]
"""
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (  # noqa: E402
    DAY,
    HOUR,
    MIN,
    SEC,
    WEEK,
    Enum,
    Time,
    add,
    agg_avg,
    agg_max,
    agg_min,
    agg_sum,
    boolf,
    cmp,
    contains,
    div,
    first,
    is_in,
    last,
    mul,
    neg,
    not_in,
    parse_time,
    prop_of,
    rem_int,
    run,
    sample,
    select,
    since,
    streak,
    sub,
)

HUADONG = ["上海", "江苏", "浙江"]
PROMO_SKUS = ["SKU-1", "SKU-2", "SKU-3"]
NOV1 = parse_time("2026-11-01")
SEP1 = parse_time("2026-09-01")
JUN1 = parse_time("2026-06-01")

B, V = "bool", "value"
TAGS = [
    ("gender_missing", B),
    ("age_present", B),
    ("not_old", B),
    ("old_or_young", B),
    ("age_ne_30", B),
    ("prov_not_east", B),
    ("prov_not_in_east_neg", B),
    ("prov_empty", B),
    ("unpaid_eq", B),
    ("unpaid_not", B),
    ("paid_missing", B),
    ("paid_true_eq", B),
    ("phone_empty", B),
    ("balance_missing", B),
    ("signup_missing", B),
    ("interests_missing", B),
    ("no_mom_interest", B),
    ("interest_empty_str", B),
    ("vip_missing_or_low", B),
    ("is_f_str", B),
    ("is_ios", B),
    ("not_web", B),
    ("plat", V),
    ("gender_known", B),
    ("plat_ne_android", B),
    ("female", B),
    ("mobile_phone", B),
    ("phone_has_88", B),
    ("prov_ascii", B),
    ("no_x_in_phone", B),
    ("age_plus", V),
    ("age_wrap", V),
    ("age_mod", V),
    ("age_neg", V),
    ("bal_half", V),
    ("bal_per_age", V),
    ("vip_half", V),
    ("vip_div0", V),
    ("bal_plus_vip", V),
    ("bal_big", V),
    ("bal_tiny", V),
    ("bal_neg", V),
    ("age_gt_float", B),
    ("bal_mod", V),
    ("age_mod0", V),
    ("vip_in_ints", B),
    ("bal_eq_tenth", B),
    ("mixed_num", V),
    ("kw_case", B),
    ("tenure_over_30d", B),
    ("signed_last_week", B),
    ("future_login", B),
    ("login_within_7d", B),
    ("since_signup_missing", B),
    ("signup_before_june", B),
    ("login_2w_after_signup", B),
    ("login_before_yesterday", B),
    ("login_exactly_30d", B),
    ("last_pay_at", V),
    ("first_login_at", V),
    ("last_view_at_since", V),
    ("c_cart_7d", V),
    ("c_cart_30d", V),
    ("c_pay_90d", V),
    ("c_pay_2w", V),
    ("c_pay_36h", V),
    ("c_pay_90m", V),
    ("c_pay_45s", V),
    ("c_pay_0s", V),
    ("c_pay_since_future", V),
    ("c_views", V),
    ("c_login_since_nov", V),
    ("c_pay_since_30d", V),
    ("c_login_since_signup", V),
    ("s_pay_since_7d", V),
    ("s_price_7d", V),
    ("avg_pay_30d", V),
    ("avg_pay_coupon", V),
    ("min_promo_price", V),
    ("max_pay_since_sep", V),
    ("first_cat", V),
    ("last_cat_30d", V),
    ("first_big_pay", V),
    ("last_pay_coupon", V),
    ("last_cart_sku_7d", V),
    ("no_cart_7d", B),
    ("last_pay_recent", B),
    ("streak_mom", V),
    ("streak_mom_30d", V),
    ("streak_big_pay", V),
    ("streak_price", V),
    ("future_logins", B),
    ("c_pay_after_signup", V),
    ("c_cart_over_balance", V),
    ("no_coupon_pay_30d", B),
    ("redeem_not_cart10", V),
    ("tier_int", V),
    ("tier_float", V),
    ("tier_str", V),
    ("tier_str_noelse", V),
    ("plat_if_paid", V),
    ("消费力", V),
    ("华东女性", B),
]
SEGMENTS = [
    "沉睡用户",
    "ios_adult_phone",
    "non_ios_guest",
    "s10",
    "s50",
    "s0",
    "s100",
    "in_s10_not_s50",
    "s50_uni",
    "heavy_recent",
    "tier_mix",
]

RE_MOBILE = re.compile(r"^1[3-9][0-9]{9}\Z")
RE_88 = re.compile(r"88")
RE_ASCII = re.compile(r"^[A-Za-z]+\Z")
RE_X = re.compile(r"x")


def matches(rx, s):
    return s is not None and rx.search(s) is not None


def evaluate(p, evs, now):
    g = p.get
    gender, age, province, platform = g("gender"), g("age"), g("province"), g("platform")
    paid, phone, vip, balance = g("paid"), g("phone"), g("vip_level"), g("balance")
    signup, login_at = parse_time(g("signup_at")), parse_time(g("last_login_at"))
    interests = g("interests")
    t = {}

    # missing values
    t["gender_missing"] = gender is None
    t["age_present"] = age is not None
    t["not_old"] = not cmp(">", age, 30)
    t["old_or_young"] = cmp(">", age, 30) or cmp("<=", age, 30)
    t["age_ne_30"] = cmp("!=", age, 30)
    t["prov_not_east"] = not_in(province, HUADONG)
    t["prov_not_in_east_neg"] = not is_in(province, HUADONG)
    t["prov_empty"] = cmp("==", province, "")
    t["unpaid_eq"] = boolf(paid) is False
    t["unpaid_not"] = not boolf(paid)
    t["paid_missing"] = paid is None
    t["paid_true_eq"] = boolf(paid) is True
    t["phone_empty"] = cmp("==", phone, "")
    t["balance_missing"] = balance is None
    t["signup_missing"] = signup is None
    t["interests_missing"] = interests is None
    t["no_mom_interest"] = not contains(interests, "母婴")
    t["interest_empty_str"] = contains(interests, "")
    t["vip_missing_or_low"] = vip is None or cmp("<", vip, 2)

    # enums
    t["is_f_str"] = cmp("==", gender, "F")
    t["is_ios"] = cmp("==", platform, "ios")
    t["not_web"] = not cmp("==", platform, "web")
    t["plat"] = None if platform is None else Enum(platform)
    t["gender_known"] = is_in(gender, ["F", "M"])
    t["plat_ne_android"] = cmp("!=", platform, "android")
    t["female"] = cmp("==", gender, "F")

    # matches
    t["mobile_phone"] = matches(RE_MOBILE, phone)
    t["phone_has_88"] = matches(RE_88, phone)
    t["prov_ascii"] = matches(RE_ASCII, province)
    t["no_x_in_phone"] = not matches(RE_X, phone)

    # arithmetic
    t["age_plus"] = add(age, 1, int_=True)
    t["age_wrap"] = mul(age, 9223372036854775807, int_=True)
    t["age_mod"] = rem_int(sub(age, 50, int_=True), 7)
    t["age_neg"] = neg(age, int_=True)
    t["bal_half"] = div(balance, 2)
    t["bal_per_age"] = div(balance, age)
    t["vip_half"] = div(vip, 2)
    t["vip_div0"] = div(vip, sub(age, age, int_=True))
    t["bal_plus_vip"] = None if balance is None or vip is None else float(balance) + float(vip)
    t["bal_big"] = mul(balance, 1000000000000.0)
    t["bal_tiny"] = div(balance, 1000000000)
    t["bal_neg"] = None if balance is None else -float(balance)
    t["age_gt_float"] = cmp(">", age, 29.5)
    t["bal_mod"] = None if balance is None else math.fmod(balance, 3.0)
    t["age_mod0"] = rem_int(age, sub(age, age, int_=True))
    t["vip_in_ints"] = is_in(vip, [1, 2])
    t["bal_eq_tenth"] = cmp("==", balance, 0.1)
    t["mixed_num"] = 1.0 if cmp(">", age, 40) else 2.5
    t["kw_case"] = (not cmp(">", age, 3) and age is not None) or boolf(paid)

    # times and durations
    t["tenure_over_30d"] = cmp(">", sub(login_at, signup), 30 * DAY)
    t["signed_last_week"] = cmp(">", add(signup, WEEK), now)
    t["future_login"] = cmp(">", login_at, now)
    t["login_within_7d"] = cmp("<=", since(now, login_at), 7 * DAY)
    t["since_signup_missing"] = since(now, signup) is None
    t["signup_before_june"] = cmp("<", signup, JUN1)
    t["login_2w_after_signup"] = cmp(">=", login_at, add(signup, 2 * WEEK))
    t["login_before_yesterday"] = cmp(">", now - DAY, login_at)
    t["login_exactly_30d"] = cmp("==", since(now, login_at), 30 * DAY)

    def as_time(x):
        return None if x is None else Time(x)

    t["last_pay_at"] = as_time(prop_of(last(select(evs, "pay", now)), "at"))
    t["first_login_at"] = as_time(agg_min(select(evs, "login", now, within=30 * DAY), "at"))
    t["last_view_at_since"] = as_time(
        agg_max(select(evs, "article_view", now, since_t=signup, has_since=True), "at")
    )

    # aggregates
    def sel(etype, **kw):
        return select(evs, etype, now, **kw)

    def since_(ts):
        return {"since_t": ts, "has_since": True}

    t["c_cart_7d"] = len(sel("add_cart", within=7 * DAY))
    t["c_cart_30d"] = len(sel("add_cart", within=30 * DAY))
    t["c_pay_90d"] = len(sel("pay", within=90 * DAY))
    t["c_pay_2w"] = len(sel("pay", within=2 * WEEK))
    t["c_pay_36h"] = len(sel("pay", within=36 * HOUR))
    t["c_pay_90m"] = len(sel("pay", within=90 * MIN))
    t["c_pay_45s"] = len(sel("pay", within=45 * SEC))
    t["c_pay_0s"] = len(sel("pay", within=0))
    t["c_pay_since_future"] = len(sel("pay", **since_(now + DAY)))
    t["c_views"] = len(sel("article_view"))
    t["c_login_since_nov"] = len(sel("login", **since_(NOV1)))
    t["c_pay_since_30d"] = len(sel("pay", **since_(now - 30 * DAY)))
    t["c_login_since_signup"] = len(sel("login", **since_(signup)))
    t["s_pay_since_7d"] = agg_sum(sel("pay", **since_(now - 7 * DAY)), "amount")
    t["s_price_7d"] = agg_sum(sel("add_cart", within=7 * DAY), "price")
    t["avg_pay_30d"] = agg_avg(sel("pay", within=30 * DAY), "amount")
    t["avg_pay_coupon"] = agg_avg(sel("pay", where=lambda e: e.get("coupon") is not None), "amount")
    t["min_promo_price"] = agg_min(
        sel("add_cart", where=lambda e: is_in(e.get("sku"), PROMO_SKUS), within=90 * DAY), "price"
    )
    t["max_pay_since_sep"] = agg_max(sel("pay", **since_(SEP1)), "amount")
    t["first_cat"] = prop_of(first(sel("article_view")), "category")
    t["last_cat_30d"] = prop_of(last(sel("article_view", within=30 * DAY)), "category")
    t["first_big_pay"] = prop_of(
        first(sel("pay", where=lambda e: cmp(">", e.get("amount"), 100))), "amount"
    )
    pays = sel("pay")
    t["last_pay_coupon"] = prop_of(last(pays), "coupon")
    t["last_cart_sku_7d"] = prop_of(last(sel("add_cart", within=7 * DAY)), "sku")
    t["no_cart_7d"] = prop_of(first(sel("add_cart", within=7 * DAY)), "at") is None
    t["last_pay_recent"] = cmp("<", since(now, prop_of(last(pays), "at")), 7 * DAY)
    is_mom = lambda e: cmp("==", e.get("category"), "母婴")  # noqa: E731
    t["streak_mom"] = streak(sel("article_view"), is_mom)
    t["streak_mom_30d"] = streak(sel("article_view", within=30 * DAY), is_mom)
    t["streak_big_pay"] = streak(
        sel("pay", **since_(now - 90 * DAY)), lambda e: cmp(">=", e.get("amount"), 100)
    )
    t["streak_price"] = streak(sel("add_cart"), lambda e: cmp(">", e.get("price"), 100))
    t["future_logins"] = len(sel("login", where=lambda e: cmp(">", e.at, now))) > 0
    t["c_pay_after_signup"] = len(sel("pay", where=lambda e: cmp(">=", e.at, signup)))
    t["c_cart_over_balance"] = len(sel("add_cart", where=lambda e: cmp(">", e.get("price"), balance)))
    t["no_coupon_pay_30d"] = (
        len(sel("pay", where=lambda e: e.get("coupon") is None, within=30 * DAY)) > 0
    )
    t["redeem_not_cart10"] = len(sel("coupon_redeem", where=lambda e: not_in(e.get("coupon"), ["CART10"])))

    # case
    if cmp(">=", vip, 4):
        t["tier_int"] = 3
    elif cmp(">=", vip, 2):
        t["tier_int"] = 2
    else:
        t["tier_int"] = None
    if cmp(">", balance, 1000):
        t["tier_float"] = div(balance, 1000)
    elif cmp(">", balance, 0):
        t["tier_float"] = 0.5
    else:
        t["tier_float"] = 0.0
    if cmp("<", age, 18):
        t["tier_str"] = "minor"
    elif cmp(">=", age, 60):
        t["tier_str"] = "senior"
    else:
        t["tier_str"] = "adult"
    if not boolf(paid):
        t["tier_str_noelse"] = "free"
    elif cmp(">", age, 40):
        t["tier_str_noelse"] = "paying-older"
    else:
        t["tier_str_noelse"] = None
    t["plat_if_paid"] = t["plat"] if boolf(paid) else None
    s30 = agg_sum(sel("pay", within=30 * DAY), "amount")
    if cmp(">=", s30, 1000):
        t["消费力"] = "高"
    elif cmp(">", s30, 0):
        t["消费力"] = "中"
    else:
        t["消费力"] = "低"
    t["华东女性"] = is_in(province, HUADONG) and cmp("==", gender, "F")

    s = {}
    s["沉睡用户"] = (
        cmp(">", since(now, login_at), 30 * DAY)
        and (boolf(g("follows_oa")) or boolf(g("wecom_friend")))
        and not boolf(paid)
    )
    s["ios_adult_phone"] = t["is_ios"] and cmp(">=", age, 18) and phone is not None
    s["non_ios_guest"] = (
        (cmp("==", platform, "android") or cmp("==", platform, "web"))
        and not boolf(g("wechat_login"))
        and cmp(">=", vip, 1)
    )
    s["s10"] = sample(0.10, "edge-10", p["id"])
    s["s50"] = sample(0.50, "edge-50", p["id"])
    s["s0"] = sample(0.0, "edge-0", p["id"])
    s["s100"] = sample(1.0, "edge-100", p["id"])
    s["in_s10_not_s50"] = s["s10"] and not s["s50"]
    s["s50_uni"] = sample(0.50, "抽样", p["id"]) and t["华东女性"]
    s["heavy_recent"] = cmp("==", t["消费力"], "高") and not t["future_logins"]
    s["tier_mix"] = cmp("==", t["tier_int"], 3) or cmp("==", t["tier_str"], "senior")
    return t, s


if __name__ == "__main__":
    run(evaluate, TAGS, SEGMENTS)
