//! Fusing aggregates: the top-level aggregates over the same event type are computed
//! together, in one pass over the morsel's events of that type before the row loop
//! (`columns`), each in its own window.
//!
//! Only aggregates whose filter and window read no rule (tag or segment), no other
//! aggregate and no trigger start qualify: they can be computed first, before any
//! rule, without changing any value.

use std::collections::{HashMap, HashSet};

use crate::ir::{AggFunc, AggTarget, Aggregate, ExprId, ExprKind, Program, RuleRef, Window};
use crate::schema::{EventId, Type};
use crate::value::Value;

/// Which window: constants compare by value, anything else by expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum WindowKey {
    All,
    Within(Operand),
    Since(Operand),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Operand {
    Const(Option<i64>),
    Expr(ExprId),
}

/// One fusable aggregate: its expression, the aggregate, its type.
pub(crate) type Member<'p> = (ExprId, &'p Aggregate, Type);

/// The aggregates of one event type that the row function reads off the row's latest
/// event (`latest`), without a loop over the morsel's events.
pub(crate) struct RowGroup<'p> {
    pub(crate) event: EventId,
    pub(crate) members: Vec<Member<'p>>,
}

/// A distinct aggregate of a group: the member that computes it, the index of its
/// window among the group's distinct windows, and every expression with its value.
pub(crate) struct Distinct<'p> {
    pub(crate) member: Member<'p>,
    pub(crate) window: usize,
    pub(crate) exprs: Vec<ExprId>,
    /// When the member is an average of floats: the sums of the same floats, whose
    /// value is the average's running sum (`Gen::sum_of_avg`).
    pub(crate) sums: Vec<ExprId>,
}

/// A group's distinct aggregates (the same function, target, filter, type and window
/// compute the same value; a sum of floats shares the accumulator of the average of
/// the same floats) and its distinct windows.
pub(crate) fn distinct<'p>(
    program: &Program,
    group: &[Member<'p>],
) -> (Vec<Distinct<'p>>, Vec<Window>) {
    let mut out: Vec<Distinct<'p>> = Vec::new();
    let mut by_key: HashMap<_, usize> = HashMap::new();
    let mut windows: Vec<(WindowKey, Window)> = Vec::new();
    for &(id, agg, ty) in group {
        let wkey = window_key(program, agg.window);
        let float_sum = sums_floats(program, agg, ty);
        let func = if float_sum { AggFunc::Avg } else { agg.func };
        let key = (func, agg.target, agg.filter, ty, wkey.clone());
        if let Some(&k) = by_key.get(&key) {
            if let Some(d) = out.get_mut(k) {
                match (float_sum, agg.func, d.member.1.func) {
                    // The first average of sums seen so far computes them all.
                    (true, AggFunc::Avg, AggFunc::Sum) => {
                        d.sums.append(&mut d.exprs);
                        d.exprs.push(id);
                        d.member = (id, agg, ty);
                    }
                    (true, AggFunc::Sum, AggFunc::Avg) => d.sums.push(id),
                    _ => d.exprs.push(id),
                }
            }
            continue;
        }
        let window = match windows.iter().position(|(k, _)| *k == wkey) {
            Some(w) => w,
            None => {
                windows.push((wkey, agg.window));
                windows.len() - 1
            }
        };
        by_key.insert(key, out.len());
        out.push(Distinct {
            member: (id, agg, ty),
            window,
            exprs: vec![id],
            sums: Vec::new(),
        });
    }
    (out, windows.into_iter().map(|(_, w)| w).collect())
}

/// Whether `agg` (of type `ty`) is a sum or an average of floats: the two fold the
/// same running sum.
fn sums_floats(program: &Program, agg: &Aggregate, ty: Type) -> bool {
    matches!(agg.target, AggTarget::Prop(_))
        && super::aggregate::target_type(program, agg, ty) == Type::Float
        && ty == Type::Float
        && matches!(agg.func, AggFunc::Sum | AggFunc::Avg)
}

/// The fusable aggregates, grouped by event type, in order of first use.
pub(crate) fn groups<'p>(program: &'p Program, order: &[RuleRef]) -> Vec<Vec<Member<'p>>> {
    let mut found: Vec<ExprId> = Vec::new();
    let mut seen = HashSet::new();
    for rule in order {
        let body = match *rule {
            RuleRef::Tag(t) => program.tag(t).body,
            RuleRef::Segment(s) => program.segment(s).body,
        };
        collect(program, body, &mut seen, &mut found);
    }
    let mut by_key: HashMap<EventId, Vec<Member<'_>>> = HashMap::new();
    let mut keys = Vec::new();
    for id in found {
        let expr = program.expr(id);
        let ExprKind::Aggregate(agg) = &expr.kind else {
            continue;
        };
        if !agg.filter.is_none_or(|f| independent(program, f))
            || !window_expr(agg.window).is_none_or(|w| independent(program, w))
        {
            continue;
        }
        let key = agg.event;
        if !by_key.contains_key(&key) {
            keys.push(key);
        }
        by_key.entry(key).or_default().push((id, agg, expr.ty));
    }
    keys.into_iter().filter_map(|k| by_key.remove(&k)).collect()
}

/// The shortest constant window whose group's event loop folds every event without a
/// branch (60 days, in microseconds). Measured on the comparison rules, whose events
/// span 180 days: skipping the events outside 7 and 30 days paid (add_cart 34 to 30
/// ms), outside 90 days it did not (pay 17.8 to 22.7 ms).
const LONG_WINDOW: i64 = 60 * 86_400 * 1_000_000;

/// Whether an event loop over `windows` folds every event rather than branching over
/// those outside every window: with an `All` window it folds every past event anyway,
/// and a window of `LONG_WINDOW` or more holds so many of a row's events that the
/// branch would mispredict for nearly every row.
pub(crate) fn folds_every_event(
    program: &Program,
    windows: impl IntoIterator<Item = Window>,
) -> bool {
    windows.into_iter().any(|w| match w {
        Window::All => true,
        Window::Within(d) => matches!(
            program.expr(d).kind,
            ExprKind::Const(Value::Duration(d)) if d >= LONG_WINDOW
        ),
        Window::Since(_) => false,
    })
}

/// Whether `window` is a constant `within` shorter than `LONG_WINDOW` (or a constant
/// that holds no event: missing, zero or negative).
pub(crate) fn short_window(program: &Program, window: Window) -> bool {
    let Window::Within(d) = window else {
        return false;
    };
    match program.expr(d).kind {
        ExprKind::Const(Value::Duration(d)) => d < LONG_WINDOW,
        ExprKind::Const(Value::Missing) => true,
        _ => false,
    }
}

fn window_expr(window: Window) -> Option<ExprId> {
    match window {
        Window::All => None,
        Window::Within(e) | Window::Since(e) => Some(e),
    }
}

/// Windows with equal keys hold the same events.
pub(crate) fn window_key(program: &Program, window: Window) -> WindowKey {
    let operand = |e: ExprId| match &program.expr(e).kind {
        ExprKind::Const(Value::Duration(x) | Value::Time(x)) => Operand::Const(Some(*x)),
        ExprKind::Const(Value::Missing) => Operand::Const(None),
        _ => Operand::Expr(e),
    };
    match window {
        Window::All => WindowKey::All,
        Window::Within(e) => WindowKey::Within(operand(e)),
        Window::Since(e) => WindowKey::Since(operand(e)),
    }
}

/// Top-level aggregates under `id` (not inside another aggregate's filter).
fn collect(program: &Program, id: ExprId, seen: &mut HashSet<ExprId>, out: &mut Vec<ExprId>) {
    if !seen.insert(id) {
        return;
    }
    let expr = program.expr(id);
    match &expr.kind {
        ExprKind::Aggregate(agg) => {
            out.push(id);
            if let Some(w) = window_expr(agg.window) {
                collect(program, w, seen, out);
            }
        }
        kind => children(kind, &mut |c| collect(program, c, seen, out)),
    }
}

/// Reads no rule, no aggregate and no trigger start.
fn independent(program: &Program, id: ExprId) -> bool {
    let kind = &program.expr(id).kind;
    if matches!(
        kind,
        ExprKind::Tag(_) | ExprKind::Segment(_) | ExprKind::Aggregate(_) | ExprKind::Start
    ) {
        return false;
    }
    let mut ok = true;
    children(kind, &mut |c| ok &= independent(program, c));
    ok
}

/// Calls `f` on every distinct node under `id`, `id` included, aggregates' filters and
/// windows included.
pub(crate) fn each_node(program: &Program, id: ExprId, f: &mut impl FnMut(ExprId, &ExprKind)) {
    let mut seen = HashSet::new();
    let mut stack = vec![id];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let kind = &program.expr(id).kind;
        f(id, kind);
        match kind {
            ExprKind::Aggregate(agg) => {
                stack.extend(agg.filter);
                if let Window::Within(w) | Window::Since(w) = agg.window {
                    stack.push(w);
                }
            }
            kind => children(kind, &mut |c| stack.push(c)),
        }
    }
}

/// The direct operands of an expression (an aggregate's are handled by callers).
pub(crate) fn children(kind: &ExprKind, f: &mut impl FnMut(ExprId)) {
    match kind {
        ExprKind::Not(x) | ExprKind::Neg(x) | ExprKind::ToFloat(x) => f(*x),
        ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter().for_each(|&x| f(x)),
        ExprKind::Arith { lhs, rhs, .. } | ExprKind::Compare { lhs, rhs, .. } => {
            f(*lhs);
            f(*rhs);
        }
        ExprKind::InList { subject, .. }
        | ExprKind::Matches { subject, .. }
        | ExprKind::Is { subject, .. } => f(*subject),
        ExprKind::SetContains { set, elem } => {
            f(*set);
            f(*elem);
        }
        ExprKind::StrContains { text, part } => {
            f(*text);
            f(*part);
        }
        ExprKind::Case { arms, default } => {
            for &(c, v) in arms {
                f(c);
                f(v);
            }
            if let Some(d) = default {
                f(*d);
            }
        }
        ExprKind::Const(_)
        | ExprKind::Field(_)
        | ExprKind::Tag(_)
        | ExprKind::Segment(_)
        | ExprKind::Now
        | ExprKind::Start
        | ExprKind::EventAt
        | ExprKind::EventProp(_)
        | ExprKind::Sample { .. }
        | ExprKind::Aggregate(_) => {}
    }
}
