//! Pest pairs to AST nodes, each with the exact span of its text. This is the only
//! module that looks at the grammar's [`Rule`]s.
//!
//! Lowering recurses only where the grammar nests through brackets (bounded before
//! pest runs); operator chains and prefix runs are folded in loops, and every
//! expression node checks its depth as it is built, so no tree deeper than
//! [`MAX_EXPR_DEPTH`] is ever built (or dropped).

use pest::iterators::Pair;

use super::error::{BAD_LITERAL, SYNTAX, TOO_DEEP};
use super::grammar::Rule;
use super::literal::{self, LiteralError};
use crate::ast::{
    AtStep, BinaryOp, Call, CaseArm, ChannelDecl, ClockTime, EventDecl, EventLit, ExpectSend, Expr,
    ExprKind, FieldDecl, GivenField, GivenValue, Ident, Item, ItemKind, LetDecl, Limit,
    ProfileDecl, RuleDecl, SendVia, StrLit, TestDecl, TestItem, TestItemKind, TriggerDecl,
    TriggerItem, TriggerItemKind, TriggerStart, TypeExpr, TypeExprKind, UnaryOp, Window,
    WindowKind,
};
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

/// The deepest expression tree the parser builds; later passes may recurse this deep.
pub const MAX_EXPR_DEPTH: usize = 500;

/// Stack kept free for one level of lowering, and the size of a new stack segment
/// when less is left.
const RED_ZONE: usize = 64 << 10;
const STACK_SEGMENT: usize = 1 << 20;

/// A declaration ending at byte `.0` of the file, or why it has no AST.
pub(super) type Entry = (usize, Result<Item, Box<Diagnostic>>);

/// Lowers one `item_entry` pair, whose offsets are relative to byte `base` of `file`;
/// `None` if only whitespace and comments were left.
pub(super) fn lower_entry(entry: Pair<'_, Rule>, file: FileId, base: usize) -> Option<Entry> {
    let lowerer = Lowerer { file, base };
    let item = entry
        .into_inner()
        .next()
        .filter(|p| p.as_rule() == Rule::item)?;
    Some((base + end_of(&item), lowerer.item(item)))
}

/// The first error ends the declaration being lowered.
type Lowered<T> = Result<T, Box<Diagnostic>>;

/// An expression and the depth of its tree (a leaf is 1).
struct Node {
    expr: Expr,
    depth: usize,
}

struct Lowerer {
    file: FileId,
    base: usize,
}

/// Keywords and punctuation: they shape the pairs but carry nothing to keep.
fn is_token(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        kw_and
            | kw_or
            | kw_not
            | kw_in
            | kw_contains
            | kw_matches
            | kw_is
            | kw_missing
            | kw_present
            | kw_where
            | kw_within
            | kw_since
            | kw_case
            | kw_else
            | kw_true
            | kw_false
            | kw_profile
            | kw_event
            | kw_let
            | kw_tag
            | kw_segment
            | kw_channel
            | kw_trigger
            | kw_test
            | kw_import
            | kw_timezone
            | kw_limit
            | kw_per
            | kw_enum
            | kw_set
            | kw_when
            | kw_on
            | kw_enter
            | kw_exit
            | kw_every
            | kw_day
            | kw_at
            | kw_goal
            | kw_send
            | kw_via
            | kw_wait
            | kw_if
            | kw_quiet
            | kw_given
            | kw_expect
            | kw_now
            | kw_no
            | kw_until
            | kw_fail
            | kw_undeliverable
            | open_brace
            | close_brace
            | open_paren
            | close_paren
            | open_bracket
            | close_bracket
            | open_angle
            | close_angle
            | comma
            | colon
            | assign
            | arrow
            | range_dots
    )
}

/// The rules of the expression precedence levels, loosest first.
fn is_precedence_level(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        expr | conjunction | negation | comparison | sum | product | unary | postfix
    )
}

/// Where a pair's text really ends. Pest counts the whitespace and comments skipped
/// before an optional or repeated part that then did not match as part of the pair,
/// so the end is taken from the pair's last token instead.
fn end_of(pair: &Pair<'_, Rule>) -> usize {
    let mut last = pair.clone();
    // A string's last child is its body, which ends before the closing quote.
    while last.as_rule() != Rule::string {
        match last.clone().into_inner().next_back() {
            Some(child) => last = child,
            None => break,
        }
    }
    last.as_span().end()
}

/// The meaningful children of a pair.
fn parts<'i>(pair: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pair.into_inner().filter(|p| !is_token(p.as_rule()))
}

impl Lowerer {
    // ------------------------------------------------------------ plumbing ----

    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        self.offsets(pair.as_span().start(), end_of(pair))
    }

    fn offsets(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.base + start, self.base + end)
    }

    /// The next child, which the grammar guarantees is there.
    fn next<'i>(
        &self,
        parts: &mut impl Iterator<Item = Pair<'i, Rule>>,
        parent: Span,
    ) -> Lowered<Pair<'i, Rule>> {
        parts.next().ok_or_else(|| self.internal(parent))
    }

    /// A pair shape the grammar does not produce: a bug, reported rather than panicking.
    fn internal(&self, span: Span) -> Box<Diagnostic> {
        Box::new(Diagnostic::error(
            SYNTAX,
            span,
            "the parser could not read this declaration",
        ))
    }

    fn unexpected(&self, pair: &Pair<'_, Rule>) -> Box<Diagnostic> {
        self.internal(self.span(pair))
    }

    fn bad_literal(&self, span: Span, error: LiteralError) -> Box<Diagnostic> {
        let span = match error.range {
            Some(range) => Span::new(
                span.file,
                span.start as usize + range.start,
                span.start as usize + range.end,
            ),
            None => span,
        };
        let mut diagnostic = Diagnostic::error(BAD_LITERAL, span, error.message);
        if let Some(help) = error.help {
            diagnostic = diagnostic.with_help(help);
        }
        Box::new(diagnostic)
    }

    fn literal<T>(&self, pair: &Pair<'_, Rule>, value: Result<T, LiteralError>) -> Lowered<T> {
        value.map_err(|e| self.bad_literal(self.span(pair), e))
    }

    /// Builds an expression node over children of depth `child_depth`, refusing to
    /// build one deeper than [`MAX_EXPR_DEPTH`].
    fn node(&self, kind: ExprKind, span: Span, child_depth: usize) -> Lowered<Node> {
        let depth = child_depth + 1;
        if depth > MAX_EXPR_DEPTH {
            return Err(Box::new(
                Diagnostic::error(TOO_DEEP, span, "expression is nested too deeply")
                    .with_label(format!("more than {MAX_EXPR_DEPTH} levels deep here"))
                    .with_help("split it into smaller named tags, segments or `let` constants"),
            ));
        }
        Ok(Node {
            expr: Expr { kind, span },
            depth,
        })
    }

    fn name(&self, pair: &Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    fn string(&self, pair: Pair<'_, Rule>) -> Lowered<StrLit> {
        let span = self.span(&pair);
        let body = self.next(&mut pair.into_inner(), span)?;
        let value = self.literal(&body, literal::string(body.as_str()))?;
        Ok(StrLit { value, span })
    }

    fn clock(&self, pair: &Pair<'_, Rule>) -> Lowered<ClockTime> {
        let (hour, minute) = self.literal(pair, literal::clock_time(pair.as_str()))?;
        Ok(ClockTime {
            hour,
            minute,
            span: self.span(pair),
        })
    }

    // -------------------------------------------------------- declarations ----

    fn item(&self, pair: Pair<'_, Rule>) -> Lowered<Item> {
        let span = self.span(&pair);
        let decl = self.next(&mut parts(pair), span)?;
        let rule = decl.as_rule();
        let mut p = parts(decl);
        let kind = match rule {
            Rule::profile_decl => ItemKind::Profile(ProfileDecl {
                fields: p.map(|f| self.field(f)).collect::<Lowered<_>>()?,
            }),
            Rule::event_decl => ItemKind::Event(EventDecl {
                name: self.name(&self.next(&mut p, span)?),
                props: p.map(|f| self.field(f)).collect::<Lowered<_>>()?,
            }),
            Rule::let_decl => ItemKind::Let(LetDecl {
                name: self.name(&self.next(&mut p, span)?),
                value: self.expr(self.next(&mut p, span)?)?.expr,
            }),
            Rule::tag_decl | Rule::segment_decl => {
                let decl = RuleDecl {
                    name: self.name(&self.next(&mut p, span)?),
                    body: self.conjunction(self.next(&mut p, span)?)?,
                };
                if rule == Rule::tag_decl {
                    ItemKind::Tag(decl)
                } else {
                    ItemKind::Segment(decl)
                }
            }
            Rule::channel_decl => ItemKind::Channel(ChannelDecl {
                name: self.name(&self.next(&mut p, span)?),
                when: self.expr(self.next(&mut p, span)?)?.expr,
            }),
            Rule::trigger_decl => ItemKind::Trigger(TriggerDecl {
                name: self.name(&self.next(&mut p, span)?),
                items: self.trigger_items(p)?,
            }),
            Rule::test_decl => ItemKind::Test(TestDecl {
                title: self.string(self.next(&mut p, span)?)?,
                items: p.map(|i| self.test_item(i)).collect::<Lowered<_>>()?,
            }),
            Rule::import_decl => ItemKind::Import(self.string(self.next(&mut p, span)?)?),
            Rule::timezone_decl => ItemKind::Timezone(self.string(self.next(&mut p, span)?)?),
            Rule::limit_decl => ItemKind::Limit(self.limit(p, span)?),
            _ => return Err(self.internal(span)),
        };
        Ok(Item { kind, span })
    }

    fn field(&self, pair: Pair<'_, Rule>) -> Lowered<FieldDecl> {
        let span = self.span(&pair);
        let mut p = parts(pair);
        Ok(FieldDecl {
            name: self.name(&self.next(&mut p, span)?),
            ty: self.type_expr(self.next(&mut p, span)?)?,
        })
    }

    fn type_expr(&self, pair: Pair<'_, Rule>) -> Lowered<TypeExpr> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut p = parts(pair);
        let kind = match rule {
            Rule::type_expr => return self.type_expr(self.next(&mut p, span)?),
            Rule::type_name => TypeExprKind::Named(self.name(&self.next(&mut p, span)?)),
            Rule::enum_type => TypeExprKind::Enum(p.map(|v| self.name(&v)).collect()),
            Rule::set_type => {
                TypeExprKind::Set(Box::new(self.type_expr(self.next(&mut p, span)?)?))
            }
            _ => return Err(self.internal(span)),
        };
        Ok(TypeExpr { kind, span })
    }

    /// `limit N per D` from its two expressions.
    fn limit<'i>(&self, mut p: impl Iterator<Item = Pair<'i, Rule>>, span: Span) -> Lowered<Limit> {
        Ok(Limit {
            count: self.expr(self.next(&mut p, span)?)?.expr,
            per: self.expr(self.next(&mut p, span)?)?.expr,
        })
    }

    /// A tag, segment or `when` body: one expression, or a `,` conjunction of several.
    fn conjunction(&self, pair: Pair<'_, Rule>) -> Lowered<Expr> {
        let span = self.span(&pair);
        let mut conjuncts = Vec::new();
        let mut depth = 0;
        for part in parts(pair) {
            let node = self.expr(part)?;
            depth = depth.max(node.depth);
            conjuncts.push(node.expr);
        }
        match conjuncts.len() {
            0 => Err(self.internal(span)),
            1 => conjuncts.pop().ok_or_else(|| self.internal(span)),
            _ => Ok(self
                .node(ExprKind::Conjunction(conjuncts), span, depth)?
                .expr),
        }
    }

    // ------------------------------------------------------------ triggers ----

    /// A trigger item; like [`Self::expr`] it recurses once per nested `if`.
    fn trigger_item(&self, pair: Pair<'_, Rule>) -> Lowered<TriggerItem> {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.trigger_item_on_stack(pair))
    }

    fn trigger_item_on_stack(&self, pair: Pair<'_, Rule>) -> Lowered<TriggerItem> {
        let span = self.span(&pair);
        let item = self.next(&mut parts(pair), span)?;
        let rule = item.as_rule();
        if rule == Rule::if_item {
            return self.if_item(item);
        }
        if rule == Rule::when_item {
            let when = self.conjunction(item)?;
            return Ok(TriggerItem {
                kind: TriggerItemKind::When(when),
                span,
            });
        }
        let mut p = parts(item);
        let kind = match rule {
            Rule::on_item => TriggerItemKind::On(self.trigger_start(self.next(&mut p, span)?)?),
            Rule::every_item => TriggerItemKind::On(TriggerStart::EveryDay(
                self.clock(&self.next(&mut p, span)?)?,
            )),
            Rule::goal_item => TriggerItemKind::Goal(self.expr(self.next(&mut p, span)?)?.expr),
            Rule::wait_item => TriggerItemKind::Wait(self.expr(self.next(&mut p, span)?)?.expr),
            Rule::send_item => TriggerItemKind::Send {
                message: self.string(self.next(&mut p, span)?)?,
                channels: p.map(|c| self.name(&c)).collect(),
            },
            Rule::limit_item => TriggerItemKind::Limit(self.limit(p, span)?),
            Rule::quiet_item => TriggerItemKind::Quiet {
                from: self.clock(&self.next(&mut p, span)?)?,
                to: self.clock(&self.next(&mut p, span)?)?,
            },
            _ => return Err(self.internal(span)),
        };
        Ok(TriggerItem { kind, span })
    }

    fn trigger_start(&self, pair: Pair<'_, Rule>) -> Lowered<TriggerStart> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut p = parts(pair);
        let name = self.name(&self.next(&mut p, span)?);
        Ok(match rule {
            Rule::on_enter => TriggerStart::Enter(name),
            Rule::on_exit => TriggerStart::Exit(name),
            Rule::on_event => TriggerStart::Event {
                event: name,
                filter: p.next().map(|f| self.expr(f)).transpose()?.map(|n| n.expr),
            },
            _ => return Err(self.internal(span)),
        })
    }

    /// `if .. else if .. else ..`: the `else if` chain is a flat list in the grammar;
    /// it nests here, each `If` spanning from its `if` to the end of the chain.
    fn if_item(&self, pair: Pair<'_, Rule>) -> Lowered<TriggerItem> {
        let span = self.span(&pair);
        let mut branches = Vec::new();
        let mut otherwise = Vec::new();
        let mut p = parts(pair);
        let cond = self.expr(self.next(&mut p, span)?)?.expr;
        let then = self.block(self.next(&mut p, span)?)?;
        branches.push((span.start as usize - self.base, cond, then));
        for part in p {
            let part_span = self.span(&part);
            let rule = part.as_rule();
            // The nested `if` of an `else if` starts at its `if` keyword.
            let if_start = part
                .clone()
                .into_inner()
                .find(|t| t.as_rule() == Rule::kw_if)
                .map_or(part_span.start as usize - self.base, |t| {
                    t.as_span().start()
                });
            let mut q = parts(part);
            match rule {
                Rule::else_if => {
                    let cond = self.expr(self.next(&mut q, part_span)?)?.expr;
                    let then = self.block(self.next(&mut q, part_span)?)?;
                    branches.push((if_start, cond, then));
                }
                Rule::else_block => otherwise = self.block(self.next(&mut q, part_span)?)?,
                _ => return Err(self.internal(part_span)),
            }
        }
        if branches.len() > MAX_EXPR_DEPTH {
            return Err(Box::new(
                Diagnostic::error(TOO_DEEP, span, "`else if` chain is too long")
                    .with_label(format!("more than {MAX_EXPR_DEPTH} branches"))
                    .with_help("split the trigger into several triggers"),
            ));
        }
        let end = span.end as usize - self.base;
        let mut result = None;
        for (start, cond, then) in branches.into_iter().rev() {
            let otherwise = match result.take() {
                Some(inner) => vec![inner],
                None => std::mem::take(&mut otherwise),
            };
            result = Some(TriggerItem {
                kind: TriggerItemKind::If {
                    cond,
                    then,
                    otherwise,
                },
                span: self.offsets(start, end),
            });
        }
        result.ok_or_else(|| self.internal(span))
    }

    /// The items of a trigger or `if` body. A plain loop (not an iterator chain) keeps
    /// the stack frames per nested `if` few.
    fn block(&self, pair: Pair<'_, Rule>) -> Lowered<Vec<TriggerItem>> {
        self.trigger_items(parts(pair))
    }

    fn trigger_items<'i>(
        &self,
        pairs: impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Lowered<Vec<TriggerItem>> {
        let mut items = Vec::new();
        for item in pairs {
            items.push(self.trigger_item(item)?);
        }
        Ok(items)
    }

    // --------------------------------------------------------------- tests ----

    fn test_item(&self, pair: Pair<'_, Rule>) -> Lowered<TestItem> {
        let span = self.span(&pair);
        let item = self.next(&mut parts(pair), span)?;
        let rule = item.as_rule();
        let mut p = parts(item);
        let kind = match rule {
            Rule::given_item => {
                TestItemKind::Given(p.map(|f| self.given_field(f)).collect::<Lowered<_>>()?)
            }
            Rule::expect_item => TestItemKind::Expect(self.expr(self.next(&mut p, span)?)?.expr),
            Rule::now_item => TestItemKind::Now(self.expr(self.next(&mut p, span)?)?.expr),
            Rule::at_item => {
                let at = self.expr(self.next(&mut p, span)?)?.expr;
                // `:` is a token, filtered out of the parts.
                let step = match p.next() {
                    None => None,
                    Some(q) if q.as_rule() == Rule::fail_step => {
                        let mut r = parts(q);
                        Some(AtStep::Fail(self.string(self.next(&mut r, span)?)?))
                    }
                    Some(q) => Some(AtStep::Event(self.event_lit(q)?)),
                };
                TestItemKind::At { at, step }
            }
            Rule::until_item => TestItemKind::At {
                at: self.expr(self.next(&mut p, span)?)?.expr,
                step: None,
            },
            Rule::expect_send_item => TestItemKind::ExpectSend(self.expect_send(p, span)?),
            _ => return Err(self.internal(span)),
        };
        Ok(TestItem { kind, span })
    }

    /// The parts of `expect [no] send "m" [via ch | undeliverable] [at T]` after `expect`.
    fn expect_send<'i>(
        &self,
        parts: impl Iterator<Item = Pair<'i, Rule>>,
        span: Span,
    ) -> Lowered<ExpectSend> {
        let mut negated = false;
        let mut message = None;
        let mut via = None;
        let mut at = None;
        for part in parts {
            match part.as_rule() {
                Rule::expect_no => negated = true,
                Rule::string => message = Some(self.string(part)?),
                Rule::send_via => {
                    let mut q = self::parts(part);
                    via = Some(SendVia::Channel(self.name(&self.next(&mut q, span)?)));
                }
                Rule::send_undeliverable => via = Some(SendVia::Undeliverable),
                Rule::expr => at = Some(self.expr(part)?.expr),
                _ => {}
            }
        }
        let message = message.ok_or_else(|| self.internal(span))?;
        Ok(ExpectSend {
            negated,
            message,
            via,
            at,
        })
    }

    fn given_field(&self, pair: Pair<'_, Rule>) -> Lowered<GivenField> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut p = parts(pair);
        let name = self.name(&self.next(&mut p, span)?);
        let value = match rule {
            Rule::given_events => {
                GivenValue::Events(p.map(|e| self.event_lit(e)).collect::<Lowered<_>>()?)
            }
            Rule::given_value => GivenValue::Expr(self.expr(self.next(&mut p, span)?)?.expr),
            _ => return Err(self.internal(span)),
        };
        Ok(GivenField { name, value, span })
    }

    fn event_lit(&self, pair: Pair<'_, Rule>) -> Lowered<EventLit> {
        let span = self.span(&pair);
        let mut p = parts(pair);
        let event = self.name(&self.next(&mut p, span)?);
        let fields = p
            .map(|field| {
                let field_span = self.span(&field);
                let mut q = parts(field);
                let name = self.name(&self.next(&mut q, field_span)?);
                Ok((name, self.expr(self.next(&mut q, field_span)?)?.expr))
            })
            .collect::<Lowered<_>>()?;
        Ok(EventLit {
            event,
            fields,
            span,
        })
    }

    // --------------------------------------------------------- expressions ----

    /// Lowers an expression. It recurses once per bracket level, so it makes sure
    /// there is stack to do so (the bracket count is bounded, the stack may be small).
    fn expr(&self, pair: Pair<'_, Rule>) -> Lowered<Node> {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.expr_on_stack(pair))
    }

    fn expr_on_stack(&self, mut pair: Pair<'_, Rule>) -> Lowered<Node> {
        // A precedence level with one operand and no operator adds no node: step
        // through such levels in a loop, so each bracket level costs few stack frames.
        while is_precedence_level(pair.as_rule()) {
            let mut inner = pair.clone().into_inner();
            match (inner.next(), inner.next()) {
                (Some(only), None) => pair = only,
                _ => break,
            }
        }
        match pair.as_rule() {
            Rule::expr => self.chain(pair, Some(BinaryOp::Or)),
            Rule::conjunction => self.chain(pair, Some(BinaryOp::And)),
            Rule::negation => self.prefixed(pair, UnaryOp::Not),
            Rule::comparison => self.comparison(pair),
            Rule::sum | Rule::product => self.chain(pair, None),
            Rule::unary => self.prefixed(pair, UnaryOp::Neg),
            Rule::postfix => self.postfix(pair),
            _ => self.primary(pair),
        }
    }

    /// A left-associative chain `a op b op c`; `fixed` is the operator of levels
    /// whose operator is a (filtered) keyword, otherwise operators are children.
    fn chain(&self, pair: Pair<'_, Rule>, fixed: Option<BinaryOp>) -> Lowered<Node> {
        let span = self.span(&pair);
        let start = pair.as_span().start();
        let mut p = parts(pair);
        let mut acc = self.expr(self.next(&mut p, span)?)?;
        while let Some(next) = p.next() {
            let (op, rhs) = match fixed {
                Some(op) => (op, next),
                None => (self.arith_op(&next)?, self.next(&mut p, span)?),
            };
            let end = end_of(&rhs);
            let rhs = self.expr(rhs)?;
            let kind = ExprKind::Binary {
                op,
                lhs: Box::new(acc.expr),
                rhs: Box::new(rhs.expr),
            };
            acc = self.node(kind, self.offsets(start, end), acc.depth.max(rhs.depth))?;
        }
        Ok(acc)
    }

    fn arith_op(&self, pair: &Pair<'_, Rule>) -> Lowered<BinaryOp> {
        Ok(match pair.as_str() {
            "+" => BinaryOp::Add,
            "-" => BinaryOp::Sub,
            "*" => BinaryOp::Mul,
            "/" => BinaryOp::Div,
            "%" => BinaryOp::Rem,
            _ => return Err(self.unexpected(pair)),
        })
    }

    /// A run of prefix operators (`not not x`, `--x`) folded in a loop.
    fn prefixed(&self, pair: Pair<'_, Rule>, op: UnaryOp) -> Lowered<Node> {
        let span = self.span(&pair);
        let mut starts = Vec::new();
        let mut operand = None;
        for part in parts(pair) {
            match part.as_rule() {
                Rule::not_op | Rule::neg_op => starts.push(part.as_span().start()),
                _ => operand = Some(part),
            }
        }
        let operand = operand.ok_or_else(|| self.internal(span))?;
        let end = end_of(&operand);
        let mut acc = self.expr(operand)?;
        for start in starts.into_iter().rev() {
            let kind = ExprKind::Unary {
                op,
                operand: Box::new(acc.expr),
            };
            acc = self.node(kind, self.offsets(start, end), acc.depth)?;
        }
        Ok(acc)
    }

    fn comparison(&self, pair: Pair<'_, Rule>) -> Lowered<Node> {
        let span = self.span(&pair);
        let mut p = parts(pair);
        let lhs = self.expr(self.next(&mut p, span)?)?;
        let Some(op) = p.next() else {
            return Ok(lhs);
        };
        let subject = Box::new(lhs.expr);
        let (kind, depth) = match op.as_rule() {
            Rule::is_missing | Rule::is_present => {
                let present = op.as_rule() == Rule::is_present;
                (ExprKind::Is { subject, present }, lhs.depth)
            }
            Rule::matches_op => {
                let pattern = self.string(self.next(&mut p, span)?)?;
                (ExprKind::Matches { subject, pattern }, lhs.depth)
            }
            rule => {
                let op = match (rule, op.as_str()) {
                    (Rule::in_op, _) => BinaryOp::In,
                    (Rule::not_in_op, _) => BinaryOp::NotIn,
                    (Rule::contains_op, _) => BinaryOp::Contains,
                    (Rule::compare_op, "==") => BinaryOp::Eq,
                    (Rule::compare_op, "!=") => BinaryOp::Ne,
                    (Rule::compare_op, "<") => BinaryOp::Lt,
                    (Rule::compare_op, "<=") => BinaryOp::Le,
                    (Rule::compare_op, ">") => BinaryOp::Gt,
                    (Rule::compare_op, ">=") => BinaryOp::Ge,
                    _ => return Err(self.unexpected(&op)),
                };
                let rhs = self.expr(self.next(&mut p, span)?)?;
                let depth = lhs.depth.max(rhs.depth);
                let rhs = Box::new(rhs.expr);
                (
                    ExprKind::Binary {
                        op,
                        lhs: subject,
                        rhs,
                    },
                    depth,
                )
            }
        };
        self.node(kind, span, depth)
    }

    /// An atom and its `.name`s, folded in a loop.
    fn postfix(&self, pair: Pair<'_, Rule>) -> Lowered<Node> {
        let span = self.span(&pair);
        let start = pair.as_span().start();
        let mut p = parts(pair);
        let mut acc = self.expr(self.next(&mut p, span)?)?;
        for member in p {
            let member_span = self.span(&member);
            let name = self.next(&mut parts(member), member_span)?;
            let end = end_of(&name);
            let kind = ExprKind::Member {
                object: Box::new(acc.expr),
                name: self.name(&name),
            };
            acc = self.node(kind, self.offsets(start, end), acc.depth)?;
        }
        Ok(acc)
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Lowered<Node> {
        let span = self.span(&pair);
        let text = pair.as_str();
        let kind = match pair.as_rule() {
            Rule::name => ExprKind::Name(self.name(&pair)),
            Rule::boolean => ExprKind::Bool(text.eq_ignore_ascii_case("true")),
            Rule::int => ExprKind::Int(self.literal(&pair, literal::int(text))?),
            Rule::float => ExprKind::Float(self.literal(&pair, literal::float(text))?),
            Rule::duration => ExprKind::Duration(self.literal(&pair, literal::duration(text))?),
            Rule::percent => {
                let number = text.strip_suffix('%').unwrap_or(text);
                ExprKind::Percent(self.literal(&pair, literal::percent(number))?)
            }
            Rule::malformed_number => {
                return Err(self.bad_literal(span, literal::malformed_number(text)));
            }
            Rule::string => ExprKind::Str(self.string(pair)?.value),
            Rule::paren => return self.expr(self.next(&mut parts(pair), span)?),
            Rule::list => {
                let mut depth = 0;
                let mut elements = Vec::new();
                for part in parts(pair) {
                    let node = self.expr(part)?;
                    depth = depth.max(node.depth);
                    elements.push(node.expr);
                }
                return self.node(ExprKind::List(elements), span, depth);
            }
            Rule::call => return self.call(pair),
            Rule::case_expr => return self.case(pair),
            _ => return Err(self.unexpected(&pair)),
        };
        self.node(kind, span, 0)
    }

    fn call(&self, pair: Pair<'_, Rule>) -> Lowered<Node> {
        let span = self.span(&pair);
        let mut p = parts(pair);
        let callee = self.next(&mut p, span)?;
        let mut callee = self.name(&callee);
        // `since` is reserved; spell the function the one way whatever the case.
        if callee.name.eq_ignore_ascii_case("since") {
            callee.name = "since".to_string();
        }
        let mut call = Call {
            callee,
            args: Vec::new(),
            filter: None,
            window: None,
        };
        let mut depth = 0;
        for part in p {
            let part_span = self.span(&part);
            match part.as_rule() {
                Rule::call_filter => {
                    let node = self.expr(self.next(&mut parts(part), part_span)?)?;
                    depth = depth.max(node.depth);
                    call.filter = Some(Box::new(node.expr));
                }
                rule @ (Rule::within_window | Rule::since_window) => {
                    let node = self.expr(self.next(&mut parts(part), part_span)?)?;
                    depth = depth.max(node.depth);
                    call.window = Some(Window {
                        kind: if rule == Rule::within_window {
                            WindowKind::Within
                        } else {
                            WindowKind::Since
                        },
                        bound: Box::new(node.expr),
                        span: part_span,
                    });
                }
                _ => {
                    let node = self.expr(part)?;
                    depth = depth.max(node.depth);
                    call.args.push(node.expr);
                }
            }
        }
        self.node(ExprKind::Call(call), span, depth)
    }

    fn case(&self, pair: Pair<'_, Rule>) -> Lowered<Node> {
        let span = self.span(&pair);
        let mut arms = Vec::new();
        let mut default = None;
        let mut depth = 0;
        for part in parts(pair) {
            let part_span = self.span(&part);
            let rule = part.as_rule();
            let mut q = parts(part);
            match rule {
                Rule::case_arm => {
                    let cond = self.expr(self.next(&mut q, part_span)?)?;
                    let value = self.expr(self.next(&mut q, part_span)?)?;
                    depth = depth.max(cond.depth).max(value.depth);
                    arms.push(CaseArm {
                        cond: cond.expr,
                        value: value.expr,
                        span: part_span,
                    });
                }
                Rule::case_else => {
                    let value = self.expr(self.next(&mut q, part_span)?)?;
                    depth = depth.max(value.depth);
                    default = Some(Box::new(value.expr));
                }
                _ => return Err(self.internal(part_span)),
            }
        }
        self.node(ExprKind::Case { arms, default }, span, depth)
    }
}

/// What a rule stands for in "expected ..." messages: words, not rule names.
pub(super) fn describe(rule: Rule) -> &'static str {
    use Rule::*;
    match rule {
        EOI | end_of_file => "end of file",
        item | item_start | declaration_head | profile_decl | event_decl | let_decl | tag_decl
        | segment_decl | channel_decl | trigger_decl | test_decl | import_decl | timezone_decl
        | limit_decl => "a declaration",
        expr | rule_body | conjunction | negation | comparison | sum | product | unary
        | postfix | paren | list | call | case_expr | boolean | duration | percent | float
        | int | malformed_number | not_op | neg_op => "an expression",
        compare_op | in_op | not_in_op | contains_op | matches_op | is_missing | is_present
        | add_op | mul_op | member | kw_and | kw_or | kw_not | kw_is => "an operator",
        name | callee | type_name | events_name => "a name",
        string | string_body => "a string",
        type_expr | enum_type | set_type => "a type",
        field_decl | given_events | given_value => "a field",
        trigger_item | on_item | every_item | when_item | goal_item | send_item | wait_item
        | if_item | limit_item | quiet_item => "a trigger item",
        test_item | given_item | expect_item | now_item | at_item | expect_send_item
        | until_item => "`given`, `expect`, `now`, `at` or `until`",
        kw_until => "`until`",
        fail_step | kw_fail => "`fail`",
        expect_no | kw_no => "`no`",
        send_via => "`via`",
        send_undeliverable | kw_undeliverable => "`undeliverable`",
        on_enter | kw_enter => "`enter`",
        on_exit | kw_exit => "`exit`",
        on_event => "an event name",
        event_lit => "an event",
        event_lit_field => "a property",
        case_arm => "a case arm",
        case_else | else_if | else_block | kw_else => "`else`",
        call_filter | kw_where => "`where`",
        within_window | kw_within => "`within`",
        since_window | kw_since => "`since`",
        clock_time => "a clock time like `20:00`",
        block | open_brace => "`{`",
        close_brace => "`}`",
        open_paren => "`(`",
        close_paren => "`)`",
        open_bracket => "`[`",
        close_bracket => "`]`",
        open_angle => "`<`",
        close_angle => "`>`",
        comma => "`,`",
        colon => "`:`",
        assign => "`=`",
        arrow => "`=>`",
        range_dots => "`..`",
        kw_in => "`in`",
        kw_contains => "`contains`",
        kw_matches => "`matches`",
        kw_missing | kw_present => "`missing` or `present`",
        kw_case => "`case`",
        kw_true | kw_false => "`true` or `false`",
        kw_profile => "`profile`",
        kw_event => "`event`",
        kw_let => "`let`",
        kw_tag => "`tag`",
        kw_segment => "`segment`",
        kw_channel => "`channel`",
        kw_trigger => "`trigger`",
        kw_test => "`test`",
        kw_import => "`import`",
        kw_timezone => "`timezone`",
        kw_limit => "`limit`",
        kw_per => "`per`",
        kw_enum => "`enum`",
        kw_set => "`set`",
        kw_when => "`when`",
        kw_on => "`on`",
        kw_every => "`every`",
        kw_day => "`day`",
        kw_at => "`at`",
        kw_goal => "`goal`",
        kw_send => "`send`",
        kw_via => "`via`",
        kw_wait => "`wait`",
        kw_if => "`if`",
        kw_quiet => "`quiet`",
        kw_given => "`given`",
        kw_expect => "`expect`",
        kw_now => "`now`",
        item_entry => "a declaration",
        // Silent rules are never reported.
        WHITESPACE | COMMENT | primary | name_text | reserved => "more input",
    }
}
