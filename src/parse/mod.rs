//! Text to AST: the pest grammar in `grammar/corral.pest`, lowered to [`crate::ast`].
//!
//! A file is parsed one declaration at a time. After a syntax error the parser
//! resumes at the next line that starts with a declaration keyword, so one run
//! reports the errors of every broken declaration.

mod error;
mod grammar;
mod literal;
mod lower;
mod nesting;
#[cfg(test)]
mod tests;

pub use error::{BAD_LITERAL, SYNTAX, TOO_DEEP};
pub use lower::MAX_EXPR_DEPTH;
pub use nesting::MAX_NESTING;

use crate::ast::Module;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceMap};

/// Stop collecting errors after this many; later ones are usually echoes.
const MAX_ERRORS: usize = 50;

/// Stack the parser wants available: pest and lowering recurse once per bracket
/// level (at most [`MAX_NESTING`]), which in debug builds needs more than the 2 MB
/// of a spawned thread. With less left, the parse runs on a fresh stack segment.
const STACK_RED_ZONE: usize = 4 << 20;
const STACK_SEGMENT: usize = 16 << 20;

/// Parses one file of `sources` into a module, or returns its syntax errors.
pub fn parse_module(sources: &SourceMap, file: FileId) -> Result<Module, Vec<Diagnostic>> {
    let text: &str = &sources.get(file).text;
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || parse_text(text, file))
}

fn parse_text(text: &str, file: FileId) -> Result<Module, Vec<Diagnostic>> {
    if let Some(too_deep) = nesting::check_nesting(text, file) {
        return Err(vec![too_deep]);
    }
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut at = 0;
    while errors.len() < MAX_ERRORS {
        let Some(rest) = text.get(at..) else { break };
        let (failed_at, diagnostic) = match grammar::parse_entry(rest) {
            Ok(entry) => match lower::lower_entry(entry, file, at) {
                None => break,
                Some((end, Ok(item))) => {
                    items.push(item);
                    at = end;
                    continue;
                }
                Some((end, Err(diagnostic))) => (end, *diagnostic),
            },
            Err(error) => {
                let diagnostic = error::syntax_error(&error, text, at, file);
                (diagnostic.span.start as usize, diagnostic)
            }
        };
        errors.push(diagnostic);
        match resume_point(text, failed_at.max(at + 1)) {
            Some(next) => at = next,
            None => break,
        }
    }
    if errors.is_empty() {
        Ok(Module { file, items })
    } else {
        Err(errors)
    }
}

/// The first line at or after byte `from` that starts (in its first column) with a
/// declaration keyword: where parsing resumes after an error.
fn resume_point(text: &str, from: usize) -> Option<usize> {
    const DECLARATION_KEYWORDS: [&str; 11] = [
        "profile", "event", "let", "tag", "segment", "channel", "trigger", "test", "import",
        "timezone", "limit",
    ];
    let mut line_start = text.get(..from)?.rfind('\n').map_or(0, |i| i + 1);
    if line_start < from {
        line_start = from + text.get(from..)?.find('\n')? + 1;
    }
    loop {
        let line = text.get(line_start..)?;
        let starts_declaration = DECLARATION_KEYWORDS.iter().any(|kw| {
            line.strip_prefix(kw)
                .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        });
        if starts_declaration {
            return Some(line_start);
        }
        line_start += line.find('\n')? + 1;
    }
}
