//! Constants: folding, `let` values, and the warnings about constant conditions.

use super::expr::{Scope, Want};
use super::{Checker, Const, codes};
use crate::ast::{self, ExprKind as A};
use crate::diagnostic::Diagnostic;
use crate::ir::{ExprId, ExprKind as K};
use crate::schema::Type;
use crate::source::Span;
use crate::value::Value;

impl<'a> Checker<'a> {
    /// Adds a node; if every operand is a constant, the node is replaced by its value.
    pub(super) fn fold(&mut self, kind: K, ty: Type, span: Span) -> ExprId {
        let id = self.push(kind, ty, span);
        if self.operands_constant(id)
            && let Some(value) = self.evaluate_constant(id)
        {
            self.program.exprs[id.0 as usize].kind = K::Const(value);
        }
        id
    }

    fn const_of(&self, id: ExprId) -> bool {
        matches!(self.expr(id).kind, K::Const(_))
    }

    fn operands_constant(&self, id: ExprId) -> bool {
        match &self.expr(id).kind {
            K::Not(a) | K::Neg(a) | K::ToFloat(a) => self.const_of(*a),
            K::And(xs) | K::Or(xs) => xs.iter().all(|x| self.const_of(*x)),
            K::Arith { lhs, rhs, .. } | K::Compare { lhs, rhs, .. } => {
                self.const_of(*lhs) && self.const_of(*rhs)
            }
            K::InList { subject, .. } => self.const_of(*subject),
            K::SetContains { set, elem } => self.const_of(*set) && self.const_of(*elem),
            K::StrContains { text, part } => self.const_of(*text) && self.const_of(*part),
            K::Matches { subject, .. } | K::Is { subject, .. } => self.const_of(*subject),
            K::Case { arms, default } => {
                arms.iter()
                    .all(|(c, v)| self.const_of(*c) && self.const_of(*v))
                    && default.is_none_or(|d| self.const_of(d))
            }
            _ => false,
        }
    }

    /// Warns when a condition does not depend on the profile.
    pub(super) fn warn_if_constant(&mut self, id: ExprId, what: &str) {
        if let K::Const(value) = &self.expr(id).kind {
            let value = value.truthy();
            let span = self.expr(id).span;
            self.error(
                Diagnostic::warning(
                    codes::CONSTANT_CONDITION,
                    span,
                    format!("this {what} is always {value}"),
                )
                .with_label("does not depend on the profile")
                .with_help("check for a typo, or remove the condition"),
            );
        }
    }

    /// Warns about arms that can never be chosen: after an always-true arm, or whose
    /// condition is always false.
    pub(super) fn warn_case_arms(
        &mut self,
        arms: &[ast::CaseArm],
        lowered: &[(ExprId, ExprId)],
        default: Option<Span>,
    ) {
        let mut shadowed_by: Option<Span> = None;
        for (arm, (cond, _)) in arms.iter().zip(lowered) {
            if let Some(by) = shadowed_by {
                self.error(
                    Diagnostic::warning(
                        codes::UNREACHABLE_ARM,
                        arm.span,
                        "this `case` arm is never reached",
                    )
                    .with_note(by, "this earlier arm always matches"),
                );
                continue;
            }
            match &self.expr(*cond).kind {
                K::Const(Value::Bool(true)) => shadowed_by = Some(arm.cond.span),
                K::Const(_) => self.error(
                    Diagnostic::warning(
                        codes::UNREACHABLE_ARM,
                        arm.span,
                        "this `case` arm is never reached",
                    )
                    .with_label("its condition is always false"),
                ),
                _ => {}
            }
        }
        if let (Some(by), Some(default)) = (shadowed_by, default) {
            self.error(
                Diagnostic::warning(
                    codes::UNREACHABLE_ARM,
                    default,
                    "the `else` of this `case` is never reached",
                )
                .with_note(by, "this arm always matches"),
            );
        }
    }

    /// Folds a `let` to its constant value.
    pub(super) fn check_let(&mut self, i: usize) {
        let decl = self.lets[i].decl;
        let value = match &decl.value.kind {
            A::List(items) => self.let_list(items),
            _ => {
                let Some(id) = self.lower(&decl.value, Scope::constant(), Want::Any) else {
                    return;
                };
                match &self.expr(id).kind {
                    K::Const(v) => Some(Const::Scalar(v.clone(), self.ty(id))),
                    _ => {
                        self.not_constant(
                            decl.value.span,
                            &format!("the value of `{}`", decl.name.name),
                        );
                        None
                    }
                }
            }
        };
        self.lets[i].value = value;
    }

    fn let_list(&mut self, items: &'a [ast::Expr]) -> Option<Const> {
        let mut values = Vec::with_capacity(items.len());
        let mut elem: Option<Type> = None;
        for item in items {
            let want = match elem {
                Some(Type::Int) | None => Want::Any,
                Some(t) => Want::Type(t),
            };
            let id = self.lower(item, Scope::constant(), want)?;
            let ty = self.ty(id);
            let K::Const(v) = &self.expr(id).kind else {
                return self
                    .not_constant(item.span, "a list item")
                    .map(|_| Const::Scalar(Value::Missing, Type::Bool));
            };
            let v = v.clone();
            elem = match (elem, ty) {
                (None, t) => Some(t),
                (Some(a), b) if a == b => Some(a),
                (Some(Type::Int), Type::Float) => {
                    for x in &mut values {
                        if let Value::Int(n) = x {
                            *x = Value::Float(*n as f64);
                        }
                    }
                    Some(Type::Float)
                }
                (Some(Type::Float), Type::Int) => Some(Type::Float),
                (Some(a), b) => {
                    let (an, bn) = (self.type_name(a), self.type_name(b));
                    self.error(
                        Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            item.span,
                            format!("a list of {an} cannot hold {bn}"),
                        )
                        .with_label(format!("this is {bn}")),
                    );
                    return None;
                }
            };
            values.push(match (elem, v) {
                (Some(Type::Float), Value::Int(n)) => Value::Float(n as f64),
                (_, v) => v,
            });
        }
        Some(Const::List(values))
    }

    pub(super) fn warn_unused_lets(&mut self) {
        let unused: Vec<(String, Span)> = self
            .lets
            .iter()
            .filter(|l| !l.used)
            .map(|l| (l.decl.name.name.clone(), l.decl.name.span))
            .collect();
        for (name, span) in unused {
            self.error(
                Diagnostic::warning(codes::UNUSED_LET, span, format!("`{name}` is never used"))
                    .with_help("remove it, or use it in a rule"),
            );
        }
    }

    /// The value of an expression whose operands are all constants.
    /// Evaluated by the interpreter, so constants mean what they mean at run time.
    fn evaluate_constant(&self, id: ExprId) -> Option<Value> {
        Some(crate::eval::eval_const(&self.program, id, 0))
    }
}
