//! The expressions below an expression, and the conditions a program holds.

use std::collections::HashSet;

use crate::ir::{ExprId, ExprKind as K, Program, Step, TriggerStart, Window};

/// The direct operands of an expression (a tag or segment reference has none).
pub(super) fn children(program: &Program, id: ExprId) -> Vec<ExprId> {
    match &program.expr(id).kind {
        K::Not(x) | K::Neg(x) | K::ToFloat(x) => vec![*x],
        K::And(xs) | K::Or(xs) => xs.clone(),
        K::Arith { lhs, rhs, .. } | K::Compare { lhs, rhs, .. } => vec![*lhs, *rhs],
        K::InList { subject, .. } | K::Matches { subject, .. } | K::Is { subject, .. } => {
            vec![*subject]
        }
        K::SetContains { set, elem } => vec![*set, *elem],
        K::StrContains { text, part } => vec![*text, *part],
        K::Aggregate(agg) => {
            let mut out: Vec<ExprId> = agg.filter.into_iter().collect();
            if let Window::Within(x) | Window::Since(x) = agg.window {
                out.push(x);
            }
            out
        }
        K::Case { arms, default } => arms
            .iter()
            .flat_map(|(c, v)| [*c, *v])
            .chain(*default)
            .collect(),
        K::Const(_)
        | K::Field(_)
        | K::Tag(_)
        | K::Segment(_)
        | K::Now
        | K::Start
        | K::EventAt
        | K::EventProp(_)
        | K::Sample { .. } => Vec::new(),
    }
}

/// Every expression below `root` (itself included), each once, parents first.
pub(super) fn below(program: &Program, root: ExprId) -> Vec<ExprId> {
    let mut seen = HashSet::new();
    let mut stack = vec![root];
    let mut out = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        out.push(id);
        let mut kids = children(program, id);
        kids.reverse();
        stack.extend(kids);
    }
    out
}

/// The bodies of tags and segments, then the conditions of channels and triggers.
pub(super) fn roots(program: &Program) -> Vec<ExprId> {
    let mut out: Vec<ExprId> = program
        .tags
        .iter()
        .chain(&program.segments)
        .map(|r| r.body)
        .collect();
    out.extend(program.channels.iter().map(|c| c.when));
    for t in &program.triggers {
        if let TriggerStart::Event {
            filter: Some(f), ..
        } = t.start
        {
            out.push(f);
        }
        out.extend(t.when);
        out.extend(t.goal);
        steps(&t.steps, &mut out);
    }
    out
}

fn steps(list: &[Step], out: &mut Vec<ExprId>) {
    for step in list {
        match step {
            Step::Send { .. } => {}
            Step::Wait(x) => out.push(*x),
            Step::If {
                cond,
                then,
                otherwise,
            } => {
                out.push(*cond);
                steps(then, out);
                steps(otherwise, out);
            }
        }
    }
}
