//! An expression tree with the value of every part for one profile.

use std::collections::HashSet;

use super::events::{self, EventsSeen};
use crate::data::Profiles;
use crate::eval::Interpreter;
use crate::ir::{ExprId, ExprKind, Program, RuleRef};
use crate::schema::Type;
use crate::source::Span;
use crate::value::Value;

/// One profile at one time: where every value is read.
#[derive(Copy, Clone)]
pub struct At<'a, 'p> {
    pub interpreter: &'a Interpreter<'p>,
    pub profiles: &'a Profiles,
    pub row: usize,
    pub now: i64,
}

impl<'p> At<'_, 'p> {
    /// The raw value of `expr` (a missing bool stays missing).
    pub fn value(&self, expr: ExprId) -> Value {
        self.interpreter
            .eval_expr(self.profiles, self.row, self.now, None, expr)
    }

    /// `expr` in a boolean context: missing reads as false.
    pub fn holds(&self, expr: ExprId) -> bool {
        self.value(expr).truthy()
    }

    pub fn program(&self) -> &'p Program {
        self.interpreter.program()
    }
}

/// A sub-expression and its value.
#[derive(Clone, Debug)]
pub struct Node {
    pub expr: ExprId,
    pub span: Span,
    /// The expression as written.
    pub text: String,
    /// The raw value (a missing bool is `Missing`).
    pub value: Value,
    pub ty: Type,
    /// Parts, in source order; constants and `now` are left out.
    pub children: Vec<Node>,
    /// A reference to a tag or segment: which, and whether its definition is the child
    /// here (`false`: it was shown earlier in the same explanation).
    pub rule: Option<(RuleRef, bool)>,
    /// An aggregate: what it made of each event.
    pub events: Option<EventsSeen>,
}

/// Builds [`Node`] trees.
pub struct Builder<'a, 'p> {
    at: At<'a, 'p>,
    /// Nodes deeper than this have no children.
    max_depth: Option<usize>,
    /// Expand each referenced rule only once per tree.
    expand_once: bool,
    expanded: HashSet<RuleRef>,
    with_events: bool,
}

impl<'a, 'p> Builder<'a, 'p> {
    /// Everything: whole depth, each rule's definition once, aggregates' events.
    pub fn for_explain(at: &At<'a, 'p>) -> Self {
        Builder {
            at: *at,
            max_depth: None,
            expand_once: true,
            expanded: HashSet::new(),
            with_events: true,
        }
    }

    /// A few levels, as a failed `expect` of `corral test` shows them.
    pub fn shallow(at: &At<'a, 'p>, max_depth: usize) -> Self {
        Builder {
            at: *at,
            max_depth: Some(max_depth),
            expand_once: false,
            expanded: HashSet::new(),
            with_events: false,
        }
    }

    /// The tree of a rule's definition.
    pub fn rule_tree(&mut self, rule: RuleRef) -> Node {
        self.expanded.insert(rule);
        self.node(super::rule_def(self.at.program(), rule).body, 0)
    }

    /// The tree of any expression.
    pub fn node(&mut self, expr: ExprId, depth: usize) -> Node {
        let program = self.at.program();
        let def = program.expr(expr);
        let mut node = Node {
            expr,
            span: def.span,
            text: program.sources.snippet(def.span).to_string(),
            value: self.at.value(expr),
            ty: def.ty,
            children: Vec::new(),
            rule: None,
            events: None,
        };
        let deeper = self.max_depth.is_none_or(|max| depth < max);
        if let ExprKind::Aggregate(agg) = &def.kind
            && self.with_events
        {
            node.events = Some(events::seen(&self.at, agg));
        }
        let rule = match def.kind {
            ExprKind::Tag(t) => Some(RuleRef::Tag(t)),
            ExprKind::Segment(s) => Some(RuleRef::Segment(s)),
            _ => None,
        };
        if let Some(rule) = rule {
            let expand = deeper && (!self.expand_once || self.expanded.insert(rule));
            node.rule = Some((rule, expand));
            if expand {
                let body = super::rule_def(program, rule).body;
                node.children.push(self.node(body, depth + 1));
            }
            return node;
        }
        if deeper {
            for child in parts(&def.kind) {
                if !matches!(program.expr(child).kind, ExprKind::Const(_) | ExprKind::Now) {
                    node.children.push(self.node(child, depth + 1));
                }
            }
        }
        node
    }
}

/// The operands of an expression, in source order (not an aggregate's filter or
/// window: the filter has a value per event, not one).
pub(crate) fn parts(kind: &ExprKind) -> Vec<ExprId> {
    match kind {
        ExprKind::Not(x) | ExprKind::Neg(x) | ExprKind::ToFloat(x) => vec![*x],
        ExprKind::And(xs) | ExprKind::Or(xs) => xs.clone(),
        ExprKind::Arith { lhs, rhs, .. } | ExprKind::Compare { lhs, rhs, .. } => vec![*lhs, *rhs],
        ExprKind::InList { subject, .. }
        | ExprKind::Matches { subject, .. }
        | ExprKind::Is { subject, .. } => vec![*subject],
        ExprKind::SetContains { set, elem } => vec![*set, *elem],
        ExprKind::StrContains { text, part } => vec![*text, *part],
        ExprKind::Case { arms, default } => arms
            .iter()
            .flat_map(|&(cond, value)| [cond, value])
            .chain(*default)
            .collect(),
        _ => Vec::new(),
    }
}

/// A value as the explanation shows it: JSON text, times in RFC 3339, durations as
/// `3d 4h`; `false (missing)` for a missing bool, which reads as false.
pub fn show_value(program: &Program, value: &Value, ty: Type) -> String {
    match (value, ty) {
        (Value::Missing, Type::Bool) => "false (missing)".to_string(),
        (Value::Missing, _) => "missing".to_string(),
        (Value::Duration(d), _) => show_duration(*d),
        (v, _) => v.to_json(&program.schema).to_string(),
    }
}

/// `3d 4h 5m`, `90s`, `-2h`, `0s`; sub-second remainders as fractional seconds.
pub fn show_duration(micros: i64) -> String {
    use crate::time::{DAY, HOUR, MINUTE, SECOND};
    if micros == 0 {
        return "0s".to_string();
    }
    let sign = if micros < 0 { "-" } else { "" };
    let mut rest = micros.unsigned_abs();
    let mut parts = Vec::new();
    for (unit, name) in [(DAY, "d"), (HOUR, "h"), (MINUTE, "m")] {
        let unit = unit.unsigned_abs();
        if rest >= unit {
            parts.push(format!("{}{name}", rest / unit));
            rest %= unit;
        }
    }
    let second = SECOND.unsigned_abs();
    if rest > 0 {
        if rest.is_multiple_of(second) {
            parts.push(format!("{}s", rest / second));
        } else {
            parts.push(format!("{}s", rest as f64 / second as f64));
        }
    }
    format!("{sign}{}", parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::show_duration;
    use crate::time::{DAY, HOUR, SECOND};

    #[test]
    fn durations_read_as_written() {
        assert_eq!(show_duration(0), "0s");
        assert_eq!(show_duration(3 * DAY + 4 * HOUR), "3d 4h");
        assert_eq!(show_duration(-2 * HOUR), "-2h");
        assert_eq!(show_duration(90 * SECOND), "1m 30s");
        assert_eq!(show_duration(SECOND / 2), "0.5s");
        assert_eq!(show_duration(i64::MIN).chars().next(), Some('-'));
    }
}
