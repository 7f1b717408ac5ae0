//! An expression's meaning as text, so that two expressions, perhaps of different
//! programs, can be compared: spans are gone, names are resolved to what they name
//! (a field by name and type, an enum variant by name, a tag by name), `let` constants
//! are already folded to their values by the checker, and nested `and`s (`or`s) are
//! flattened. Reformatting, or renaming a `let` with the same value, does not change it.

use std::fmt::Write as _;

use crate::ir::{AggTarget, ExprId, ExprKind, Program, Window};
use crate::schema::{EventId, PropId, Type};
use crate::value::Value;

/// The canonical text of `expr`.
pub fn canon(program: &Program, expr: ExprId) -> String {
    let mut out = String::new();
    write(program, expr, None, &mut out);
    out
}

/// `event` is the event type of the enclosing aggregate, whose properties a filter reads.
fn write(program: &Program, expr: ExprId, event: Option<EventId>, out: &mut String) {
    let node = program.expr(expr);
    let schema = &program.schema;
    let list = |out: &mut String, xs: &[ExprId]| {
        for &x in xs {
            out.push(' ');
            write(program, x, event, out);
        }
    };
    match &node.kind {
        ExprKind::Const(v) => {
            let _ = write!(
                out,
                "(const {} {})",
                type_name(program, node.ty),
                value(program, v)
            );
        }
        ExprKind::Field(f) => {
            let field = schema.fields.get(f.0 as usize);
            let name = field.map_or("?", |f| f.name.as_str());
            let _ = write!(out, "(field {name} {})", type_name(program, node.ty));
        }
        ExprKind::Tag(t) => {
            let name = program
                .tags
                .get(t.0 as usize)
                .map_or("?", |r| r.name.as_str());
            let _ = write!(out, "(tag {name})");
        }
        ExprKind::Segment(s) => {
            let name = program
                .segments
                .get(s.0 as usize)
                .map_or("?", |r| r.name.as_str());
            let _ = write!(out, "(segment {name})");
        }
        ExprKind::Now => out.push_str("now"),
        ExprKind::Start => out.push_str("start"),
        ExprKind::EventAt => out.push_str("(event at)"),
        ExprKind::EventProp(p) => {
            let name = event.map_or("?", |e| prop_name(program, e, *p));
            let _ = write!(out, "(event .{name} {})", type_name(program, node.ty));
        }
        ExprKind::Not(x) => unary("not", program, *x, event, out),
        ExprKind::Neg(x) => unary("neg", program, *x, event, out),
        ExprKind::ToFloat(x) => unary("float", program, *x, event, out),
        ExprKind::And(_) | ExprKind::Or(_) => {
            let is_and = matches!(node.kind, ExprKind::And(_));
            let mut flat = Vec::new();
            flatten(program, expr, is_and, &mut flat);
            out.push_str(if is_and { "(and" } else { "(or" });
            list(out, &flat);
            out.push(')');
        }
        ExprKind::Arith { op, lhs, rhs } => {
            let _ = write!(out, "({op:?}");
            list(out, &[*lhs, *rhs]);
            out.push(')');
        }
        ExprKind::Compare { op, lhs, rhs } => {
            let _ = write!(out, "({op:?}");
            list(out, &[*lhs, *rhs]);
            out.push(')');
        }
        ExprKind::InList {
            subject,
            list: items,
            negated,
        } => {
            out.push_str(if *negated { "(not-in" } else { "(in" });
            list(out, &[*subject]);
            for item in items {
                let _ = write!(out, " {}", value(program, item));
            }
            out.push(')');
        }
        ExprKind::SetContains { set, elem } => {
            out.push_str("(set-contains");
            list(out, &[*set, *elem]);
            out.push(')');
        }
        ExprKind::StrContains { text, part } => {
            out.push_str("(contains");
            list(out, &[*text, *part]);
            out.push(')');
        }
        ExprKind::Matches { subject, regex } => {
            let pattern = program
                .regexes
                .get(regex.0 as usize)
                .map_or("?", |r| r.as_str());
            out.push_str("(matches");
            list(out, &[*subject]);
            let _ = write!(out, " {pattern:?})");
        }
        ExprKind::Is { subject, present } => {
            out.push_str(if *present { "(present" } else { "(missing" });
            list(out, &[*subject]);
            out.push(')');
        }
        ExprKind::Sample { fraction, salt } => {
            let _ = write!(out, "(sample {fraction:?} {salt:?})");
        }
        ExprKind::Aggregate(agg) => {
            let _ = write!(out, "({:?} {}", agg.func, event_name(program, agg.event));
            match agg.target {
                AggTarget::Event => {}
                AggTarget::At => out.push_str(" .at"),
                AggTarget::Prop(p) => {
                    let _ = write!(out, " .{}", prop_name(program, agg.event, p));
                }
            }
            if let Some(filter) = agg.filter {
                // Inside the filter, properties are of this aggregate's event.
                out.push_str(" where ");
                write(program, filter, Some(agg.event), out);
            }
            match agg.window {
                Window::All => {}
                Window::Within(d) => {
                    out.push_str(" within ");
                    write(program, d, event, out);
                }
                Window::Since(t) => {
                    out.push_str(" since ");
                    write(program, t, event, out);
                }
            }
            out.push(')');
        }
        ExprKind::Case { arms, default } => {
            out.push_str("(case");
            for &(cond, value) in arms {
                list(out, &[cond, value]);
            }
            if let Some(d) = default {
                out.push_str(" else");
                list(out, &[*d]);
            }
            out.push(')');
        }
    }
}

fn unary(name: &str, program: &Program, x: ExprId, event: Option<EventId>, out: &mut String) {
    let _ = write!(out, "({name} ");
    write(program, x, event, out);
    out.push(')');
}

/// The operands of a chain of `and`s (or `or`s), nested ones spliced in.
fn flatten(program: &Program, expr: ExprId, is_and: bool, out: &mut Vec<ExprId>) {
    match &program.expr(expr).kind {
        ExprKind::And(xs) if is_and => xs.iter().for_each(|&x| flatten(program, x, is_and, out)),
        ExprKind::Or(xs) if !is_and => xs.iter().for_each(|&x| flatten(program, x, is_and, out)),
        _ => out.push(expr),
    }
}

fn event_name(program: &Program, event: EventId) -> &str {
    program
        .schema
        .events
        .get(event.0 as usize)
        .map_or("?", |e| e.name.as_str())
}

fn prop_name(program: &Program, event: EventId, prop: PropId) -> &str {
    program
        .schema
        .events
        .get(event.0 as usize)
        .and_then(|e| e.props.get(prop.0 as usize))
        .map_or("?", |p| p.name.as_str())
}

fn type_name(program: &Program, ty: Type) -> String {
    match ty {
        Type::Enum(e) if program.schema.enums.get(e.0 as usize).is_none() => "enum(?)".into(),
        ty => program.schema.type_name(ty),
    }
}

fn value(program: &Program, v: &Value) -> String {
    match v {
        // Debug keeps `-0.0` and NaN apart from `0.0`, which JSON text would not.
        Value::Float(f) => format!("{f:?}"),
        Value::Time(t) => format!("@{t}"),
        Value::Duration(d) => format!("{d}us"),
        Value::Enum(e, _) if program.schema.enums.get(e.0 as usize).is_none() => "?".into(),
        v => v.to_json(&program.schema).to_string(),
    }
}
