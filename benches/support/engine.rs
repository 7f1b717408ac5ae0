//! The evaluation engines the benchmarks compare, behind one interface.
//!
//! To measure another engine, add a variant to [`Engine`] and to [`ENGINES`], and its
//! arms below: `prepare` compiles the program once (outside the timed loops), `count`
//! evaluates a batch the way `corral eval --output counts` does, `eval_row` evaluates
//! one profile.
#![allow(dead_code)] // each bench uses a part

use corral::Counts;
use corral::data::Profiles;
use corral::eval::{Interpreter, ProfileValues};
use corral::ir::Program;
use corral::jit::{Compiled, RowEvaluator};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The reference interpreter (`corral::eval::Interpreter`).
    Interp,
    /// The Cranelift backend (`corral::jit::Compiled`).
    Jit,
}

/// Every engine the benches run, in report order.
pub const ENGINES: &[Engine] = &[Engine::Interp, Engine::Jit];

impl Engine {
    /// The name used in bench ids and by `corral eval --engine`.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Interp => "interp",
            Engine::Jit => "jit",
        }
    }

    pub fn by_name(name: &str) -> Option<Engine> {
        ENGINES.iter().copied().find(|e| e.name() == name)
    }

    /// Readies `program` for evaluation (for a JIT: compiles it).
    pub fn prepare(self, program: &Program) -> Prepared<'_> {
        match self {
            Engine::Interp => Prepared::Interp(Interpreter::new(program)),
            Engine::Jit => Prepared::Jit(Box::new(setup(
                "compiling natively",
                Compiled::compile(program),
            ))),
        }
    }
}

/// A program ready to evaluate on one engine.
pub enum Prepared<'p> {
    Interp(Interpreter<'p>),
    Jit(Box<Compiled>),
}

impl Prepared<'_> {
    /// Counts tag values and segment members over all profiles, on `threads` threads
    /// (`None`: rayon's global pool), as `corral eval --output counts` does.
    pub fn count(&self, profiles: &Profiles, now: i64, threads: Option<usize>) -> Counts {
        match self {
            Prepared::Interp(interpreter) => interpreter.count(profiles, now, threads),
            Prepared::Jit(compiled) => compiled.count(profiles, now, threads),
        }
    }

    /// Evaluates every profile and keeps nothing (what `corral eval --timings` times).
    pub fn eval_only(&self, profiles: &Profiles, now: i64, threads: Option<usize>) {
        match self {
            Prepared::Interp(interpreter) => interpreter.eval_only(profiles, now, threads),
            Prepared::Jit(compiled) => compiled.eval_only(profiles, now, threads),
        }
    }

    /// One profile at a time from `profiles`, through a row evaluator made once.
    pub fn rows<'a>(&'a self, profiles: &'a Profiles) -> Rows<'a> {
        match self {
            Prepared::Interp(interpreter) => Rows::Interp(interpreter, profiles),
            Prepared::Jit(compiled) => Rows::Jit(Box::new(compiled.rows(profiles))),
        }
    }

    /// Every tag and segment of one profile.
    pub fn eval_row(&self, profiles: &Profiles, row: usize, now: i64) -> ProfileValues {
        match self {
            Prepared::Interp(interpreter) => interpreter.eval_profile(profiles, row, now),
            Prepared::Jit(compiled) => compiled.eval_profile(profiles, row, now),
        }
    }
}

/// A row evaluator of one engine over one `Profiles`.
pub enum Rows<'a> {
    Interp(&'a Interpreter<'a>, &'a Profiles),
    Jit(Box<RowEvaluator<'a, 'a>>),
}

impl Rows<'_> {
    /// Evaluates profile `row` and returns the number of segments it is in (so the
    /// result is used without cloning it).
    pub fn eval(&mut self, row: usize, now: i64) -> usize {
        match self {
            Rows::Interp(interpreter, profiles) => {
                let values = interpreter.eval_profile(profiles, row, now);
                values.segments.iter().filter(|&&m| m).count()
            }
            Rows::Jit(rows) => rows.eval(row, now).segments.iter().filter(|&&m| m).count(),
        }
    }
}

/// A bench cannot measure anything without its setup: stop with the reason.
#[expect(
    clippy::panic,
    reason = "bench setup: there is nothing to measure without it"
)]
pub fn setup<T, E: std::fmt::Display>(what: &str, result: Result<T, E>) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e}"),
    }
}

/// Compiles rule text, or stops with its diagnostics.
pub fn compile(name: &str, text: &str) -> Program {
    let compiled = corral::compile::compile_source(name, text);
    let errors = format!("{:?}", compiled.diagnostics);
    setup(name, compiled.program.ok_or(errors))
}

/// Compiles a rule file, or stops with its diagnostics.
pub fn compile_file(path: &str) -> Program {
    let text = setup(path, std::fs::read_to_string(path));
    compile(path, &text)
}
