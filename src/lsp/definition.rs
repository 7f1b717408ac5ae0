//! Go to definition, and turning spans into editor locations.

use lsp_types::{Location, Url};

use super::analysis::Snapshot;
use super::documents::Document;
use super::lines::LineIndex;
use super::resolve::resolve;
use crate::source::Span;

pub fn definition(doc: &Document, offset: usize) -> Option<Location> {
    let resolved = resolve(doc, offset)?;
    location(doc, resolved.snapshot, resolved.symbol.span)
}

/// Where a span of an analysis of `doc` is: in the document itself or in a file it
/// imports.
pub fn location(doc: &Document, snapshot: &Snapshot, span: Span) -> Option<Location> {
    let file = snapshot.sources.get(span.file);
    let (start, end) = (span.start as usize, span.end as usize);
    if span.file == snapshot.root {
        // An older analysis of the document: its spans are in the text it had then.
        let (start, end) = if *file.text == *doc.text {
            (start, end)
        } else {
            relocate(&file.text, &doc.text, start, end)
        };
        let range = doc.lines.range(&doc.text, start, end);
        return Some(Location::new(doc.uri.clone(), range));
    }
    let uri = Url::from_file_path(file.path.as_ref()?).ok()?;
    let range = LineIndex::new(&file.text).range(&file.text, start, end);
    Some(Location::new(uri, range))
}

/// Moves a span on one line of an older text to the same line in the new text (the
/// nearest copy of it), or leaves it where it was if that line is gone.
fn relocate(old: &str, new: &str, start: usize, end: usize) -> (usize, usize) {
    let Some(before) = old.get(..start) else {
        return (start, end);
    };
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = old[start..].find('\n').map_or(old.len(), |i| start + i);
    let line = &old[line_start..line_end];
    let line_no = before.matches('\n').count();
    let mut best: Option<(usize, usize)> = None;
    let mut at = 0;
    for (no, candidate) in new.split('\n').enumerate() {
        let distance = no.abs_diff(line_no);
        if candidate == line && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, at));
        }
        at += candidate.len() + 1;
    }
    match best {
        Some((_, moved)) => (moved + start - line_start, moved + end - line_start),
        None => (start, end),
    }
}

#[cfg(test)]
mod tests {
    use super::relocate;

    #[test]
    fn spans_follow_their_line_when_lines_are_added_above() {
        let old = "tag a = x\ntag b = a\n";
        let new = "# note\n\ntag a = x\ntag b = a and (\n";
        assert_eq!(relocate(old, new, 4, 5), (12, 13));
        // A line that is gone: unchanged.
        assert_eq!(relocate(old, "", 14, 15), (14, 15));
    }
}
