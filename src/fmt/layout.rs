//! The canonical layout: the parsed AST says what each part of the file is, the
//! token stream says exactly how it is spelled and where the comments are.
//!
//! The layout walks the AST in source order and takes each token from the stream as
//! it reaches it, so tokens are written as they were (keyword case, number spelling,
//! string escapes, redundant parentheses) and never reordered. Only whitespace
//! changes, plus optional commas: dropped between items laid out one per line,
//! written between items laid out on one line and after the last element of a list
//! broken over lines.

use super::doc::{Doc, group};
use super::lex::{Kind, Token};
use crate::ast::{
    AtStep, BinaryOp, Call, CaseArm, EventLit, ExpectSend, Expr, ExprKind, FieldDecl, GivenField,
    GivenValue, Item, ItemKind, Limit, Module, SendVia, TestItem, TestItemKind, TriggerItem,
    TriggerItemKind, TriggerStart, TypeExpr, TypeExprKind, UnaryOp,
};
use crate::source::Span;

/// Lays `module` (parsed from `src`, lexed into `tokens`) out as a document; an
/// error says where the tokens and the AST disagreed.
pub fn module(src: &str, tokens: Vec<Token>, module: &Module) -> Result<Doc, String> {
    let mut layout = Layout {
        src,
        tokens,
        pos: 0,
        error: None,
    };
    let doc = layout.items(&module.items);
    if let Some(error) = layout.error {
        return Err(error);
    }
    if layout.pos + 1 != layout.tokens.len() {
        return Err(format!("text left over at byte {}", layout.peek().start));
    }
    Ok(doc)
}

struct Layout<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    error: Option<String>,
}

/// Whether a declaration always spans several lines; those are set apart by empty lines.
fn is_block(item: &Item) -> bool {
    matches!(
        item.kind,
        ItemKind::Profile(_) | ItemKind::Trigger(_) | ItemKind::Test(_)
    )
}

impl Layout<'_> {
    // ------------------------------------------------------------- tokens ----

    fn peek(&self) -> &Token {
        // INVARIANT: the lexer always ends the stream with an end token, which is
        // never consumed, so `pos` stays in range.
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[self.pos.min(last)]
    }

    fn peek_text(&self) -> &str {
        let t = self.peek();
        self.src.get(t.start..t.end).unwrap_or("")
    }

    fn fail(&mut self, what: String) {
        if self.error.is_none() {
            self.error = Some(what);
        }
    }

    /// The next token, written as `text` with its comments.
    fn take_as(&mut self, text: &str) -> Doc {
        let token = self.peek().clone();
        if token.kind == Kind::Comment {
            self.fail(format!("the file ended where `{text}` was expected"));
            return Doc::Concat(Vec::new());
        }
        self.pos += 1;
        let mut docs = leading(&token);
        docs.push(Doc::text(text));
        if let Some(comment) = token.trailing {
            docs.push(Doc::Trailing(comment));
        }
        Doc::Concat(docs)
    }

    /// The next token as written.
    fn tok(&mut self) -> Doc {
        let text = self.peek_text().to_string();
        self.take_as(&text)
    }

    /// The next token, which must be `expected` (in any case).
    fn word(&mut self, expected: &str) -> Doc {
        if !self.peek_text().eq_ignore_ascii_case(expected) {
            let found = self.peek_text().to_string();
            let at = self.peek().start;
            self.fail(format!(
                "expected `{expected}` at byte {at}, found `{found}`"
            ));
        }
        self.tok()
    }

    /// The next token, left out of the text but with its comments kept.
    fn drop_tok(&mut self) -> Doc {
        self.take_as("")
    }

    /// All tokens up to the end of `span`, written as the source spells them.
    fn leaf(&mut self, span: Span) -> Doc {
        let first = self.peek().clone();
        let mut last = first.clone();
        let mut middle = Vec::new();
        let mut taken = 0;
        while self.peek().kind != Kind::Comment && self.peek().start < span.end as usize {
            last = self.peek().clone();
            if taken > 0 {
                middle.extend(leading(&last));
            }
            taken += 1;
            self.pos += 1;
        }
        if taken == 0 {
            self.fail(format!("nothing to write at byte {}", span.start));
        }
        let mut docs = leading(&first);
        docs.extend(middle);
        docs.push(Doc::text(self.src.get(first.start..last.end).unwrap_or("")));
        if let Some(comment) = last.trailing {
            docs.push(Doc::Trailing(comment));
        }
        Doc::Concat(docs)
    }

    /// An optional `,` after an item laid out on its own line: dropped, unless the
    /// next item starts with `-`, which would otherwise continue this item.
    fn separator(&mut self) -> Doc {
        if self.peek().kind != Kind::Comma {
            return Doc::Concat(Vec::new());
        }
        let next_is_minus = self
            .tokens
            .get(self.pos + 1)
            .and_then(|t| self.src.get(t.start..t.end))
            == Some("-");
        if next_is_minus {
            self.tok()
        } else {
            self.drop_tok()
        }
    }

    /// What comes before an item on its own line: a line break, or an empty line
    /// where the source had one.
    fn item_break(&self, broken: Doc) -> Doc {
        let next = self.peek();
        if next.leading.is_empty() && next.blank_before {
            Doc::Blank
        } else {
            broken
        }
    }

    /// A closing `}`, `]` or `)` on its own line; comments before it stay inside.
    fn close(&mut self, line: Doc) -> Doc {
        let token = self.peek().clone();
        let comments = leading(&token);
        let mut bare = token.clone();
        bare.leading.clear();
        bare.blank_before = false;
        if let Some(slot) = self.tokens.get_mut(self.pos) {
            *slot = bare;
        }
        Doc::Concat(vec![Doc::Indent(comments), line, self.tok()])
    }

    // -------------------------------------------------------- declarations ----

    fn items(&mut self, items: &[Item]) -> Doc {
        let mut docs = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                let apart = is_block(item) || items.get(i - 1).is_some_and(is_block);
                docs.push(if apart {
                    Doc::Blank
                } else {
                    self.item_break(Doc::Hard)
                });
            }
            docs.push(self.item(item));
        }
        let end = self.peek().clone();
        docs.extend(leading(&end));
        Doc::Concat(docs)
    }

    fn item(&mut self, item: &Item) -> Doc {
        let keyword = self.tok();
        let space = || Doc::text(" ");
        let rest = match &item.kind {
            ItemKind::Profile(profile) => {
                let fields = self.block(&profile.fields, Self::field);
                vec![space(), fields]
            }
            ItemKind::Event(event) => {
                let name = self.leaf(event.name.span);
                let props = self.flexible_block(&event.props, Self::field);
                vec![space(), name, space(), props]
            }
            ItemKind::Let(decl) => {
                let name = self.leaf(decl.name.span);
                let assign = self.word("=");
                let value = self.expr(&decl.value);
                vec![space(), name, space(), assign, space(), value]
            }
            ItemKind::Tag(decl) | ItemKind::Segment(decl) => {
                let name = self.leaf(decl.name.span);
                let assign = self.word("=");
                let body = self.expr(&decl.body);
                vec![space(), name, space(), assign, space(), body]
            }
            ItemKind::Channel(decl) => {
                let name = self.leaf(decl.name.span);
                let when = self.word("when");
                let cond = self.expr(&decl.when);
                vec![space(), name, space(), when, space(), cond]
            }
            ItemKind::Trigger(trigger) => {
                let name = self.leaf(trigger.name.span);
                let items = self.block(&trigger.items, Self::trigger_item);
                vec![space(), name, space(), items]
            }
            ItemKind::Test(test) => {
                let title = self.leaf(test.title.span);
                let items = self.block(&test.items, Self::test_item);
                vec![space(), title, space(), items]
            }
            ItemKind::Import(path) | ItemKind::Timezone(path) => {
                vec![space(), self.leaf(path.span)]
            }
            ItemKind::Limit(limit) => {
                let mut docs = vec![space()];
                docs.extend(self.limit(limit));
                docs
            }
        };
        let mut docs = vec![keyword];
        docs.extend(rest);
        Doc::Concat(docs)
    }

    /// `{ item ... }` with one item per line.
    fn block<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T) -> Doc) -> Doc {
        let commented = self.peek().trailing.is_some();
        let open = self.word("{");
        if items.is_empty() && !commented && self.peek().leading.is_empty() {
            return Doc::Concat(vec![open, self.word("}")]);
        }
        let mut body = Vec::new();
        for item in items {
            body.push(self.item_break(Doc::Hard));
            body.push(each(self, item));
            body.push(self.separator());
        }
        let close = self.close(Doc::Hard);
        Doc::Concat(vec![open, Doc::Indent(body), close])
    }

    /// `{ a, b }` on one line when it fits, else one item per line.
    fn flexible_block<T>(
        &mut self,
        items: &[T],
        mut each: impl FnMut(&mut Self, &T) -> Doc,
    ) -> Doc {
        let commented = self.peek().trailing.is_some();
        let open = self.word("{");
        if items.is_empty() && !commented && self.peek().leading.is_empty() {
            return Doc::Concat(vec![open, self.word("}")]);
        }
        let mut body = Vec::new();
        for (i, item) in items.iter().enumerate() {
            body.push(self.item_break(Doc::Line));
            body.push(each(self, item));
            body.push(self.separator());
            if i + 1 < items.len() {
                body.push(Doc::IfFlat(","));
            }
        }
        let close = self.close(Doc::Line);
        group(vec![open, Doc::Indent(body), close])
    }

    fn field(&mut self, field: &FieldDecl) -> Doc {
        let name = self.leaf(field.name.span);
        let colon = self.word(":");
        let ty = self.type_expr(&field.ty);
        Doc::Concat(vec![name, colon, Doc::text(" "), ty])
    }

    fn type_expr(&mut self, ty: &TypeExpr) -> Doc {
        match &ty.kind {
            TypeExprKind::Named(name) => self.leaf(name.span),
            TypeExprKind::Enum(variants) => {
                let keyword = self.word("enum");
                let open = self.word("(");
                let mut body = vec![Doc::Soft];
                for (i, variant) in variants.iter().enumerate() {
                    body.push(self.leaf(variant.span));
                    let last = i + 1 == variants.len();
                    if self.peek().kind == Kind::Comma {
                        body.push(if last { self.drop_tok() } else { self.tok() });
                    }
                    if !last {
                        body.push(Doc::Line);
                    }
                }
                let close = self.close(Doc::Soft);
                group(vec![keyword, open, Doc::Indent(body), close])
            }
            TypeExprKind::Set(element) => {
                let set = self.word("set");
                let open = self.word("<");
                let element = self.type_expr(element);
                Doc::Concat(vec![set, open, element, self.word(">")])
            }
        }
    }

    fn limit(&mut self, limit: &Limit) -> Vec<Doc> {
        let count = self.expr(&limit.count);
        let per = self.word("per");
        let window = self.expr(&limit.per);
        vec![count, Doc::text(" "), per, Doc::text(" "), window]
    }

    // ------------------------------------------------------------ triggers ----

    fn trigger_item(&mut self, item: &TriggerItem) -> Doc {
        let space = || Doc::text(" ");
        match &item.kind {
            TriggerItemKind::On(start) => {
                let on = self.tok();
                let rest = match start {
                    TriggerStart::Event { event, filter } => {
                        let mut docs = vec![self.leaf(event.span)];
                        if let Some(filter) = filter {
                            docs.push(space());
                            docs.push(self.word("where"));
                            docs.push(space());
                            docs.push(self.expr(filter));
                        }
                        docs
                    }
                    TriggerStart::Enter(segment) | TriggerStart::Exit(segment) => {
                        vec![self.tok(), space(), self.leaf(segment.span)]
                    }
                    TriggerStart::EveryDay(time) => {
                        let day = self.word("day");
                        let at = self.word("at");
                        vec![day, space(), at, space(), self.leaf(time.span)]
                    }
                };
                let mut docs = vec![on, space()];
                docs.extend(rest);
                Doc::Concat(docs)
            }
            TriggerItemKind::When(cond)
            | TriggerItemKind::Goal(cond)
            | TriggerItemKind::Wait(cond) => {
                let keyword = self.tok();
                Doc::Concat(vec![keyword, space(), self.expr(cond)])
            }
            TriggerItemKind::Send { message, channels } => {
                let send = self.word("send");
                let message = self.leaf(message.span);
                let via = self.word("via");
                let mut docs = vec![send, space(), message, space(), via, space()];
                for (i, channel) in channels.iter().enumerate() {
                    if i > 0 {
                        docs.push(self.word(","));
                        docs.push(space());
                    }
                    docs.push(self.leaf(channel.span));
                }
                Doc::Concat(docs)
            }
            TriggerItemKind::If {
                cond,
                then,
                otherwise,
            } => self.if_chain(cond, then, otherwise),
            TriggerItemKind::Limit(limit) => {
                let mut docs = vec![self.word("limit"), space()];
                docs.extend(self.limit(limit));
                Doc::Concat(docs)
            }
            TriggerItemKind::Quiet { from, to } => {
                let quiet = self.word("quiet");
                let from = self.leaf(from.span);
                let dots = self.word("..");
                Doc::Concat(vec![quiet, space(), from, dots, self.leaf(to.span)])
            }
        }
    }

    /// `if c { } else if c { } else { }`, walking the `else if` chain in a loop.
    fn if_chain(&mut self, cond: &Expr, then: &[TriggerItem], otherwise: &[TriggerItem]) -> Doc {
        let space = || Doc::text(" ");
        let mut docs = vec![self.word("if"), space(), self.expr(cond), space()];
        docs.push(self.block(then, Self::trigger_item));
        let mut otherwise = otherwise;
        while self.peek_text().eq_ignore_ascii_case("else") {
            docs.push(space());
            docs.push(self.tok());
            docs.push(space());
            let next_if = match otherwise {
                [only] => match &only.kind {
                    TriggerItemKind::If {
                        cond,
                        then,
                        otherwise,
                    } => Some((cond, then, otherwise)),
                    _ => None,
                },
                _ => None,
            };
            match next_if {
                Some((cond, then, rest)) if self.peek_text() == "if" => {
                    docs.extend([self.tok(), space(), self.expr(cond), space()]);
                    docs.push(self.block(then, Self::trigger_item));
                    otherwise = rest;
                }
                _ => {
                    docs.push(self.block(otherwise, Self::trigger_item));
                    break;
                }
            }
        }
        Doc::Concat(docs)
    }

    // --------------------------------------------------------------- tests ----

    fn test_item(&mut self, item: &TestItem) -> Doc {
        let keyword = self.tok();
        let rest = match &item.kind {
            TestItemKind::Now(expr) | TestItemKind::Expect(expr) => self.expr(expr),
            TestItemKind::Given(fields) => self.flexible_block(fields, Self::given_field),
            TestItemKind::At { at, step } => self.timeline_step(at, step.as_ref()),
            TestItemKind::ExpectSend(send) => self.expect_send(send),
        };
        Doc::Concat(vec![keyword, Doc::text(" "), rest])
    }

    /// After `at`: `T: E { ... }` or `T: fail "message"`; after `until`: `T`.
    fn timeline_step(&mut self, at: &Expr, step: Option<&AtStep>) -> Doc {
        let mut docs = vec![self.expr(at)];
        if let Some(step) = step {
            docs.extend([self.word(":"), Doc::text(" ")]);
            match step {
                AtStep::Event(event) => docs.push(self.event_lit(event)),
                AtStep::Fail(message) => {
                    docs.extend([self.word("fail"), Doc::text(" "), self.leaf(message.span)])
                }
            }
        }
        Doc::Concat(docs)
    }

    /// After `expect`: `[no] send "m" [via ch | undeliverable] [at T]`.
    fn expect_send(&mut self, send: &ExpectSend) -> Doc {
        let mut docs = Vec::new();
        if send.negated {
            docs.extend([self.word("no"), Doc::text(" ")]);
        }
        docs.extend([
            self.word("send"),
            Doc::text(" "),
            self.leaf(send.message.span),
        ]);
        match &send.via {
            Some(SendVia::Channel(channel)) => docs.extend([
                Doc::text(" "),
                self.word("via"),
                Doc::text(" "),
                self.leaf(channel.span),
            ]),
            Some(SendVia::Undeliverable) => {
                docs.extend([Doc::text(" "), self.word("undeliverable")])
            }
            None => {}
        }
        if let Some(at) = &send.at {
            docs.extend([
                Doc::text(" "),
                self.word("at"),
                Doc::text(" "),
                self.expr(at),
            ]);
        }
        Doc::Concat(docs)
    }

    fn given_field(&mut self, field: &GivenField) -> Doc {
        let name = self.leaf(field.name.span);
        let colon = self.word(":");
        let value = match &field.value {
            GivenValue::Expr(expr) => self.expr(expr),
            GivenValue::Events(events) => self.list(events, Self::event_lit),
        };
        Doc::Concat(vec![name, colon, Doc::text(" "), value])
    }

    fn event_lit(&mut self, event: &EventLit) -> Doc {
        let name = self.leaf(event.event.span);
        let fields = self.flexible_block(&event.fields, |this, (name, value)| {
            let name = this.leaf(name.span);
            let colon = this.word(":");
            Doc::Concat(vec![name, colon, Doc::text(" "), this.expr(value)])
        });
        Doc::Concat(vec![name, Doc::text(" "), fields])
    }

    /// `[a, b]` on one line when it fits, else one element per line with a comma
    /// after each.
    fn list<T>(&mut self, elements: &[T], mut each: impl FnMut(&mut Self, &T) -> Doc) -> Doc {
        let commented = self.peek().trailing.is_some();
        let open = self.word("[");
        if elements.is_empty() && !commented && self.peek().leading.is_empty() {
            return Doc::Concat(vec![open, self.word("]")]);
        }
        let mut body = vec![Doc::Soft];
        for (i, element) in elements.iter().enumerate() {
            body.push(each(self, element));
            let last = i + 1 == elements.len();
            if last {
                body.push(Doc::IfBroken(","));
            }
            if self.peek().kind == Kind::Comma {
                body.push(if last { self.drop_tok() } else { self.tok() });
            }
            if !last {
                body.push(Doc::Line);
            }
        }
        let close = self.close(Doc::Soft);
        group(vec![open, Doc::Indent(body), close])
    }

    // --------------------------------------------------------- expressions ----

    fn expr(&mut self, expr: &Expr) -> Doc {
        stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || {
            self.expr_on_stack(expr)
        })
    }

    /// An expression with the parentheses written around it.
    fn expr_on_stack(&mut self, expr: &Expr) -> Doc {
        let mut opens = Vec::new();
        while self.peek().kind == Kind::OpenParen && self.peek().start < expr.span.start as usize {
            opens.push(self.tok());
        }
        let mut doc = self.bare_expr(expr);
        for open in opens.into_iter().rev() {
            let close = self.close(Doc::Soft);
            doc = group(vec![open, Doc::Indent(vec![Doc::Soft, doc]), close]);
        }
        doc
    }

    fn bare_expr(&mut self, expr: &Expr) -> Doc {
        let space = || Doc::text(" ");
        match &expr.kind {
            ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Duration(_)
            | ExprKind::Percent(_)
            | ExprKind::Name(_) => self.leaf(expr.span),
            ExprKind::List(elements) => self.list(elements, Self::expr),
            ExprKind::Unary { op, operand } => {
                let op_doc = self.tok();
                let operand = self.expr(operand);
                match op {
                    UnaryOp::Not => Doc::Concat(vec![op_doc, space(), operand]),
                    UnaryOp::Neg => Doc::Concat(vec![op_doc, operand]),
                }
            }
            ExprKind::Binary {
                op: op @ (BinaryOp::And | BinaryOp::Or),
                ..
            } => self.chain(expr, *op),
            ExprKind::Binary { op, lhs, rhs } => {
                let lhs = self.expr(lhs);
                let mut docs = vec![lhs, space(), self.tok()];
                if *op == BinaryOp::NotIn {
                    docs.extend([space(), self.word("in")]);
                }
                docs.extend([space(), self.expr(rhs)]);
                Doc::Concat(docs)
            }
            ExprKind::Matches { subject, pattern } => {
                let subject = self.expr(subject);
                let matches = self.word("matches");
                Doc::Concat(vec![
                    subject,
                    space(),
                    matches,
                    space(),
                    self.leaf(pattern.span),
                ])
            }
            ExprKind::Is { subject, .. } => {
                let subject = self.expr(subject);
                let is = self.word("is");
                Doc::Concat(vec![subject, space(), is, space(), self.tok()])
            }
            ExprKind::Member { object, name } => {
                let object = self.expr(object);
                let dot = self.word(".");
                Doc::Concat(vec![object, dot, self.leaf(name.span)])
            }
            ExprKind::Call(call) => self.call(call),
            ExprKind::Case { arms, default } => self.case(arms, default.as_deref()),
            ExprKind::Conjunction(conjuncts) => {
                let mut rest = Vec::new();
                let mut conjuncts = conjuncts.iter();
                let first = conjuncts.next().map(|c| self.expr(c));
                for conjunct in conjuncts {
                    rest.push(self.word(","));
                    rest.push(Doc::Line);
                    rest.push(self.expr(conjunct));
                }
                let mut docs: Vec<Doc> = first.into_iter().collect();
                docs.push(Doc::Indent(rest));
                group(docs)
            }
        }
    }

    /// `a and b and c` (one operator, not parenthesised inside) broken before each
    /// operator when too long.
    fn chain(&mut self, expr: &Expr, op: BinaryOp) -> Doc {
        let mut rights = Vec::new();
        let mut first = expr;
        while let ExprKind::Binary {
            op: inner,
            lhs,
            rhs,
        } = &first.kind
        {
            // A left operand that starts later than its parent is in parentheses.
            if *inner != op || lhs.span.start != first.span.start {
                break;
            }
            rights.push(rhs.as_ref());
            first = lhs;
        }
        // The loop stops at the first operand unless `expr` is parenthesised in a way
        // it cannot be (its own span never starts later than its left operand).
        if rights.is_empty()
            && let ExprKind::Binary { lhs, rhs, .. } = &expr.kind
        {
            rights.push(rhs.as_ref());
            first = lhs;
        }
        // A looser chain that starts with a tighter one (`a and b or c`) indents the
        // inner chain's breaks one level more, so the operators show the nesting.
        let nested = first.span.start == expr.span.start
            && matches!(
                first.kind,
                ExprKind::Binary {
                    op: BinaryOp::And | BinaryOp::Or,
                    ..
                }
            );
        let first = self.expr(first);
        let first = if nested {
            Doc::Indent(vec![first])
        } else {
            first
        };
        let mut rest = Vec::new();
        for operand in rights.into_iter().rev() {
            rest.push(Doc::Line);
            rest.push(self.tok());
            rest.push(Doc::text(" "));
            rest.push(self.expr(operand));
        }
        group(vec![first, Doc::Indent(rest)])
    }

    fn call(&mut self, call: &Call) -> Doc {
        let callee = self.leaf(call.callee.span);
        let open = self.word("(");
        let mut body = vec![Doc::Soft];
        for (i, arg) in call.args.iter().enumerate() {
            if i > 0 {
                body.push(Doc::Line);
            }
            body.push(self.expr(arg));
            if self.peek().kind == Kind::Comma {
                let last = i + 1 == call.args.len();
                body.push(if last { self.drop_tok() } else { self.tok() });
            }
        }
        if let Some(filter) = &call.filter {
            if !call.args.is_empty() {
                body.push(Doc::Line);
            }
            body.extend([self.word("where"), Doc::text(" "), self.expr(filter)]);
        }
        if let Some(window) = &call.window {
            body.extend([
                Doc::Line,
                self.tok(),
                Doc::text(" "),
                self.expr(&window.bound),
            ]);
        }
        let close = self.close(Doc::Soft);
        group(vec![callee, open, Doc::Indent(body), close])
    }

    /// `case { cond => value ... else => value }`, always one arm per line. Arrows
    /// are not aligned: aligning them would rewrite every arm when one changes.
    fn case(&mut self, arms: &[CaseArm], default: Option<&Expr>) -> Doc {
        let keyword = self.word("case");
        let open = self.word("{");
        let mut body = Vec::new();
        for arm in arms {
            body.push(self.item_break(Doc::Hard));
            let cond = self.expr(&arm.cond);
            let arrow = self.word("=>");
            let value = self.expr(&arm.value);
            body.push(group(vec![
                cond,
                Doc::text(" "),
                arrow,
                Doc::text(" "),
                value,
            ]));
            body.push(self.separator());
        }
        if let Some(value) = default {
            body.push(self.item_break(Doc::Hard));
            let keyword = self.word("else");
            let arrow = self.word("=>");
            let value = self.expr(value);
            body.push(group(vec![
                keyword,
                Doc::text(" "),
                arrow,
                Doc::text(" "),
                value,
            ]));
            body.push(self.separator());
        }
        let close = self.close(Doc::Hard);
        Doc::Concat(vec![
            keyword,
            Doc::text(" "),
            open,
            Doc::Indent(body),
            close,
        ])
    }
}

/// A token's own-line comments (with an empty line after them if the source had one).
fn leading(token: &Token) -> Vec<Doc> {
    let mut docs: Vec<Doc> = token
        .leading
        .iter()
        .map(|c| Doc::OwnLine(c.text.clone(), c.blank_before))
        .collect();
    if token.blank_before && !token.leading.is_empty() {
        docs.push(Doc::Blank);
    }
    docs
}
