#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

fn fmt(text: &str) -> String {
    match format_source("test.corral", text) {
        Ok(out) => out,
        Err(e) => panic!("{e}\n{text}"),
    }
}

/// Formats and checks that formatting again changes nothing.
fn stable(text: &str) -> String {
    let once = fmt(text);
    assert_eq!(fmt(&once), once, "not idempotent");
    once
}

#[test]
fn spacing_is_normalised_and_spelling_kept() {
    assert_eq!(
        stable("tag  a=x>1   AND   not(y)\nsegment s=a,ios"),
        "tag a = x > 1 AND not (y)\nsegment s = a, ios\n"
    );
}

#[test]
fn blocks_get_one_item_per_line_without_commas() {
    let out = stable(
        "profile { id: string, paid: bool, platform: enum(ios,android,) }\nevent pay {amount:float\ncoupon:string}",
    );
    assert_eq!(
        out,
        "profile {\n  id: string\n  paid: bool\n  platform: enum(ios, android)\n}\n\nevent pay { amount: float, coupon: string }\n"
    );
}

#[test]
fn comments_stay_where_they_were() {
    let text = "# header\n\n# about a\ntag a = x # why\n\n\n\n# about b\ntag b = a and # mid\n  y\n# end\n";
    let out = stable(text);
    assert_eq!(
        out,
        "# header\n\n# about a\ntag a = x # why\n\n# about b\ntag b = a\n  and # mid\n    y\n# end\n"
    );
}

#[test]
fn long_bodies_break_before_operators() {
    let long = (0..30)
        .map(|i| format!("field_{i}"))
        .collect::<Vec<_>>()
        .join(" and ");
    let out = stable(&format!("segment s = {long} or z"));
    assert!(out.starts_with("segment s = field_0\n"), "{out}");
    assert!(out.contains("\n    and field_1\n"), "{out}");
    assert!(out.ends_with("\n  or z\n"), "{out}");
    assert!(out.lines().all(|l| l.len() <= WIDTH), "{out}");
}

#[test]
fn case_arms_go_one_per_line() {
    let out = stable("tag t = case { a => \"x\", -1 > b => \"y\" else => \"z\" }");
    assert_eq!(
        out,
        "tag t = case {\n  a => \"x\",\n  -1 > b => \"y\"\n  else => \"z\"\n}\n"
    );
}

#[test]
fn triggers_and_tests() {
    let text = "trigger t { on pay where amount > 1 when a, b send \"m\" via sms,wecom if a {wait 1d} else if b {} else { goal c }\nquiet 22:00..08:00 limit 1 per 1d }\ntest \"x\" { given { a: 1, events: [pay { amount: 1 }] } expect a now \"2026-01-01\" }";
    let out = stable(text);
    assert_eq!(
        out,
        "trigger t {\n  on pay where amount > 1\n  when a, b\n  send \"m\" via sms, wecom\n  if a {\n    wait 1d\n  } else if b {} else {\n    goal c\n  }\n  quiet 22:00..08:00\n  limit 1 per 1d\n}\n\ntest \"x\" {\n  given { a: 1, events: [pay { amount: 1 }] }\n  expect a\n  now \"2026-01-01\"\n}\n"
    );
}

#[test]
fn parentheses_and_calls_are_kept() {
    assert_eq!(
        stable("tag a = ((x + 1)) * 2 > count(pay, where (amount > 1) within 7d)"),
        "tag a = ((x + 1)) * 2 > count(pay where (amount > 1) within 7d)\n"
    );
    assert_eq!(
        stable("let l = [1,2,3,]\ntag p = 10%"),
        "let l = [1, 2, 3]\ntag p = 10%\n"
    );
}

#[test]
fn a_file_that_does_not_parse_is_refused() {
    assert!(matches!(
        format_source("x", "tag a = "),
        Err(FmtError::Parse(_))
    ));
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(stable(""), "");
    assert_eq!(stable("\n\n# only\n\n"), "# only\n");
}

#[test]
fn a_nested_chain_is_indented_under_its_operator() {
    let a = "a_name_long_enough_that_two_of_them_do_not_fit_on_one_line";
    let out = stable(&format!("tag t = {a} and {a}_2 or c and d"));
    assert_eq!(out, format!("tag t = {a}\n    and {a}_2\n  or c and d\n"));
}

#[test]
fn comments_inside_small_constructs_keep_them_readable() {
    let out = stable(
        "profile { e: enum( # in\n A, # a\n B) }\nevent ev { # none yet\n}\nlet l = [ # list\n 1, # one\n]\n",
    );
    assert_eq!(
        out,
        "profile {\n  e: enum( # in\n    A, # a\n    B\n  )\n}\n\nevent ev { # none yet\n}\nlet l = [ # list\n  1, # one\n]\n"
    );
}

#[test]
fn output_that_changes_meaning_or_drops_a_comment_is_refused() {
    let text = "tag a = x # why\n";
    let module = parse("t", text).unwrap();
    let refused = |formatted: &str| {
        matches!(
            verify(&module, text, "t", formatted),
            Err(FmtError::Unsafe(_))
        )
    };
    assert!(refused("tag a = y # why\n"));
    assert!(refused("tag a = x\n"));
    assert!(refused("tag a = \n"));
    assert!(!refused("tag a = x   # why\n"));
}
