//! Calls: event aggregates, `since(t)` and `sample(p, salt)`.

use super::expr::{Scope, Want};
use super::graph::AGGREGATES;
use super::{Checker, Decl, codes, suggest};
use crate::ast::{self, ExprKind as A, WindowKind};
use crate::diagnostic::Diagnostic;
use crate::ir::{AggFunc, AggTarget, Aggregate, ArithOp, ExprId, ExprKind as K, Window};
use crate::schema::{EventId, Type};
use crate::source::Span;
use crate::value::Value;

const FUNCTIONS: &[&str] = &[
    "count", "exists", "sum", "avg", "min", "max", "first", "last", "streak", "since", "sample",
];

impl<'a> Checker<'a> {
    pub(super) fn lower_call(
        &mut self,
        call: &'a ast::Call,
        span: Span,
        scope: Scope,
    ) -> Option<ExprId> {
        let name = call.callee.name.as_str();
        if AGGREGATES.contains(&name) {
            if matches!(name, "first" | "last") {
                return self.lower_first_last(call, None, span, scope);
            }
            return self.lower_aggregate(call, None, span, scope);
        }
        if !FUNCTIONS.contains(&name) {
            let mut d = Diagnostic::error(
                codes::UNKNOWN_FUNCTION,
                call.callee.span,
                format!("unknown function `{name}`"),
            );
            d.help = Some(
                suggest::did_you_mean(name, FUNCTIONS.iter().copied())
                    .unwrap_or_else(|| format!("the functions are {}", FUNCTIONS.join(", "))),
            );
            self.error(d);
            return None;
        }
        if let Some(clause) = call
            .filter
            .as_ref()
            .map(|f| f.span)
            .or(call.window.as_ref().map(|w| w.span))
        {
            self.error(Diagnostic::error(
                codes::MISPLACED,
                clause,
                format!("`{name}` takes no `where`, `within` or `since` clause"),
            ));
            return None;
        }
        match name {
            "since" => {
                let [arg] = self.arity::<1>(call, "since(t)")?;
                if scope.constant {
                    return self.not_constant(span, "`since(...)`");
                }
                let t = self.lower(arg, scope, Want::Type(Type::Time))?;
                let t = self.expect_type(t, Type::Time, "a time")?;
                let now = self.push(K::Now, Type::Time, call.callee.span);
                Some(self.fold(
                    K::Arith {
                        op: ArithOp::Sub,
                        lhs: now,
                        rhs: t,
                    },
                    Type::Duration,
                    span,
                ))
            }
            _ => self.lower_sample(call, span, scope),
        }
    }

    fn lower_sample(&mut self, call: &'a ast::Call, span: Span, scope: Scope) -> Option<ExprId> {
        let [p, salt] = self.arity::<2>(call, "sample(10%, \"salt\")")?;
        if !scope.reads_profile() {
            return self.not_constant(span, "`sample(...)`");
        }
        let fraction = self.lower(p, Scope::constant(), Want::Type(Type::Float))?;
        let fraction = match &self.expr(fraction).kind {
            K::Const(Value::Float(f)) if (0.0..=1.0).contains(f) => *f,
            K::Const(Value::Int(i)) if (0..=1).contains(i) => *i as f64,
            _ => {
                self.error(
                    Diagnostic::error(
                        codes::BAD_ARGUMENTS,
                        p.span,
                        "the fraction of `sample` must be a constant from 0% to 100%",
                    )
                    .with_help("write `sample(10%, \"salt\")`"),
                );
                return None;
            }
        };
        let salt_id = self.lower(salt, Scope::constant(), Want::Type(Type::Str))?;
        let salt = match &self.expr(salt_id).kind {
            K::Const(Value::Str(s)) => s.clone(),
            _ => {
                self.error(Diagnostic::error(
                    codes::BAD_ARGUMENTS,
                    salt.span,
                    "the salt of `sample` must be a constant string",
                ));
                return None;
            }
        };
        Some(self.push(K::Sample { fraction, salt }, Type::Bool, span))
    }

    /// Exactly `N` arguments, or an error showing the expected form.
    fn arity<const N: usize>(
        &mut self,
        call: &'a ast::Call,
        form: &str,
    ) -> Option<[&'a ast::Expr; N]> {
        let args: Vec<&'a ast::Expr> = call.args.iter().collect();
        match <[&'a ast::Expr; N]>::try_from(args) {
            Ok(args) => Some(args),
            Err(args) => {
                self.error(
                    Diagnostic::error(
                        codes::BAD_ARGUMENTS,
                        call.callee.span,
                        format!(
                            "`{}` takes {N} argument{}, found {}",
                            call.callee.name,
                            if N == 1 { "" } else { "s" },
                            args.len()
                        ),
                    )
                    .with_help(format!("write `{form}`")),
                );
                None
            }
        }
    }

    /// `first(E ...).p`, `last(E.p ...)`: the earliest or latest matching event's value.
    pub(super) fn lower_first_last(
        &mut self,
        call: &'a ast::Call,
        member: Option<&'a ast::Ident>,
        span: Span,
        scope: Scope,
    ) -> Option<ExprId> {
        self.lower_aggregate(call, member, span, scope)
    }

    fn lower_aggregate(
        &mut self,
        call: &'a ast::Call,
        member: Option<&'a ast::Ident>,
        span: Span,
        scope: Scope,
    ) -> Option<ExprId> {
        let name = call.callee.name.as_str();
        let func = match name {
            "count" => AggFunc::Count,
            "exists" => AggFunc::Exists,
            "sum" => AggFunc::Sum,
            "avg" => AggFunc::Avg,
            "min" => AggFunc::Min,
            "max" => AggFunc::Max,
            "first" => AggFunc::First,
            "last" => AggFunc::Last,
            _ => AggFunc::Streak,
        };
        if scope.filter {
            self.error(
                Diagnostic::error(codes::NESTED_AGGREGATE, span, format!("`{name}` cannot be used inside a `where` filter"))
                    .with_help("a filter looks at one event at a time; compute the aggregate in its own tag and compare with that"),
            );
            return None;
        }
        if !scope.reads_profile() {
            return self.not_constant(span, &format!("`{name}(...)`"));
        }
        let [arg] = self.arity::<1>(call, &format!("{name}(event where condition within 7d)"))?;
        let (event, prop) = self.aggregate_target(arg, name)?;
        let (target, ty) = self.aggregate_type(func, event, prop, member, arg.span, span)?;
        let filter = match &call.filter {
            Some(f) => {
                let inner = Scope {
                    event: Some(event),
                    filter: true,
                    ..scope
                };
                let id = self.lower_bool(f, inner)?;
                self.warn_if_constant(id, "filter");
                Some(id)
            }
            None => None,
        };
        let window = match &call.window {
            None => Window::All,
            Some(w) => {
                let outer = Scope {
                    event: None,
                    ..scope
                };
                let (want, what) = match w.kind {
                    WindowKind::Within => (Type::Duration, "a duration after `within`"),
                    WindowKind::Since => (Type::Time, "a time after `since`"),
                };
                let bound = self.lower(&w.bound, outer, Want::Type(want))?;
                if let (WindowKind::Within, K::Const(Value::Int(n))) =
                    (w.kind, &self.expr(bound).kind)
                {
                    let n = *n;
                    self.error(
                        Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            w.bound.span,
                            format!("expected {what}, found int"),
                        )
                        .with_label("a number without a unit")
                        .with_help(format!(
                            "give the window a unit: `within {n}d` (or `s`, `m`, `h`, `w`)"
                        )),
                    );
                    return None;
                }
                let bound = self.expect_type(bound, want, what)?;
                match w.kind {
                    WindowKind::Within => Window::Within(bound),
                    WindowKind::Since => Window::Since(bound),
                }
            }
        };
        Some(self.push(
            K::Aggregate(Aggregate {
                func,
                event,
                target,
                filter,
                window,
            }),
            ty,
            span,
        ))
    }

    /// The event type an aggregate reads (`pay`) and the property it names (`pay.amount`).
    fn aggregate_target(
        &mut self,
        arg: &'a ast::Expr,
        func: &str,
    ) -> Option<(EventId, Option<&'a ast::Ident>)> {
        let (event, prop) = match &arg.kind {
            A::Name(n) => (n, None),
            A::Member { object, name } => match &object.kind {
                A::Name(n) => (n, Some(name)),
                _ => return self.not_an_event(arg.span, func),
            },
            _ => return self.not_an_event(arg.span, func),
        };
        self.refer(event.span, &event.name);
        match self.names.get(event.name.as_str()) {
            Some(&(Decl::Event(id), _)) => Some((id, prop)),
            Some(&(decl, _)) => {
                self.error(
                    Diagnostic::error(
                        codes::BAD_ARGUMENTS,
                        event.span,
                        format!(
                            "`{func}` reads events, but `{}` is {}",
                            event.name,
                            decl.a()
                        ),
                    )
                    .with_help(format!("write `{func}(event_name ...)`")),
                );
                None
            }
            None => {
                let events: Vec<&str> = self
                    .program
                    .schema
                    .events
                    .iter()
                    .map(|e| e.name.as_str())
                    .collect();
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_NAME,
                    event.span,
                    format!("unknown event `{}`", event.name),
                )
                .with_label("not a declared event");
                d.help = suggest::did_you_mean(&event.name, events)
                    .or_else(|| Some(format!("declare it: `event {} {{ ... }}`", event.name)));
                self.error(d);
                None
            }
        }
    }

    fn not_an_event<T>(&mut self, span: Span, func: &str) -> Option<T> {
        self.error(
            Diagnostic::error(
                codes::BAD_ARGUMENTS,
                span,
                format!("`{func}` needs an event type or an event property"),
            )
            .with_help(format!("write `{func}(pay)` or `{func}(pay.amount)`")),
        );
        None
    }

    /// What the aggregate reads of each event and the type of its result.
    fn aggregate_type(
        &mut self,
        func: AggFunc,
        event: EventId,
        prop: Option<&'a ast::Ident>,
        member: Option<&'a ast::Ident>,
        arg_span: Span,
        span: Span,
    ) -> Option<(AggTarget, Type)> {
        let fname = format!("{func:?}").to_lowercase();
        let reads = match (prop, member) {
            (Some(_), Some(m)) => {
                self.error(Diagnostic::error(
                    codes::BAD_ARGUMENTS,
                    m.span,
                    format!("`{fname}` already reads a property; remove `.{}`", m.name),
                ));
                return None;
            }
            (p, m) => p.or(m),
        };
        let target = match reads {
            None => None,
            Some(ident) => Some((self.event_property(event, ident)?, ident.span)),
        };
        let event_name = self.program.schema.event_def(event).name.clone();
        match func {
            AggFunc::Count | AggFunc::Exists | AggFunc::Streak => {
                if let Some((_, pspan)) = target {
                    self.error(
                        Diagnostic::error(
                            codes::BAD_ARGUMENTS,
                            pspan,
                            format!("`{fname}` counts events and reads no property"),
                        )
                        .with_help(format!("write `{fname}({event_name} where ...)`")),
                    );
                    return None;
                }
                let ty = if func == AggFunc::Exists {
                    Type::Bool
                } else {
                    Type::Int
                };
                Some((AggTarget::Event, ty))
            }
            _ => {
                let Some(((t, ty), _)) = target else {
                    let help = match func {
                        AggFunc::First | AggFunc::Last => {
                            format!("read a property of the event: `{fname}({event_name}).at`")
                        }
                        _ => format!("aggregate a property: `{fname}({event_name}.some_property)`"),
                    };
                    self.error(
                        Diagnostic::error(
                            codes::BAD_ARGUMENTS,
                            arg_span,
                            format!("`{fname}` needs a property of `{event_name}`"),
                        )
                        .with_help(help),
                    );
                    return None;
                };
                let result = match func {
                    AggFunc::Sum if ty.is_numeric() => ty,
                    AggFunc::Avg if ty.is_numeric() => Type::Float,
                    AggFunc::Min | AggFunc::Max
                        if matches!(
                            ty,
                            Type::Int | Type::Float | Type::Time | Type::Duration | Type::Str
                        ) =>
                    {
                        ty
                    }
                    AggFunc::First | AggFunc::Last => ty,
                    _ => {
                        let found = self.type_name(ty);
                        self.error(
                            Diagnostic::error(
                                codes::TYPE_MISMATCH,
                                span,
                                format!("`{fname}` does not apply to {found}"),
                            )
                            .with_label(format!("this reads {found}")),
                        );
                        return None;
                    }
                };
                Some((t, result))
            }
        }
    }

    /// `at` or a declared property of `event`, with its type; reports an unknown one.
    pub(super) fn event_property(
        &mut self,
        event: EventId,
        ident: &ast::Ident,
    ) -> Option<(AggTarget, Type)> {
        if ident.name == "at" {
            self.refer_prop(ident.span, event, &ident.name);
            return Some((AggTarget::At, Type::Time));
        }
        let def = self.program.schema.event_def(event);
        if let Some(p) = def.prop(&ident.name) {
            let ty = def.props[p.0 as usize].ty;
            self.refer_prop(ident.span, event, &ident.name);
            return Some((AggTarget::Prop(p), ty));
        }
        let names: Vec<&str> = def
            .props
            .iter()
            .map(|p| p.name.as_str())
            .chain(["at"])
            .collect();
        let mut d = Diagnostic::error(
            codes::UNKNOWN_PROPERTY,
            ident.span,
            format!("event `{}` has no property `{}`", def.name, ident.name),
        );
        d.help = Some(
            suggest::did_you_mean(&ident.name, names.iter().copied())
                .unwrap_or_else(|| format!("its properties are {}", names.join(", "))),
        );
        self.error(d);
        None
    }
}
