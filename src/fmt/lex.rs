//! The formatter's lexer: every token and every comment of a rule file, with the
//! layout facts the formatter keeps (blank lines, which line a comment is on).
//!
//! The parser throws comments away; the formatter must not. Each comment is attached
//! to a token: a comment on the same line as the token before it trails that token,
//! any other comment leads the token after it (or the end of the file).

use logos::Logos;

/// What the lexer tells apart. The formatter takes its structure from the parsed
/// AST, so the lexer only has to find token boundaries, strings and comments.
#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(skip r"[ \t\r\n]+")]
pub enum Kind {
    /// `#` to the end of the line.
    #[regex(r"#[^\n]*", allow_greedy = true)]
    Comment,
    /// `"..."` with backslash escapes, which may span lines.
    #[regex(r#""([^"\\]|\\(.|\n))*""#)]
    Str,
    /// Identifiers and keywords, in any case; non-ASCII letters are identifier text.
    #[regex(r"[A-Za-z_\u{80}-\u{10FFFF}][A-Za-z0-9_\u{80}-\u{10FFFF}]*")]
    Word,
    /// `42`, `3.5`, `7d` (and malformed numbers like `7x`).
    #[regex(r"[0-9]+(\.[0-9]+)?[A-Za-z0-9_\u{80}-\u{10FFFF}]*")]
    Number,
    #[token("(")]
    OpenParen,
    #[token(")")]
    CloseParen,
    #[token(",")]
    Comma,
    /// Any other operator or punctuation: `{ } [ ] < > == != <= >= => .. . : = + - * / %`.
    #[regex(r"==|!=|<=|>=|=>|\.\.|[{}\[\]<>.:=+\-*/%]")]
    Punct,
}

/// A comment, and whether an empty line separated it from what came before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub blank_before: bool,
}

/// A significant token with the comments attached to it.
#[derive(Clone, Debug)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    /// Own-line comments just before the token.
    pub leading: Vec<Comment>,
    /// A comment after the token on the same line.
    pub trailing: Option<String>,
    /// An empty line separates the token from what came before (token or comment).
    pub blank_before: bool,
}

/// The tokens of `text`, then an end-of-file token (of kind [`Kind::Comment`], at
/// the end of the text) whose `leading` holds the comments after the last token.
/// An error is the byte offset of the first character the lexer does not know.
pub fn tokens(text: &str) -> Result<Vec<Token>, usize> {
    let mut out: Vec<Token> = Vec::new();
    let mut pending: Vec<Comment> = Vec::new();
    let mut last_end = 0;
    let mut lexer = Kind::lexer(text);
    while let Some(kind) = lexer.next() {
        let span = lexer.span();
        let kind = kind.map_err(|()| span.start)?;
        let gap = text.get(last_end..span.start).unwrap_or("");
        let newlines = gap.matches('\n').count();
        let blank_before = newlines >= 2 && last_end > 0;
        let slice = text.get(span.clone()).unwrap_or("");
        if kind == Kind::Comment {
            let text = slice.trim_end().to_string();
            match out.last_mut() {
                Some(previous) if newlines == 0 && pending.is_empty() => {
                    previous.trailing = Some(text);
                }
                _ => pending.push(Comment { text, blank_before }),
            }
        } else {
            out.push(Token {
                kind,
                start: span.start,
                end: span.end,
                leading: std::mem::take(&mut pending),
                blank_before,
                trailing: None,
            });
        }
        last_end = span.end;
    }
    out.push(Token {
        kind: Kind::Comment,
        start: text.len(),
        end: text.len(),
        leading: pending,
        trailing: None,
        blank_before: false,
    });
    Ok(out)
}

/// Every comment of `text` in order, as written (trailing spaces dropped): what the
/// formatter must keep.
pub fn comment_texts(text: &str) -> Vec<String> {
    Kind::lexer(text)
        .spanned()
        .filter(|(kind, _)| *kind == Ok(Kind::Comment))
        .filter_map(|(_, span)| text.get(span).map(|c| c.trim_end().to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn comments_attach_to_the_line_they_are_on() {
        let toks = tokens("# head\n\ntag a = b # why\n# lead\nsegment s = a\n# end\n").unwrap();
        assert_eq!(toks[0].leading[0].text, "# head");
        assert!(toks[0].blank_before);
        assert_eq!(toks[3].trailing.as_deref(), Some("# why"));
        assert_eq!(toks[4].leading[0].text, "# lead");
        let end = toks.last().unwrap();
        assert_eq!(end.leading[0].text, "# end");
    }

    #[test]
    fn hash_in_a_string_is_not_a_comment() {
        let toks = tokens(r#"let a = "x # \" y" # real"#).unwrap();
        assert_eq!(toks[3].kind, Kind::Str);
        assert_eq!(toks[3].trailing.as_deref(), Some("# real"));
        assert_eq!(comment_texts(r##"let a = "#" # c"##), vec!["# c"]);
    }
}
