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
    let uri = if span.file == snapshot.root {
        doc.uri.clone()
    } else {
        Url::from_file_path(file.path.as_ref()?).ok()?
    };
    let lines = LineIndex::new(&file.text);
    let range = lines.range(&file.text, span.start as usize, span.end as usize);
    Some(Location::new(uri, range))
}
