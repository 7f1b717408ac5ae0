//! A small Wadler-style document: text, line breaks that a group takes or not, and
//! comments. The layout (src/fmt/layout.rs) says what may break; this decides what
//! does, given the width.

/// Lines are broken so that they stay within this many characters where they can.
pub const WIDTH: usize = 100;

/// Spaces per indentation level.
const INDENT: usize = 2;

#[derive(Clone, Debug)]
pub enum Doc {
    Text(String),
    /// A space when its group is flat, a new line when broken.
    Line,
    /// Nothing when flat, a new line when broken.
    Soft,
    /// Always a new line.
    Hard,
    /// One empty line (never at the start of a block or of the file).
    Blank,
    /// Text only when the enclosing group is broken (a trailing comma) or only when
    /// it is flat (a separator that the broken layout replaces with a line).
    IfBroken(&'static str),
    IfFlat(&'static str),
    /// Content indented one level more after its line breaks.
    Indent(Vec<Doc>),
    /// Content as it is, in the enclosing group's mode.
    Concat(Vec<Doc>),
    /// Content laid out flat if it fits (and holds nothing that forces a break).
    Group(Vec<Doc>),
    /// A comment after code on a line: kept on the line where it is written out.
    Trailing(String),
    /// A comment on a line of its own, with an empty line before it if `true`.
    OwnLine(String, bool),
}

impl Doc {
    pub fn text(s: impl Into<String>) -> Doc {
        Doc::Text(s.into())
    }

    /// Whether laying this out flat is impossible: it holds a forced line break or
    /// a comment. Trailing comments force a break too, so two never share a line.
    fn forces_break(&self) -> bool {
        match self {
            Doc::Hard | Doc::Blank | Doc::OwnLine(..) | Doc::Trailing(_) => true,
            Doc::Indent(docs) | Doc::Group(docs) | Doc::Concat(docs) => {
                docs.iter().any(Doc::forces_break)
            }
            _ => false,
        }
    }

    /// Width when laid out flat.
    fn flat_width(&self) -> usize {
        match self {
            Doc::Text(s) => s.chars().count(),
            Doc::Line => 1,
            Doc::IfFlat(s) => s.len(),
            Doc::Indent(docs) | Doc::Group(docs) | Doc::Concat(docs) => {
                docs.iter().map(Doc::flat_width).sum()
            }
            _ => 0,
        }
    }
}

/// A group of `docs`, with a comment trailing its very last token moved after it:
/// that comment ends the line anyway and need not break the group open.
pub fn group(mut docs: Vec<Doc>) -> Doc {
    match take_last_trailing(&mut docs) {
        Some(comment) => Doc::Concat(vec![Doc::Group(docs), comment]),
        None => Doc::Group(docs),
    }
}

fn take_last_trailing(docs: &mut Vec<Doc>) -> Option<Doc> {
    match docs.last_mut()? {
        Doc::Trailing(_) => docs.pop(),
        Doc::Indent(inner) | Doc::Group(inner) | Doc::Concat(inner) => take_last_trailing(inner),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flat,
    Broken,
}

/// Lays the document out within [`WIDTH`]; the result ends with one newline unless
/// it is empty.
pub fn render(doc: &Doc) -> String {
    let mut out = Output::default();
    let mut stack: Vec<(usize, Mode, &Doc)> = vec![(0, Mode::Broken, doc)];
    while let Some((indent, mode, doc)) = stack.pop() {
        match doc {
            Doc::Text(s) => out.text(indent, s),
            Doc::Line | Doc::Soft if mode == Mode::Broken => out.newline(indent),
            Doc::Line => out.text(indent, " "),
            Doc::Soft => {}
            Doc::Hard => out.newline(indent),
            Doc::Blank => out.blank(indent),
            Doc::IfBroken(s) if mode == Mode::Broken => out.text(indent, s),
            Doc::IfFlat(s) if mode == Mode::Flat => out.text(indent, s),
            Doc::IfBroken(_) | Doc::IfFlat(_) => {}
            Doc::Indent(docs) => {
                stack.extend(docs.iter().rev().map(|d| (indent + INDENT, mode, d)));
            }
            Doc::Concat(docs) => stack.extend(docs.iter().rev().map(|d| (indent, mode, d))),
            Doc::Group(docs) => {
                let fits = mode == Mode::Flat
                    || (!doc.forces_break() && out.column() + doc.flat_width() <= WIDTH);
                let mode = if fits { Mode::Flat } else { Mode::Broken };
                stack.extend(docs.iter().rev().map(|d| (indent, mode, d)));
            }
            Doc::Trailing(comment) => out.trailing(indent, comment),
            Doc::OwnLine(comment, blank) => out.own_line(indent, comment, *blank),
        }
    }
    out.finish()
}

#[derive(Default)]
struct Output {
    done: String,
    line: String,
    /// The line ends with a comment: whatever comes next goes on a new line.
    ended_by_comment: bool,
}

impl Output {
    fn column(&self) -> usize {
        self.line.chars().count()
    }

    fn line_is_empty(&self) -> bool {
        self.line.trim().is_empty()
    }

    fn text(&mut self, indent: usize, s: &str) {
        if self.ended_by_comment && !s.trim().is_empty() {
            // The layout planned no break here: continue the construct one level in.
            self.newline(indent);
            self.line.push_str(&" ".repeat(indent + INDENT));
        }
        if self.line.is_empty() && !s.trim().is_empty() {
            self.line.push_str(&" ".repeat(indent));
        }
        if self.line.trim().is_empty() && s == " " {
            return;
        }
        self.line.push_str(s);
    }

    /// Ends the current line, unless nothing is on it yet.
    fn newline(&mut self, _indent: usize) {
        if self.line_is_empty() {
            self.line.clear();
            return;
        }
        self.ended_by_comment = false;
        self.done.push_str(self.line.trim_end());
        self.done.push('\n');
        self.line.clear();
    }

    fn blank(&mut self, indent: usize) {
        self.newline(indent);
        let at_block_start = self.done.trim_end().ends_with(['{', '[', '(']);
        if !self.done.is_empty() && !self.done.ends_with("\n\n") && !at_block_start {
            self.done.push('\n');
        }
    }

    fn trailing(&mut self, indent: usize, comment: &str) {
        if self.line_is_empty() {
            self.text(indent, comment);
        } else {
            self.line.push(' ');
            self.line.push_str(comment);
        }
        self.ended_by_comment = true;
    }

    fn own_line(&mut self, indent: usize, comment: &str, blank: bool) {
        if blank {
            self.blank(indent);
        } else {
            self.newline(indent);
        }
        self.text(indent, comment);
        self.newline(indent);
    }

    fn finish(mut self) -> String {
        self.newline(0);
        while self.done.ends_with("\n\n") {
            self.done.pop();
        }
        self.done
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn words(n: usize) -> Doc {
        let mut docs = vec![Doc::text("w0")];
        for i in 1..n {
            docs.push(Doc::Indent(vec![Doc::Line, Doc::text(format!("and w{i}"))]));
        }
        Doc::Group(docs)
    }

    #[test]
    fn a_group_stays_flat_when_it_fits_and_breaks_when_not() {
        assert_eq!(render(&words(3)), "w0 and w1 and w2\n");
        let long = render(&words(30));
        assert!(long.starts_with("w0\n  and w1\n  and w2\n"), "{long}");
    }

    #[test]
    fn trailing_comments_end_their_line_and_break_the_group() {
        let doc = Doc::Group(vec![
            Doc::text("a"),
            Doc::Trailing("# why".into()),
            Doc::Indent(vec![Doc::Line, Doc::text("and b")]),
        ]);
        assert_eq!(render(&doc), "a # why\n  and b\n");
    }
}
