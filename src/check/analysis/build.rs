//! Conditions as formulas over atoms.
//!
//! A condition of the IR becomes a tree of `and`/`or`/`not` over atoms, following the
//! language's missing-value rules exactly:
//!
//! * a comparison of a *term* (a field, an aggregate, any non-constant value) with a
//!   constant is a bound (`x >= c`, `x <= c`, for floats also strict) or a set
//!   membership (`x in {..}` for strings, enums and bools), each false when the term is
//!   missing; so `x != c` is `present(x) and not (x in {c})`;
//! * `is present` / `is missing` is the presence atom of the term;
//! * a `bool` field is the membership `x in {true}` (a missing bool reads false);
//! * `exists(..)` is `count(..) >= 1`; `sample(p, salt)` is `point(salt) < p` on one
//!   point per salt, so samples with the same salt are nested;
//! * tags and segments are inlined, and a comparison of a `case` (or a valued tag
//!   holding one) with a constant is pushed into its arms;
//! * anything else (`matches`, `contains`, string ordering, two terms compared) is an
//!   opaque atom, equal to another only if it is written the same way.
//!
//! Terms are identified by a canonical text of their expression ([`super::key`]), so
//! the same sub-expression in two rules is one variable.

use std::collections::HashMap;
use std::sync::Arc;

use super::formula::{Atom, DVal, Domain, F, Term};
use crate::ir::{AggFunc, CmpOp, ExprId, ExprKind as K, Program, RuleRef};
use crate::schema::Type;
use crate::value::Value;

/// A formula's size beyond which a rule is not inlined but stands as one opaque atom.
const MAX_NODES: usize = 2000;
/// Expressions the builder looks into for one program; beyond, conditions are opaque.
/// (Valued tags are pushed into at every use, so chains of them could otherwise take
/// exponential time.)
const FUEL: u64 = 200_000;

/// What a comparison asks of its subject.
#[derive(Clone, Copy)]
enum Pred<'v> {
    Cmp(CmpOp, &'v Value),
    In(&'v [Value], bool),
    Present(bool),
}

/// Builds formulas for one program; atoms and terms are shared by every formula built.
pub(super) struct Builder<'p> {
    pub(super) program: &'p Program,
    pub terms: Vec<Term>,
    term_ids: HashMap<String, u32>,
    pub atoms: Vec<Atom>,
    atom_ids: HashMap<String, u32>,
    rules: HashMap<RuleRef, F>,
    pub(super) tag_keys: HashMap<u32, String>,
    fuel: u64,
}

impl<'p> Builder<'p> {
    pub(super) fn new(program: &'p Program) -> Builder<'p> {
        Builder {
            program,
            terms: Vec::new(),
            term_ids: HashMap::new(),
            atoms: Vec::new(),
            atom_ids: HashMap::new(),
            rules: HashMap::new(),
            tag_keys: HashMap::new(),
            fuel: FUEL,
        }
    }

    /// The condition of a membership tag or a segment, inlined.
    pub(super) fn rule(&mut self, rule: RuleRef) -> F {
        if let Some(f) = self.rules.get(&rule) {
            return f.clone();
        }
        let body = match rule {
            RuleRef::Tag(t) => self.program.tag(t).body,
            RuleRef::Segment(s) => self.program.segment(s).body,
        };
        let f = self.cond(body);
        let f = if f.size() > MAX_NODES {
            let key = format!("rule {rule:?}");
            F::Atom(self.atom(key, Atom::Opaque))
        } else {
            f
        };
        self.rules.insert(rule, f.clone());
        f
    }

    /// A `bool` expression as a condition (missing reads false).
    pub(super) fn cond(&mut self, id: ExprId) -> F {
        stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || {
            self.cond_on_stack(id)
        })
    }

    fn cond_on_stack(&mut self, id: ExprId) -> F {
        if self.fuel == 0 {
            return self.opaque(id);
        }
        self.fuel -= 1;
        let program = self.program;
        let expr = program.expr(id);
        match &expr.kind {
            K::Const(v) => F::Const(v.truthy()),
            K::Tag(t) => self.rule(RuleRef::Tag(*t)),
            K::Segment(s) => self.rule(RuleRef::Segment(*s)),
            K::Not(x) => F::not(self.cond(*x)),
            K::And(xs) => F::and(xs.iter().map(|x| self.cond(*x)).collect()),
            K::Or(xs) => F::or(xs.iter().map(|x| self.cond(*x)).collect()),
            K::Field(_) | K::EventProp(_) => {
                self.pred(id, Pred::Cmp(CmpOp::Eq, &Value::Bool(true)))
            }
            K::Compare { op, lhs, rhs } if program.expr(*lhs).ty == Type::Bool => {
                let (a, b) = (self.cond(*lhs), self.cond(*rhs));
                if a.size() + b.size() > MAX_NODES {
                    return self.opaque(id);
                }
                let same = F::or(vec![
                    F::and(vec![a.clone(), b.clone()]),
                    F::and(vec![F::not(a), F::not(b)]),
                ]);
                match op {
                    CmpOp::Eq => same,
                    CmpOp::Ne => F::not(same),
                    _ => self.opaque(id),
                }
            }
            K::Compare { op, lhs, rhs } => {
                match (&program.expr(*lhs).kind, &program.expr(*rhs).kind) {
                    (_, K::Const(c)) => self.pred(*lhs, Pred::Cmp(*op, c)),
                    (K::Const(c), _) => self.pred(*rhs, Pred::Cmp(flip(*op), c)),
                    _ => self.opaque(id),
                }
            }
            K::InList {
                subject,
                list,
                negated,
            } if program.expr(*subject).ty == Type::Bool => {
                // The subject is read as a condition: a missing bool is `false` here.
                let s = self.cond(*subject);
                if s.size() > MAX_NODES {
                    return self.opaque(id);
                }
                let any = F::or(
                    list.iter()
                        .filter_map(|v| match v {
                            Value::Bool(true) => Some(s.clone()),
                            Value::Bool(false) => Some(F::not(s.clone())),
                            _ => None,
                        })
                        .collect(),
                );
                if *negated { F::not(any) } else { any }
            }
            K::InList {
                subject,
                list,
                negated,
            } => self.pred(*subject, Pred::In(list, *negated)),
            K::Is { subject, present } => self.pred(*subject, Pred::Present(*present)),
            K::Sample { fraction, salt } => {
                if *fraction <= 0.0 {
                    return F::Const(false);
                }
                if *fraction >= 1.0 {
                    return F::Const(true);
                }
                let term = self.term_with(
                    format!("sample {salt:?}"),
                    Term {
                        nullable: false,
                        domain: Domain::Float {
                            lo: 0.0,
                            hi: 1.0,
                            hi_open: true,
                        },
                    },
                );
                self.float_bound(term, false, *fraction, true)
            }
            K::Aggregate(agg) if agg.func == AggFunc::Exists => {
                // The key `count(..)` with the same event, filter and window has.
                let mut key = format!("{:?} (", Type::Int);
                self.write_agg(AggFunc::Count, agg, &mut key);
                key.push(')');
                let term = self.term_with(
                    key,
                    Term {
                        nullable: false,
                        domain: Domain::Int {
                            lo: 0,
                            hi: i64::MAX.into(),
                        },
                    },
                );
                self.int_bound(term, true, 1)
            }
            K::Case { arms, default } => {
                let (arms, default) = (arms.clone(), *default);
                // With no `else` a bool `case` is missing, which reads false: no path.
                self.case(
                    &arms,
                    |this, v| this.cond(v),
                    |this| default.map(|d| this.cond(d)),
                )
                .unwrap_or_else(|| self.opaque(id))
            }
            _ => self.opaque(id),
        }
    }

    /// A `case` as the disjunction of its paths: an arm's path is its condition, no
    /// earlier arm's condition, and `value` of its result; `otherwise` gives the path
    /// taken when no arm holds (none: no such path). `None` when it grows too big.
    fn case(
        &mut self,
        arms: &[(ExprId, ExprId)],
        mut value: impl FnMut(&mut Self, ExprId) -> F,
        otherwise: impl FnOnce(&mut Self) -> Option<F>,
    ) -> Option<F> {
        let mut paths = Vec::new();
        let mut earlier: Vec<F> = Vec::new();
        for &(c, v) in arms {
            let c = self.cond(c);
            let v = value(self, v);
            let mut path: Vec<F> = earlier.iter().map(|e| F::not(e.clone())).collect();
            path.push(c.clone());
            path.push(v);
            paths.push(F::and(path));
            earlier.push(c);
            if self.too_big(&paths) {
                return None;
            }
        }
        if let Some(last) = otherwise(self) {
            let mut path: Vec<F> = earlier.into_iter().map(F::not).collect();
            path.push(last);
            paths.push(F::and(path));
        }
        Some(F::or(paths))
    }

    fn too_big(&self, parts: &[F]) -> bool {
        parts.iter().map(F::size).sum::<usize>() > MAX_NODES
    }

    fn opaque(&mut self, id: ExprId) -> F {
        let key = format!("opaque {}", self.key(id));
        F::Atom(self.atom(key, Atom::Opaque))
    }

    /// `pred` applied to the value of `subject`.
    fn pred(&mut self, subject: ExprId, pred: Pred<'_>) -> F {
        stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || {
            self.pred_on_stack(subject, pred)
        })
    }

    fn pred_on_stack(&mut self, subject: ExprId, pred: Pred<'_>) -> F {
        if self.fuel == 0 {
            return self.opaque_pred(subject, pred);
        }
        self.fuel -= 1;
        let program = self.program;
        let expr = program.expr(subject);
        match &expr.kind {
            K::Const(v) => F::Const(holds(v, pred)),
            K::Tag(t) if program.tag(*t).ty != Type::Bool => self.pred(program.tag(*t).body, pred),
            K::Tag(_) | K::Segment(_) if matches!(pred, Pred::Present(_)) => {
                // A condition tag or segment is never missing.
                F::Const(matches!(pred, Pred::Present(true)))
            }
            K::Case { arms, default } => {
                let (arms, default) = (arms.clone(), *default);
                let last = |this: &mut Self| {
                    Some(match default {
                        Some(d) => this.pred(d, pred),
                        // No arm matched: the value is missing.
                        None => F::Const(holds(&Value::Missing, pred)),
                    })
                };
                self.case(&arms, |this, v| this.pred(v, pred), last)
                    .unwrap_or_else(|| self.opaque_pred(subject, pred))
            }
            K::ToFloat(inner) if program.expr(*inner).ty == Type::Int => {
                self.int_as_float(subject, *inner, pred)
            }
            _ => self.term_pred(subject, pred),
        }
    }

    /// `pred` on a float converted from the int `inner`: as a bound on the int itself
    /// where the conversion is exact, so `age > 2.5` and `age >= 3` are one atom.
    fn int_as_float(&mut self, subject: ExprId, inner: ExprId, pred: Pred<'_>) -> F {
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
        match pred {
            Pred::Cmp(op, Value::Float(c)) if c.abs() <= EXACT => {
                let term = self.term(inner);
                let (floor, ceil) = (c.floor() as i128, c.ceil() as i128);
                let integral = floor == ceil;
                match op {
                    CmpOp::Lt => self.int_bound(term, false, ceil - 1),
                    CmpOp::Le => self.int_bound(term, false, floor),
                    CmpOp::Gt => self.int_bound(term, true, floor + 1),
                    CmpOp::Ge => self.int_bound(term, true, ceil),
                    CmpOp::Eq if integral => self.int_eq(term, floor),
                    CmpOp::Eq => F::Const(false),
                    CmpOp::Ne if integral => {
                        F::and(vec![self.present(term), F::not(self.int_eq(term, floor))])
                    }
                    CmpOp::Ne => self.present(term),
                }
            }
            Pred::Present(_) => self.pred(inner, pred),
            _ => self.term_pred(subject, pred),
        }
    }

    fn term_pred(&mut self, subject: ExprId, pred: Pred<'_>) -> F {
        let ty = self.program.expr(subject).ty;
        let term = self.term(subject);
        match pred {
            Pred::Present(true) => self.present(term),
            Pred::Present(false) => F::not(self.present(term)),
            Pred::Cmp(op, v) => match (self.terms[term as usize].domain, v) {
                (_, Value::Missing) => F::Const(false),
                (Domain::Int { .. }, Value::Int(c) | Value::Time(c) | Value::Duration(c)) => {
                    let c = i128::from(*c);
                    match op {
                        CmpOp::Eq => self.int_eq(term, c),
                        CmpOp::Ne => F::and(vec![self.present(term), F::not(self.int_eq(term, c))]),
                        CmpOp::Lt => self.int_bound(term, false, c - 1),
                        CmpOp::Le => self.int_bound(term, false, c),
                        CmpOp::Gt => self.int_bound(term, true, c + 1),
                        CmpOp::Ge => self.int_bound(term, true, c),
                    }
                }
                (Domain::Float { .. }, Value::Float(c)) => {
                    let c = *c;
                    match op {
                        CmpOp::Eq => self.float_eq(term, c),
                        CmpOp::Ne => {
                            F::and(vec![self.present(term), F::not(self.float_eq(term, c))])
                        }
                        CmpOp::Lt => self.float_bound(term, false, c, true),
                        CmpOp::Le => self.float_bound(term, false, c, false),
                        CmpOp::Gt => self.float_bound(term, true, c, true),
                        CmpOp::Ge => self.float_bound(term, true, c, false),
                    }
                }
                (Domain::Discrete { .. }, v) if ty != Type::StrSet => match (op, dval(v)) {
                    (CmpOp::Eq, Some(d)) => self.member(term, vec![d]),
                    (CmpOp::Ne, Some(d)) => {
                        F::and(vec![self.present(term), F::not(self.member(term, vec![d]))])
                    }
                    _ => self.opaque_pred(subject, pred),
                },
                _ => self.opaque_pred(subject, pred),
            },
            Pred::In(list, negated) => {
                let list: Vec<&Value> = list.iter().filter(|v| !v.is_missing()).collect();
                let any = match self.terms[term as usize].domain {
                    Domain::Discrete { .. } => {
                        let set: Option<Vec<DVal>> = list.iter().map(|v| dval(v)).collect();
                        match set {
                            Some(set) => self.member(term, set),
                            None => return self.opaque_pred(subject, pred),
                        }
                    }
                    _ => {
                        let parts = list
                            .iter()
                            .map(|v| self.term_pred(subject, Pred::Cmp(CmpOp::Eq, v)))
                            .collect();
                        F::or(parts)
                    }
                };
                if negated {
                    F::and(vec![self.present(term), F::not(any)])
                } else {
                    any
                }
            }
        }
    }

    fn opaque_pred(&mut self, subject: ExprId, pred: Pred<'_>) -> F {
        let what = match pred {
            Pred::Cmp(op, v) => format!("{op:?} {v:?}"),
            Pred::In(list, negated) => format!("in {negated} {list:?}"),
            Pred::Present(p) => format!("present {p}"),
        };
        let key = format!("opaque {} {what}", self.key(subject));
        F::Atom(self.atom(key, Atom::Opaque))
    }

    fn present(&mut self, term: u32) -> F {
        if !self.terms[term as usize].nullable {
            return F::Const(true);
        }
        F::Atom(self.atom(format!("present {term}"), Atom::Present(term)))
    }

    fn member(&mut self, term: u32, mut set: Vec<DVal>) -> F {
        set.sort();
        set.dedup();
        if set.is_empty() {
            return F::Const(false);
        }
        if let Domain::Discrete { universe: Some(n) } = self.terms[term as usize].domain
            && set.len() as u64 >= u64::from(n)
        {
            return self.present(term);
        }
        let key = format!("in {term} {set:?}");
        F::Atom(self.atom(key, Atom::In(term, set)))
    }

    fn int_eq(&mut self, term: u32, c: i128) -> F {
        F::and(vec![
            self.int_bound(term, true, c),
            self.int_bound(term, false, c),
        ])
    }

    fn int_bound(&mut self, term: u32, lower: bool, bound: i128) -> F {
        let key = format!("int {term} {lower} {bound}");
        F::Atom(self.atom(key, Atom::IntBound { term, lower, bound }))
    }

    fn float_eq(&mut self, term: u32, c: f64) -> F {
        F::and(vec![
            self.float_bound(term, true, c, false),
            self.float_bound(term, false, c, false),
        ])
    }

    fn float_bound(&mut self, term: u32, lower: bool, bound: f64, strict: bool) -> F {
        // -0.0 and 0.0 compare equal: one atom.
        let bound = if bound == 0.0 { 0.0 } else { bound };
        let key = format!("float {term} {lower} {} {strict}", bound.to_bits());
        F::Atom(self.atom(
            key,
            Atom::FloatBound {
                term,
                lower,
                bound,
                strict,
            },
        ))
    }

    fn atom(&mut self, key: String, atom: Atom) -> u32 {
        if let Some(&id) = self.atom_ids.get(&key) {
            return id;
        }
        let id = self.atoms.len() as u32;
        self.atoms.push(atom);
        self.atom_ids.insert(key, id);
        id
    }

    /// The term for an expression's value.
    fn term(&mut self, id: ExprId) -> u32 {
        let expr = self.program.expr(id);
        let domain = match expr.ty {
            Type::Int | Type::Time | Type::Duration => Domain::Int {
                lo: i64::MIN.into(),
                hi: i64::MAX.into(),
            },
            Type::Float => Domain::Float {
                lo: f64::NEG_INFINITY,
                hi: f64::INFINITY,
                hi_open: false,
            },
            Type::Bool => Domain::Discrete { universe: Some(2) },
            Type::Enum(e) => Domain::Discrete {
                universe: self
                    .program
                    .schema
                    .enums
                    .get(e.0 as usize)
                    .map(|d| d.variants.len() as u32),
            },
            Type::Str | Type::StrSet => Domain::Discrete { universe: None },
        };
        let counted = matches!(
            &expr.kind,
            K::Aggregate(a) if matches!(a.func, AggFunc::Count | AggFunc::Streak)
        );
        let term = if counted {
            Term {
                nullable: false,
                domain: Domain::Int {
                    lo: 0,
                    hi: i64::MAX.into(),
                },
            }
        } else {
            Term {
                nullable: true,
                domain,
            }
        };
        // The type is part of the name: `prop 0` of two events may differ in type.
        let key = format!("{:?} {}", expr.ty, self.key(id));
        self.term_with(key, term)
    }

    fn term_with(&mut self, key: String, term: Term) -> u32 {
        if let Some(&id) = self.term_ids.get(&key) {
            return id;
        }
        let id = self.terms.len() as u32;
        self.terms.push(term);
        self.term_ids.insert(key, id);
        id
    }
}

/// `a op b` turned around: `c < x` is `x > c`.
fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

fn dval(v: &Value) -> Option<DVal> {
    match v {
        Value::Bool(b) => Some(DVal::Idx(u32::from(*b))),
        Value::Enum(_, i) => Some(DVal::Idx(*i)),
        Value::Str(s) => Some(DVal::Str(Arc::clone(s))),
        _ => None,
    }
}

/// `pred` on a constant, as the interpreter decides it.
fn holds(v: &Value, pred: Pred<'_>) -> bool {
    match pred {
        Pred::Present(p) => v.is_missing() != p,
        Pred::Cmp(op, c) => compare(op, v, c),
        Pred::In(list, negated) => {
            !v.is_missing() && list.iter().any(|c| compare(CmpOp::Eq, v, c)) != negated
        }
    }
}

fn compare(op: CmpOp, a: &Value, b: &Value) -> bool {
    let ord = match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Int(x), Value::Int(y))
        | (Value::Time(x), Value::Time(y))
        | (Value::Duration(x), Value::Duration(y)) => Some(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        (Value::Str(x), Value::Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Value::Enum(e, x), Value::Enum(f, y)) if e == f => Some(x.cmp(y)),
        _ => return false,
    };
    op.holds(ord)
}
