//! Pest's parse errors as [`Diagnostic`]s people can read: what was expected (in
//! words, see `lower::describe`) and the token actually found there.

use pest::error::{Error, ErrorVariant, InputLocation};

use super::grammar::Rule;
use super::lower::describe;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

/// Unexpected token: the text does not follow the grammar.
pub const SYNTAX: &str = "corral::parse::syntax";
/// A literal whose text has no value: int or duration overflow, bad escape, bad clock time.
pub const BAD_LITERAL: &str = "corral::parse::bad_literal";
/// Brackets or an expression nested deeper than the parser allows.
pub const TOO_DEEP: &str = "corral::parse::too_deep";

/// Words that can never be names.
const RESERVED: [&str; 16] = [
    "and", "or", "not", "in", "contains", "matches", "is", "missing", "present", "where", "within",
    "since", "case", "else", "true", "false",
];

/// Turns a pest error from parsing `text[base..]` into a diagnostic about `text`.
pub(super) fn syntax_error(
    error: &Error<Rule>,
    text: &str,
    base: usize,
    file: FileId,
) -> Diagnostic {
    let at = base
        + match error.location {
            InputLocation::Pos(pos) => pos,
            InputLocation::Span((start, _)) => start,
        };
    let found = found_token(text, at);
    let span = Span::new(file, at, at + found.map_or(0, str::len));
    let found_words = found.map_or_else(|| "end of file".to_string(), |t| format!("`{t}`"));
    let positives = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.as_slice(),
        ErrorVariant::CustomError { message } => {
            // pest's own guard against running out of stack.
            let code = if message.contains("limit") {
                TOO_DEEP
            } else {
                SYNTAX
            };
            return Diagnostic::error(code, span, "this declaration is too complex to parse")
                .with_help("split it into smaller declarations");
        }
    };
    let mut expected: Vec<&str> = Vec::new();
    for rule in positives {
        let words = describe(*rule);
        if !expected.contains(&words) {
            expected.push(words);
        }
    }
    if expected.contains(&"a declaration") {
        expected.retain(|w| *w != "end of file");
    }
    // What could continue the current declaration reads best first.
    expected.sort_by_key(|w| matches!(*w, "a declaration" | "end of file"));
    let message = if expected.is_empty() {
        format!("unexpected {found_words}")
    } else {
        format!("expected {}, found {found_words}", one_of(&expected))
    };
    let mut diagnostic =
        Diagnostic::error(SYNTAX, span, message).with_label(format!("unexpected {found_words}"));
    if let Some(help) = help(found, &expected) {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

/// `a`, `a or b`, `a, b or c`.
fn one_of(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [only] => (*only).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Advice for the mistakes people make most.
fn help(found: Option<&str>, expected: &[&str]) -> Option<String> {
    let found = found?;
    if found == "="
        && expected
            .iter()
            .any(|w| *w == "an operator" || *w == "an expression")
    {
        return Some("`=` assigns in declarations; compare with `==`".to_string());
    }
    if found == "==" && expected.contains(&"`=`") {
        return Some("declarations assign with `=`; `==` compares".to_string());
    }
    const COMPARISONS: [&str; 6] = ["==", "!=", "<", "<=", ">", ">="];
    if COMPARISONS.contains(&found) && expected.contains(&"an operator") {
        return Some("comparisons do not chain; join them with `and`".to_string());
    }
    if found.starts_with('"') && (found.len() == 1 || !found.ends_with('"')) {
        return Some("this string has no closing `\"` on its line".to_string());
    }
    let lower = found.to_lowercase();
    if expected.contains(&"a name") && RESERVED.contains(&lower.as_str()) {
        return Some(format!("`{found}` is a reserved word and cannot be a name"));
    }
    None
}

/// The token that starts at byte `at`: a word, a number, a string (up to its line's
/// end), an operator, or one character; `None` at the end of the text.
pub(super) fn found_token(text: &str, at: usize) -> Option<&str> {
    let rest = text.get(at..)?;
    let first = rest.chars().next()?;
    let len = if first.is_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '%'))
            .unwrap_or(rest.len())
    } else if first == '"' {
        let line = rest.find('\n').unwrap_or(rest.len());
        rest[1..line].find('"').map_or(line, |close| close + 2)
    } else {
        const OPERATORS: [&str; 6] = ["==", "!=", "<=", ">=", "=>", ".."];
        OPERATORS
            .iter()
            .find(|op| rest.starts_with(*op))
            .map_or(first.len_utf8(), |op| op.len())
    };
    // Keep long tokens readable; cut on a char boundary.
    let mut end = len.min(40);
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    let token = &rest[..end];
    // A word never ends in `.` (`a.` is a name and a member access).
    Some(if first.is_alphabetic() || first == '_' {
        token.split(['.', '%']).next().unwrap_or(token)
    } else {
        token.trim_end_matches('.')
    })
}
