//! A bracket-depth check that runs before pest: pest recurses once per nesting
//! level, so nesting is bounded here, where counting is a loop.

use super::error::TOO_DEEP;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

/// The deepest nesting of `(`, `[` and `{` the parser accepts.
pub const MAX_NESTING: usize = 128;

/// Reports the first opening bracket nested deeper than [`MAX_NESTING`], skipping
/// strings and comments.
pub(super) fn check_nesting(text: &str, file: FileId) -> Option<Diagnostic> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'#' => {
                i += bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .unwrap_or(bytes.len() - i);
            }
            b'"' => {
                i += 1;
                while let Some(&b) = bytes.get(i) {
                    match b {
                        b'"' => break,
                        b'\\' => i += 2,
                        _ => i += 1,
                    }
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(
                        Diagnostic::error(TOO_DEEP, Span::new(file, i, i + 1), "brackets are nested too deeply")
                            .with_label(format!("more than {MAX_NESTING} levels deep here"))
                            .with_help("split the expression into smaller named tags, segments or `let` constants"),
                    );
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}
