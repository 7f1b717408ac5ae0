//! AST to typed IR: name resolution, types, constant folding, warnings.
//!
//! The checker works in passes over all modules of a rule set at once:
//! 1. [`declare`]: every declaration into one namespace (duplicates reported), the
//!    profile schema and event types built;
//! 2. [`graph`]: which `let`s, tags and segments refer to which; cycles reported with
//!    their whole path; an order in which each comes after what it uses;
//! 3. [`expr`] and [`call`]: every body lowered to typed IR in that order, so a tag's
//!    type is known before anything that uses it is checked;
//! 4. [`items`]: channels, triggers and tests;
//! 5. warnings: unused `let`s, unreachable `case` arms, constant conditions;
//! 6. [`analysis`] of a program without errors: conditions that never or always hold,
//!    shadowed `case` arms, equivalent rules, reused `sample` salts.
//!
//! Errors are collected, never thrown: one run reports everything it finds.

pub mod analysis;
mod call;
pub mod codes;
mod declare;
mod expr;
mod fold;
mod graph;
mod items;
mod references;
pub(crate) mod suggest;

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::ir::{self, ExprId, Program, RuleRef, SegmentId, TagId};
use crate::schema::{EventId, FieldId, Schema, Type};
use crate::source::{SourceMap, Span};
use crate::value::Value;

pub use suggest::closest;

/// What checking a rule set produced: the program if there were no errors, and every
/// diagnostic (errors and warnings) in source order.
#[derive(Debug)]
pub struct CheckOutput {
    pub program: Option<Program>,
    pub diagnostics: Vec<Diagnostic>,
    /// Where each name points (for editors); filled also when there are errors.
    pub names: ir::NameIndex,
}

/// Checks the modules of one rule set (the root file and everything it imports).
pub fn check(modules: &[ast::Module], sources: Arc<SourceMap>) -> CheckOutput {
    let mut checker = Checker::new(Arc::clone(&sources));
    checker.declare_all(modules);
    let order = checker.order_rules();
    for node in &order {
        checker.check_node(*node);
    }
    checker.check_items();
    checker.warn_unused_lets();
    checker.record_types();
    let names = std::mem::take(&mut checker.index);
    let mut diagnostics = std::mem::take(&mut checker.diags);
    let program = if diagnostics.iter().any(Diagnostic::is_error) {
        None
    } else {
        let program = checker.finish(order);
        diagnostics.extend(analysis::analyze(&program));
        Some(program)
    };
    diagnostics.sort_by_key(|d| (d.span.file, d.span.start));
    CheckOutput {
        program,
        diagnostics,
        names,
    }
}

/// A declared name.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Decl {
    Field(FieldId),
    /// The profile key `id`.
    Key,
    Event(EventId),
    Let(usize),
    Tag(TagId),
    Segment(SegmentId),
    Channel(ir::ChannelId),
    Trigger(usize),
}

impl Decl {
    /// The kind of declaration with its article: "an event", "a tag".
    fn a(self) -> &'static str {
        match self {
            Decl::Field(_) | Decl::Key => "a profile field",
            Decl::Event(_) => "an event",
            Decl::Let(_) => "a let",
            Decl::Tag(_) => "a tag",
            Decl::Segment(_) => "a segment",
            Decl::Channel(_) => "a channel",
            Decl::Trigger(_) => "a trigger",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Decl::Field(_) | Decl::Key => "profile field",
            Decl::Event(_) => "event",
            Decl::Let(_) => "let",
            Decl::Tag(_) => "tag",
            Decl::Segment(_) => "segment",
            Decl::Channel(_) => "channel",
            Decl::Trigger(_) => "trigger",
        }
    }
}

/// A `let`'s folded value.
#[derive(Clone, Debug)]
enum Const {
    /// The value and its type (kept apart: a folded `1 / 0` is a missing float).
    Scalar(Value, Type),
    List(Vec<Value>),
}

struct LetInfo<'a> {
    decl: &'a ast::LetDecl,
    value: Option<Const>,
    used: bool,
}

struct RuleInfo<'a> {
    decl: &'a ast::RuleDecl,
    /// Set once the body is checked; `None` if it failed (errors already reported).
    checked: Option<(ExprId, Type)>,
}

/// A node of the dependency graph among `let`s, tags and segments.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
enum Node {
    Let(usize),
    Tag(TagId),
    Segment(SegmentId),
}

struct Checker<'a> {
    diags: Vec<Diagnostic>,
    /// The program being built: its schema, expression arena and regexes fill up as
    /// declarations are checked (so constants fold with the interpreter); the rest is
    /// set by [`Checker::finish`].
    program: Program,
    names: HashMap<&'a str, (Decl, Span)>,
    lets: Vec<LetInfo<'a>>,
    tags: Vec<RuleInfo<'a>>,
    segments: Vec<RuleInfo<'a>>,
    channel_decls: Vec<&'a ast::ChannelDecl>,
    channels: Vec<ir::Channel>,
    trigger_decls: Vec<&'a ast::TriggerDecl>,
    triggers: Vec<ir::Trigger>,
    test_decls: Vec<(&'a ast::TestDecl, Span)>,
    tests: Vec<ir::Test>,
    timezone: Option<(String, Span)>,
    send_cap: Option<ir::Cap>,
    cap_decl: Option<&'a ast::Limit>,
    /// The declared type of the profile key `id` (a string unless declared `int`).
    key_type: Type,
    /// The span of each event property's declared name, by event and property id.
    prop_spans: Vec<Vec<Span>>,
    /// What each resolved name refers to, for editors.
    index: ir::NameIndex,
}

impl<'a> Checker<'a> {
    fn new(sources: Arc<SourceMap>) -> Checker<'a> {
        Checker {
            diags: Vec::new(),
            program: Program::empty(sources, Schema::default()),
            names: HashMap::new(),
            lets: Vec::new(),
            tags: Vec::new(),
            segments: Vec::new(),
            channel_decls: Vec::new(),
            channels: Vec::new(),
            trigger_decls: Vec::new(),
            triggers: Vec::new(),
            test_decls: Vec::new(),
            tests: Vec::new(),
            timezone: None,
            send_cap: None,
            cap_decl: None,
            key_type: Type::Str,
            prop_spans: Vec::new(),
            index: ir::NameIndex::default(),
        }
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    fn push(&mut self, kind: ir::ExprKind, ty: Type, span: Span) -> ExprId {
        let id = ExprId(self.program.exprs.len() as u32);
        self.program.exprs.push(ir::Expr { kind, ty, span });
        id
    }

    fn expr(&self, id: ExprId) -> &ir::Expr {
        &self.program.exprs[id.0 as usize]
    }

    fn ty(&self, id: ExprId) -> Type {
        self.expr(id).ty
    }

    fn type_name(&self, ty: Type) -> String {
        self.program.schema.type_name(ty)
    }

    /// Checks one let, tag or segment body (everything it refers to was checked first).
    fn check_node(&mut self, node: Node) {
        match node {
            Node::Let(i) => self.check_let(i),
            Node::Tag(id) => {
                let decl = self.tags[id.0 as usize].decl;
                let checked = self.check_rule_body(decl, false);
                self.tags[id.0 as usize].checked = checked;
            }
            Node::Segment(id) => {
                let decl = self.segments[id.0 as usize].decl;
                let checked = self.check_rule_body(decl, true);
                self.segments[id.0 as usize].checked = checked;
            }
        }
    }

    fn check_rule_body(
        &mut self,
        decl: &'a ast::RuleDecl,
        segment: bool,
    ) -> Option<(ExprId, Type)> {
        // A bare enum variant is the shorthand condition in a tag body too.
        let body = self.lower(&decl.body, expr::Scope::profile(), expr::Want::Bool)?;
        let ty = self.ty(body);
        if segment && ty != Type::Bool {
            let found = self.type_name(ty);
            self.error(
                Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    decl.body.span,
                    format!(
                        "segment `{}` must be a condition, found {found}",
                        decl.name.name
                    ),
                )
                .with_label(format!("this is {found}"))
                .with_help("a segment is an audience: write a condition such as `vip_level >= 3`"),
            );
            return None;
        }
        if ty == Type::StrSet {
            self.error(
                Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    decl.body.span,
                    format!("tag `{}` cannot hold a set<string>", decl.name.name),
                )
                .with_help("a tag is a condition or a single value (bool, int, float, string, enum, time, duration)"),
            );
            return None;
        }
        if ty == Type::Bool {
            self.warn_if_constant(body, "condition");
        }
        Some((body, ty))
    }

    fn finish(mut self, order: Vec<Node>) -> Program {
        let rule = |info: &RuleInfo<'a>| {
            let (body, ty) = info.checked.unwrap_or((ExprId(0), Type::Bool));
            ir::Rule {
                name: info.decl.name.name.clone(),
                span: info.decl.name.span,
                body,
                ty,
            }
        };
        self.program.tags = self.tags.iter().map(rule).collect();
        self.program.segments = self.segments.iter().map(rule).collect();
        self.program.order = order
            .into_iter()
            .filter_map(|node| match node {
                Node::Let(_) => None,
                Node::Tag(id) => Some(RuleRef::Tag(id)),
                Node::Segment(id) => Some(RuleRef::Segment(id)),
            })
            .collect();
        self.program.channels = self.channels;
        self.program.triggers = self.triggers;
        self.program.tests = self.tests;
        if let Some((tz, _)) = self.timezone {
            self.program.timezone = tz;
        }
        self.program.send_cap = self.send_cap;
        self.program
    }
}

#[cfg(test)]
mod tests;
