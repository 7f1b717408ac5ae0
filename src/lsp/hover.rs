//! Hover: a declaration's source and type, a field's or property's declared type, a
//! keyword's or function's documentation.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::context;
use super::documents::Document;
use super::keywords;
use super::resolve::{Resolved, resolve};
use super::symbols::Kind;

/// Declarations longer than this many lines are cut in a hover.
const MAX_LINES: usize = 12;

pub fn hover(doc: &Document, offset: usize) -> Option<Hover> {
    let (markdown, start, end) = match resolve(doc, offset) {
        Some(resolved) => (describe(&resolved), resolved.start, resolved.end),
        None => {
            let (start, end, word) = context::word_at(&doc.text, offset)?;
            let doc_of = variant(doc, word).or_else(|| keywords::doc(&word.to_ascii_lowercase()));
            (doc_of?, start, end)
        }
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(doc.lines.range(&doc.text, start, end)),
    })
}

/// An enum variant: the fields and properties whose type has it.
fn variant(doc: &Document, word: &str) -> Option<String> {
    let symbols = &doc.best()?.symbols;
    let owners: Vec<String> = symbols
        .variants
        .iter()
        .filter(|(_, values)| values.iter().any(|v| v == word))
        .map(|(field, values)| format!("`{field}`: `enum({})`", values.join(", ")))
        .collect();
    (!owners.is_empty()).then(|| format!("enum variant `{word}` of {}", owners.join(", ")))
}

fn describe(r: &Resolved<'_>) -> String {
    let s = r.symbol;
    if r.event_time {
        return format!("`at`: `time`, when the `{}` event happened", s.name);
    }
    let ty = s.ty.as_deref();
    match s.kind {
        Kind::Field => format!("profile field `{}`: `{}`", s.name, ty.unwrap_or("?")),
        Kind::Property => format!(
            "property `{}` of event `{}`: `{}`",
            s.name,
            s.event.as_deref().unwrap_or("?"),
            ty.unwrap_or("?")
        ),
        _ => {
            let head = match ty {
                Some(ty) => format!("{} `{}`: `{ty}`", s.kind.describe(), s.name),
                None => format!("{} `{}`", s.kind.describe(), s.name),
            };
            let source = r.snapshot.sources.snippet(s.decl);
            let mut lines: Vec<&str> = source.lines().take(MAX_LINES + 1).collect();
            if lines.len() > MAX_LINES {
                lines.truncate(MAX_LINES);
                lines.push("...");
            }
            format!("{head}\n```corral\n{}\n```", lines.join("\n"))
        }
    }
}
