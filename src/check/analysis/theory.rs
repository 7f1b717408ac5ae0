//! Whether the atoms of one term, each assigned true or false, can all hold at once.
//!
//! A true atom needs the term present (except `present` assigned false, which needs it
//! missing); a false atom holds when the term is missing or its value is outside the
//! atom's set or bound. So literals that do not force presence are satisfied by a
//! missing value, and otherwise the bounds are intersected (intervals over integers or
//! reals) or the value sets are (finite for enums and bools, unbounded for strings).

use super::formula::{Atom, DVal, Domain, Term};

/// A float bound: the value and whether it is excluded.
#[derive(Clone, Copy)]
struct FBound {
    at: f64,
    strict: bool,
}

/// Whether some value of `term`, or its absence, satisfies every literal.
pub(super) fn consistent<'a>(
    term: &Term,
    literals: impl Iterator<Item = (&'a Atom, bool)>,
) -> bool {
    let mut must_present = !term.nullable;
    let mut must_missing = false;
    let (mut ilo, mut ihi) = match term.domain {
        Domain::Int { lo, hi } => (lo, hi),
        _ => (0, 0),
    };
    let (mut flo, mut fhi) = match term.domain {
        Domain::Float { lo, hi, hi_open } => (
            FBound {
                at: lo,
                strict: lo == f64::NEG_INFINITY,
            },
            FBound {
                at: hi,
                strict: hi_open || hi == f64::INFINITY,
            },
        ),
        _ => (
            FBound {
                at: 0.0,
                strict: false,
            },
            FBound {
                at: 0.0,
                strict: false,
            },
        ),
    };
    let mut allowed: Option<Vec<DVal>> = None;
    let mut excluded: Vec<DVal> = Vec::new();
    for (atom, value) in literals {
        match atom {
            Atom::Opaque => {}
            Atom::Present(_) => {
                if value {
                    must_present = true;
                } else {
                    must_missing = true;
                }
            }
            Atom::In(_, set) => {
                if value {
                    must_present = true;
                    allowed = Some(match allowed {
                        None => set.clone(),
                        Some(a) => a.into_iter().filter(|v| set.contains(v)).collect(),
                    });
                } else {
                    excluded.extend(set.iter().cloned());
                }
            }
            Atom::IntBound { lower, bound, .. } => {
                must_present |= value;
                // Negated: the opposite half-line (when present).
                match (*lower, value) {
                    (true, true) => ilo = ilo.max(*bound),
                    (false, true) => ihi = ihi.min(*bound),
                    (true, false) => ihi = ihi.min(bound - 1),
                    (false, false) => ilo = ilo.max(bound + 1),
                }
            }
            Atom::FloatBound {
                lower,
                bound,
                strict,
                ..
            } => {
                must_present |= value;
                let (lower, strict) = if value {
                    (*lower, *strict)
                } else {
                    (!*lower, !*strict)
                };
                let b = FBound { at: *bound, strict };
                if lower {
                    flo = tighter_lower(flo, b);
                } else {
                    fhi = tighter_upper(fhi, b);
                }
            }
        }
    }
    if must_missing || !must_present {
        // A missing value satisfies every false atom; a true one would need presence.
        return !(must_missing && must_present);
    }
    match term.domain {
        Domain::Int { .. } => ilo <= ihi,
        Domain::Float { .. } => flo.at < fhi.at || (flo.at == fhi.at && !flo.strict && !fhi.strict),
        Domain::Discrete { universe } => match (allowed, universe) {
            (Some(a), _) => a.iter().any(|v| !excluded.contains(v)),
            (None, None) => true,
            (None, Some(n)) => (0..n).any(|i| !excluded.contains(&DVal::Idx(i))),
        },
    }
}

fn tighter_lower(a: FBound, b: FBound) -> FBound {
    if b.at > a.at || (b.at == a.at && b.strict) {
        b
    } else {
        a
    }
}

fn tighter_upper(a: FBound, b: FBound) -> FBound {
    if b.at < a.at || (b.at == a.at && b.strict) {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int_term(nullable: bool) -> Term {
        Term {
            nullable,
            domain: Domain::Int {
                lo: i64::MIN.into(),
                hi: i64::MAX.into(),
            },
        }
    }

    fn ge(bound: i128) -> Atom {
        Atom::IntBound {
            term: 0,
            lower: true,
            bound,
        }
    }

    fn le(bound: i128) -> Atom {
        Atom::IntBound {
            term: 0,
            lower: false,
            bound,
        }
    }

    #[test]
    fn disjoint_int_bounds_conflict_only_when_present() {
        let t = int_term(true);
        let (a, b) = (ge(61), le(17));
        assert!(!consistent(&t, [(&a, true), (&b, true)].into_iter()));
        // `not (age > 60) and not (age < 18)`: 18..=60, or missing.
        assert!(consistent(&t, [(&a, false), (&b, false)].into_iter()));
        let p = Atom::Present(0);
        assert!(consistent(&t, [(&a, false), (&p, false)].into_iter()));
        assert!(!consistent(&t, [(&a, true), (&p, false)].into_iter()));
    }

    #[test]
    fn a_term_that_is_never_missing_takes_a_value() {
        let t = int_term(false);
        let (a, b) = (ge(5), le(5));
        // Neither >= 5 nor <= 5: impossible for a present value.
        assert!(!consistent(&t, [(&a, false), (&b, false)].into_iter()));
        assert!(consistent(&t, [(&a, true), (&b, true)].into_iter()));
    }

    #[test]
    fn float_bounds_respect_strictness() {
        let t = Term {
            nullable: true,
            domain: Domain::Float {
                lo: f64::NEG_INFINITY,
                hi: f64::INFINITY,
                hi_open: false,
            },
        };
        let gt = |strict| Atom::FloatBound {
            term: 0,
            lower: true,
            bound: 1.5,
            strict,
        };
        let lt = |strict| Atom::FloatBound {
            term: 0,
            lower: false,
            bound: 1.5,
            strict,
        };
        assert!(consistent(
            &t,
            [(&gt(false), true), (&lt(false), true)].into_iter()
        ));
        assert!(!consistent(
            &t,
            [(&gt(true), true), (&lt(false), true)].into_iter()
        ));
        assert!(!consistent(
            &t,
            [(&gt(false), true), (&lt(true), true)].into_iter()
        ));
    }

    #[test]
    fn enum_sets_intersect_within_the_universe() {
        let t = Term {
            nullable: true,
            domain: Domain::Discrete { universe: Some(3) },
        };
        let ios = Atom::In(0, vec![DVal::Idx(0)]);
        let android = Atom::In(0, vec![DVal::Idx(1)]);
        assert!(!consistent(
            &t,
            [(&ios, true), (&android, true)].into_iter()
        ));
        let two = Atom::In(0, vec![DVal::Idx(0), DVal::Idx(1)]);
        let p = Atom::Present(0);
        // Present, neither of two: the third variant.
        assert!(consistent(&t, [(&two, false), (&p, true)].into_iter()));
        let third = Atom::In(0, vec![DVal::Idx(2)]);
        assert!(!consistent(
            &t,
            [(&two, false), (&third, false), (&p, true)].into_iter()
        ));
    }
}
