//! Generated rule sets of a given size over the retail schema, for compile-time
//! benches: a mix of attribute, behaviour and valued tags, and segments over them.
#![allow(dead_code)] // each bench uses a part

use std::fmt::Write;

/// The retail schema, event types and constants (as in `examples/retail.corral`).
pub const HEADER: &str = r#"profile {
  id: string
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

event add_cart { sku: string, price: float }
event pay { amount: float, coupon: string }
event article_view { category: string }
event login {}
event coupon_redeem { coupon: string }

let promo_skus = ["SKU-1", "SKU-2", "SKU-3"]
let east = ["上海", "江苏", "浙江"]
"#;

/// A rule set with `rules` rules: three tags for each segment, every segment reading
/// two earlier membership tags.
pub fn rule_set(rules: usize) -> String {
    let mut text = String::with_capacity(HEADER.len() + rules * 80);
    text.push_str(HEADER);
    let mut bool_tags: Vec<usize> = Vec::new();
    let (mut tags, mut segments) = (0, 0);
    for i in 0..rules {
        if i % 4 == 3 && bool_tags.len() >= 2 {
            let a = bool_tags[(i * 7) % bool_tags.len()];
            let b = bool_tags[(i * 13 + 1) % bool_tags.len()];
            let _ = writeln!(
                text,
                "segment s{segments} = t{a} and not t{b}, wechat_login AND follows_oa, ios"
            );
            segments += 1;
            continue;
        }
        let t = tags;
        tags += 1;
        let k = i % 97;
        let _ = match t % 6 {
            0 => writeln!(
                text,
                "tag t{t} = gender == F and age >= {} and age < {}",
                16 + k % 40,
                30 + k % 40
            ),
            1 => writeln!(
                text,
                "tag t{t} = exists(add_cart where sku in promo_skus within {}d) and not exists(pay within {}d)",
                1 + k % 30,
                1 + k % 30
            ),
            2 => writeln!(
                text,
                "tag t{t} = sum(pay.amount within {}d) >= {}",
                1 + k % 90,
                100 * (1 + k % 20)
            ),
            3 => writeln!(
                text,
                "tag t{t} = case {{\n  count(pay within {}d) >= {} => \"high\"\n  since(last_login_at) > {}d => \"lost\"\n  else => \"growth\"\n}}",
                1 + k % 90,
                1 + k % 5,
                30 + k
            ),
            4 => writeln!(
                text,
                "tag t{t} = interests contains \"母婴\" or province in east or vip_level >= {}",
                k % 6
            ),
            _ => writeln!(
                text,
                "tag t{t} = count(article_view where category == \"数码\" within {}d) >= {} or phone is present",
                1 + k % 60,
                1 + k % 4
            ),
        };
        if t % 6 != 3 {
            bool_tags.push(t);
        }
    }
    text
}
