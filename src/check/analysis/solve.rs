//! Deciding a formula: a backtracking search over its atoms that prunes a branch as
//! soon as the formula is decided false under the partial assignment or the atoms of
//! one term contradict each other ([`theory`]). Exact over the boolean structure; the
//! number of atoms and of search steps is bounded, beyond which the answer is
//! [`Answer::Unknown`].

use std::collections::HashMap;

use super::formula::{Atom, F, Term};
use super::theory;

/// More atoms than this in one question and the search is not attempted.
const MAX_ATOMS: usize = 64;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Answer {
    /// Some profile satisfies the formula.
    Sat,
    /// No profile does.
    Unsat,
    /// The search gave up.
    Unknown,
}

/// A formula over the atoms of one question, numbered from 0.
enum L {
    Const(bool),
    Atom(usize),
    Not(Box<L>),
    And(Vec<L>),
    Or(Vec<L>),
}

struct Search<'a> {
    terms: &'a [Term],
    /// The question's atoms (global), by local number.
    atoms: Vec<&'a Atom>,
    /// For each local atom, the local atoms of the same term (itself included).
    same_term: Vec<Vec<usize>>,
    assign: Vec<Option<bool>>,
    /// Work left, in formula nodes visited.
    steps: u64,
    /// Nodes of the formula: what one step of the search costs.
    cost: u64,
}

/// Whether some assignment consistent with the terms makes `f` true. Spends at most
/// `budget` (in formula nodes visited), and takes what it spent off it.
pub(super) fn satisfiable(terms: &[Term], atoms: &[Atom], f: &F, budget: &mut u64) -> Answer {
    let mut local: HashMap<u32, usize> = HashMap::new();
    let Some(l) = relabel(f, &mut local) else {
        return Answer::Unknown;
    };
    if local.len() > MAX_ATOMS {
        return Answer::Unknown;
    }
    let mut by_local: Vec<&Atom> = vec![&Atom::Opaque; local.len()];
    for (&global, &i) in &local {
        match atoms.get(global as usize) {
            Some(a) => by_local[i] = a,
            None => return Answer::Unknown,
        }
    }
    let mut by_term: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, a) in by_local.iter().enumerate() {
        if let Some(t) = a.term() {
            by_term.entry(t).or_default().push(i);
        }
    }
    let same_term = by_local
        .iter()
        .enumerate()
        .map(|(i, a)| match a.term() {
            Some(t) => by_term.get(&t).cloned().unwrap_or_default(),
            None => vec![i],
        })
        .collect();
    let mut search = Search {
        terms,
        atoms: by_local,
        same_term,
        assign: vec![None; local.len()],
        steps: *budget,
        cost: f.size() as u64,
    };
    let answer = search.run(&l);
    *budget = search.steps;
    answer
}

fn relabel(f: &F, local: &mut HashMap<u32, usize>) -> Option<L> {
    Some(match f {
        F::Const(b) => L::Const(*b),
        F::Atom(a) => {
            let next = local.len();
            let i = *local.entry(*a).or_insert(next);
            if local.len() > MAX_ATOMS {
                return None;
            }
            L::Atom(i)
        }
        F::Not(x) => L::Not(Box::new(relabel(x, local)?)),
        F::And(xs) => L::And(
            xs.iter()
                .map(|x| relabel(x, local))
                .collect::<Option<_>>()?,
        ),
        F::Or(xs) => L::Or(
            xs.iter()
                .map(|x| relabel(x, local))
                .collect::<Option<_>>()?,
        ),
    })
}

impl Search<'_> {
    fn run(&mut self, l: &L) -> Answer {
        if self.steps < self.cost {
            return Answer::Unknown;
        }
        self.steps -= self.cost;
        match self.value(l) {
            Some(true) => return Answer::Sat,
            Some(false) => return Answer::Unsat,
            None => {}
        }
        let Some(i) = self.assign.iter().position(Option::is_none) else {
            // Every atom is assigned, so the formula has a value.
            return Answer::Unknown;
        };
        let mut unknown = false;
        for v in [true, false] {
            self.assign[i] = Some(v);
            if self.term_consistent(i) {
                match self.run(l) {
                    Answer::Sat => return Answer::Sat,
                    Answer::Unknown => unknown = true,
                    Answer::Unsat => {}
                }
            }
        }
        self.assign[i] = None;
        if unknown {
            Answer::Unknown
        } else {
            Answer::Unsat
        }
    }

    /// The formula's value under the partial assignment, if already decided.
    fn value(&self, l: &L) -> Option<bool> {
        match l {
            L::Const(b) => Some(*b),
            L::Atom(i) => self.assign[*i],
            L::Not(x) => self.value(x).map(|v| !v),
            L::And(xs) => {
                let mut all = Some(true);
                for x in xs {
                    match self.value(x) {
                        Some(false) => return Some(false),
                        None => all = None,
                        Some(true) => {}
                    }
                }
                all
            }
            L::Or(xs) => {
                let mut any = Some(false);
                for x in xs {
                    match self.value(x) {
                        Some(true) => return Some(true),
                        None => any = None,
                        Some(false) => {}
                    }
                }
                any
            }
        }
    }

    fn term_consistent(&self, i: usize) -> bool {
        let Some(term) = self.atoms[i]
            .term()
            .and_then(|t| self.terms.get(t as usize))
        else {
            return true;
        };
        let literals = self.same_term[i]
            .iter()
            .filter_map(|&j| self.assign[j].map(|v| (self.atoms[j], v)));
        theory::consistent(term, literals)
    }
}
