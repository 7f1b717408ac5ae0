//! The embedding API: a handful of types for host applications.
//!
//! Compile rule text into a [`RuleSet`] (only a checked rule set can be evaluated), load
//! or build [`Profiles`], and evaluate one profile or a batch.

use std::path::Path;
use std::sync::Arc;
#[cfg(feature = "jit")]
use std::sync::OnceLock;

use crate::compile::{Compiled, compile_file, compile_source};
use crate::data::{
    self, DataError, JsonReader, LoadOptions, LoadReport, Profiles, ProfilesBuilder,
};
use crate::diagnostic::Diagnostics;
use crate::eval::{Interpreter, ProfileValues};
use crate::ir::Program;
use crate::output::Counts;
use crate::value::Value;

/// A checked rule set: tags, segments, channels, triggers and tests over one schema.
#[derive(Clone, Debug)]
pub struct RuleSet {
    program: Arc<Program>,
    warnings: Diagnostics,
    engine: Engine,
    /// The native code, compiled on first use (or why there is none).
    #[cfg(feature = "jit")]
    jit: OnceLock<Result<Arc<crate::jit::Compiled>, crate::jit::JitError>>,
}

/// Which evaluator runs the rules. Both give the same results.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// Native code (feature `jit`), falling back to the interpreter where it is
    /// unavailable: see [`RuleSet::jit_unavailable`].
    #[default]
    Jit,
    /// The reference interpreter.
    Interpreter,
}

/// One of the two evaluators, with the interpreter's batch interface.
pub(crate) enum Backend<'p> {
    Interpreter(Interpreter<'p>),
    #[cfg(feature = "jit")]
    Jit(&'p crate::jit::Compiled),
}

impl<'p> Backend<'p> {
    pub(crate) fn eval_profile(&self, profiles: &Profiles, row: usize, now: i64) -> ProfileValues {
        match self {
            Backend::Interpreter(i) => i.eval_profile(profiles, row, now),
            #[cfg(feature = "jit")]
            Backend::Jit(c) => c.eval_profile(profiles, row, now),
        }
    }

    /// Counts over every profile (each engine falls back to one thread itself).
    pub(crate) fn count(&self, profiles: &Profiles, now: i64, threads: Option<usize>) -> Counts {
        match self {
            Backend::Interpreter(i) => i.count(profiles, now, threads),
            #[cfg(feature = "jit")]
            Backend::Jit(c) => c.count(profiles, now, threads),
        }
    }

    /// Evaluates every profile and keeps nothing (what `--timings` measures).
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pub(crate) fn eval_only(&self, profiles: &Profiles, now: i64, threads: Option<usize>) {
        match self {
            Backend::Interpreter(i) => i.eval_only(profiles, now, threads),
            #[cfg(feature = "jit")]
            Backend::Jit(c) => c.eval_only(profiles, now, threads),
        }
    }

    pub(crate) fn eval_parallel<A, Init, Fold, Sink>(
        &self,
        profiles: &Profiles,
        now: i64,
        threads: Option<usize>,
        init: Init,
        fold: Fold,
        sink: Sink,
    ) -> Result<(), rayon::ThreadPoolBuildError>
    where
        A: Send,
        Init: Fn() -> A + Sync,
        Fold: Fn(&mut A, usize, &ProfileValues) + Sync,
        Sink: FnMut(A),
    {
        match self {
            Backend::Interpreter(i) => i.eval_parallel(profiles, now, threads, init, fold, sink),
            #[cfg(feature = "jit")]
            Backend::Jit(c) => c.eval_parallel(profiles, now, threads, init, fold, sink),
        }
    }
}

/// Why a rule set did not compile: its file could not be read, or it has errors.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Every diagnostic of the run (errors and warnings), renderable with miette.
    #[error("the rule set has {} error(s)", .0.errors().count())]
    Invalid(Diagnostics),
}

impl CompileError {
    /// The diagnostics, if the rules were read but have errors.
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        match self {
            CompileError::Invalid(d) => Some(d),
            CompileError::Io { .. } => None,
        }
    }
}

/// How to evaluate.
#[derive(Copy, Clone, Debug)]
pub struct EvalOptions {
    /// The reference time, microseconds since the epoch (see [`crate::time::parse_instant`]).
    pub now: i64,
    /// Threads for batches; `None` uses every core.
    pub threads: Option<usize>,
}

impl EvalOptions {
    pub fn at(now: i64) -> EvalOptions {
        EvalOptions { now, threads: None }
    }
}

impl RuleSet {
    /// Compiles rule text (imports resolve relative to the current directory).
    pub fn from_source(name: &str, text: &str) -> Result<RuleSet, CompileError> {
        RuleSet::new(compile_source(name, text))
    }

    /// Compiles a rule file and the files it imports.
    pub fn from_file(path: impl AsRef<Path>) -> Result<RuleSet, CompileError> {
        let path = path.as_ref();
        let compiled = compile_file(path).map_err(|source| CompileError::Io {
            path: path.display().to_string(),
            source,
        })?;
        RuleSet::new(compiled)
    }

    fn new(compiled: Compiled) -> Result<RuleSet, CompileError> {
        match compiled.program {
            Some(program) => Ok(RuleSet {
                program: Arc::new(program),
                warnings: compiled.diagnostics,
                engine: Engine::default(),
                #[cfg(feature = "jit")]
                jit: OnceLock::new(),
            }),
            None => Err(CompileError::Invalid(compiled.diagnostics)),
        }
    }

    /// Chooses the evaluator (the JIT by default).
    pub fn with_engine(mut self, engine: Engine) -> RuleSet {
        self.engine = engine;
        self
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Why the JIT is not used although chosen (built without the `jit` feature, an
    /// unsupported machine, or a construct it does not compile); `None` if it is used
    /// or the interpreter was chosen. Compiles the native code on first call.
    pub fn jit_unavailable(&self) -> Option<String> {
        if self.engine != Engine::Jit {
            return None;
        }
        #[cfg(feature = "jit")]
        {
            self.native().err()
        }
        #[cfg(not(feature = "jit"))]
        {
            Some("corral was built without the `jit` feature".into())
        }
    }

    #[cfg(feature = "jit")]
    fn native(&self) -> Result<&crate::jit::Compiled, String> {
        self.jit
            .get_or_init(|| crate::jit::Compiled::compile(&self.program).map(Arc::new))
            .as_deref()
            .map_err(|e| e.to_string())
    }

    /// The chosen evaluator, or the interpreter where the JIT is unavailable.
    pub(crate) fn backend(&self) -> Backend<'_> {
        #[cfg(feature = "jit")]
        if self.engine == Engine::Jit
            && let Ok(compiled) = self.native()
        {
            return Backend::Jit(compiled);
        }
        Backend::Interpreter(Interpreter::new(&self.program))
    }

    /// The warnings the checker reported.
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// The checked program (its schema, tags, segments, triggers, tests).
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Loads profiles of this rule set's schema from NDJSON or Parquet.
    pub fn load_profiles(
        &self,
        path: impl AsRef<Path>,
        options: &LoadOptions,
    ) -> Result<LoadReport, DataError> {
        data::load_path(path.as_ref(), &self.program.schema, options)
    }

    /// Builds profiles from JSON objects of the NDJSON shape.
    pub fn profiles_from_json<'v>(
        &self,
        rows: impl IntoIterator<Item = &'v serde_json::Value>,
    ) -> Result<Profiles, DataError> {
        let mut builder = ProfilesBuilder::new(&self.program.schema);
        let mut reader = JsonReader::new(&self.program.schema);
        for row in rows {
            reader.add(&mut builder, row)?;
        }
        Ok(builder.finish())
    }

    /// A typed builder for profiles of this rule set's schema.
    pub fn builder(&self) -> ProfilesBuilder<'_> {
        ProfilesBuilder::new(&self.program.schema)
    }

    /// Evaluates one profile given as a JSON object.
    pub fn evaluate_json(
        &self,
        profile: &serde_json::Value,
        now: i64,
    ) -> Result<Outcome<'_>, DataError> {
        let profiles = self.profiles_from_json([profile])?;
        Ok(self.evaluate_row(&profiles, 0, now))
    }

    /// Evaluates profile `row` of `profiles`.
    pub fn evaluate_row(&self, profiles: &Profiles, row: usize, now: i64) -> Outcome<'_> {
        let values = self.backend().eval_profile(profiles, row, now);
        Outcome {
            program: &self.program,
            id: profiles
                .ids
                .get(row)
                .map(|s| s.to_string())
                .unwrap_or_default(),
            values,
        }
    }

    /// Evaluates every profile, in parallel; outcomes in row order.
    pub fn evaluate(&self, profiles: &Profiles, options: &EvalOptions) -> Vec<Outcome<'_>> {
        let mut out = Vec::with_capacity(profiles.len());
        let run = self.backend().eval_parallel(
            profiles,
            options.now,
            options.threads,
            Vec::new,
            |part: &mut Vec<(usize, ProfileValues)>, row, values| part.push((row, values.clone())),
            |part| {
                out.extend(part.into_iter().map(|(row, values)| Outcome {
                    program: &self.program,
                    id: profiles.ids[row].to_string(),
                    values,
                }))
            },
        );
        if run.is_err() {
            // No thread pool could be built: evaluate on this thread.
            out.clear();
            out.extend(
                (0..profiles.len()).map(|row| self.evaluate_row(profiles, row, options.now)),
            );
        }
        out
    }

    /// Counts tag values and segment members over every profile (`--output counts`).
    pub fn count(&self, profiles: &Profiles, options: &EvalOptions) -> Counts {
        self.backend().count(profiles, options.now, options.threads)
    }

    /// Evaluates profiles of `profiles` one at a time, for a host that serves single
    /// profiles: the native code is bound to `profiles` once, not on every call as
    /// [`RuleSet::evaluate_row`] does.
    pub fn rows<'r, 'p>(&'r self, profiles: &'p Profiles) -> Rows<'r, 'p> {
        let engine = match self.backend() {
            Backend::Interpreter(i) => RowEngine::Interpreter(i, profiles),
            #[cfg(feature = "jit")]
            Backend::Jit(c) => RowEngine::Jit(Box::new(c.rows(profiles))),
        };
        Rows {
            program: &self.program,
            engine,
        }
    }
}

/// Single-profile evaluation over one [`Profiles`] (see [`RuleSet::rows`]).
#[derive(Debug)]
pub struct Rows<'r, 'p> {
    program: &'r Program,
    engine: RowEngine<'r, 'p>,
}

#[derive(Debug)]
enum RowEngine<'r, 'p> {
    Interpreter(Interpreter<'r>, &'p Profiles),
    #[cfg(feature = "jit")]
    Jit(Box<crate::jit::RowEvaluator<'r, 'p>>),
}

impl<'r> Rows<'r, '_> {
    /// Evaluates profile `row` (a row past the end reads as an empty profile).
    pub fn evaluate(&mut self, row: usize, now: i64) -> Outcome<'r> {
        let (values, profiles) = match &mut self.engine {
            RowEngine::Interpreter(i, profiles) => (i.eval_profile(profiles, row, now), *profiles),
            #[cfg(feature = "jit")]
            RowEngine::Jit(rows) => (rows.eval(row, now).clone(), rows.profiles()),
        };
        Outcome {
            program: self.program,
            id: profiles
                .ids
                .get(row)
                .map(|s| s.to_string())
                .unwrap_or_default(),
            values,
        }
    }
}

/// One profile's tag values and segment memberships.
#[derive(Clone, Debug)]
pub struct Outcome<'r> {
    program: &'r Program,
    id: String,
    values: ProfileValues,
}

impl Outcome<'_> {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A tag's value (`Value::Bool` for membership tags); `None` if there is no such tag.
    pub fn tag(&self, name: &str) -> Option<&Value> {
        let i = self.program.tags.iter().position(|t| t.name == name)?;
        self.values.tags.get(i)
    }

    /// Whether the profile is in the named segment (`false` if there is no such segment).
    pub fn in_segment(&self, name: &str) -> bool {
        self.program
            .segments
            .iter()
            .position(|s| s.name == name)
            .and_then(|i| self.values.segments.get(i).copied())
            .unwrap_or(false)
    }

    /// The segments the profile is in, in declaration order.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.program
            .segments
            .iter()
            .zip(&self.values.segments)
            .filter(|(_, member)| **member)
            .map(|(s, _)| s.name.as_str())
    }

    /// `{"id": ..., "tags": {...}, "segments": [...]}` as `corral eval --output members` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        crate::output::member_json(self.program, &self.id, &self.values)
    }

    /// All values, indexed like the program's tags and segments.
    pub fn values(&self) -> &ProfileValues {
        &self.values
    }
}
