//! The smallest failing set: for a bool rule that does not hold, the fewest *conditions*
//! whose values would have to flip for it to hold.
//!
//! A condition is a bool expression that is not `and`, `or`, `not` or a reference to a
//! bool tag or segment (those are looked through: a reference stands for the rule's
//! definition). Over that structure, the set `fix(e, want)` of conditions to flip so
//! that `e` becomes `want` is:
//!
//! * a condition: empty if its value is `want` already, else the condition itself;
//! * `not x`: `fix(x, !want)`;
//! * `a and b and ...` becoming true, or `a or b or ...` becoming false: the union of
//!   a set for every operand (so for `a and b and c`, the false ones);
//! * `a and b and ...` becoming false, or `a or b or ...` becoming true: a set for one
//!   operand (the cheapest branch).
//!
//! and the smallest failing set is the smallest `fix(rule, true)` (the first written,
//! among equals). Conditions are told apart by meaning ([`super::canon`]), so `paid`
//! written twice is one condition, and a set may not rely on a condition both ways: one
//! part flipping it while another needs it as it is (`(paid or x) and not paid` needs
//! `x`, not `paid`). If no set is consistent (`paid and not paid`) there is none. The
//! search keeps the 64 cheapest sets of each part, so it is exact for all
//! but very branchy rules.
//! Conditions are treated as independent: `count(pay) >= 3` and `count(pay) >= 5` are
//! two conditions even though one implies the other.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::canon::canon;
use super::tree::{At, show_value};
use crate::ir::{CmpOp, ExprId, ExprKind, Program, RuleRef};
use crate::schema::Type;
use crate::value::Value;

/// One condition of the smallest failing set.
#[derive(Clone, Debug, PartialEq)]
pub struct Need {
    pub expr: ExprId,
    /// The value it needs.
    pub want: bool,
    /// What it needs, in words: "needs `paid` = false; has true".
    pub text: String,
}

/// The smallest failing set of `expr` (a bool expression that is false), in source
/// the order the explanation shows them, or `None` if no set makes it true.
pub fn smallest_failing_set(at: &At<'_, '_>, expr: ExprId) -> Option<Vec<Need>> {
    let best = fix(at, expr, true, &mut HashMap::new())
        .into_iter()
        .next()?;
    let mut needs: Vec<(ExprId, bool)> = best
        .conditions
        .into_values()
        .filter(|c| c.flip)
        .map(|c| (c.expr, c.want))
        .collect();
    let mut order = Vec::new();
    conditions_in_order(at.program(), expr, &mut HashSet::new(), &mut order);
    needs.sort_by_key(|&(e, _)| order.iter().position(|&o| o == e));
    Some(
        needs
            .into_iter()
            .map(|(expr, want)| Need {
                expr,
                want,
                text: describe(at, expr, want),
            })
            .collect(),
    )
}

/// How many candidate sets each sub-expression keeps (the cheapest): the search is
/// exact while no expression has more ways to be fixed than this.
const CANDIDATES: usize = 64;

/// A condition a candidate relies on: flipped to `want`, or kept at it.
#[derive(Clone, Copy, Debug)]
struct Condition {
    expr: ExprId,
    want: bool,
    flip: bool,
}

/// One way to give an expression the wanted value: conditions by meaning.
#[derive(Clone, Debug, Default)]
struct Candidate {
    conditions: BTreeMap<String, Condition>,
    flips: usize,
}

/// The ways to make `expr` have the value `want`, fewest flips first (at most
/// [`CANDIDATES`]); empty if there is none. A candidate also records the conditions it
/// keeps as they are, so that flipping a condition one part needs cannot silently
/// break another part that needs it unchanged (`(paid or x) and not paid`).
/// `memo` holds the answers so far: a rule used in many places is fixed once.
fn fix(at: &At<'_, '_>, expr: ExprId, want: bool, memo: &mut Memo) -> Vec<Candidate> {
    if let Some(known) = memo.get(&(expr, want)) {
        return known.clone();
    }
    let found = fix_once(at, expr, want, memo);
    memo.insert((expr, want), found.clone());
    found
}

type Memo = HashMap<(ExprId, bool), Vec<Candidate>>;

fn fix_once(at: &At<'_, '_>, expr: ExprId, want: bool, memo: &mut Memo) -> Vec<Candidate> {
    let program = at.program();
    match &program.expr(expr).kind {
        ExprKind::Not(x) => fix(at, *x, !want, memo),
        ExprKind::And(xs) | ExprKind::Or(xs) => {
            let is_and = matches!(program.expr(expr).kind, ExprKind::And(_));
            if is_and == want {
                // Every operand must get the value.
                let mut acc = vec![Candidate::default()];
                for &x in xs {
                    let options = fix(at, x, want, memo);
                    let mut next: Vec<Candidate> = acc
                        .iter()
                        .flat_map(|a| options.iter().filter_map(move |b| union(a, b)))
                        .collect();
                    cheapest(&mut next);
                    if next.is_empty() {
                        return next;
                    }
                    acc = next;
                }
                acc
            } else {
                // One operand with the value is enough.
                let mut all = Vec::new();
                for &x in xs {
                    all.extend(fix(at, x, want, memo));
                }
                cheapest(&mut all);
                all
            }
        }
        _ => match bool_rule_body(program, expr) {
            Some(body) => fix(at, body, want, memo),
            None => {
                let flip = at.holds(expr) != want;
                let condition = Condition { expr, want, flip };
                vec![Candidate {
                    conditions: BTreeMap::from([(canon(program, expr), condition)]),
                    flips: usize::from(flip),
                }]
            }
        },
    }
}

/// Fewest flips first (stable, so the first written wins a tie), without repeats, at
/// most [`CANDIDATES`].
fn cheapest(candidates: &mut Vec<Candidate>) {
    candidates.sort_by_key(|c| c.flips);
    let mut seen = std::collections::HashSet::new();
    candidates.retain(|c| {
        let key: Vec<(&String, bool)> = c.conditions.iter().map(|(k, c)| (k, c.want)).collect();
        seen.insert(format!("{key:?}"))
    });
    candidates.truncate(CANDIDATES);
}

/// Both candidates' conditions, or `None` if they need one condition both ways.
fn union(a: &Candidate, b: &Candidate) -> Option<Candidate> {
    let mut out = a.clone();
    for (key, condition) in &b.conditions {
        match out.conditions.get(key) {
            Some(c) if c.want != condition.want => return None,
            Some(_) => {}
            None => {
                out.flips += usize::from(condition.flip);
                out.conditions.insert(key.clone(), *condition);
            }
        }
    }
    Some(out)
}

/// The conditions of `expr` as the explanation tree shows them, depth first.
fn conditions_in_order(
    program: &Program,
    expr: ExprId,
    seen: &mut HashSet<ExprId>,
    out: &mut Vec<ExprId>,
) {
    if !seen.insert(expr) {
        return;
    }
    match &program.expr(expr).kind {
        ExprKind::Not(x) => conditions_in_order(program, *x, seen, out),
        ExprKind::And(xs) | ExprKind::Or(xs) => {
            for &x in xs {
                conditions_in_order(program, x, seen, out);
            }
        }
        _ => match bool_rule_body(program, expr) {
            Some(body) => conditions_in_order(program, body, seen, out),
            None => out.push(expr),
        },
    }
}

/// The definition behind a reference to a bool tag or a segment.
fn bool_rule_body(program: &Program, expr: ExprId) -> Option<ExprId> {
    let rule = match program.expr(expr).kind {
        ExprKind::Tag(t) => RuleRef::Tag(t),
        ExprKind::Segment(s) => RuleRef::Segment(s),
        _ => return None,
    };
    let def = super::rule_def(program, rule);
    (def.ty == Type::Bool).then_some(def.body)
}

/// Re-evaluates the and/or/not structure of `expr` (looking through bool rule
/// references, as [`smallest_failing_set`] does) with the conditions in `forced` (by
/// meaning, see [`super::canon`]) given the values there instead of their own: what
/// the rule would be if those conditions flipped.
pub fn holds_with(at: &At<'_, '_>, expr: ExprId, forced: &HashMap<String, bool>) -> bool {
    let program = at.program();
    match &program.expr(expr).kind {
        ExprKind::Not(x) => !holds_with(at, *x, forced),
        ExprKind::And(xs) => xs.iter().all(|&x| holds_with(at, x, forced)),
        ExprKind::Or(xs) => xs.iter().any(|&x| holds_with(at, x, forced)),
        _ => match bool_rule_body(program, expr) {
            Some(body) => holds_with(at, body, forced),
            None => match forced.get(&canon(program, expr)) {
                Some(&value) => value,
                None => at.holds(expr),
            },
        },
    }
}

/// The forced values that flip a smallest failing set, for [`holds_with`].
pub fn forced(program: &Program, needs: &[Need]) -> HashMap<String, bool> {
    needs
        .iter()
        .map(|n| (canon(program, n.expr), n.want))
        .collect()
}

/// A condition and what it needs, in words.
fn describe(at: &At<'_, '_>, expr: ExprId, want: bool) -> String {
    let program = at.program();
    let node = program.expr(expr);
    match &node.kind {
        ExprKind::Compare { op, lhs, rhs } => {
            let op = if want { *op } else { negate(*op) };
            let rhs_text = match &program.expr(*rhs).kind {
                ExprKind::Const(_) => program.sources.snippet(program.expr(*rhs).span).to_string(),
                _ => format!("`{}`", operand_text(program, *rhs)),
            };
            let has = has(at, *lhs);
            let also = match &program.expr(*rhs).kind {
                ExprKind::Const(_) => String::new(),
                _ => format!(", `{}` is {}", operand_text(program, *rhs), shown(at, *rhs)),
            };
            format!(
                "needs `{}` {} {rhs_text}; {has}{also}",
                operand_text(program, *lhs),
                op_text(op)
            )
        }
        ExprKind::Is { subject, present } => {
            let wanted = if *present == want {
                "present"
            } else {
                "missing"
            };
            format!(
                "needs `{}` {wanted}; {}",
                operand_text(program, *subject),
                has(at, *subject)
            )
        }
        ExprKind::InList { subject, .. }
        | ExprKind::Matches { subject, .. }
        | ExprKind::StrContains { text: subject, .. } => format!(
            "needs `{}` to be {want}; `{}` {}",
            program.sources.snippet(node.span),
            operand_text(program, *subject),
            has(at, *subject)
        ),
        ExprKind::SetContains { set, elem } => format!(
            "needs `{}` to be {want}; `{}` {}, `{}` {}",
            program.sources.snippet(node.span),
            operand_text(program, *set),
            has(at, *set),
            operand_text(program, *elem),
            has(at, *elem)
        ),
        _ => format!(
            "needs `{}` = {want}; {}",
            operand_text(program, expr),
            has(at, expr)
        ),
    }
}

/// "has 3", "missing".
fn has(at: &At<'_, '_>, expr: ExprId) -> String {
    match at.value(expr) {
        Value::Missing => "missing".to_string(),
        _ => format!("has {}", shown(at, expr)),
    }
}

fn shown(at: &At<'_, '_>, expr: ExprId) -> String {
    let program = at.program();
    let value = at.value(expr);
    match (&value, program.expr(expr).ty) {
        // A missing bool reads as false; say so in the plain-words line.
        (Value::Missing, Type::Bool) => "false".to_string(),
        (Value::Enum(..), _) => value.to_key(&program.schema),
        _ => show_value(program, &value, program.expr(expr).ty),
    }
}

/// An operand as written; a field by its name when the source shows something else
/// (the enum shorthand `ios` is `platform == ios`).
fn operand_text(program: &Program, expr: ExprId) -> String {
    let mut node = program.expr(expr);
    if let ExprKind::ToFloat(x) = node.kind {
        node = program.expr(x);
    }
    match node.kind {
        ExprKind::Field(f) => program.schema.fields.get(f.0 as usize).map_or_else(
            || program.sources.snippet(node.span).to_string(),
            |f| f.name.clone(),
        ),
        _ => program.sources.snippet(node.span).to_string(),
    }
}

fn negate(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
    }
}

fn op_text(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "==",
        CmpOp::Ne => "!=",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
    }
}
