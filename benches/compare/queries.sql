-- rules.corral as the SQL a user would write for DuckDB, over a `profiles` table (one
-- row per profile) and an `events` table (one row per event, `profile` = profiles.id).
-- `$now` is the reference time. The result is one row: the number of profiles, the
-- member count of each membership tag and segment, and a histogram of each valued tag.
--
-- corral's missing values are not SQL's NULL: a comparison on a missing value is false,
-- so `not (age >= 55)` is true for a profile without an age. Hence the coalesce()
-- around every comparison that can meet a NULL.

-- @load
CREATE OR REPLACE TABLE profiles AS
  SELECT * EXCLUDE (events) FROM read_parquet('$parquet');
CREATE OR REPLACE TABLE events AS
  SELECT id AS profile, e.type AS type, e.at AS at, e.sku AS sku, e.price AS price,
         e.amount AS amount, e.coupon AS coupon, e.category AS category
  FROM (SELECT id, unnest(events) AS e FROM read_parquet('$parquet'));

-- @query
WITH ev AS (
  SELECT profile,
    count(*) FILTER (WHERE type = 'add_cart' AND "at" > $now - INTERVAL 7 DAY AND "at" <= $now) > 0 AS cart_7d,
    count(*) FILTER (WHERE type = 'pay' AND "at" > $now - INTERVAL 7 DAY AND "at" <= $now) > 0 AS pay_7d,
    count(*) FILTER (WHERE type = 'add_cart' AND sku IN ('SKU-1', 'SKU-2', 'SKU-3')
                     AND "at" > $now - INTERVAL 7 DAY AND "at" <= $now) > 0 AS promo_cart,
    max(price) FILTER (WHERE type = 'add_cart' AND "at" > $now - INTERVAL 30 DAY AND "at" <= $now) AS cart_max_30d,
    sum(amount) FILTER (WHERE type = 'pay' AND "at" > $now - INTERVAL 90 DAY AND "at" <= $now) AS pay_sum_90d,
    avg(amount) FILTER (WHERE type = 'pay' AND "at" > $now - INTERVAL 90 DAY AND "at" <= $now) AS pay_avg_90d,
    count(*) FILTER (WHERE type = 'pay' AND "at" > $now - INTERVAL 90 DAY AND "at" <= $now) AS pay_n_90d,
    count(*) FILTER (WHERE type = 'coupon_redeem' AND "at" > $now - INTERVAL 30 DAY AND "at" <= $now) > 0
      OR count(*) FILTER (WHERE type = 'pay' AND coupon IS NOT NULL
                          AND "at" > $now - INTERVAL 30 DAY AND "at" <= $now) > 0 AS coupon_user,
    count(*) FILTER (WHERE type = 'login' AND "at" > $now - INTERVAL 7 DAY AND "at" <= $now) > 0 AS active_7d,
    count(*) FILTER (WHERE type = 'article_view' AND "at" > $now - INTERVAL 30 DAY AND "at" <= $now) AS views_30d,
    count(*) FILTER (WHERE type = 'article_view' AND category = '母婴'
                     AND "at" > $now - INTERVAL 30 DAY AND "at" <= $now) > 0 AS mom_reader,
    count(*) FILTER (WHERE type = 'pay' AND "at" <= $now) AS pay_n,
    max("at") FILTER (WHERE type = 'pay' AND "at" <= $now) AS last_pay
  FROM events
  GROUP BY profile
),
tags AS (
  SELECT
    p.gender = 'F' AS female,
    p.gender = 'M' AS male,
    p.province IN ('上海', '江苏', '浙江') AS east_china,
    coalesce(p.age >= 18 AND p.age < 30, false) AS young_adult,
    coalesce(p.age >= 55, false) AS senior,
    list_contains(p.interests, '母婴') AS mom_interest,
    list_contains(p.interests, '数码') AS tech_interest,
    p.vip_level >= 3 AS vip,
    p.balance >= 1000 AS rich,
    p.follows_oa OR p.wecom_friend OR p.phone IS NOT NULL AS reachable,
    $now - p.signup_at < INTERVAL 30 DAY AS new_signup,
    coalesce(e.cart_7d, false) AND NOT coalesce(e.pay_7d, false) AS cart_abandoner,
    coalesce(e.promo_cart, false) AS promo_cart,
    coalesce(e.cart_max_30d >= 500, false) AS big_cart,
    coalesce(e.pay_sum_90d, 0) >= 1000 AS big_spender,
    coalesce(e.pay_avg_90d >= 800, false) AS high_ticket,
    coalesce(e.coupon_user, false) AS coupon_user,
    coalesce(e.active_7d, false) AS active_7d,
    coalesce(e.views_30d, 0) >= 3 AS reader,
    coalesce(e.mom_reader, false) AS mom_reader,
    coalesce(e.pay_n, 0) = 0 AS never_paid,
    CASE
      WHEN $now - e.last_pay <= INTERVAL 7 DAY THEN 5
      WHEN $now - e.last_pay <= INTERVAL 30 DAY THEN 4
      WHEN $now - e.last_pay <= INTERVAL 90 DAY THEN 3
      WHEN coalesce(e.pay_n, 0) > 0 THEN 2
      ELSE 1
    END AS recency,
    CASE
      WHEN coalesce(e.pay_n_90d, 0) >= 8 THEN 5
      WHEN coalesce(e.pay_n_90d, 0) >= 4 THEN 4
      WHEN coalesce(e.pay_n_90d, 0) >= 2 THEN 3
      WHEN coalesce(e.pay_n_90d, 0) = 1 THEN 2
      ELSE 1
    END AS frequency,
    CASE
      WHEN coalesce(e.pay_sum_90d, 0) >= 3000 THEN 5
      WHEN coalesce(e.pay_sum_90d, 0) >= 1000 THEN 4
      WHEN coalesce(e.pay_sum_90d, 0) >= 300 THEN 3
      WHEN coalesce(e.pay_sum_90d, 0) > 0 THEN 2
      ELSE 1
    END AS monetary,
    CASE
      WHEN coalesce(e.pay_n, 0) = 0 AND $now - p.signup_at < INTERVAL 7 DAY THEN 'new'
      WHEN $now - p.last_login_at > INTERVAL 90 DAY THEN 'lost'
      WHEN $now - p.last_login_at > INTERVAL 30 DAY THEN 'silent'
      ELSE 'growth'
    END AS lifecycle,
    p.wechat_login, p.follows_oa, p.paid, p.platform
  FROM profiles p LEFT JOIN ev e ON e.profile = p.id
)
SELECT
  count(*) AS profiles,
  count_if(female) AS "tag:female",
  count_if(male) AS "tag:male",
  count_if(east_china) AS "tag:east_china",
  count_if(young_adult) AS "tag:young_adult",
  count_if(senior) AS "tag:senior",
  count_if(mom_interest) AS "tag:mom_interest",
  count_if(tech_interest) AS "tag:tech_interest",
  count_if(vip) AS "tag:vip",
  count_if(rich) AS "tag:rich",
  count_if(reachable) AS "tag:reachable",
  count_if(new_signup) AS "tag:new_signup",
  count_if(cart_abandoner) AS "tag:cart_abandoner",
  count_if(promo_cart) AS "tag:promo_cart",
  count_if(big_cart) AS "tag:big_cart",
  count_if(big_spender) AS "tag:big_spender",
  count_if(high_ticket) AS "tag:high_ticket",
  count_if(coupon_user) AS "tag:coupon_user",
  count_if(active_7d) AS "tag:active_7d",
  count_if(reader) AS "tag:reader",
  count_if(mom_reader) AS "tag:mom_reader",
  count_if(never_paid) AS "tag:never_paid",
  histogram(recency) AS "tag:recency",
  histogram(frequency) AS "tag:frequency",
  histogram(monetary) AS "tag:monetary",
  histogram(lifecycle) AS "tag:lifecycle",
  count_if(recency >= 4 AND monetary >= 4) AS "tag:high_value",
  count_if(wechat_login AND follows_oa AND NOT paid AND platform = 'ios') AS "segment:ios_follow_unpaid",
  count_if(wechat_login AND follows_oa AND paid AND platform = 'ios') AS "segment:ios_follow_paid",
  count_if(wechat_login AND NOT follows_oa AND NOT paid AND platform = 'ios') AS "segment:ios_nofollow_unpaid",
  count_if(wechat_login AND NOT follows_oa AND paid AND platform = 'ios') AS "segment:ios_nofollow_paid",
  count_if(lifecycle = 'silent' AND reachable) AS "segment:recall",
  count_if(east_china AND vip) AS "segment:vip_east",
  count_if((mom_interest OR mom_reader) AND female AND reachable) AS "segment:mom_push",
  count_if((cart_abandoner OR promo_cart) AND reachable AND NOT paid) AS "segment:cart_rescue",
  count_if(big_spender AND lifecycle = 'lost') AS "segment:winback",
  count_if(young_adult AND tech_interest AND platform = 'android') AS "segment:young_tech_android"
FROM tags;
