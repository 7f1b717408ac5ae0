//! The front end as one step: read a rule file and its imports, parse, check.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ast::{ItemKind, Module};
use crate::check::{self, codes};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::{NameIndex, Program};
use crate::parse;
use crate::source::{FileId, SourceMap, Span};

/// The result of compiling a rule set: the checked program unless there were errors,
/// and every diagnostic.
#[derive(Debug)]
pub struct Compiled {
    pub program: Option<Program>,
    pub diagnostics: Diagnostics,
}

/// Compiles the rule file at `path` with everything it imports.
pub fn compile_file(path: &Path) -> std::io::Result<Compiled> {
    let text = std::fs::read_to_string(path)?;
    let mut sources = SourceMap::new();
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let root = sources.add(path.display().to_string(), Some(&canonical), text);
    Ok(compile(sources, root))
}

/// Compiles rule text. Its imports resolve relative to the current directory.
pub fn compile_source(name: &str, text: &str) -> Compiled {
    let mut sources = SourceMap::new();
    let root = sources.add(name, None, text);
    compile(sources, root)
}

/// A rule set compiled for an editor: beside the result, the files that parsed and
/// where each name points.
#[derive(Debug)]
pub struct Analysis {
    pub compiled: Compiled,
    /// The files that parsed, imported ones first.
    pub modules: Vec<Module>,
    pub names: NameIndex,
    /// Every file was read and parsed, so the checker ran.
    pub checked: bool,
}

/// Compiles `text` as the rule file at `path`, reading the files it imports through
/// `read` (an editor reads its unsaved buffers in preference to the disk).
pub fn analyze(
    path: &Path,
    text: &str,
    read: &dyn Fn(&Path) -> std::io::Result<String>,
) -> Analysis {
    let mut sources = SourceMap::new();
    let root = sources.add(path.display().to_string(), Some(path), text);
    compile_with(sources, root, read)
}

fn compile(sources: SourceMap, root: FileId) -> Compiled {
    compile_with(sources, root, &|path| std::fs::read_to_string(path)).compiled
}

fn compile_with(
    mut sources: SourceMap,
    root: FileId,
    read: &dyn Fn(&Path) -> std::io::Result<String>,
) -> Analysis {
    let mut loader = Loader {
        modules: Vec::new(),
        diagnostics: Vec::new(),
        state: HashMap::new(),
        read,
    };
    loader.load(&mut sources, root, &mut Vec::new());
    let sources = Arc::new(sources);
    let parse_failed = loader.diagnostics.iter().any(Diagnostic::is_error);
    let mut diagnostics = loader.diagnostics;
    let mut program = None;
    let mut names = NameIndex::default();
    if !parse_failed {
        // Imported files come first, so their declarations are numbered first.
        let output = check::check(&loader.modules, Arc::clone(&sources));
        diagnostics.extend(output.diagnostics);
        program = output.program;
        names = output.names;
    }
    Analysis {
        compiled: Compiled {
            program,
            diagnostics: Diagnostics {
                sources,
                items: diagnostics,
            },
        },
        modules: loader.modules,
        names,
        checked: !parse_failed,
    }
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum LoadState {
    Loading,
    Loaded,
}

struct Loader<'r> {
    modules: Vec<Module>,
    diagnostics: Vec<Diagnostic>,
    state: HashMap<FileId, LoadState>,
    read: &'r dyn Fn(&Path) -> std::io::Result<String>,
}

impl Loader<'_> {
    /// Parses `file` and, depth first, the files it imports. `stack` holds the chain of
    /// imports that led here, to report a cycle with its whole path.
    fn load(&mut self, sources: &mut SourceMap, file: FileId, stack: &mut Vec<(FileId, Span)>) {
        self.state.insert(file, LoadState::Loading);
        let module = match parse::parse_module(sources, file) {
            Ok(module) => module,
            Err(errors) => {
                self.diagnostics.extend(errors);
                self.state.insert(file, LoadState::Loaded);
                return;
            }
        };
        for item in &module.items {
            let ItemKind::Import(target) = &item.kind else {
                continue;
            };
            let Some(imported) = self.open(sources, file, &target.value, target.span) else {
                continue;
            };
            match self.state.get(&imported) {
                Some(LoadState::Loaded) => {}
                Some(LoadState::Loading) => {
                    stack.push((file, target.span));
                    self.report_cycle(sources, imported, stack);
                    stack.pop();
                }
                None => {
                    stack.push((file, target.span));
                    self.load(sources, imported, stack);
                    stack.pop();
                }
            }
        }
        self.modules.push(module);
        self.state.insert(file, LoadState::Loaded);
    }

    /// The file an `import` names, relative to the importing file; read on first use.
    fn open(
        &mut self,
        sources: &mut SourceMap,
        from: FileId,
        target: &str,
        span: Span,
    ) -> Option<FileId> {
        let base = sources
            .get(from)
            .path
            .as_deref()
            .and_then(Path::parent)
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let path = base.join(target);
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        if let Some(id) = sources.find_path(&canonical) {
            return Some(id);
        }
        // Shown relative to how the importing file was named, as the user wrote paths.
        let shown = Path::new(&sources.get(from).name)
            .parent()
            .map_or_else(|| PathBuf::from(target), |dir| dir.join(target));
        match (self.read)(&path) {
            Ok(text) => Some(sources.add(display_path(&shown), Some(&canonical), text)),
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::IMPORT_NOT_FOUND,
                        span,
                        format!("cannot read `{}`: {}", display_path(&shown), io_reason(&e)),
                    )
                    .with_label("imported here")
                    .with_help("an import is a path relative to the file that imports it"),
                );
                None
            }
        }
    }

    /// `stack` ends with the import that closes the cycle back to `target`.
    fn report_cycle(&mut self, sources: &SourceMap, target: FileId, stack: &[(FileId, Span)]) {
        let Some(&(_, span)) = stack.last() else {
            return;
        };
        let start = stack.iter().position(|(f, _)| *f == target).unwrap_or(0);
        let mut chain: Vec<String> = stack[start..]
            .iter()
            .map(|(f, _)| format!("`{}`", sources.get(*f).name))
            .collect();
        chain.push(format!("`{}`", sources.get(target).name));
        let mut d = Diagnostic::error(
            codes::IMPORT_CYCLE,
            span,
            format!("import cycle: {}", chain.join(" → ")),
        )
        .with_label("this import closes the cycle")
        .with_help("move the shared declarations into a file that both import");
        for (_, import_span) in &stack[start..stack.len() - 1] {
            d = d.with_note(*import_span, "imported here");
        }
        self.diagnostics.push(d);
    }
}

fn display_path(path: &Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::InvalidData => "not UTF-8 text".into(),
        _ => e.to_string(),
    }
}
