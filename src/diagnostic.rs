//! Diagnostics about rule files: errors and warnings with a stable code, the span they
//! are about, labels and help; rendered for people (miette), or for CI as JSON, SARIF
//! 2.1.0 (`sarif.rs`) or GitHub workflow commands (`github.rs`).
//!
//! Every stage that reads rule files (parse, check) reports through [`Diagnostic`]; a
//! stage collects all of its findings and returns them together.

pub mod github;
mod sarif;

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
        self.items.iter().map(|d| {
            let excerpt = excerpt_fits(&self.sources, d);
            Rendered {
                diagnostic: d,
                sources: &self.sources,
                excerpt,
                elsewhere: d
                    .notes
                    .iter()
                    .filter(|(span, _)| span.file != d.span.file)
                    .map(|(span, text)| Note {
                        text,
                        span: *span,
                        sources: &self.sources,
                        excerpt,
                    })
                    .collect(),
            }
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
            let mut one = String::new();
            // Writing to a String cannot fail.
            let _ = handler.render_report(&mut one, &report);
            // miette leaves spaces at some line ends (`Advice: `); drop them.
            for line in one.lines() {
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        out
    }

    /// These diagnostics as a SARIF 2.1.0 log (see [`sarif_log`] for several rule sets).
    pub fn to_sarif(&self) -> serde_json::Value {
        sarif::log(&[self])
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

/// One SARIF 2.1.0 log with a single run holding the diagnostics of every set.
pub fn sarif_log(sets: &[&Diagnostics]) -> serde_json::Value {
    sarif::log(sets)
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

/// Lines longer than this are not excerpted: a generated file can hold one declaration
/// on a line of megabytes, which helps nobody on a terminal.
const MAX_EXCERPT_LINE: usize = 4096;

/// Whether every line a diagnostic points at is short enough to show.
fn excerpt_fits(sources: &SourceMap, d: &Diagnostic) -> bool {
    std::iter::once(d.span)
        .chain(d.notes.iter().map(|(s, _)| *s))
        .all(|span| {
            let text = &sources.get(span.file).text;
            let start = span.start as usize;
            let line_start = text
                .get(..start)
                .and_then(|t| t.rfind('\n'))
                .map_or(0, |i| i + 1);
            let line_end = text
                .get(start..)
                .and_then(|t| t.find('\n'))
                .map_or(text.len(), |i| start + i);
            line_end.saturating_sub(line_start) <= MAX_EXCERPT_LINE
                && span.len() <= MAX_EXCERPT_LINE
        })
}

/// A [`Diagnostic`] joined with its sources, so miette can render it.
#[derive(Debug)]
pub struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    sources: &'a SourceMap,
    /// Show the source lines; otherwise only the message with its location.
    excerpt: bool,
    /// Notes about other files, rendered after the main report.
    elsewhere: Vec<Note<'a>>,
}

/// A note that points into another file than its diagnostic.
#[derive(Debug)]
struct Note<'a> {
    text: &'a str,
    span: Span,
    sources: &'a SourceMap,
    excerpt: bool,
}

impl fmt::Display for Note<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.sources.get(self.span.file);
        let (line, column) = file.line_col(self.span.start as usize);
        write!(f, "{} ({}:{line}:{column})", self.text, file.name)
    }
}

impl std::error::Error for Note<'_> {}

impl miette::Diagnostic for Note<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.excerpt
            .then(|| self.sources.get(self.span.file).named_source() as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if !self.excerpt {
            return None;
        }
        let label = miette::LabeledSpan::new_primary_with_span(None, self.span);
        Some(Box::new(std::iter::once(label)))
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)?;
        if !self.excerpt {
            let file = self.sources.get(self.diagnostic.span.file);
            let (line, column) = file.line_col(self.diagnostic.span.start as usize);
            write!(f, " (at {}:{line}:{column})", file.name)?;
        }
        Ok(())
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
        if !self.excerpt {
            return None;
        }
        let file = self.sources.get(self.diagnostic.span.file);
        Some(file.named_source() as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if !self.excerpt {
            return None;
        }
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
        if self.elsewhere.is_empty() {
            return None;
        }
        Some(Box::new(
            self.elsewhere.iter().map(|n| n as &dyn miette::Diagnostic),
        ))
    }
}
