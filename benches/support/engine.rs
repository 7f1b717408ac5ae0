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
use corral::jit::Compiled;

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

/// Counts over all profiles with an engine's `eval_parallel` (both engines share its
/// contract), falling back to one thread if no thread pool can be built.
macro_rules! count_with {
    ($engine:expr, $profiles:expr, $now:expr, $threads:expr) => {{
        let engine = $engine;
        let program = engine.program();
        let mut total = Counts::new(program);
        let run = engine.eval_parallel(
            $profiles,
            $now,
            $threads,
            || Counts::new(program),
            |counts, _, values| counts.add(program, values),
            |part| total.merge(part),
        );
        if run.is_err() {
            total = Counts::new(program);
            engine.eval_batch($profiles, 0..$profiles.len(), $now, &mut |_, v| {
                total.add(program, v)
            });
        }
        total
    }};
}

impl Prepared<'_> {
    /// Counts tag values and segment members over all profiles, on `threads` threads
    /// (`None`: rayon's global pool), as `corral eval --output counts` does.
    pub fn count(&self, profiles: &Profiles, now: i64, threads: Option<usize>) -> Counts {
        match self {
            Prepared::Interp(interpreter) => count_with!(interpreter, profiles, now, threads),
            Prepared::Jit(compiled) => count_with!(&**compiled, profiles, now, threads),
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
