//! Every `corral` snippet of LANGUAGE.md, verbatim: each must parse.

use super::parse_ok;

const DECLARATIONS: &str = r#"# must work
profile {
  id: string                 # the profile key; every profile in the data has one
  gender: enum(F, M, U)
  age: int
  province: string
  platform: enum(ios, android, web)
  wechat_login: bool
  follows_oa: bool
  wecom_friend: bool
  paid: bool
  phone: string
  vip_level: int
  balance: float
  signup_at: time
  last_login_at: time
  interests: set<string>
}

event add_cart { sku: string, price: float }    # every event also has `at: time`
event pay { amount: float, coupon: string }
event article_view { category: string }
event login {}
event coupon_redeem { coupon: string }

let promo_skus = ["SKU-1", "SKU-2", "SKU-3"]
let 华东 = ["上海", "江苏", "浙江"]
"#;

const BRIEF_SEGMENT: &str = r#"# must work — the segment from the brief: comma binds loosest and means AND
segment ios_follow_unpaid = wechat_login AND follows_oa AND NOT paid, ios
"#;

const EXPRESSIONS: &str = r#"# must work
tag female = gender == F
tag east_china = province in 华东
tag cart_abandoner = exists(add_cart within 7d) and not exists(pay within 7d)
tag big_spender = sum(pay.amount within 90d) >= 1000
tag parenting = streak(article_view where category == "母婴") >= 3
tag reachable = follows_oa or wecom_friend or phone is present
tag lifecycle = case {
  count(pay) == 0 and since(signup_at) < 7d => "new"
  since(last_login_at) > 90d => "lost"
  since(last_login_at) > 30d => "silent"
  else => "growth"
}
tag recency = case {
  since(last(pay).at) <= 7d => 5
  since(last(pay).at) <= 30d => 4
  since(last(pay).at) <= 90d => 3
  exists(pay) => 2
  else => 1
}
segment recall = lifecycle == "silent" and reachable
segment control_group = recall and sample(10%, "recall-2026")
"#;

const TRIGGERS: &str = r#"# must work
channel wechat_template when follows_oa
channel wecom when wecom_friend
channel sms when phone is present

trigger cart_rescue {
  on add_cart where sku in promo_skus
  when not paid
  goal exists(pay since start)
  send "cart_coupon" via wechat_template, wecom, sms
  wait 3d
  send "cart_reminder" via sms, wecom
  limit 1 per 7d
  quiet 22:00..08:00
}

trigger winback {
  on enter recall
  send "winback_gift" via wecom, sms
}
"#;

const TESTS: &str = r#"# must work
test "an iOS follower who never paid is in the segment" {
  given { platform: ios, wechat_login: true, follows_oa: true, paid: false,
          events: [add_cart { sku: "SKU-1", at: now - 2d }] }
  expect ios_follow_unpaid
  expect cart_abandoner
  expect not big_spender
  expect lifecycle == "growth"
}
"#;

/// All the snippets, in order.
pub(super) const ALL: [&str; 5] = [DECLARATIONS, BRIEF_SEGMENT, EXPRESSIONS, TRIGGERS, TESTS];

#[test]
fn declarations_snippet_parses() {
    parse_ok(DECLARATIONS);
}

#[test]
fn brief_segment_snippet_parses() {
    parse_ok(BRIEF_SEGMENT);
}

#[test]
fn expressions_snippet_parses() {
    parse_ok(EXPRESSIONS);
}

#[test]
fn triggers_snippet_parses() {
    parse_ok(TRIGGERS);
}

#[test]
fn tests_snippet_parses() {
    parse_ok(TESTS);
}

#[test]
fn all_snippets_parse_as_one_file() {
    let all = [DECLARATIONS, BRIEF_SEGMENT, EXPRESSIONS, TRIGGERS, TESTS].join("\n");
    let (_, module) = parse_ok(&all);
    assert_eq!(module.items.len(), 25);
}
