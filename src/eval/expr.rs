//! Evaluating expressions for one profile.
//!
//! Every expression has a *raw* value, which may be missing. Wherever a `bool` is
//! consumed — by `not`, `and`, `or`, a comparison, a `case` condition, an aggregate's
//! filter, a tag or segment result — a missing bool reads as `false`. The one exception
//! is `is missing` / `is present`, which looks at the raw value of its subject. A
//! `case` passes the raw value of the chosen arm (or default) through. Tag and segment
//! values are computed once per profile, on first use; a bool rule's value is the
//! consumed (definite) bool, a valued tag's may be missing.

use crate::data::Profiles;
use crate::ir::{Expr, ExprId, ExprKind, Program, RuleRef};
use crate::schema::{EventId, FieldId, PropId, Type};

use super::read;
use super::sample::sample;
use super::val::Val;
use super::value_ops::{arith, compare, neg, to_float};

/// The event an aggregate's filter is looking at.
#[derive(Copy, Clone, Debug)]
pub(crate) struct EventRef {
    pub(crate) event: EventId,
    /// Row in the event type's [`EventTable`](crate::data::EventTable).
    pub(crate) row: usize,
}

/// A tag's or segment's value for the current profile.
#[derive(Copy, Clone, Debug)]
enum Slot<'a> {
    Todo,
    /// Being computed: met again only through a cycle, which the checker rejects.
    Busy,
    Done(Val<'a>),
}

/// Evaluates expressions of one program for one profile at a time.
///
/// Reusable across profiles of the same [`Profiles`] (see [`Evaluator::reset`]), so a
/// batch allocates its scratch space once.
pub(crate) struct Evaluator<'a> {
    pub(crate) program: &'a Program,
    /// The profiles and the current row; `None` for profile-free (constant) evaluation,
    /// which behaves like a profile with no id, every field missing and no events.
    pub(crate) profiles: Option<&'a Profiles>,
    pub(crate) row: usize,
    pub(crate) now: i64,
    pub(crate) start: Option<i64>,
    tags: Vec<Slot<'a>>,
    segments: Vec<Slot<'a>>,
    /// Nesting of `raw` calls, to check the stack only every [`STACK_CHECK_EVERY`] levels.
    depth: u32,
}

/// `raw` checks the remaining stack (a thread-local read, about a tenth of evaluation
/// time when done per node) only when its nesting is a multiple of this. INVARIANT: this
/// many levels of `raw` fit in `STACK_RED_ZONE` with room to spare, even unoptimised.
const STACK_CHECK_EVERY: u32 = 4;

impl<'a> Evaluator<'a> {
    pub(crate) fn new(program: &'a Program, profiles: Option<&'a Profiles>, now: i64) -> Self {
        Evaluator {
            program,
            profiles,
            row: 0,
            now,
            start: None,
            tags: vec![Slot::Todo; program.tags.len()],
            segments: vec![Slot::Todo; program.segments.len()],
            depth: 0,
        }
    }

    /// Moves to another profile row, forgetting the previous one's rule values.
    pub(crate) fn reset(&mut self, row: usize, start: Option<i64>) {
        self.row = row;
        self.start = start;
        self.tags.fill(Slot::Todo);
        self.segments.fill(Slot::Todo);
    }

    /// The value of a tag or segment for the current profile (a `bool` rule's value is
    /// never missing).
    pub(crate) fn rule(&mut self, rule: RuleRef) -> Val<'a> {
        let Some(body) = self.rule_body(rule) else {
            return Val::Missing;
        };
        match self.slot(rule) {
            Some(Slot::Done(v)) => return *v,
            // Unreachable for checked programs (no cycles); avoids unbounded recursion.
            Some(Slot::Busy) | None => return Val::Missing,
            Some(slot @ Slot::Todo) => *slot = Slot::Busy,
        }
        let value = self.eval(body, None);
        if let Some(slot) = self.slot(rule) {
            *slot = Slot::Done(value);
        }
        value
    }

    fn rule_body(&self, rule: RuleRef) -> Option<ExprId> {
        let def = match rule {
            RuleRef::Tag(id) => self.program.tags.get(id.0 as usize),
            RuleRef::Segment(id) => self.program.segments.get(id.0 as usize),
        };
        def.map(|d| d.body)
    }

    fn slot(&mut self, rule: RuleRef) -> Option<&mut Slot<'a>> {
        match rule {
            RuleRef::Tag(id) => self.tags.get_mut(id.0 as usize),
            RuleRef::Segment(id) => self.segments.get_mut(id.0 as usize),
        }
    }

    fn expr(&self, id: ExprId) -> Option<&'a Expr> {
        self.program.exprs.get(id.0 as usize)
    }

    /// The value as consumed: a missing `bool` reads as `false`.
    pub(crate) fn eval(&mut self, id: ExprId, ev: Option<EventRef>) -> Val<'a> {
        let value = self.raw(id, ev);
        match (value, self.expr(id)) {
            (Val::Missing, Some(Expr { ty: Type::Bool, .. })) => Val::Bool(false),
            _ => value,
        }
    }

    /// `eval` in a boolean context.
    pub(crate) fn test(&mut self, id: ExprId, ev: Option<EventRef>) -> bool {
        self.eval(id, ev).truthy()
    }

    /// The raw value (a missing bool stays missing). `ev` is the event an enclosing
    /// aggregate's filter is looking at, if any.
    pub(crate) fn raw(&mut self, id: ExprId, ev: Option<EventRef>) -> Val<'a> {
        // Nesting is bounded by the parser; growing on demand keeps hosts' small
        // threads safe too.
        let value = if self.depth.is_multiple_of(STACK_CHECK_EVERY) {
            self.depth += 1;
            stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || {
                self.raw_on_stack(id, ev)
            })
        } else {
            self.depth += 1;
            self.raw_on_stack(id, ev)
        };
        self.depth -= 1;
        value
    }

    fn raw_on_stack(&mut self, id: ExprId, ev: Option<EventRef>) -> Val<'a> {
        let Some(expr) = self.expr(id) else {
            return Val::Missing;
        };
        match &expr.kind {
            ExprKind::Const(v) => Val::from_value(v),
            ExprKind::Field(f) => self.field(*f, expr.ty),
            ExprKind::Tag(t) => self.rule(RuleRef::Tag(*t)),
            ExprKind::Segment(s) => self.rule(RuleRef::Segment(*s)),
            ExprKind::Now => Val::Time(self.now),
            ExprKind::Start => self.start.map_or(Val::Missing, Val::Time),
            ExprKind::EventAt => self.event_at(ev),
            ExprKind::EventProp(p) => self.event_prop(ev, *p, expr.ty),
            ExprKind::Not(x) => Val::Bool(!self.test(*x, ev)),
            ExprKind::Neg(x) => neg(self.eval(*x, ev)),
            ExprKind::And(xs) => Val::Bool(xs.iter().all(|&x| self.test(x, ev))),
            ExprKind::Or(xs) => Val::Bool(xs.iter().any(|&x| self.test(x, ev))),
            ExprKind::ToFloat(x) => to_float(self.eval(*x, ev)),
            ExprKind::Arith { op, lhs, rhs } => {
                let (l, r) = (self.eval(*lhs, ev), self.eval(*rhs, ev));
                arith(*op, l, r)
            }
            ExprKind::Compare { op, lhs, rhs } => {
                let (l, r) = (self.eval(*lhs, ev), self.eval(*rhs, ev));
                Val::Bool(compare(*op, l, r))
            }
            ExprKind::InList {
                subject,
                list,
                negated,
            } => {
                let s = self.eval(*subject, ev);
                let found = list
                    .iter()
                    .any(|item| compare(crate::ir::CmpOp::Eq, s, Val::from_value(item)));
                Val::Bool(!s.is_missing() && found != *negated)
            }
            ExprKind::SetContains { set, elem } => {
                let (set, elem) = (self.eval(*set, ev), self.eval(*elem, ev));
                Val::Bool(match (set, elem) {
                    (Val::Set(set), Val::Str(elem)) => set.contains(elem),
                    _ => false,
                })
            }
            ExprKind::StrContains { text, part } => {
                let (text, part) = (self.eval(*text, ev), self.eval(*part, ev));
                Val::Bool(match (text, part) {
                    (Val::Str(text), Val::Str(part)) => text.contains(part),
                    _ => false,
                })
            }
            ExprKind::Matches { subject, regex } => {
                let text = match self.eval(*subject, ev) {
                    Val::Str(s) => Some(s),
                    Val::Enum(e, v) => self.variant_name(e, v),
                    _ => None,
                };
                let re = self.program.regexes.get(regex.0 as usize);
                Val::Bool(matches!((text, re), (Some(t), Some(re)) if re.is_match(t)))
            }
            ExprKind::Is { subject, present } => {
                Val::Bool(self.raw(*subject, ev).is_missing() != *present)
            }
            ExprKind::Sample { fraction, salt } => {
                let id = self.profiles.and_then(|p| p.ids.get(self.row));
                id.map_or(Val::Missing, |id| Val::Bool(sample(id, salt, *fraction)))
            }
            ExprKind::Aggregate(agg) => self.aggregate(agg, expr.ty, ev),
            ExprKind::Case { arms, default } => {
                for &(cond, value) in arms {
                    if self.test(cond, ev) {
                        return self.raw(value, ev);
                    }
                }
                default.map_or(Val::Missing, |d| self.raw(d, ev))
            }
        }
    }

    fn variant_name(&self, e: crate::schema::EnumId, v: u32) -> Option<&'a str> {
        let def = self.program.schema.enums.get(e.0 as usize)?;
        def.variants.get(v as usize).map(String::as_str)
    }

    fn field(&self, f: FieldId, ty: Type) -> Val<'a> {
        let Some(profiles) = self.profiles else {
            return Val::Missing;
        };
        match profiles.columns.get(f.0 as usize) {
            Some(col) => read::cell(col, self.row, ty, &profiles.dict),
            None => Val::Missing,
        }
    }

    fn event_at(&self, ev: Option<EventRef>) -> Val<'a> {
        let Some((profiles, ev)) = self.profiles.zip(ev) else {
            return Val::Missing;
        };
        let at = profiles
            .events
            .get(ev.event.0 as usize)
            .and_then(|t| t.at.get(ev.row));
        at.map_or(Val::Missing, |&t| Val::Time(t))
    }

    pub(crate) fn event_prop(&self, ev: Option<EventRef>, p: PropId, ty: Type) -> Val<'a> {
        let Some((profiles, ev)) = self.profiles.zip(ev) else {
            return Val::Missing;
        };
        let col = profiles
            .events
            .get(ev.event.0 as usize)
            .and_then(|t| t.props.get(p.0 as usize));
        col.map_or(Val::Missing, |c| read::cell(c, ev.row, ty, &profiles.dict))
    }
}
