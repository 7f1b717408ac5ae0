//! The row entry point for host applications: one profile at a time through the
//! compiled code, with the bind step and the buffers paid once per [`Profiles`].

use crate::data::Profiles;
use crate::eval::{Interpreter, ProfileValues};

use super::Compiled;
use super::bind::Bound;
use super::run::{self, Buffers};

/// Evaluates single profiles of one [`Profiles`] (see [`Compiled::rows`]).
pub struct RowEvaluator<'c, 'p> {
    compiled: &'c Compiled,
    profiles: &'p Profiles,
    /// `None` when the profiles cannot be bound: the interpreter evaluates them.
    bound: Option<Bound<'p>>,
    buffers: Buffers,
    values: ProfileValues,
}

impl<'c, 'p> RowEvaluator<'c, 'p> {
    pub(crate) fn new(compiled: &'c Compiled, profiles: &'p Profiles) -> RowEvaluator<'c, 'p> {
        RowEvaluator {
            compiled,
            profiles,
            bound: compiled.bind(profiles).ok(),
            buffers: Buffers::default(),
            values: ProfileValues::default(),
        }
    }

    pub fn profiles(&self) -> &'p Profiles {
        self.profiles
    }

    /// Every tag and segment of profile `row` at time `now`, like
    /// [`Interpreter::eval_profile`] (a row past the end reads as an empty profile).
    /// The result is reused by the next call.
    pub fn eval(&mut self, row: usize, now: i64) -> &ProfileValues {
        // The code runs unless the profiles did not bind or `run_morsel` declines the
        // row (malformed offsets, a `now` its windows do not fit).
        let ran = match &self.bound {
            Some(bound) if row < self.profiles.len() => {
                let ran =
                    run::run_morsel(self.compiled, bound, row, row + 1, now, &mut self.buffers);
                if ran {
                    run::read_row(self.compiled, bound, &self.buffers, 0, &mut self.values);
                }
                ran
            }
            _ => false,
        };
        if !ran {
            self.values =
                Interpreter::new(&self.compiled.program).eval_profile(self.profiles, row, now);
        }
        &self.values
    }
}

impl std::fmt::Debug for RowEvaluator<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowEvaluator")
            .field("rows", &self.profiles.len())
            .field("native", &self.bound.is_some())
            .finish_non_exhaustive()
    }
}
