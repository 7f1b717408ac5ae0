//! Every construct of the language, with the tree it parses to.

use super::*;
use crate::ast::{GivenValue, TestItemKind, TriggerItemKind, TriggerStart, TypeExprKind};

const DAY: i64 = 86_400_000_000;

#[test]
fn precedence_loosest_first() {
    assert_eq!(shape("a or b and c"), "(or a (and b c))");
    assert_eq!(shape("a and b or c"), "(or (and a b) c)");
    assert_eq!(shape("not a and b"), "(and (not a) b)");
    assert_eq!(shape("not a == b"), "(not (== a b))");
    assert_eq!(shape("a == b + c * d"), "(== a (+ b (* c d)))");
    assert_eq!(shape("-a.b * c"), "(* (neg (. a b)) c)");
    assert_eq!(shape("(a or b) and c"), "(and (or a b) c)");
    assert_eq!(shape("a, b or c, d"), "(, a (or b c) d)");
}

#[test]
fn chains_are_left_associative() {
    assert_eq!(shape("a - b - c"), "(- (- a b) c)");
    assert_eq!(shape("a / b % c * d"), "(* (% (/ a b) c) d)");
    assert_eq!(shape("a and b and c"), "(and (and a b) c)");
    assert_eq!(shape("a or b or c"), "(or (or a b) c)");
}

#[test]
fn prefix_operators_repeat() {
    assert_eq!(shape("not not a"), "(not (not a))");
    assert_eq!(shape("--a"), "(neg (neg a))");
    assert_eq!(shape("- -1"), "(neg (neg 1))");
}

#[test]
fn comparisons_and_tests() {
    assert_eq!(shape("a != b"), "(!= a b)");
    assert_eq!(shape("a <= b"), "(<= a b)");
    assert_eq!(shape("a >= b"), "(>= a b)");
    assert_eq!(shape("a < b"), "(< a b)");
    assert_eq!(shape("a > b"), "(> a b)");
    assert_eq!(shape("province in 华东"), "(in province 华东)");
    assert_eq!(shape("province not in 华东"), "(not in province 华东)");
    assert_eq!(shape("not province in 华东"), "(not (in province 华东))");
    assert_eq!(
        shape("interests contains \"x\""),
        "(contains interests \"x\")"
    );
    assert_eq!(
        shape("phone matches \"^1[0-9]+$\""),
        "(matches phone \"^1[0-9]+$\")"
    );
    assert_eq!(shape("phone is missing"), "(is-missing phone)");
    assert_eq!(shape("phone is present or a"), "(or (is-present phone) a)");
    assert_eq!(shape("a + 1 is missing"), "(is-missing (+ a 1))");
}

#[test]
fn keywords_are_case_insensitive() {
    assert_eq!(shape("a AND Not b OR c"), "(or (and a (not b)) c)");
    assert_eq!(shape("a NOT IN b"), "(not in a b)");
    assert_eq!(shape("a In b"), "(in a b)");
    assert_eq!(shape("a CONTAINS b"), "(contains a b)");
    assert_eq!(shape("a Matches \"x\""), "(matches a \"x\")");
    assert_eq!(shape("a IS MISSING"), "(is-missing a)");
    assert_eq!(shape("TRUE or False"), "(or true false)");
    assert_eq!(
        shape("count(pay WHERE a WITHIN 7d)"),
        "(count pay where a within 604800000000us)"
    );
    assert_eq!(shape("SINCE(t)"), "(since t)");
    assert_eq!(shape("CASE { a => 1 ELSE => 2 }"), "(case (a 1) (else 2))");
}

#[test]
fn literals() {
    assert_eq!(shape("42"), "42");
    assert_eq!(shape("3.5"), "3.5f");
    assert_eq!(shape(r#""a\"b\\c\nd\te\u{4e2d}""#), r#""a\"b\\c\nd\te中""#);
    assert_eq!(shape("true"), "true");
    assert_eq!(shape("45s"), "45000000us");
    assert_eq!(shape("30m"), "1800000000us");
    assert_eq!(shape("12h"), "43200000000us");
    assert_eq!(shape("7d"), format!("{}us", 7 * DAY));
    assert_eq!(shape("2w"), format!("{}us", 14 * DAY));
    assert_eq!(shape("10%"), "0.1pct");
    assert_eq!(shape("2.5%"), "0.025pct");
    assert_eq!(shape("10%3"), "(% 10 3)");
    assert_eq!(shape("10 % 3"), "(% 10 3)");
    assert_eq!(shape("[1, 2,]"), "[1 2]");
    assert_eq!(shape("[]"), "[]");
}

#[test]
fn names() {
    assert_eq!(shape("高价值用户 and _x1"), "(and 高价值用户 _x1)");
    assert_eq!(shape("now - start"), "(- now start)");
    // Contextual keywords are ordinary names.
    assert_eq!(
        shape("at + day + tag + segment + when + limit"),
        "(+ (+ (+ (+ (+ at day) tag) segment) when) limit)"
    );
    parse_ok("tag tag = 1\nlet at = 2\nsegment segment = at");
    // Reserved words are not, whatever their case, but may start a longer name.
    parse_err("let AND = 1");
    assert_eq!(
        shape("android or notify or index or island"),
        "(or (or (or android notify) index) island)"
    );
}

#[test]
fn calls() {
    assert_eq!(shape("f()"), "(f)");
    assert_eq!(
        shape("sample(10%, \"recall-2026\")"),
        "(sample 0.1pct \"recall-2026\")"
    );
    assert_eq!(shape("count(pay since start)"), "(count pay since start)");
    assert_eq!(shape("since(signup_at)"), "(since signup_at)");
    assert_eq!(
        shape("count(pay since since(signup_at))"),
        "(count pay since (since signup_at))"
    );
    assert_eq!(shape("last(pay).at"), "(. (last pay) at)");
    assert_eq!(
        shape("sum(pay.amount within 90d)"),
        format!("(sum (. pay amount) within {}us)", 90 * DAY)
    );
    assert_eq!(
        shape("streak(article_view where category == \"母婴\")"),
        "(streak article_view where (== category \"母婴\"))"
    );
    assert_eq!(shape("count(where a)"), "(count where a)");
    assert_eq!(shape("f(a, b,)"), "(f a b)");
}

#[test]
fn a_paren_on_the_next_line_is_not_a_call() {
    assert_eq!(
        shape("case {\n  a => b\n  (c) => d\n}"),
        "(case (a b) (c d))"
    );
}

#[test]
fn case_expressions() {
    assert_eq!(shape("case { a => 1, b => 2 }"), "(case (a 1) (b 2))");
    assert_eq!(
        shape("case {\n a => 1\n else => 2\n}"),
        "(case (a 1) (else 2))"
    );
    assert_eq!(shape("case { }"), "(case)");
}

#[test]
fn declarations() {
    let (_, module) = parse_ok(
        "import \"lib/common.corral\"\ntimezone \"Asia/Shanghai\"\nlimit 3 per 1d\n\
         channel sms when phone is present\nevent login {}\n",
    );
    let kinds: Vec<String> = module
        .items
        .iter()
        .map(|i| format!("{:?}", std::mem::discriminant(&i.kind)))
        .collect();
    assert_eq!(kinds.len(), 5);
    match &module.items[0].kind {
        ItemKind::Import(path) => assert_eq!(path.value, "lib/common.corral"),
        other => panic!("{other:?}"),
    }
    match &module.items[1].kind {
        ItemKind::Timezone(zone) => assert_eq!(zone.value, "Asia/Shanghai"),
        other => panic!("{other:?}"),
    }
    match &module.items[2].kind {
        ItemKind::Limit(limit) => {
            assert_eq!(sexp(&limit.count), "3");
            assert_eq!(sexp(&limit.per), format!("{DAY}us"));
        }
        other => panic!("{other:?}"),
    }
    match &module.items[3].kind {
        ItemKind::Channel(channel) => assert_eq!(sexp(&channel.when), "(is-present phone)"),
        other => panic!("{other:?}"),
    }
    match &module.items[4].kind {
        ItemKind::Event(event) => assert!(event.props.is_empty()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn types() {
    let ItemKind::Event(event) =
        item("event e { a: int, b: enum(F, M, U,), c: set<string> d: set<enum(x, y)>, e: money }")
            .kind
    else {
        panic!()
    };
    let types: Vec<String> = event
        .props
        .iter()
        .map(|p| match &p.ty.kind {
            TypeExprKind::Named(n) => n.name.clone(),
            TypeExprKind::Enum(vs) => {
                format!("enum{:?}", vs.iter().map(|v| &v.name).collect::<Vec<_>>())
            }
            TypeExprKind::Set(t) => format!("set of {:?}", std::mem::discriminant(&t.kind)),
        })
        .collect();
    assert_eq!(types[0], "int");
    assert_eq!(types[1], r#"enum["F", "M", "U"]"#);
    assert!(types[2].starts_with("set of"));
    assert_eq!(types[4], "money");
}

#[test]
fn conjunction_only_with_two_or_more_parts() {
    assert_eq!(shape("a"), "a");
    assert_eq!(shape("a, b"), "(, a b)");
    assert_eq!(
        shape("wechat_login AND follows_oa AND NOT paid, ios"),
        "(, (and (and wechat_login follows_oa) (not paid)) ios)"
    );
}

fn trigger_items(text: &str) -> Vec<crate::ast::TriggerItem> {
    match item(text).kind {
        ItemKind::Trigger(trigger) => trigger.items,
        other => panic!("{other:?}"),
    }
}

#[test]
fn trigger_items_on_one_line_with_commas() {
    let items = trigger_items(
        "trigger t { on add_cart where sku in promo_skus, send \"m\" via a, b, wait 3d, when x, y, goal z, limit 1 per 7d }",
    );
    let summary: Vec<String> = items
        .iter()
        .map(|i| match &i.kind {
            TriggerItemKind::On(TriggerStart::Event { event, filter }) => {
                format!("on {} {}", event.name, sexp(filter.as_ref().unwrap()))
            }
            TriggerItemKind::Send { message, channels } => format!(
                "send {} {:?}",
                message.value,
                channels.iter().map(|c| c.name.as_str()).collect::<Vec<_>>()
            ),
            TriggerItemKind::Wait(d) => format!("wait {}", sexp(d)),
            TriggerItemKind::When(c) => format!("when {}", sexp(c)),
            TriggerItemKind::Goal(c) => format!("goal {}", sexp(c)),
            TriggerItemKind::Limit(l) => format!("limit {} {}", sexp(&l.count), sexp(&l.per)),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        summary,
        [
            "on add_cart (in sku promo_skus)",
            r#"send m ["a", "b"]"#,
            &format!("wait {}us", 3 * DAY),
            "when (, x y)",
            "goal z",
            &format!("limit 1 {}us", 7 * DAY),
        ]
    );
}

#[test]
fn trigger_starts_and_clock_times() {
    let items = trigger_items(
        "trigger t {\n on enter recall\n on exit recall\n every day at 20:00\n on enter where x\n quiet 22:00..8:05\n}",
    );
    assert!(
        matches!(&items[0].kind, TriggerItemKind::On(TriggerStart::Enter(s)) if s.name == "recall")
    );
    assert!(
        matches!(&items[1].kind, TriggerItemKind::On(TriggerStart::Exit(s)) if s.name == "recall")
    );
    assert!(matches!(
        &items[2].kind,
        TriggerItemKind::On(TriggerStart::EveryDay(t)) if (t.hour, t.minute) == (20, 0)
    ));
    // An event may be called `enter`.
    assert!(matches!(
        &items[3].kind,
        TriggerItemKind::On(TriggerStart::Event { event, filter: Some(_) }) if event.name == "enter"
    ));
    assert!(matches!(
        &items[4].kind,
        TriggerItemKind::Quiet { from, to } if (from.hour, from.minute, to.hour, to.minute) == (22, 0, 8, 5)
    ));
}

#[test]
fn if_else_if_else() {
    let items = trigger_items(
        "trigger t {\n if a { wait 1d } else if b { wait 2d } else { wait 3d\n send \"m\" via sms }\n if c { }\n}",
    );
    assert_eq!(items.len(), 2);
    let TriggerItemKind::If {
        cond,
        then,
        otherwise,
    } = &items[0].kind
    else {
        panic!()
    };
    assert_eq!(sexp(cond), "a");
    assert_eq!(then.len(), 1);
    let [nested] = otherwise.as_slice() else {
        panic!("{otherwise:?}")
    };
    let TriggerItemKind::If {
        cond, otherwise, ..
    } = &nested.kind
    else {
        panic!()
    };
    assert_eq!(sexp(cond), "b");
    assert_eq!(otherwise.len(), 2);
    let TriggerItemKind::If {
        then, otherwise, ..
    } = &items[1].kind
    else {
        panic!()
    };
    assert!(then.is_empty() && otherwise.is_empty());
}

#[test]
fn test_items() {
    let ItemKind::Test(test) = item(
        "test \"t\" {\n now \"2026-11-22T00:00:00Z\"\n given { age: 30\n paid: false, events: [pay { amount: 5, at: now - 1d }, login {}] }\n expect not paid\n}",
    )
    .kind
    else {
        panic!()
    };
    assert_eq!(test.title.value, "t");
    assert!(
        matches!(&test.items[0].kind, TestItemKind::Now(e) if sexp(e) == "\"2026-11-22T00:00:00Z\"")
    );
    let TestItemKind::Given(fields) = &test.items[1].kind else {
        panic!()
    };
    let names: Vec<&str> = fields.iter().map(|f| f.name.name.as_str()).collect();
    assert_eq!(names, ["age", "paid", "events"]);
    let GivenValue::Events(events) = &fields[2].value else {
        panic!()
    };
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].event.name, "pay");
    let props: Vec<String> = events[0]
        .fields
        .iter()
        .map(|(n, e)| format!("{} {}", n.name, sexp(e)))
        .collect();
    assert_eq!(props, ["amount 5", &format!("at (- now {DAY}us)")]);
    assert!(matches!(&test.items[2].kind, TestItemKind::Expect(e) if sexp(e) == "(not paid)"));
}

#[test]
fn comments_and_newlines_are_whitespace() {
    let (_, module) = parse_ok("# header\ntag t = a # trailing\n  and\n  b\n# end");
    assert_eq!(module.items.len(), 1);
}
