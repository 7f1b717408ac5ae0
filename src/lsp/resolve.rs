//! Which declaration the name under the cursor refers to.
//!
//! The checker's name index answers exactly when the document checked as far as the
//! cursor; otherwise the name is looked up by its text in the best analysis, with the
//! event whose properties are in scope read from the surrounding text.

use super::analysis::Snapshot;
use super::context::{self, Place};
use super::documents::Document;
use super::symbols::{Kind, Symbol};

#[derive(Debug)]
pub struct Resolved<'d> {
    pub snapshot: &'d Snapshot,
    pub symbol: &'d Symbol,
    /// The name is `at` of the event `symbol`.
    pub event_time: bool,
    /// The byte range of the name in the document.
    pub start: usize,
    pub end: usize,
}

pub fn resolve(doc: &Document, offset: usize) -> Option<Resolved<'_>> {
    let (start, end, word) = context::word_at(&doc.text, offset)?;
    if let Some(found) = doc
        .current
        .as_ref()
        .and_then(|s| exact(s, start, end, word))
    {
        return Some(found);
    }
    let snapshot = doc.best()?;
    let resolved = |symbol, event_time| Resolved {
        snapshot,
        symbol,
        event_time,
        start,
        end,
    };
    let event = match context::place(&doc.text, start) {
        Place::Member(object) => {
            let event = snapshot.symbols.global(&object)?;
            if event.kind != Kind::Event {
                return None;
            }
            Some(object)
        }
        Place::Expression { event } => event,
        _ => None,
    };
    if let Some(event) = event {
        if word == "at" {
            let symbol = snapshot.symbols.global(&event)?;
            return Some(resolved(symbol, true));
        }
        if let Some(symbol) = snapshot.symbols.property(&event, word) {
            return Some(resolved(symbol, false));
        }
    }
    // A declaration's own name, or a top-level name.
    let symbol = snapshot.symbols.global(word)?;
    Some(resolved(symbol, false))
}

/// From the checker's index of the current analysis (only valid when its text is the
/// document's text, which holds for the current analysis).
fn exact<'d>(snapshot: &'d Snapshot, start: usize, end: usize, word: &str) -> Option<Resolved<'d>> {
    let covers = |s: crate::source::Span| {
        s.file == snapshot.root && s.start as usize <= start && end <= s.end as usize
    };
    let target = snapshot
        .references
        .iter()
        .find(|(used, _)| covers(*used))
        .map(|(_, declared)| *declared);
    let symbol = match target {
        Some(declared) => snapshot.symbols.declared_at(declared)?,
        None => snapshot.symbols.all.iter().find(|s| covers(s.span))?,
    };
    Some(Resolved {
        snapshot,
        symbol,
        event_time: word == "at" && symbol.kind == Kind::Event,
        start,
        end,
    })
}
