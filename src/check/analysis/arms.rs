//! `case` arms that are never chosen because earlier arms cover every profile they
//! match, arms whose condition never holds, and an `else` the arms leave no profile
//! for. Constant conditions are the checker's warnings (`unreachable_arm`), not these.

use super::formula::F;
use super::solve::Answer;
use super::{Analysis, walk};
use crate::check::codes;
use crate::diagnostic::Diagnostic;
use crate::ir::{ExprId, ExprKind as K};
use crate::source::Span;
use crate::value::Value;

pub(super) fn check(a: &mut Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let program = a.program;
    for root in walk::roots(program) {
        for id in walk::below(program, root) {
            if let K::Case { arms, default } = &program.expr(id).kind {
                case(a, arms, *default, out);
            }
        }
    }
}

fn case(
    a: &mut Analysis<'_>,
    arms: &[(ExprId, ExprId)],
    default: Option<ExprId>,
    out: &mut Vec<Diagnostic>,
) {
    let program = a.program;
    // Earlier arms: their condition and span.
    let mut earlier: Vec<(F, Span)> = Vec::new();
    for &(cond, value) in arms {
        match program.expr(cond).kind {
            // The checker reports the arms after an always-true one.
            K::Const(Value::Bool(true)) => return,
            K::Const(_) => continue,
            _ => {}
        }
        let span = arm_span(a, cond, value);
        let f = a.builder.cond(cond);
        if a.satisfiable(&f) == Answer::Unsat {
            out.push(
                Diagnostic::warning(codes::SHADOWED_ARM, span, "this `case` arm is never chosen")
                    .with_label("its condition never holds")
                    .with_help("remove the arm, or fix its condition"),
            );
            continue;
        }
        if !earlier.is_empty() && covered(a, &f, &earlier) {
            let mut d =
                Diagnostic::warning(codes::SHADOWED_ARM, span, "this `case` arm is never chosen")
                    .with_label("the earlier arms match every profile it matches")
                    .with_help("remove the arm, or move it before the arms that cover it");
            for by in covering(a, &f, &earlier) {
                d = d.with_note(by, "covered by this arm");
            }
            out.push(d);
        }
        earlier.push((f, span));
    }
    if let Some(d) = default
        && !earlier.is_empty()
        && covered(a, &F::Const(true), &earlier)
    {
        out.push(
            Diagnostic::warning(
                codes::SHADOWED_ARM,
                program.expr(d).span,
                "the `else` of this `case` is never chosen",
            )
            .with_label("the arms above match every profile")
            .with_help("remove the `else`, or check the arms' conditions"),
        );
    }
}

/// Whether every profile `f` matches is matched by one of `earlier`.
fn covered(a: &mut Analysis<'_>, f: &F, earlier: &[(F, Span)]) -> bool {
    let mut parts = vec![f.clone()];
    parts.extend(earlier.iter().map(|(e, _)| F::not(e.clone())));
    a.satisfiable(&F::and(parts)) == Answer::Unsat
}

/// The earlier arm that alone covers `f`, if there is one; otherwise all of them.
fn covering(a: &mut Analysis<'_>, f: &F, earlier: &[(F, Span)]) -> Vec<Span> {
    for (e, span) in earlier {
        let alone = F::and(vec![f.clone(), F::not(e.clone())]);
        if a.satisfiable(&alone) == Answer::Unsat {
            return vec![*span];
        }
    }
    earlier.iter().map(|(_, s)| *s).collect()
}

/// From the condition to the value, when both are in one file.
fn arm_span(a: &Analysis<'_>, cond: ExprId, value: ExprId) -> Span {
    let (c, v) = (a.program.expr(cond).span, a.program.expr(value).span);
    if c.file == v.file && v.end >= c.start {
        Span {
            file: c.file,
            start: c.start,
            end: v.end,
        }
    } else {
        c
    }
}
