//! The documents the editor has open: their unsaved text and latest analyses.

use std::path::PathBuf;

use lsp_types::{TextDocumentContentChangeEvent, Url};

use super::analysis::Snapshot;
use super::lines::LineIndex;

#[derive(Debug)]
pub struct Document {
    pub uri: Url,
    /// Where imports resolve from (a pseudo path for documents not on disk).
    pub path: PathBuf,
    pub text: String,
    pub version: i32,
    pub lines: LineIndex,
    pub current: Option<Snapshot>,
    /// The latest analysis in which every file parsed: completion, hover and definition
    /// fall back to it while the document is being edited into shape.
    pub last_good: Option<Snapshot>,
}

impl Document {
    pub fn new(uri: Url, text: String, version: i32) -> Document {
        let path = uri
            .to_file_path()
            .map(|p| super::analysis::canonical(&p))
            .unwrap_or_else(|()| PathBuf::from(uri.as_str()));
        Document {
            lines: LineIndex::new(&text),
            uri,
            path,
            text,
            version,
            current: None,
            last_good: None,
        }
    }

    /// Applies edits in order: a change with a range replaces that range, one without
    /// replaces the whole text.
    pub fn apply(&mut self, changes: Vec<TextDocumentContentChangeEvent>, version: i32) {
        for change in changes {
            match change.range {
                Some(range) => {
                    let start = self.lines.offset(&self.text, range.start);
                    let end = self.lines.offset(&self.text, range.end);
                    let (start, end) = (start.min(end), start.max(end));
                    self.text.replace_range(start..end, &change.text);
                }
                None => self.text = change.text,
            }
            self.lines = LineIndex::new(&self.text);
        }
        self.version = version;
    }

    /// Records a new analysis; keeps it as the last good one if everything parsed.
    pub fn set_analysis(&mut self, snapshot: Snapshot) {
        if snapshot.parsed {
            self.last_good = Some(snapshot.clone());
        }
        self.current = Some(snapshot);
    }

    /// The analysis to take names from: the current one if it parsed, else the last
    /// one that did, else whatever the current one has.
    pub fn best(&self) -> Option<&Snapshot> {
        match &self.current {
            Some(s) if s.parsed => Some(s),
            current => self.last_good.as_ref().or(current.as_ref()),
        }
    }
}
