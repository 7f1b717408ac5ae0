//! Fusing aggregates: the top-level aggregates over the same event type are computed
//! together, in one pass over the morsel's events of that type before the row loop
//! (`columns`), each in its own window.
//!
//! Only aggregates whose filter and window read no rule (tag or segment), no other
//! aggregate and no trigger start qualify: they can be computed first, before any
//! rule, without changing any value.

use std::collections::{HashMap, HashSet};

use crate::ir::{Aggregate, ExprId, ExprKind, Program, RuleRef, Window};
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
