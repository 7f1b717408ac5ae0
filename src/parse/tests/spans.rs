//! Spans point at exactly the text of their node.

use super::*;
use crate::ast::{ExprKind, TriggerItemKind};

#[test]
fn spans_cover_their_text() {
    let text = "# rules\ntag lifecycle = case {\n  count(pay) == 0 and since(signup_at) < 7d => \"new\"\n  else => \"growth\"\n}\n\nsegment s = a AND not b, ios\n";
    let (sources, module) = parse_ok(text);
    let snippet = |span| sources.snippet(span);
    let tag = &module.items[0];
    assert!(snippet(tag.span).starts_with("tag lifecycle = case {"));
    assert!(snippet(tag.span).ends_with("}"));
    let ItemKind::Tag(rule) = &tag.kind else {
        panic!()
    };
    assert_eq!(snippet(rule.name.span), "lifecycle");
    let ExprKind::Case { arms, default } = &rule.body.kind else {
        panic!()
    };
    assert_eq!(
        snippet(arms[0].span),
        "count(pay) == 0 and since(signup_at) < 7d => \"new\""
    );
    assert_eq!(
        snippet(arms[0].cond.span),
        "count(pay) == 0 and since(signup_at) < 7d"
    );
    assert_eq!(snippet(default.as_ref().unwrap().span), "\"growth\"");
    let ExprKind::Binary { lhs, rhs, .. } = &arms[0].cond.kind else {
        panic!()
    };
    assert_eq!(snippet(lhs.span), "count(pay) == 0");
    assert_eq!(snippet(rhs.span), "since(signup_at) < 7d");
    let ExprKind::Binary { lhs: call, .. } = &lhs.kind else {
        panic!()
    };
    assert_eq!(snippet(call.span), "count(pay)");
    let ExprKind::Call(call) = &call.kind else {
        panic!()
    };
    assert_eq!(snippet(call.callee.span), "count");
    assert_eq!(snippet(call.args[0].span), "pay");

    let segment = &module.items[1];
    assert_eq!(snippet(segment.span), "segment s = a AND not b, ios");
    let ItemKind::Segment(rule) = &segment.kind else {
        panic!()
    };
    assert_eq!(snippet(rule.body.span), "a AND not b, ios");
    let ExprKind::Conjunction(parts) = &rule.body.kind else {
        panic!()
    };
    assert_eq!(snippet(parts[0].span), "a AND not b");
    let ExprKind::Binary { rhs, .. } = &parts[0].kind else {
        panic!()
    };
    assert_eq!(snippet(rhs.span), "not b");
}

#[test]
fn spans_of_chains_postfix_and_windows() {
    let (sources, module) = parse_ok("tag t = (a) + b - c.d.e * last(pay within 7d).at");
    let ItemKind::Tag(rule) = &module.items[0].kind else {
        panic!()
    };
    let ExprKind::Binary { lhs, rhs, .. } = &rule.body.kind else {
        panic!()
    };
    assert_eq!(
        sources.snippet(rule.body.span),
        "(a) + b - c.d.e * last(pay within 7d).at"
    );
    assert_eq!(sources.snippet(lhs.span), "(a) + b");
    let ExprKind::Binary { lhs: a, .. } = &lhs.kind else {
        panic!()
    };
    assert_eq!(sources.snippet(a.span), "a");
    assert_eq!(sources.snippet(rhs.span), "c.d.e * last(pay within 7d).at");
    let ExprKind::Binary {
        lhs: member,
        rhs: at,
        ..
    } = &rhs.kind
    else {
        panic!()
    };
    assert_eq!(sources.snippet(member.span), "c.d.e");
    let ExprKind::Member { object, name } = &member.kind else {
        panic!()
    };
    assert_eq!(sources.snippet(object.span), "c.d");
    assert_eq!(sources.snippet(name.span), "e");
    let ExprKind::Member { object: call, .. } = &at.kind else {
        panic!()
    };
    let ExprKind::Call(call) = &call.kind else {
        panic!()
    };
    assert_eq!(
        sources.snippet(call.window.as_ref().unwrap().span),
        "within 7d"
    );
}

#[test]
fn spans_in_triggers_and_else_if() {
    let text = "trigger t {\n  quiet 22:00..08:00\n  if a { wait 1d } else if b { wait 2d }\n}";
    let (sources, module) = parse_ok(text);
    let ItemKind::Trigger(trigger) = &module.items[0].kind else {
        panic!()
    };
    assert_eq!(sources.snippet(trigger.items[0].span), "quiet 22:00..08:00");
    let TriggerItemKind::Quiet { from, to } = &trigger.items[0].kind else {
        panic!()
    };
    assert_eq!(
        (sources.snippet(from.span), sources.snippet(to.span)),
        ("22:00", "08:00")
    );
    assert_eq!(
        sources.snippet(trigger.items[1].span),
        "if a { wait 1d } else if b { wait 2d }"
    );
    let TriggerItemKind::If { otherwise, .. } = &trigger.items[1].kind else {
        panic!()
    };
    assert_eq!(sources.snippet(otherwise[0].span), "if b { wait 2d }");
}

#[test]
fn spans_are_offsets_into_the_whole_file() {
    let text = "let a = 1\n\n\nlet 华东 = [\"上海\", \"江苏\"]\n";
    let (sources, module) = parse_ok(text);
    let ItemKind::Let(decl) = &module.items[1].kind else {
        panic!()
    };
    assert_eq!(sources.snippet(decl.name.span), "华东");
    let ExprKind::List(items) = &decl.value.kind else {
        panic!()
    };
    assert_eq!(sources.snippet(items[1].span), "\"江苏\"");
    assert_eq!(
        sources
            .get(module.file)
            .line_col(items[1].span.start as usize),
        (4, 17)
    );
}
