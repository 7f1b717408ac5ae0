//! Diagnostics about rule files: errors and warnings with a stable code, the span they
//! are about, labels and help; rendered for people (miette) or as JSON for CI.
//!
//! Every stage that reads rule files (parse, check) reports through [`Diagnostic`]; a
//! stage collects all of its findings and returns them together.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::source::{SourceMap, Span};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding about a rule file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Stable, e.g. `corral::check::unknown_name`; documented in docs/diagnostics.md.
    pub code: &'static str,
    pub severity: Severity,
    /// Lowercase, no trailing period, the user's text in backticks.
    pub message: String,
    /// What the diagnostic is about.
    pub span: Span,
    /// Text under the primary span (may be empty).
    pub label: String,
    /// Other places that explain it (the first definition of a duplicate, a cycle's
    /// members), in this file or another.
    pub notes: Vec<(Span, String)>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span,
            label: String::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    pub fn with_note(mut self, span: Span, note: impl Into<String>) -> Diagnostic {
        self.notes.push((span, note.into()));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The findings of one run, with the sources they point into.
#[derive(Clone, Debug)]
pub struct Diagnostics {
    pub sources: Arc<SourceMap>,
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| !d.is_error())
    }

    /// Each diagnostic as a miette report, for rendering.
    pub fn reports(&self) -> impl Iterator<Item = Rendered<'_>> {
        self.items.iter().map(|d| Rendered {
            diagnostic: d,
            sources: &self.sources,
        })
    }

    /// Renders every diagnostic for a person: graphical, with colour if `color`.
    pub fn render_human(&self, color: bool) -> String {
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100);
        let mut out = String::new();
        for report in self.reports() {
            // Writing to a String cannot fail.
            let _ = handler.render_report(&mut out, &report);
        }
        out
    }

    /// One JSON object per diagnostic: code, severity, message, file, line, column,
    /// span (byte offsets), label, help, notes.
    pub fn to_json(&self) -> Vec<serde_json::Value> {
        self.items
            .iter()
            .map(|d| json_of(d, &self.sources))
            .collect()
    }
}

#[derive(Serialize)]
struct JsonLocation {
    file: String,
    line: usize,
    column: usize,
    span: JsonSpan,
}

#[derive(Serialize)]
struct JsonSpan {
    start: u32,
    end: u32,
}

fn location(sources: &SourceMap, span: Span) -> JsonLocation {
    let file = sources.get(span.file);
    let (line, column) = file.line_col(span.start as usize);
    JsonLocation {
        file: file.name.clone(),
        line,
        column,
        span: JsonSpan {
            start: span.start,
            end: span.end,
        },
    }
}

fn json_of(d: &Diagnostic, sources: &SourceMap) -> serde_json::Value {
    let loc = location(sources, d.span);
    let notes: Vec<serde_json::Value> = d
        .notes
        .iter()
        .map(|(span, text)| {
            let l = location(sources, *span);
            serde_json::json!({
                "message": text, "file": l.file, "line": l.line, "column": l.column, "span": l.span,
            })
        })
        .collect();
    serde_json::json!({
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "span": loc.span,
        "label": d.label,
        "help": d.help,
        "notes": notes,
    })
}

/// A [`Diagnostic`] joined with its sources, so miette can render it.
#[derive(Debug)]
pub struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    sources: &'a SourceMap,
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        let file = self.sources.get(self.diagnostic.span.file);
        Some(file.named_source() as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let d = self.diagnostic;
        let primary = miette::LabeledSpan::new_primary_with_span(
            (!d.label.is_empty()).then(|| d.label.clone()),
            d.span,
        );
        let same_file = d
            .notes
            .iter()
            .filter(move |(span, _)| span.file == d.span.file)
            .map(|(span, text)| miette::LabeledSpan::new_with_span(Some(text.clone()), *span));
        Some(Box::new(std::iter::once(primary).chain(same_file)))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        None
    }
}
