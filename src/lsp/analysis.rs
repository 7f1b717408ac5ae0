//! One analysis of an open document: the compiler run on its text, with the files it
//! imports read from open buffers first, then from disk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::symbols::Symbols;
use crate::compile;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceMap, Span};

/// What the compiler said about a document and what it declares.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub sources: Arc<SourceMap>,
    /// The document itself.
    pub root: FileId,
    pub diagnostics: Vec<Diagnostic>,
    pub symbols: Symbols,
    /// Each resolved use of a name and its declared name (see [`crate::ir::NameIndex`]).
    pub references: Vec<(Span, Span)>,
    /// Every file was read and parsed, so the checker ran: the symbols are complete
    /// and the references and types are there.
    pub parsed: bool,
}

/// Compiles `text` as the file at `path`. `open` maps the paths of open documents
/// (canonical where they exist on disk) to their unsaved text.
pub fn analyze(path: &Path, text: &str, open: &HashMap<PathBuf, String>) -> Snapshot {
    let read = |p: &Path| -> std::io::Result<String> {
        let canonical = p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        match open.get(&canonical).or_else(|| open.get(p)) {
            Some(text) => Ok(text.clone()),
            None => std::fs::read_to_string(p),
        }
    };
    let analysis = compile::analyze(path, text, &read);
    let sources = Arc::clone(&analysis.compiled.diagnostics.sources);
    let parsed = analysis.checked;
    let symbols = Symbols::build(&analysis.modules, &analysis.names, &sources);
    Snapshot {
        root: FileId(0),
        diagnostics: analysis.compiled.diagnostics.items,
        symbols,
        references: analysis.names.references,
        parsed,
        sources,
    }
}

/// The path a document is analysed under: canonical if it exists on disk.
pub fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}
