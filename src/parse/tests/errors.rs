//! Each error code, with its exact message, for malformed inputs.

use super::*;
use crate::parse::{BAD_LITERAL, SYNTAX};

/// Code, message, the text under the span, and the help of the one error of `text`.
fn error(text: &str) -> (&'static str, String, String, Option<String>) {
    let (sources, result) = parse(text);
    let mut errors = result.expect_err("should not parse");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let d = errors.remove(0);
    (
        d.code,
        d.message,
        sources.snippet(d.span).to_string(),
        d.help,
    )
}

fn assert_error(text: &str, code: &str, message: &str, under_span: &str) {
    let (c, m, s, _) = error(text);
    assert_eq!(
        (c, m.as_str(), s.as_str()),
        (code, message, under_span),
        "{text}"
    );
}

#[test]
fn unclosed_brace() {
    assert_error(
        "profile {\n  id: string\n",
        SYNTAX,
        "expected a name, `}` or `,`, found end of file",
        "",
    );
    assert_error(
        "trigger t {\n  wait 3d\n",
        SYNTAX,
        "expected a trigger item, an operator, `}` or `,`, found end of file",
        "",
    );
}

#[test]
fn missing_name() {
    assert_error("tag = x", SYNTAX, "expected a name, found `=`", "=");
}

#[test]
fn double_equals_in_declaration() {
    let (code, message, span, help) = error("tag x == y");
    assert_eq!(
        (code, message.as_str(), span.as_str()),
        (SYNTAX, "expected `=`, found `==`", "==")
    );
    assert_eq!(
        help.as_deref(),
        Some("declarations assign with `=`; `==` compares")
    );
}

#[test]
fn dangling_operator() {
    assert_error(
        "segment s = a and",
        SYNTAX,
        "expected an expression, found end of file",
        "",
    );
    assert_error(
        "tag t = 1 +\ntag u = 2",
        SYNTAX,
        "expected an expression, found `tag`",
        "tag",
    );
}

#[test]
fn single_equals_where_a_comparison_belongs() {
    let (code, message, span, help) = error("segment s = gender = F");
    assert_eq!(
        (code, message.as_str(), span.as_str()),
        (
            SYNTAX,
            "expected an operator, `,` or a declaration, found `=`",
            "="
        )
    );
    assert_eq!(
        help.as_deref(),
        Some("`=` assigns in declarations; compare with `==`")
    );
}

#[test]
fn reserved_word_as_name() {
    let (_, message, _, help) = error("tag In = 1");
    assert_eq!(message, "expected a name, found `In`");
    assert_eq!(
        help.as_deref(),
        Some("`In` is a reserved word and cannot be a name")
    );
}

#[test]
fn chained_comparison() {
    let (_, message, span, help) = error("tag t = a == b == c");
    assert_eq!(
        message,
        "expected an operator, `,` or a declaration, found `==`"
    );
    assert_eq!(span, "==");
    assert_eq!(
        help.as_deref(),
        Some("comparisons do not chain; join them with `and`")
    );
}

#[test]
fn other_syntax_errors() {
    assert_error("foo", SYNTAX, "expected a declaration, found `foo`", "foo");
    assert_error(
        "tag t = (a",
        SYNTAX,
        "expected an operator or `)`, found end of file",
        "",
    );
    assert_error(
        "tag t = x matches y",
        SYNTAX,
        "expected a string, found `y`",
        "y",
    );
    assert_error("event e { a: }", SYNTAX, "expected a type, found `}`", "}");
    assert_error(
        "trigger t { send \"x\" via }",
        SYNTAX,
        "expected a name, found `}`",
        "}",
    );
    assert_error(
        "test \"x\" { expect }",
        SYNTAX,
        "expected an expression, `send` or `no`, found `}`",
        "}",
    );
    assert_error(
        "tag t = case { a => 1 else 2 }",
        SYNTAX,
        "expected `=>`, found `2`",
        "2",
    );
    assert_error(
        "tag t = f(1 2)",
        SYNTAX,
        "expected an operator, `where`, `within`, `since`, `)` or `,`, found `2`",
        "2",
    );
    let (_, message, _, help) = error("tag t = \"abc");
    assert_eq!(message, "expected an expression, found `\"abc`");
    assert_eq!(
        help.as_deref(),
        Some("this string has no closing `\"` on its line")
    );
}

#[test]
fn bad_duration() {
    let (code, message, span, help) = error("tag t = exists(pay within 7x)");
    assert_eq!(
        (code, message.as_str(), span.as_str()),
        (BAD_LITERAL, "`7x` is not a number or a duration", "7x")
    );
    assert!(help.unwrap().contains("`7d`"));
    assert_error(
        "let d = 9999999999999w",
        BAD_LITERAL,
        "duration `9999999999999w` is too long",
        "9999999999999w",
    );
}

#[test]
fn bad_escape() {
    assert_error(
        r#"let s = "a\qb""#,
        BAD_LITERAL,
        r"unknown escape `\q` in string",
        r"\q",
    );
    assert_error(
        r#"let s = "\u{110000}""#,
        BAD_LITERAL,
        r"unknown escape `\u{110000}` in string",
        r"\u{110000}",
    );
}

#[test]
fn int_overflow() {
    assert_error(
        "let n = 99999999999999999999",
        BAD_LITERAL,
        "integer `99999999999999999999` is too large",
        "99999999999999999999",
    );
    // The largest int is fine.
    parse_ok("let n = 9223372036854775807");
}

#[test]
fn bad_clock_time() {
    assert_error(
        "trigger t {\n  quiet 25:00..08:00\n}",
        BAD_LITERAL,
        "clock time `25:00` is out of range",
        "25:00",
    );
    assert_error(
        "trigger t { every day at 20:60 }",
        BAD_LITERAL,
        "clock time `20:60` is out of range",
        "20:60",
    );
}

#[test]
fn errors_in_several_declarations_are_all_reported() {
    let (_, result) =
        parse("tag a = 1 +\n\ntag b = ok\n\nsegment c = = d\nlet e = 99999999999999999999\n");
    let errors = result.unwrap_err();
    let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            // A declaration keyword ends the dangling sum.
            "expected an expression, found `tag`",
            "expected an expression, found `=`",
            "integer `99999999999999999999` is too large",
        ]
    );
}
