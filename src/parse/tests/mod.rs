//! Parser tests: the language snippets, every construct, spans, errors, limits and a
//! print/parse round trip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

mod errors;
mod limits;
mod snippets;

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
