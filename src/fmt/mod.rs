//! `corral fmt`: one canonical layout for rule files, which keeps every comment and
//! never changes what a file means.
//!
//! The file is parsed with the real parser (a file that does not parse is not
//! formatted), lexed again with a lexer that keeps comments (`lex`), laid out from
//! the AST and the tokens together (`layout`) as a document fitted to the width
//! (`doc`). The result is parsed again and must give the same AST, spans aside, and
//! the same comments in the same order; otherwise formatting fails and nothing is
//! written. docs/fmt.md describes the layout.

mod doc;
mod layout;
mod lex;

use std::sync::Arc;

pub use doc::WIDTH;
pub use lex::comment_texts;

use crate::ast::Module;
use crate::diagnostic::Diagnostics;
use crate::parse::parse_module;
use crate::print::strip_spans;
use crate::source::SourceMap;

/// Why a file was not formatted.
#[derive(Debug)]
pub enum FmtError {
    /// The file does not parse; these are the parser's diagnostics.
    Parse(Diagnostics),
    /// The formatter would have changed the file's meaning or lost a comment (a bug
    /// in the formatter, reported rather than written).
    Unsafe(String),
}

impl std::fmt::Display for FmtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FmtError::Parse(diagnostics) => {
                write!(
                    f,
                    "the file does not parse ({} errors)",
                    diagnostics.items.len()
                )
            }
            FmtError::Unsafe(why) => write!(f, "not formatted, to keep its meaning: {why}"),
        }
    }
}

impl std::error::Error for FmtError {}

/// The canonical layout of the rule file `text` (named `name` in diagnostics).
pub fn format_source(name: &str, text: &str) -> Result<String, FmtError> {
    let module = parse(name, text).map_err(FmtError::Parse)?;
    let tokens = lex::tokens(text)
        .map_err(|at| FmtError::Unsafe(format!("unexpected character at byte {at}")))?;
    let doc = layout::module(text, tokens, &module).map_err(FmtError::Unsafe)?;
    let formatted = doc::render(&doc);
    verify(&module, text, name, &formatted)?;
    Ok(formatted)
}

fn parse(name: &str, text: &str) -> Result<Module, Diagnostics> {
    let mut sources = SourceMap::new();
    let file = sources.add(name, None, text);
    parse_module(&sources, file).map_err(|items| Diagnostics {
        sources: Arc::new(sources),
        items,
    })
}

/// The formatted text must parse to the same AST and hold the same comments.
fn verify(original: &Module, text: &str, name: &str, formatted: &str) -> Result<(), FmtError> {
    let mut after = parse(name, formatted).map_err(|diagnostics| {
        let first = diagnostics.items.first().map(|d| d.message.clone());
        FmtError::Unsafe(format!(
            "the formatted text does not parse: {}",
            first.unwrap_or_default()
        ))
    })?;
    let mut before = original.clone();
    strip_spans(&mut before);
    strip_spans(&mut after);
    if before != after {
        return Err(FmtError::Unsafe(
            "the formatted text parses to a different program".into(),
        ));
    }
    if comment_texts(text) != comment_texts(formatted) {
        return Err(FmtError::Unsafe(
            "a comment would be lost or moved out of order".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
