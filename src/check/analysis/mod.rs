//! Static analysis of a checked program, reported as warnings:
//!
//! * [`rules`]: tags and segments whose condition never or always holds, and tags and
//!   segments equivalent to an earlier one;
//! * [`arms`]: `case` arms that earlier arms cover;
//! * [`salts`]: one `sample` salt used by several rules.
//!
//! Conditions become formulas over atoms ([`formula`], made by [`build`], terms named
//! by [`key`]), decided by a search ([`solve`]) that is exact over the boolean
//! structure and checks the atoms of each term against each other ([`theory`]). The
//! work is bounded: past the bound the answer is unknown and nothing is reported, so
//! the analysis never hangs and never warns without proof.

mod arms;
mod build;
mod formula;
mod key;
mod rules;
mod salts;
mod solve;
mod theory;
mod walk;

use crate::diagnostic::Diagnostic;
use crate::ir::{Program, RuleRef};

use build::Builder;
use formula::F;
use solve::Answer;

/// Search work for the whole analysis of one program, in formula nodes visited.
const TOTAL_STEPS: u64 = 20_000_000;
/// Search work for one question.
const QUESTION_STEPS: u64 = 1_000_000;

/// Every warning the analysis finds, in no particular order.
pub fn analyze(program: &Program) -> Vec<Diagnostic> {
    let mut analysis = Analysis::new(program);
    let mut out = Vec::new();
    rules::check(&mut analysis, &mut out);
    arms::check(&mut analysis, &mut out);
    salts::check(program, &mut out);
    out
}

/// What the analysis can prove about a condition.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No profile satisfies it.
    Never,
    /// Every profile does.
    Always,
    /// Some profiles do and some do not.
    Sometimes,
    /// The analysis gave up.
    Unknown,
}

/// The verdict on a membership tag or a segment (a valued tag is `Unknown`).
pub fn verdict(program: &Program, rule: RuleRef) -> Verdict {
    let ty = match rule {
        RuleRef::Tag(t) => program.tags.get(t.0 as usize).map(|r| r.ty),
        RuleRef::Segment(s) => program.segments.get(s.0 as usize).map(|r| r.ty),
    };
    if ty != Some(crate::schema::Type::Bool) {
        return Verdict::Unknown;
    }
    let mut analysis = Analysis::new(program);
    let f = analysis.builder.rule(rule);
    analysis.verdict(&f)
}

struct Analysis<'p> {
    program: &'p Program,
    builder: Builder<'p>,
    /// Steps left for the whole program.
    steps: u64,
}

impl<'p> Analysis<'p> {
    fn new(program: &'p Program) -> Analysis<'p> {
        Analysis {
            program,
            builder: Builder::new(program),
            steps: TOTAL_STEPS,
        }
    }

    /// Whether some profile satisfies `f`.
    fn satisfiable(&mut self, f: &F) -> Answer {
        let mut budget = self.steps.min(QUESTION_STEPS);
        let before = budget;
        let answer = solve::satisfiable(&self.builder.terms, &self.builder.atoms, f, &mut budget);
        self.steps -= before - budget;
        answer
    }

    fn verdict(&mut self, f: &F) -> Verdict {
        match self.satisfiable(f) {
            Answer::Unsat => return Verdict::Never,
            Answer::Unknown => return Verdict::Unknown,
            Answer::Sat => {}
        }
        match self.satisfiable(&F::not(f.clone())) {
            Answer::Unsat => Verdict::Always,
            Answer::Unknown => Verdict::Unknown,
            Answer::Sat => Verdict::Sometimes,
        }
    }
}

#[cfg(test)]
mod tests;
