//! Pass 3: expressions to typed IR.

use super::{Checker, Const, Decl, codes, suggest};
use crate::ast::{self, BinaryOp, ExprKind as A, UnaryOp};
use crate::diagnostic::Diagnostic;
use crate::ir::{ArithOp, CmpOp, ExprId, ExprKind as K};
use crate::schema::{EnumId, EventId, Type};
use crate::source::Span;
use crate::time;
use crate::value::Value;

/// What the context of an expression expects, so literals and bare names can adapt:
/// a string literal where a `time` is expected is parsed as one, a bare enum variant
/// where a condition is expected is the enum shorthand.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(super) enum Want {
    Any,
    Bool,
    Type(Type),
}

/// Where an expression stands.
#[derive(Copy, Clone, Debug)]
pub(super) struct Scope {
    /// Inside an aggregate's `where` filter (or `on E where`): that event's properties
    /// and `at` are in scope.
    pub event: Option<EventId>,
    /// Inside a trigger: `start` is in scope.
    pub trigger: bool,
    /// The value must be known at compile time (`let`): no profile, no `now`.
    pub constant: bool,
    /// A test's `given` value: no profile, but `now` is allowed.
    pub given: bool,
    /// Inside an aggregate's `where` filter, where another aggregate cannot stand.
    pub filter: bool,
}

impl Scope {
    pub fn profile() -> Scope {
        Scope {
            event: None,
            trigger: false,
            constant: false,
            given: false,
            filter: false,
        }
    }

    pub fn constant() -> Scope {
        Scope {
            constant: true,
            ..Scope::profile()
        }
    }

    pub fn reads_profile(self) -> bool {
        !self.constant && !self.given
    }
}

impl<'a> Checker<'a> {
    /// Lowers an expression that must be a condition.
    pub(super) fn lower_bool(&mut self, e: &'a ast::Expr, scope: Scope) -> Option<ExprId> {
        let id = self.lower(e, scope, Want::Bool)?;
        self.expect_type(id, Type::Bool, "a condition (bool)")
    }

    /// Reports a mismatch unless `id` has type `want`; an int is accepted as a float.
    pub(super) fn expect_type(&mut self, id: ExprId, want: Type, what: &str) -> Option<ExprId> {
        let ty = self.ty(id);
        if ty == want {
            return Some(id);
        }
        if ty == Type::Int && want == Type::Float {
            return Some(self.widen(id));
        }
        let found = self.type_name(ty);
        let span = self.expr(id).span;
        self.error(
            Diagnostic::error(
                codes::TYPE_MISMATCH,
                span,
                format!("expected {what}, found {found}"),
            )
            .with_label(format!("this is {found}")),
        );
        None
    }

    /// Lowers an expression, growing the stack on demand: the parser bounds nesting,
    /// but a host may call this on a small thread.
    pub(super) fn lower(&mut self, e: &'a ast::Expr, scope: Scope, want: Want) -> Option<ExprId> {
        stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || {
            self.lower_on_stack(e, scope, want)
        })
    }

    fn lower_on_stack(&mut self, e: &'a ast::Expr, scope: Scope, want: Want) -> Option<ExprId> {
        let span = e.span;
        match &e.kind {
            A::Bool(b) => Some(self.constant(Value::Bool(*b), span)),
            A::Int(i) => Some(match want {
                Want::Type(Type::Float) => self.constant(Value::Float(*i as f64), span),
                _ => self.constant(Value::Int(*i), span),
            }),
            A::Float(f) => Some(self.constant(Value::Float(*f), span)),
            A::Percent(f) => Some(self.constant(Value::Float(*f), span)),
            A::Duration(d) => Some(self.constant(Value::Duration(*d), span)),
            A::Str(s) => self.lower_string(s, span, want),
            A::List(_) => {
                self.error(
                    Diagnostic::error(
                        codes::MISPLACED,
                        span,
                        "a list can only follow `in` or `not in`",
                    )
                    .with_help("write `x in [a, b]`, or name the list with `let`"),
                );
                None
            }
            A::Name(ident) => self.lower_name(ident, scope, want),
            A::Unary {
                op: UnaryOp::Not,
                operand,
            } => {
                let inner = self.lower_bool(operand, scope)?;
                Some(self.fold(K::Not(inner), Type::Bool, span))
            }
            A::Unary {
                op: UnaryOp::Neg,
                operand,
            } => {
                let inner = self.lower(operand, scope, Want::Any)?;
                let ty = self.ty(inner);
                if !matches!(ty, Type::Int | Type::Float | Type::Duration) {
                    return self.bad_operand("-", inner, "a number or a duration");
                }
                Some(self.fold(K::Neg(inner), ty, span))
            }
            A::Binary { op, lhs, rhs } => self.lower_binary(*op, lhs, rhs, span, scope),
            A::Conjunction(parts) => {
                let mut ids = Vec::with_capacity(parts.len());
                for part in parts {
                    ids.push(self.lower_bool(part, scope));
                }
                let ids: Option<Vec<ExprId>> = ids.into_iter().collect();
                // `a and b, c` is one conjunction of three parts.
                let mut parts = Vec::new();
                for id in ids? {
                    match &self.expr(id).kind {
                        K::And(inner) => parts.extend(inner.iter().copied()),
                        _ => parts.push(id),
                    }
                }
                Some(self.fold(K::And(parts), Type::Bool, span))
            }
            A::Matches { subject, pattern } => {
                let s = self.lower(subject, scope, Want::Any)?;
                if !matches!(self.ty(s), Type::Str | Type::Enum(_)) {
                    return self.bad_operand("matches", s, "a string");
                }
                let regex = self.compile_regex(pattern)?;
                Some(self.fold(K::Matches { subject: s, regex }, Type::Bool, span))
            }
            A::Is { subject, present } => {
                let s = self.lower(subject, scope, Want::Any)?;
                if matches!(self.expr(s).kind, K::Tag(_) | K::Segment(_))
                    && self.ty(s) == Type::Bool
                {
                    self.error(
                        Diagnostic::warning(
                            codes::CONSTANT_CONDITION,
                            span,
                            format!("this is always {present}: a condition tag or segment is never missing"),
                        )
                        .with_help("test the fields it reads instead, e.g. `paid is missing`"),
                    );
                }
                Some(self.fold(
                    K::Is {
                        subject: s,
                        present: *present,
                    },
                    Type::Bool,
                    span,
                ))
            }
            A::Member { object, name } => self.lower_member(object, name, span, scope),
            A::Call(call) => self.lower_call(call, span, scope),
            A::Case { arms, default } => {
                self.lower_case(arms, default.as_deref(), span, scope, want)
            }
        }
    }

    pub(super) fn constant(&mut self, value: Value, span: Span) -> ExprId {
        let ty = value.type_of().unwrap_or(Type::Bool);
        self.push(K::Const(value), ty, span)
    }

    fn lower_string(&mut self, s: &str, span: Span, want: Want) -> Option<ExprId> {
        match want {
            Want::Type(Type::Time) => {
                match time::parse_instant(s) {
                    Some(t) => Some(self.constant(Value::Time(t), span)),
                    None => {
                        self.error(
                        Diagnostic::error(codes::BAD_TIME, span, format!("`{s}` is not a valid time"))
                            .with_label("expected a time here")
                            .with_help("write RFC 3339 (\"2026-11-01T08:00:00Z\") or a date (\"2026-11-01\")"),
                    );
                        None
                    }
                }
            }
            Want::Type(Type::Enum(e)) => self.variant(e, s, span),
            _ => Some(self.constant(Value::Str(s.into()), span)),
        }
    }

    /// The constant for variant `name` of enum `e`, or an error listing the variants.
    fn variant(&mut self, e: EnumId, name: &str, span: Span) -> Option<ExprId> {
        let def = self.program.schema.enum_def(e);
        if let Some(v) = def.variant(name) {
            return Some(self.push(K::Const(Value::Enum(e, v)), Type::Enum(e), span));
        }
        let variants = def.variants.clone();
        let mut d = Diagnostic::error(
            codes::UNKNOWN_VARIANT,
            span,
            format!(
                "`{name}` is not a variant of {}",
                self.type_name(Type::Enum(e))
            ),
        );
        d.help = Some(
            suggest::did_you_mean(name, variants.iter().map(String::as_str))
                .unwrap_or_else(|| format!("the variants are {}", variants.join(", "))),
        );
        self.error(d);
        None
    }

    fn lower_name(&mut self, ident: &'a ast::Ident, scope: Scope, want: Want) -> Option<ExprId> {
        let name = ident.name.as_str();
        let span = ident.span;
        if let Some(event) = scope.event {
            if name == "at" {
                self.refer_prop(span, event, name);
                return Some(self.push(K::EventAt, Type::Time, span));
            }
            let def = self.program.schema.event_def(event);
            if let Some(p) = def.prop(name) {
                let ty = def.props[p.0 as usize].ty;
                self.refer_prop(span, event, name);
                return Some(self.push(K::EventProp(p), ty, span));
            }
        }
        match name {
            "now" if scope.constant => return self.not_constant(span, "`now`"),
            "now" => return Some(self.push(K::Now, Type::Time, span)),
            "start" if !scope.trigger => {
                self.error(
                    Diagnostic::error(
                        codes::MISPLACED,
                        span,
                        "`start` is only defined inside a trigger",
                    )
                    .with_help("`start` is the time a trigger instance started"),
                );
                return None;
            }
            "start" => return Some(self.push(K::Start, Type::Time, span)),
            _ => {}
        }
        if let Some(&(decl, _)) = self.names.get(name) {
            self.refer(span, name);
            return self.lower_decl(decl, ident, scope, want);
        }
        if let Some(id) = self.lower_variant_name(ident, want) {
            return id;
        }
        let mut candidates: Vec<&str> = self.names.keys().copied().collect();
        if let Some(event) = scope.event {
            candidates.extend(
                self.program
                    .schema
                    .event_def(event)
                    .props
                    .iter()
                    .map(|p| p.name.as_str()),
            );
        }
        let mut d = Diagnostic::error(codes::UNKNOWN_NAME, span, format!("unknown name `{name}`"))
            .with_label("not declared");
        d.help = suggest::did_you_mean(name, candidates);
        self.error(d);
        None
    }

    fn lower_decl(
        &mut self,
        decl: Decl,
        ident: &'a ast::Ident,
        scope: Scope,
        want: Want,
    ) -> Option<ExprId> {
        let span = ident.span;
        let name = &ident.name;
        match decl {
            Decl::Field(_) | Decl::Tag(_) | Decl::Segment(_) | Decl::Key
                if !scope.reads_profile() =>
            {
                if scope.constant {
                    return self.not_constant(span, &format!("`{name}` (a {})", decl.describe()));
                }
                self.error(
                    Diagnostic::error(
                        codes::NOT_CONSTANT,
                        span,
                        format!(
                            "a test's `given` value cannot read the profile, but `{name}` is {}",
                            decl.a()
                        ),
                    )
                    .with_label("reads the profile")
                    .with_help("write the value itself, e.g. `age: 30` or `signup_at: now - 2d`"),
                );
                None
            }
            Decl::Field(id) => {
                let ty = self.program.schema.field_def(id).ty;
                Some(self.push(K::Field(id), ty, span))
            }
            Decl::Key => {
                self.error(
                    Diagnostic::error(codes::MISPLACED, span, "the profile key `id` cannot be used in rules")
                        .with_help("`id` identifies a profile; use `sample(p, \"salt\")` to pick profiles at random"),
                );
                None
            }
            Decl::Tag(id) => {
                let (_, ty) = self.tags[id.0 as usize].checked?;
                Some(self.push(K::Tag(id), ty, span))
            }
            Decl::Segment(id) => {
                self.segments[id.0 as usize].checked?;
                Some(self.push(K::Segment(id), Type::Bool, span))
            }
            Decl::Let(i) => {
                self.lets[i].used = true;
                match self.lets[i].value.clone()? {
                    // A string constant adapts like a string literal: a time, a variant.
                    Const::Scalar(Value::Str(text), _) => self.lower_string(&text, span, want),
                    Const::Scalar(v, ty) => Some(self.push(K::Const(v), ty, span)),
                    Const::List(..) => {
                        self.error(
                            Diagnostic::error(
                                codes::MISPLACED,
                                span,
                                format!(
                                    "`{name}` is a list; a list can only follow `in` or `not in`"
                                ),
                            )
                            .with_help(format!("write `x in {name}`")),
                        );
                        None
                    }
                }
            }
            Decl::Event(_) => {
                self.error(
                    Diagnostic::error(codes::MISPLACED, span, format!("event `{name}` is not a value"))
                        .with_help(format!("read events through an aggregate, such as `exists({name})` or `count({name} within 7d)`")),
                );
                None
            }
            Decl::Channel(_) | Decl::Trigger(_) => {
                self.error(Diagnostic::error(
                    codes::MISPLACED,
                    span,
                    format!("{} `{name}` is not a value", decl.describe()),
                ));
                None
            }
        }
    }

    /// A bare name that is an enum variant: with a known enum type, that variant; as a
    /// condition, the shorthand `field == variant` for the one profile field having it.
    /// `None` if the name is no variant at all.
    fn lower_variant_name(&mut self, ident: &ast::Ident, want: Want) -> Option<Option<ExprId>> {
        let name = ident.name.as_str();
        let span = ident.span;
        if let Want::Type(Type::Enum(e)) = want {
            return Some(self.variant(e, name, span));
        }
        if want == Want::Bool {
            let fields: Vec<_> = (0..self.program.schema.fields.len())
                .filter_map(|i| {
                    let f = &self.program.schema.fields[i];
                    match f.ty {
                        Type::Enum(e) => self
                            .program
                            .schema
                            .enum_def(e)
                            .variant(name)
                            .map(|v| (i, e, v)),
                        _ => None,
                    }
                })
                .collect();
            match fields.as_slice() {
                [] => {}
                [(i, e, v)] => {
                    let field = self.push(
                        K::Field(crate::schema::FieldId(*i as u32)),
                        Type::Enum(*e),
                        span,
                    );
                    let value = self.push(K::Const(Value::Enum(*e, *v)), Type::Enum(*e), span);
                    return Some(Some(self.push(
                        K::Compare {
                            op: CmpOp::Eq,
                            lhs: field,
                            rhs: value,
                        },
                        Type::Bool,
                        span,
                    )));
                }
                many => {
                    let names: Vec<String> = many
                        .iter()
                        .map(|(i, _, _)| format!("`{}`", self.program.schema.fields[*i].name))
                        .collect();
                    let example = &self.program.schema.fields[many[0].0].name;
                    self.error(
                        Diagnostic::error(
                            codes::AMBIGUOUS_VARIANT,
                            span,
                            format!(
                                "`{name}` is a variant of several fields: {}",
                                names.join(", ")
                            ),
                        )
                        .with_label("which field?")
                        .with_help(format!("compare explicitly, e.g. `{example} == {name}`")),
                    );
                    return Some(None);
                }
            }
        }
        // Without context, a variant of exactly one enum type stands for itself.
        let owners: Vec<(EnumId, u32)> = self
            .program
            .schema
            .enums
            .iter()
            .enumerate()
            .filter_map(|(i, def)| def.variant(name).map(|v| (EnumId(i as u32), v)))
            .collect();
        match owners.as_slice() {
            [] => None,
            [(e, v)] => Some(Some(self.push(
                K::Const(Value::Enum(*e, *v)),
                Type::Enum(*e),
                span,
            ))),
            many => {
                let types: Vec<String> = many
                    .iter()
                    .map(|(e, _)| self.type_name(Type::Enum(*e)))
                    .collect();
                // An example with this variant and a field that has it.
                let field =
                    self.program.schema.fields.iter().find(
                        |f| matches!(f.ty, Type::Enum(e) if many.iter().any(|(m, _)| *m == e)),
                    );
                let help = match field {
                    Some(f) => format!("compare it with a field, e.g. `{} == {name}`", f.name),
                    None => format!("compare it with a field, e.g. `some_field == {name}`"),
                };
                self.error(
                    Diagnostic::error(
                        codes::AMBIGUOUS_VARIANT,
                        span,
                        format!(
                            "`{name}` is a variant of several enum types: {}",
                            types.join(", ")
                        ),
                    )
                    .with_help(help),
                );
                Some(None)
            }
        }
    }

    /// A bare name or string literal whose type comes from the other operand.
    fn adapts(&self, e: &ast::Expr, scope: Scope) -> bool {
        match &e.kind {
            A::Str(_) => true,
            // An event property (or `at`) in a filter has its declared type.
            A::Name(n)
                if scope
                    .event
                    .is_some_and(|ev| self.is_event_name(ev, &n.name)) =>
            {
                false
            }
            A::Name(n) => match self.names.get(n.name.as_str()) {
                Some(&(Decl::Let(i), _)) => {
                    matches!(self.lets[i].value, Some(Const::Scalar(Value::Str(_), _)))
                }
                Some(_) => false,
                None => !matches!(n.name.as_str(), "now" | "start"),
            },
            _ => false,
        }
    }

    fn is_event_name(&self, event: EventId, name: &str) -> bool {
        name == "at" || self.program.schema.event_def(event).prop(name).is_some()
    }

    /// Both operands of a binary operator, the adaptable one lowered knowing the other's type.
    fn lower_pair(
        &mut self,
        lhs: &'a ast::Expr,
        rhs: &'a ast::Expr,
        scope: Scope,
    ) -> Option<(ExprId, ExprId)> {
        if self.adapts(lhs, scope) && !self.adapts(rhs, scope) {
            let r = self.lower(rhs, scope, Want::Any)?;
            let l = self.lower(lhs, scope, Want::Type(self.ty(r)))?;
            Some((l, r))
        } else {
            let l = self.lower(lhs, scope, Want::Any);
            let want = l.map_or(Want::Any, |l| Want::Type(self.ty(l)));
            let r = self.lower(rhs, scope, want);
            Some((l?, r?))
        }
    }

    fn lower_binary(
        &mut self,
        op: BinaryOp,
        lhs: &'a ast::Expr,
        rhs: &'a ast::Expr,
        span: Span,
        scope: Scope,
    ) -> Option<ExprId> {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let l = self.lower_bool(lhs, scope);
                let r = self.lower_bool(rhs, scope);
                let (l, r) = (l?, r?);
                // Flatten chains: `a and b and c` is one node.
                let mut parts = Vec::new();
                for side in [l, r] {
                    match (&self.expr(side).kind, op) {
                        (K::And(inner), BinaryOp::And) | (K::Or(inner), BinaryOp::Or) => {
                            parts.extend(inner.iter().copied())
                        }
                        _ => parts.push(side),
                    }
                }
                let kind = if op == BinaryOp::And {
                    K::And(parts)
                } else {
                    K::Or(parts)
                };
                Some(self.fold(kind, Type::Bool, span))
            }
            BinaryOp::In | BinaryOp::NotIn => {
                self.lower_in(lhs, rhs, op == BinaryOp::NotIn, span, scope)
            }
            BinaryOp::Contains => {
                let (l, r) = self.lower_pair_contains(lhs, rhs, scope)?;
                let kind = match self.ty(l) {
                    Type::StrSet => K::SetContains { set: l, elem: r },
                    _ => K::StrContains { text: l, part: r },
                };
                Some(self.fold(kind, Type::Bool, span))
            }
            _ if op.is_comparison() => {
                let (l, r) = self.lower_pair(lhs, rhs, scope)?;
                self.lower_compare(op, l, r, span)
            }
            _ => {
                let (l, r) = self.lower_pair(lhs, rhs, scope)?;
                self.lower_arith(op, l, r, span)
            }
        }
    }

    fn lower_pair_contains(
        &mut self,
        lhs: &'a ast::Expr,
        rhs: &'a ast::Expr,
        scope: Scope,
    ) -> Option<(ExprId, ExprId)> {
        let l = self.lower(lhs, scope, Want::Any)?;
        if !matches!(self.ty(l), Type::StrSet | Type::Str) {
            self.bad_operand("contains", l, "a set<string> or a string");
            return None;
        }
        let r = self.lower(rhs, scope, Want::Type(Type::Str))?;
        let r = self.expect_type(r, Type::Str, "a string")?;
        Some((l, r))
    }

    fn lower_compare(&mut self, op: BinaryOp, l: ExprId, r: ExprId, span: Span) -> Option<ExprId> {
        let (l, r) = self.unify_numeric(l, r);
        let (lt, rt) = (self.ty(l), self.ty(r));
        if lt != rt {
            let (ln, rn) = (self.type_name(lt), self.type_name(rt));
            self.error(
                // The labels sit on the two operands, not on the whole comparison:
                // miette draws labels nested inside the primary span at the wrong place.
                Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    self.expr(l).span,
                    format!("cannot compare {ln} with {rn}"),
                )
                .with_label(format!("this is {ln}"))
                .with_note(self.expr(r).span, format!("this is {rn}")),
            );
            return None;
        }
        let ordered = matches!(
            lt,
            Type::Int | Type::Float | Type::Time | Type::Duration | Type::Str
        );
        let equality = matches!(op, BinaryOp::Eq | BinaryOp::Ne);
        if lt == Type::StrSet || (!equality && !ordered) {
            let name = self.type_name(lt);
            self.error(Diagnostic::error(
                codes::TYPE_MISMATCH,
                span,
                format!("`{}` does not apply to {name}", op.symbol()),
            ));
            return None;
        }
        let op = match op {
            BinaryOp::Eq => CmpOp::Eq,
            BinaryOp::Ne => CmpOp::Ne,
            BinaryOp::Lt => CmpOp::Lt,
            BinaryOp::Le => CmpOp::Le,
            BinaryOp::Gt => CmpOp::Gt,
            _ => CmpOp::Ge,
        };
        Some(self.fold(K::Compare { op, lhs: l, rhs: r }, Type::Bool, span))
    }

    fn lower_arith(&mut self, op: BinaryOp, l: ExprId, r: ExprId, span: Span) -> Option<ExprId> {
        use Type::{Duration as D, Float as F, Int as I, Time as T};
        // `/` on numbers is float division; on durations, their ratio.
        let numeric = self.ty(l).is_numeric() && self.ty(r).is_numeric();
        let (l, r) = if op == BinaryOp::Div && numeric {
            (self.int_widen(l), self.int_widen(r))
        } else {
            self.unify_numeric(l, r)
        };
        let (lt, rt) = (self.ty(l), self.ty(r));
        let (arith, ty) = match (op, lt, rt) {
            (BinaryOp::Add, I, I) => (ArithOp::Add, I),
            (BinaryOp::Add, F, F) => (ArithOp::Add, F),
            (BinaryOp::Add, T, D) | (BinaryOp::Add, D, T) => (ArithOp::Add, T),
            (BinaryOp::Add, D, D) => (ArithOp::Add, D),
            (BinaryOp::Sub, I, I) => (ArithOp::Sub, I),
            (BinaryOp::Sub, F, F) => (ArithOp::Sub, F),
            (BinaryOp::Sub, T, T) => (ArithOp::Sub, D),
            (BinaryOp::Sub, T, D) => (ArithOp::Sub, T),
            (BinaryOp::Sub, D, D) => (ArithOp::Sub, D),
            (BinaryOp::Mul, I, I) => (ArithOp::Mul, I),
            (BinaryOp::Mul, F, F) => (ArithOp::Mul, F),
            (BinaryOp::Mul, D, I) | (BinaryOp::Mul, I, D) => (ArithOp::Mul, D),
            (BinaryOp::Div, F, F) | (BinaryOp::Div, D, D) => (ArithOp::Div, F),
            (BinaryOp::Rem, I, I) => (ArithOp::Rem, I),
            (BinaryOp::Rem, F, F) => (ArithOp::Rem, F),
            (BinaryOp::Rem, D, D) => (ArithOp::Rem, D),
            _ => {
                let (ln, rn) = (self.type_name(lt), self.type_name(rt));
                self.error(
                    // Labels on the operands (see `lower_compare`).
                    Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        self.expr(l).span,
                        format!("`{}` does not apply to {ln} and {rn}", op.symbol()),
                    )
                    .with_label(format!("this is {ln}"))
                    .with_note(self.expr(r).span, format!("this is {rn}")),
                );
                return None;
            }
        };
        Some(self.fold(
            K::Arith {
                op: arith,
                lhs: l,
                rhs: r,
            },
            ty,
            span,
        ))
    }

    /// Where an int meets a float, the int is converted.
    fn unify_numeric(&mut self, l: ExprId, r: ExprId) -> (ExprId, ExprId) {
        match (self.ty(l), self.ty(r)) {
            (Type::Int, Type::Float) => (self.widen(l), r),
            (Type::Float, Type::Int) => (l, self.widen(r)),
            _ => (l, r),
        }
    }

    fn int_widen(&mut self, id: ExprId) -> ExprId {
        if self.ty(id) == Type::Int {
            self.widen(id)
        } else {
            id
        }
    }

    pub(super) fn widen(&mut self, id: ExprId) -> ExprId {
        let span = self.expr(id).span;
        self.fold(K::ToFloat(id), Type::Float, span)
    }

    fn lower_in(
        &mut self,
        lhs: &'a ast::Expr,
        rhs: &'a ast::Expr,
        negated: bool,
        span: Span,
        scope: Scope,
    ) -> Option<ExprId> {
        let subject = self.lower(lhs, scope, Want::Any)?;
        let ty = self.ty(subject);
        let items: Option<Vec<Value>> = match &rhs.kind {
            A::List(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    let id = self.lower(item, Scope::constant(), Want::Type(ty));
                    values.push(id.and_then(|id| self.list_item(id, ty)));
                }
                Some(values.into_iter().collect::<Option<Vec<_>>>()?)
            }
            A::Name(n) => match self.names.get(n.name.as_str()) {
                Some(&(Decl::Let(i), _)) => {
                    self.lets[i].used = true;
                    self.refer(n.span, &n.name);
                    match self.lets[i].value.clone()? {
                        Const::List(values) => Some(self.convert_list(values, ty, rhs.span)?),
                        Const::Scalar(..) => None,
                    }
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(list) = items {
            return Some(self.fold(
                K::InList {
                    subject,
                    list,
                    negated,
                },
                Type::Bool,
                span,
            ));
        }
        // `elem in set`
        let set = self.lower(rhs, scope, Want::Any)?;
        if self.ty(set) != Type::StrSet {
            let found = self.type_name(self.ty(set));
            self.error(
                Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    rhs.span,
                    format!("`in` needs a list or a set<string>, found {found}"),
                )
                .with_help("write `x in [a, b]`, `x in some_let_list` or `\"tag\" in interests`"),
            );
            return None;
        }
        let subject = self.expect_type(subject, Type::Str, "a string (to look up in a set)")?;
        let contains = self.fold(K::SetContains { set, elem: subject }, Type::Bool, span);
        if !negated {
            return Some(contains);
        }
        // `x not in s` is false, like `in`, when either side is missing.
        let not = self.fold(K::Not(contains), Type::Bool, span);
        let present_x = self.fold(
            K::Is {
                subject,
                present: true,
            },
            Type::Bool,
            span,
        );
        let present_s = self.fold(
            K::Is {
                subject: set,
                present: true,
            },
            Type::Bool,
            span,
        );
        Some(self.fold(K::And(vec![present_x, present_s, not]), Type::Bool, span))
    }

    /// A list element: a constant of the subject's type (ints widen to float).
    fn list_item(&mut self, id: ExprId, ty: Type) -> Option<Value> {
        let id = self.expect_type(
            id,
            ty,
            &format!("a list item of type {}", self.type_name(ty)),
        )?;
        match &self.expr(id).kind {
            K::Const(v) => Some(v.clone()),
            _ => {
                let span = self.expr(id).span;
                self.not_constant(span, "a list item")?;
                None
            }
        }
    }

    /// A `let` list's values as the subject's type.
    fn convert_list(&mut self, values: Vec<Value>, ty: Type, span: Span) -> Option<Vec<Value>> {
        let mut out = Vec::with_capacity(values.len());
        for v in values {
            let converted = match (&v, ty) {
                (Value::Int(i), Type::Float) => Some(Value::Float(*i as f64)),
                (Value::Str(s), Type::Enum(e)) => self
                    .program
                    .schema
                    .enum_def(e)
                    .variant(s)
                    .map(|x| Value::Enum(e, x)),
                (Value::Str(s), Type::Time) => time::parse_instant(s).map(Value::Time),
                (v, ty) if v.type_of() == Some(ty) => Some(v.clone()),
                _ => None,
            };
            match converted {
                Some(c) => out.push(c),
                None => {
                    let found = v.type_of().map_or("missing".into(), |t| self.type_name(t));
                    self.error(
                        Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            span,
                            format!(
                                "this list holds {found} values, but is compared with {}",
                                self.type_name(ty)
                            ),
                        )
                        .with_label(format!(
                            "{} is not {}",
                            v.to_key(&self.program.schema),
                            self.type_name(ty)
                        )),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    fn lower_member(
        &mut self,
        object: &'a ast::Expr,
        name: &'a ast::Ident,
        span: Span,
        scope: Scope,
    ) -> Option<ExprId> {
        if let A::Call(call) = &object.kind
            && matches!(call.callee.name.as_str(), "first" | "last")
        {
            return self.lower_first_last(call, Some(name), span, scope);
        }
        if let A::Name(n) = &object.kind
            && let Some((Decl::Event(_), _)) = self.names.get(n.name.as_str())
        {
            self.error(
                Diagnostic::error(
                    codes::MISPLACED,
                    span,
                    format!("`{}.{}` reads a property of many events", n.name, name.name),
                )
                .with_help(format!(
                    "aggregate it, e.g. `sum({0}.{1})`, `max({0}.{1})` or `last({0}).{1}`",
                    n.name, name.name
                )),
            );
            return None;
        }
        self.error(
            Diagnostic::error(
                codes::MISPLACED,
                name.span,
                format!(
                    "`.{}` can only follow `first(...)` or `last(...)`",
                    name.name
                ),
            )
            .with_help("`last(pay).at` reads the time of the latest `pay` event"),
        );
        None
    }

    fn lower_case(
        &mut self,
        arms: &'a [ast::CaseArm],
        default: Option<&'a ast::Expr>,
        span: Span,
        scope: Scope,
        want: Want,
    ) -> Option<ExprId> {
        let mut lowered = Vec::with_capacity(arms.len());
        let mut want = match want {
            Want::Bool => Want::Any,
            other => other,
        };
        let mut ok = true;
        let mut typed = false;
        for arm in arms {
            let cond = self.lower_bool(&arm.cond, scope);
            let value = self.lower(&arm.value, scope, want);
            // The first arm that checks decides the type the others adapt to.
            if let Some(v) = value
                && !typed
            {
                want = Want::Type(self.ty(v));
                typed = true;
            }
            match (cond, value) {
                (Some(c), Some(v)) => lowered.push((c, v, arm.value.span)),
                _ => ok = false,
            }
        }
        let default = match default {
            Some(d) => {
                let v = self.lower(d, scope, want);
                ok &= v.is_some();
                v
            }
            None => None,
        };
        if !ok {
            return None;
        }
        // One result type: all the same, or ints and floats (widened to float).
        let mut values: Vec<ExprId> = lowered.iter().map(|(_, v, _)| *v).chain(default).collect();
        let any_float = values.iter().any(|v| self.ty(*v) == Type::Float);
        if any_float {
            for v in &mut values {
                *v = self.int_widen(*v);
            }
        }
        let ty = values.first().map_or(Type::Bool, |v| self.ty(*v));
        for v in &values {
            if self.ty(*v) != ty {
                let (found, expected) = (self.type_name(self.ty(*v)), self.type_name(ty));
                let vspan = self.expr(*v).span;
                self.error(
                    Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        vspan,
                        format!("this `case` arm gives {found}, the first gives {expected}"),
                    )
                    .with_label(format!("this is {found}"))
                    .with_help("every arm of a `case` must give the same type"),
                );
                return None;
            }
        }
        let default_span = default.map(|d| self.expr(d).span);
        let default = default.map(|_| values[values.len() - 1]);
        let arms_ir: Vec<(ExprId, ExprId)> = lowered
            .iter()
            .zip(&values)
            .map(|((c, _, _), v)| (*c, *v))
            .collect();
        self.warn_case_arms(arms, &arms_ir, default_span);
        Some(self.fold(
            K::Case {
                arms: arms_ir,
                default,
            },
            ty,
            span,
        ))
    }

    pub(super) fn bad_operand(&mut self, op: &str, id: ExprId, expected: &str) -> Option<ExprId> {
        let found = self.type_name(self.ty(id));
        let span = self.expr(id).span;
        self.error(
            Diagnostic::error(
                codes::TYPE_MISMATCH,
                span,
                format!("`{op}` needs {expected}, found {found}"),
            )
            .with_label(format!("this is {found}")),
        );
        None
    }

    pub(super) fn not_constant(&mut self, span: Span, what: &str) -> Option<ExprId> {
        self.error(
            Diagnostic::error(
                codes::NOT_CONSTANT,
                span,
                format!("{what} is not known at compile time"),
            )
            .with_label("not a constant")
            .with_help(
                "this must be known when the rules are checked: a literal, a `let`, or arithmetic on them",
            ),
        );
        None
    }

    fn compile_regex(&mut self, pattern: &ast::StrLit) -> Option<crate::ir::RegexId> {
        let built = regex::RegexBuilder::new(&pattern.value)
            .size_limit(1 << 20)
            .dfa_size_limit(1 << 22)
            .build();
        match built {
            Ok(re) => {
                if let Some(i) = self
                    .program
                    .regexes
                    .iter()
                    .position(|r| r.as_str() == re.as_str())
                {
                    return Some(crate::ir::RegexId(i as u32));
                }
                self.program.regexes.push(re);
                Some(crate::ir::RegexId(self.program.regexes.len() as u32 - 1))
            }
            Err(e) => {
                let detail = e.to_string();
                let last = detail
                    .lines()
                    .rfind(|l| !l.trim().is_empty())
                    .unwrap_or("")
                    .trim();
                self.error(
                    Diagnostic::error(codes::BAD_REGEX, pattern.span, "invalid regular expression")
                        .with_label(last.trim_start_matches("error: ").to_string())
                        .with_help("corral uses linear-time regular expressions: no look-around or backreferences"),
                );
                None
            }
        }
    }
}
