//! Formulas over atoms: what the analysis reads a condition as ([`super::build`] makes
//! them), and the terms the atoms constrain.

use std::sync::Arc;

#[derive(Clone, Debug)]
pub(super) enum F {
    Const(bool),
    Atom(u32),
    Not(Box<F>),
    And(Vec<F>),
    Or(Vec<F>),
}

impl F {
    pub(super) fn not(f: F) -> F {
        match f {
            F::Const(b) => F::Const(!b),
            F::Not(inner) => *inner,
            other => F::Not(Box::new(other)),
        }
    }

    pub(super) fn and(parts: Vec<F>) -> F {
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            match p {
                F::Const(true) => {}
                F::Const(false) => return F::Const(false),
                F::And(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => F::Const(true),
            1 => out.pop().unwrap_or(F::Const(true)),
            _ => F::And(out),
        }
    }

    pub(super) fn or(parts: Vec<F>) -> F {
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            match p {
                F::Const(false) => {}
                F::Const(true) => return F::Const(true),
                F::Or(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => F::Const(false),
            1 => out.pop().unwrap_or(F::Const(false)),
            _ => F::Or(out),
        }
    }

    /// The atoms of the formula, with repeats.
    pub(super) fn atoms(&self, out: &mut Vec<u32>) {
        match self {
            F::Const(_) => {}
            F::Atom(a) => out.push(*a),
            F::Not(x) => x.atoms(out),
            F::And(xs) | F::Or(xs) => xs.iter().for_each(|x| x.atoms(out)),
        }
    }

    /// Nodes in the tree.
    pub(super) fn size(&self) -> usize {
        match self {
            F::Const(_) | F::Atom(_) => 1,
            F::Not(x) => 1 + x.size(),
            F::And(xs) | F::Or(xs) => 1 + xs.iter().map(F::size).sum::<usize>(),
        }
    }
}

/// A value of a string, enum or bool term.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum DVal {
    /// An enum variant's index, or a bool (`false` 0, `true` 1).
    Idx(u32),
    Str(Arc<str>),
}

/// The values a term can take when present.
#[derive(Clone, Copy, Debug)]
pub(super) enum Domain {
    /// Ints, times and durations (microseconds), as inclusive bounds.
    Int { lo: i128, hi: i128 },
    /// Floats as reals (never NaN); `hi_open` excludes `hi` itself.
    Float { lo: f64, hi: f64, hi_open: bool },
    /// Strings (`None`: infinitely many), enums and bools (that many values).
    Discrete { universe: Option<u32> },
}

#[derive(Clone, Debug)]
pub(super) struct Term {
    /// Whether the term can be missing.
    pub nullable: bool,
    pub domain: Domain,
}

#[derive(Clone, Debug)]
pub(super) enum Atom {
    /// A condition the analysis does not look into.
    Opaque,
    Present(u32),
    /// Present and one of these values (sorted, distinct).
    In(u32, Vec<DVal>),
    /// Present and `>= bound` (`lower`) or `<= bound`.
    IntBound {
        term: u32,
        lower: bool,
        bound: i128,
    },
    /// Present and `>`/`>=` (`lower`) or `<`/`<=` the bound.
    FloatBound {
        term: u32,
        lower: bool,
        bound: f64,
        strict: bool,
    },
}

impl Atom {
    pub(super) fn term(&self) -> Option<u32> {
        match self {
            Atom::Opaque => None,
            Atom::Present(t)
            | Atom::In(t, _)
            | Atom::IntBound { term: t, .. }
            | Atom::FloatBound { term: t, .. } => Some(*t),
        }
    }
}
