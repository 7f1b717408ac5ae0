//! Parser tests: the language snippets, every construct, spans, errors, limits and a
//! print/parse round trip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

mod constructs;
mod errors;
mod limits;
mod roundtrip;
mod snippets;
mod spans;

use crate::ast::{Expr, Item, ItemKind, Module};
use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

/// Parses `text` as a file named `test.corral`.
fn parse(text: &str) -> (SourceMap, Result<Module, Vec<Diagnostic>>) {
    let mut sources = SourceMap::new();
    let file = sources.add("test.corral", None, text);
    let result = super::parse_module(&sources, file);
    (sources, result)
}

/// Parses `text`, failing the test with the diagnostics if it does not parse.
fn parse_ok(text: &str) -> (SourceMap, Module) {
    match parse(text) {
        (sources, Ok(module)) => (sources, module),
        (_, Err(errors)) => panic!("{text}\n-- did not parse:\n{errors:#?}"),
    }
}

/// The only diagnostic of a text that must fail.
fn parse_err(text: &str) -> Diagnostic {
    match parse(text) {
        (_, Ok(module)) => panic!("{text}\n-- parsed, but should not:\n{module:#?}"),
        (_, Err(mut errors)) => {
            assert_eq!(errors.len(), 1, "{errors:#?}");
            errors.remove(0)
        }
    }
}

/// The one item of `text`.
fn item(text: &str) -> Item {
    let (_, mut module) = parse_ok(text);
    assert_eq!(module.items.len(), 1, "{:#?}", module.items);
    module.items.remove(0)
}

/// The body of `tag t = <text>`, spans stripped.
fn expr(text: &str) -> Expr {
    let (_, mut module) = parse_ok(&format!("tag t = {text}"));
    crate::print::strip_spans(&mut module);
    match module.items.remove(0).kind {
        ItemKind::Tag(rule) => rule.body,
        other => panic!("not a tag: {other:?}"),
    }
}

/// An expression as an s-expression, so tests can state tree shapes compactly.
fn sexp(expr: &Expr) -> String {
    use crate::ast::{ExprKind as K, UnaryOp, WindowKind};
    let list = |items: &[Expr]| items.iter().map(sexp).collect::<Vec<_>>().join(" ");
    match &expr.kind {
        K::Bool(b) => b.to_string(),
        K::Int(i) => i.to_string(),
        K::Float(f) => format!("{f:?}f"),
        K::Str(s) => format!("{s:?}"),
        K::Duration(us) => format!("{us}us"),
        K::Percent(p) => format!("{p:?}pct"),
        K::List(items) => format!("[{}]", list(items)),
        K::Name(n) => n.name.clone(),
        K::Unary { op, operand } => {
            let op = if *op == UnaryOp::Not { "not" } else { "neg" };
            format!("({op} {})", sexp(operand))
        }
        K::Binary { op, lhs, rhs } => format!("({} {} {})", op.symbol(), sexp(lhs), sexp(rhs)),
        K::Matches { subject, pattern } => {
            format!("(matches {} {:?})", sexp(subject), pattern.value)
        }
        K::Is { subject, present } => {
            let what = if *present { "present" } else { "missing" };
            format!("(is-{what} {})", sexp(subject))
        }
        K::Member { object, name } => format!("(. {} {})", sexp(object), name.name),
        K::Call(call) => {
            let mut s = format!("({}", call.callee.name);
            for arg in &call.args {
                s += &format!(" {}", sexp(arg));
            }
            if let Some(f) = &call.filter {
                s += &format!(" where {}", sexp(f));
            }
            if let Some(w) = &call.window {
                let kw = if w.kind == WindowKind::Within {
                    "within"
                } else {
                    "since"
                };
                s += &format!(" {kw} {}", sexp(&w.bound));
            }
            s + ")"
        }
        K::Case { arms, default } => {
            let mut s = "(case".to_string();
            for arm in arms {
                s += &format!(" ({} {})", sexp(&arm.cond), sexp(&arm.value));
            }
            if let Some(d) = default {
                s += &format!(" (else {})", sexp(d));
            }
            s + ")"
        }
        K::Conjunction(parts) => format!("(, {})", list(parts)),
    }
}

/// `sexp` of the body of `tag t = <text>`.
fn shape(text: &str) -> String {
    sexp(&expr(text))
}
