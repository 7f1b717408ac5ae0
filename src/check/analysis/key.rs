//! The canonical text of an expression: equal for expressions written alike (whatever
//! their spans), with valued tags inlined. It names terms and opaque atoms, and decides
//! whether two valued tags are the same.

use std::fmt::Write as _;

use super::build::Builder;
use crate::ir::{AggFunc, AggTarget, Aggregate, ExprId, ExprKind as K, Window};

/// A term's canonical text beyond which a tag is named rather than inlined in it.
const MAX_KEY: usize = 4096;

impl Builder<'_> {
    /// The canonical text of an expression: equal for expressions written alike
    /// (whatever their spans), with valued tags inlined.
    pub(super) fn key(&mut self, id: ExprId) -> String {
        let mut out = String::new();
        self.write_key(id, &mut out);
        out
    }

    fn write_key(&mut self, id: ExprId, out: &mut String) {
        stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || {
            self.write_key_on_stack(id, out);
        });
    }

    fn write_key_on_stack(&mut self, id: ExprId, out: &mut String) {
        let program = self.program;
        let expr = program.expr(id);
        let _ = write!(out, "(");
        match &expr.kind {
            K::Const(v) => {
                let _ = write!(out, "{v:?}");
            }
            K::Field(f) => {
                let _ = write!(out, "field {}", f.0);
            }
            K::Tag(t) => {
                let key = match self.tag_keys.get(&t.0) {
                    Some(k) => k.clone(),
                    None => {
                        let k = self.key(program.tag(*t).body);
                        let k = if k.len() > MAX_KEY {
                            format!("tag {}", t.0)
                        } else {
                            k
                        };
                        self.tag_keys.insert(t.0, k.clone());
                        k
                    }
                };
                out.push_str(&key);
            }
            K::Segment(s) => {
                let _ = write!(out, "segment {}", s.0);
            }
            K::Now => out.push_str("now"),
            K::Start => out.push_str("start"),
            K::EventAt => out.push_str("at"),
            K::EventProp(p) => {
                let _ = write!(out, "prop {}", p.0);
            }
            K::Not(x) => self.key_op("not", &[*x], out),
            K::Neg(x) => self.key_op("neg", &[*x], out),
            K::ToFloat(x) => self.key_op("float", &[*x], out),
            K::And(xs) => self.key_op("and", xs, out),
            K::Or(xs) => self.key_op("or", xs, out),
            K::Arith { op, lhs, rhs } => self.key_op(&format!("{op:?}"), &[*lhs, *rhs], out),
            K::Compare { op, lhs, rhs } => self.key_op(&format!("{op:?}"), &[*lhs, *rhs], out),
            K::InList {
                subject,
                list,
                negated,
            } => {
                let _ = write!(out, "in {negated} {list:?}");
                self.write_key(*subject, out);
            }
            K::SetContains { set, elem } => self.key_op("set-contains", &[*set, *elem], out),
            K::StrContains { text, part } => self.key_op("str-contains", &[*text, *part], out),
            K::Matches { subject, regex } => {
                let pattern = program.regex(*regex).as_str();
                let _ = write!(out, "matches {pattern:?}");
                self.write_key(*subject, out);
            }
            K::Is { subject, present } => self.key_op(&format!("is {present}"), &[*subject], out),
            K::Sample { fraction, salt } => {
                let _ = write!(out, "sample {} {salt:?}", fraction.to_bits());
            }
            K::Aggregate(agg) => self.write_agg(agg.func, agg, out),
            K::Case { arms, default } => {
                out.push_str("case");
                for (c, v) in arms {
                    self.key_op("arm", &[*c, *v], out);
                }
                if let Some(d) = default {
                    self.key_op("else", &[*d], out);
                }
            }
        }
        out.push(')');
    }

    pub(super) fn write_agg(&mut self, func: AggFunc, agg: &Aggregate, out: &mut String) {
        let target = match (func, agg.target) {
            (AggFunc::Count | AggFunc::Exists | AggFunc::Streak, _) | (_, AggTarget::Event) => {
                "event".to_string()
            }
            (_, AggTarget::At) => "at".to_string(),
            (_, AggTarget::Prop(p)) => format!("prop {}", p.0),
        };
        let _ = write!(out, "{func:?} {} {target}", agg.event.0);
        if let Some(f) = agg.filter {
            self.key_op(" where", &[f], out);
        }
        let window = self.window_key(agg.window);
        out.push_str(&window);
    }

    fn key_op(&mut self, op: &str, args: &[ExprId], out: &mut String) {
        out.push_str(op);
        for a in args {
            out.push(' ');
            self.write_key(*a, out);
        }
    }

    fn window_key(&mut self, window: Window) -> String {
        match window {
            Window::All => "(all)".into(),
            Window::Within(d) => format!("(within {})", self.key(d)),
            Window::Since(t) => format!("(since {})", self.key(t)),
        }
    }
}
