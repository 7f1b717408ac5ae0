//! The checker's diagnostics as LSP diagnostics: the same codes, messages and help.

use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString};

use super::analysis::Snapshot;
use super::definition::location;
use super::documents::Document;
use crate::diagnostic::{Diagnostic, Severity};

/// The diagnostics of `doc`'s latest analysis that are about the document itself, and
/// for each imported file with errors one error at the `import` that brings it in.
pub fn of_document(doc: &Document) -> Vec<lsp_types::Diagnostic> {
    let Some(snapshot) = &doc.current else {
        return Vec::new();
    };
    let mut out: Vec<lsp_types::Diagnostic> = snapshot
        .diagnostics
        .iter()
        .filter(|d| d.span.file == snapshot.root)
        .map(|d| convert(doc, snapshot, d))
        .collect();
    let mut elsewhere: Vec<&Diagnostic> = snapshot
        .diagnostics
        .iter()
        .filter(|d| d.span.file != snapshot.root && d.is_error())
        .collect();
    elsewhere.dedup_by_key(|d| d.span.file);
    for d in elsewhere {
        let file = &snapshot.sources.get(d.span.file).name;
        let mut converted = convert(doc, snapshot, d);
        converted.message = format!("`{file}` has errors: {}", converted.message);
        converted.range = doc.lines.range(&doc.text, 0, 0);
        if let Some(import) = import_of(doc, snapshot, d) {
            converted.range = import;
        }
        out.push(converted);
    }
    out
}

/// The `import` line of the document naming the file `d` is in, if it names it
/// directly.
fn import_of(doc: &Document, snapshot: &Snapshot, d: &Diagnostic) -> Option<lsp_types::Range> {
    let target = snapshot.sources.get(d.span.file).path.as_ref()?;
    let base = doc.path.parent()?;
    doc.text.match_indices("import").find_map(|(at, _)| {
        let rest = doc.text[at..].lines().next()?;
        let quoted = rest.split('"').nth(1)?;
        let path = super::analysis::canonical(&base.join(quoted));
        (&path == target).then(|| doc.lines.range(&doc.text, at, at + rest.len()))
    })
}

fn convert(doc: &Document, snapshot: &Snapshot, d: &Diagnostic) -> lsp_types::Diagnostic {
    let file = snapshot.sources.get(d.span.file);
    let range = super::lines::LineIndex::new(&file.text).range(
        &file.text,
        d.span.start as usize,
        d.span.end as usize,
    );
    let mut message = d.message.clone();
    if !d.label.is_empty() {
        message.push_str(&format!(" ({})", d.label));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .notes
        .iter()
        .filter_map(|(span, note)| {
            Some(DiagnosticRelatedInformation {
                location: location(doc, snapshot, *span)?,
                message: note.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("corral".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp_types::Diagnostic::default()
    }
}
