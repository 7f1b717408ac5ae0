//! No input overflows the stack or hangs: nesting and depth limits, huge inputs.

use super::*;
use crate::parse::{MAX_EXPR_DEPTH, MAX_NESTING, SYNTAX, TOO_DEEP};

fn code_of(text: &str) -> &'static str {
    match parse(text).1 {
        Ok(_) => "ok",
        Err(errors) => errors[0].code,
    }
}

/// Parses `text` on a thread with a small stack (256 KB; spawned threads get 2 MB):
/// the parser must find the stack it needs itself.
fn parse_ok_on_small_stack(text: String) {
    std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            parse_ok(&text);
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn parens_at_the_limit_parse() {
    let depth = MAX_NESTING - 1; // plus the `case {` below
    let text = format!(
        "tag t = case {{ {}a{} => 1 }}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    parse_ok_on_small_stack(text);
}

#[test]
fn lists_at_the_limit_parse() {
    let n = MAX_NESTING;
    parse_ok_on_small_stack(format!("let l = {}1{}", "[".repeat(n), "]".repeat(n)));
}

#[test]
fn calls_at_the_limit_parse() {
    let n = MAX_NESTING;
    parse_ok_on_small_stack(format!("tag t = {}1{}", "f(".repeat(n), ")".repeat(n)));
}

#[test]
fn cases_at_the_limit_parse() {
    let n = MAX_NESTING;
    parse_ok_on_small_stack(format!(
        "tag t = {}1{}",
        "case { a => ".repeat(n),
        " }".repeat(n)
    ));
}

#[test]
fn ifs_at_the_limit_parse() {
    let n = MAX_NESTING - 1;
    let text = format!(
        "trigger t {{{} wait 1d{} }}",
        " if a {".repeat(n),
        " }".repeat(n)
    );
    parse_ok_on_small_stack(text);
}

#[test]
fn deep_brackets_are_too_deep() {
    let text = format!("tag t = {}a", "(".repeat(100_000));
    let error = parse_err(&text);
    assert_eq!(error.code, TOO_DEEP);
    assert_eq!(error.message, "brackets are nested too deeply");
    assert_eq!(error.span.start as usize, "tag t = ".len() + MAX_NESTING);
    assert_eq!(
        code_of(&format!("tag t = {}1{}", "[".repeat(129), "]".repeat(129))),
        TOO_DEEP
    );
    assert_eq!(code_of(&"{".repeat(100_000)), TOO_DEEP);
}

#[test]
fn brackets_in_strings_and_comments_do_not_count() {
    let text = format!("let s = \"{}\" # {}\n", "(".repeat(1000), "[".repeat(1000));
    parse_ok(&text);
}

#[test]
fn long_chains_are_too_deep() {
    let and_chain = format!("segment s = a{}", " and a".repeat(100_000));
    let error = parse_err(&and_chain);
    assert_eq!(error.code, TOO_DEEP);
    assert_eq!(error.message, "expression is nested too deeply");
    assert_eq!(
        code_of(&format!("tag t = 1{}", "+1".repeat(100_000))),
        TOO_DEEP
    );
    assert_eq!(
        code_of(&format!("tag t = {}a", "not ".repeat(100_000))),
        TOO_DEEP
    );
    assert_eq!(
        code_of(&format!("tag t = {}a", "-".repeat(100_000))),
        TOO_DEEP
    );
    assert_eq!(
        code_of(&format!("tag t = a{}", ".b".repeat(100_000))),
        TOO_DEEP
    );
    let else_ifs = format!(
        "trigger t {{ if a {{}}{} }}",
        " else if a {}".repeat(10_000)
    );
    assert_eq!(code_of(&else_ifs), TOO_DEEP);
}

#[test]
fn chains_within_the_limit_parse() {
    let text = format!("segment s = a{}", " and a".repeat(MAX_EXPR_DEPTH / 2 - 1));
    parse_ok(&text);
    parse_ok(&format!("tag t = {}a", "not ".repeat(MAX_EXPR_DEPTH - 1)));
    assert_eq!(
        code_of(&format!("tag t = {}a", "not ".repeat(MAX_EXPR_DEPTH))),
        TOO_DEEP
    );
}

#[test]
fn a_large_file_of_declarations_parses() {
    let block = "tag big_spender_{i} = sum(pay.amount within 90d) >= 1000 and province in 华东\n\
                 segment s_{i} = wechat_login AND follows_oa AND NOT paid, ios\n\
                 let l_{i} = [\"SKU-1\", \"SKU-2\", 10%, 3.5, 7d]\n";
    // About 1 MB here (10 MB in `large_file_parses_in_reasonable_time`).
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 1_000_000 {
        text.push_str(&block.replace("{i}", &i.to_string()));
        i += 1;
    }
    let (_, module) = parse_ok(&text);
    assert_eq!(module.items.len(), i * 3);
}

/// 10 MB of declarations; slow in debug builds, so run it with
/// `cargo test --release -- --ignored large_file`.
#[test]
#[ignore = "slow in debug builds"]
fn large_file_parses_in_reasonable_time() {
    let block = "tag big_spender_{i} = sum(pay.amount within 90d) >= 1000 and province in 华东\n\
                 segment s_{i} = wechat_login AND follows_oa AND NOT paid, ios\n";
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 10_000_000 {
        text.push_str(&block.replace("{i}", &i.to_string()));
        i += 1;
    }
    let started = std::time::Instant::now();
    let (_, module) = parse_ok(&text);
    assert_eq!(module.items.len(), i * 2);
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
}

#[test]
fn garbage_is_an_error_not_a_crash() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..200 {
        let bytes: Vec<u8> = (0..200)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % 128) as u8
            })
            .collect();
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse(&text);
    }
    assert_eq!(code_of("\u{0}\u{1}\u{fffd}"), SYNTAX);
    assert_eq!(code_of(""), "ok");
    assert_eq!(code_of("# only a comment"), "ok");
}
