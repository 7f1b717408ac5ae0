//! Pass 4: channels, triggers, tests and the send cap.

use super::expr::{Scope, Want};
use super::{Checker, Decl, codes, suggest};
use crate::ast::{
    self, AtStep, GivenValue, SendVia, TestItemKind, TriggerItemKind, TriggerStart as AStart,
};
use crate::diagnostic::Diagnostic;
use crate::ir::{
    self, AggTarget, Cap, ChannelId, ExprId, ExprKind as K, GivenEvent, Step, TriggerStart,
};
use crate::schema::Type;
use crate::source::Span;
use crate::value::Value;

impl<'a> Checker<'a> {
    pub(super) fn check_items(&mut self) {
        for decl in self.channel_decls.clone() {
            let when = self.lower_bool(&decl.when, Scope::profile());
            if let Some(when) = when {
                self.warn_if_constant(when, "condition");
            }
            self.channels.push(ir::Channel {
                name: decl.name.name.clone(),
                span: decl.name.span,
                when: when.unwrap_or(ExprId(0)),
            });
        }
        if let Some(limit) = self.cap_decl {
            self.send_cap = self.cap(limit);
        }
        for decl in self.trigger_decls.clone() {
            if let Some(trigger) = self.check_trigger(decl) {
                self.triggers.push(trigger);
            }
        }
        for (decl, span) in self.test_decls.clone() {
            if let Some(test) = self.check_test(decl, span) {
                self.tests.push(test);
            }
        }
    }

    /// `limit N per D`: N a positive int constant, D a positive duration constant.
    fn cap(&mut self, limit: &'a ast::Limit) -> Option<Cap> {
        let count = self.lower(&limit.count, Scope::constant(), Want::Type(Type::Int));
        let per = self.lower(&limit.per, Scope::constant(), Want::Type(Type::Duration));
        let count = match count.map(|c| &self.expr(c).kind) {
            Some(K::Const(Value::Int(n))) if *n > 0 && *n <= i64::from(u32::MAX) => *n as u32,
            _ => {
                self.error(Diagnostic::error(
                    codes::BAD_VALUE,
                    limit.count.span,
                    "the count of `limit` must be a positive whole number",
                ));
                return None;
            }
        };
        let per = match per.map(|p| &self.expr(p).kind) {
            Some(K::Const(Value::Duration(d))) if *d > 0 => *d,
            _ => {
                self.error(
                    Diagnostic::error(
                        codes::BAD_VALUE,
                        limit.per.span,
                        "the period of `limit` must be a positive duration",
                    )
                    .with_help("write e.g. `limit 1 per 7d`"),
                );
                return None;
            }
        };
        Some(Cap { count, per })
    }

    fn check_trigger(&mut self, decl: &'a ast::TriggerDecl) -> Option<ir::Trigger> {
        let mut start: Option<TriggerStart> = None;
        let mut start_span: Option<Span> = None;
        let mut when = None;
        let mut goal = None;
        let mut limit = None;
        let mut quiet = None;
        let mut steps_items: Vec<&'a ast::TriggerItem> = Vec::new();
        let mut ok = true;
        let scope = Scope {
            trigger: true,
            ..Scope::profile()
        };
        for item in &decl.items {
            let once = |seen: bool, this: &mut Self, what: &str| {
                if seen {
                    this.error(Diagnostic::error(
                        codes::BAD_DECLARATION,
                        item.span,
                        format!("trigger `{}` has more than one `{what}`", decl.name.name),
                    ));
                }
                !seen
            };
            match &item.kind {
                TriggerItemKind::On(on) => {
                    if once(start_span.is_some(), self, "on") {
                        start_span = Some(item.span);
                        start = self.trigger_start(on, scope);
                        ok &= start.is_some();
                    }
                }
                TriggerItemKind::When(c) => {
                    if once(when.is_some(), self, "when") {
                        when = self.lower_bool(c, scope);
                        ok &= when.is_some();
                    }
                }
                TriggerItemKind::Goal(c) => {
                    if once(goal.is_some(), self, "goal") {
                        goal = self.lower_bool(c, scope);
                        ok &= goal.is_some();
                    }
                }
                TriggerItemKind::Limit(l) => {
                    if once(limit.is_some(), self, "limit") {
                        limit = self.cap(l);
                        ok &= limit.is_some();
                    }
                }
                TriggerItemKind::Quiet { from, to } => {
                    if once(quiet.is_some(), self, "quiet") {
                        let minutes =
                            |c: &ast::ClockTime| u16::from(c.hour) * 60 + u16::from(c.minute);
                        quiet = Some((minutes(from), minutes(to)));
                    }
                }
                TriggerItemKind::Send { .. }
                | TriggerItemKind::Wait(_)
                | TriggerItemKind::If { .. } => steps_items.push(item),
            }
        }
        let steps = self.steps(&steps_items, scope);
        if start_span.is_none() {
            self.error(
                Diagnostic::error(
                    codes::BAD_DECLARATION,
                    decl.name.span,
                    format!("trigger `{}` has no `on`", decl.name.name),
                )
                .with_help(
                    "say what starts it: `on add_cart`, `on enter recall` or `every day at 20:00`",
                ),
            );
            ok = false;
        }
        if !ok {
            return None;
        }
        Some(ir::Trigger {
            name: decl.name.name.clone(),
            span: decl.name.span,
            start: start?,
            when,
            goal,
            steps: steps?,
            limit,
            quiet,
        })
    }

    fn trigger_start(&mut self, on: &'a AStart, scope: Scope) -> Option<TriggerStart> {
        match on {
            AStart::Event { event, filter } => {
                self.refer(event.span, &event.name);
                let id = match self.names.get(event.name.as_str()) {
                    Some(&(Decl::Event(id), _)) => id,
                    _ => {
                        return self
                            .expected_decl(event, "an event", |d| matches!(d, Decl::Event(_)));
                    }
                };
                let filter = match filter {
                    Some(f) => Some(self.lower_bool(
                        f,
                        Scope {
                            event: Some(id),
                            ..scope
                        },
                    )?),
                    None => None,
                };
                Some(TriggerStart::Event { event: id, filter })
            }
            AStart::Enter(s) | AStart::Exit(s) => {
                self.refer(s.span, &s.name);
                let id = match self.names.get(s.name.as_str()) {
                    Some(&(Decl::Segment(id), _)) => id,
                    _ => {
                        return self
                            .expected_decl(s, "a segment", |d| matches!(d, Decl::Segment(_)));
                    }
                };
                Some(if matches!(on, AStart::Enter(_)) {
                    TriggerStart::Enter(id)
                } else {
                    TriggerStart::Exit(id)
                })
            }
            AStart::EveryDay(at) => Some(TriggerStart::EveryDay(
                u16::from(at.hour) * 60 + u16::from(at.minute),
            )),
        }
    }

    fn steps(&mut self, items: &[&'a ast::TriggerItem], scope: Scope) -> Option<Vec<Step>> {
        let mut steps = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items {
            let step = match &item.kind {
                TriggerItemKind::Send { message, channels } => {
                    let ids: Vec<Option<ChannelId>> =
                        channels.iter().map(|c| self.channel(c)).collect();
                    ids.into_iter()
                        .collect::<Option<Vec<_>>>()
                        .map(|channels| Step::Send {
                            message: message.value.clone(),
                            channels,
                            span: item.span,
                        })
                }
                TriggerItemKind::Wait(d) => self
                    .lower(d, Scope::constant(), Want::Type(Type::Duration))
                    .and_then(|id| match &self.expr(id).kind {
                        K::Const(Value::Duration(d)) if *d > 0 => Some(Step::Wait(id)),
                        _ => {
                            self.error(
                                Diagnostic::error(
                                    codes::BAD_VALUE,
                                    d.span,
                                    "`wait` needs a positive constant duration",
                                )
                                .with_help("write e.g. `wait 3d`"),
                            );
                            None
                        }
                    }),
                TriggerItemKind::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    let cond = self.lower_bool(cond, scope);
                    let then: Vec<&ast::TriggerItem> = then.iter().collect();
                    let otherwise: Vec<&ast::TriggerItem> = otherwise.iter().collect();
                    let then = self.steps(&then, scope);
                    let otherwise = self.steps(&otherwise, scope);
                    match (cond, then, otherwise) {
                        (Some(cond), Some(then), Some(otherwise)) => Some(Step::If {
                            cond,
                            then,
                            otherwise,
                        }),
                        _ => None,
                    }
                }
                _ => {
                    self.error(
                        Diagnostic::error(codes::MISPLACED, item.span, "only `send`, `wait` and `if` can stand inside `if`")
                            .with_help("put `on`, `when`, `goal`, `limit` and `quiet` at the top of the trigger"),
                    );
                    None
                }
            };
            match step {
                Some(s) => steps.push(s),
                None => ok = false,
            }
        }
        ok.then_some(steps)
    }

    fn channel(&mut self, ident: &'a ast::Ident) -> Option<ChannelId> {
        self.refer(ident.span, &ident.name);
        match self.names.get(ident.name.as_str()) {
            Some(&(Decl::Channel(id), _)) => Some(id),
            _ => self.expected_decl(ident, "a channel", |d| matches!(d, Decl::Channel(_))),
        }
    }

    /// Reports that `ident` should name a declaration of one kind.
    fn expected_decl<T>(
        &mut self,
        ident: &ast::Ident,
        what: &str,
        kind: impl Fn(Decl) -> bool,
    ) -> Option<T> {
        let message = match self.names.get(ident.name.as_str()) {
            Some(&(decl, _)) => format!("`{}` is {}, not {what}", ident.name, decl.a()),
            None => format!("unknown name `{}`: expected {what}", ident.name),
        };
        let candidates: Vec<&str> = self
            .names
            .iter()
            .filter(|(_, (d, _))| kind(*d))
            .map(|(n, _)| *n)
            .collect();
        let mut d = Diagnostic::error(codes::UNKNOWN_NAME, ident.span, message);
        d.help = suggest::did_you_mean(&ident.name, candidates);
        self.error(d);
        None
    }

    fn check_test(&mut self, decl: &'a ast::TestDecl, span: Span) -> Option<ir::Test> {
        let mut test = ir::Test {
            title: decl.title.value.clone(),
            span,
            now: None,
            given: ir::Given::default(),
            expects: Vec::new(),
            timeline: Vec::new(),
        };
        let given_scope = Scope {
            given: true,
            ..Scope::profile()
        };
        let mut ok = true;
        for item in &decl.items {
            match &item.kind {
                TestItemKind::Now(t) => {
                    let id = self.lower(t, given_scope, Want::Type(Type::Time));
                    test.now = id.and_then(|id| self.expect_type(id, Type::Time, "a time"));
                    ok &= test.now.is_some();
                }
                TestItemKind::Expect(c) => match self.lower_bool(c, Scope::profile()) {
                    Some(id) => test.expects.push(id),
                    None => ok = false,
                },
                TestItemKind::Given(fields) => {
                    for field in fields {
                        ok &= self.given_field(field, given_scope, &mut test.given);
                    }
                }
                TestItemKind::At { .. } | TestItemKind::ExpectSend(_) => {
                    match self.timeline_step(item, given_scope) {
                        Some(step) => test.timeline.push(step),
                        None => ok = false,
                    }
                }
            }
        }
        ok.then_some(test)
    }

    /// A step of a trigger timeline (`until T` is `At` without a step): times are constants that may use `now`; messages
    /// must be sent by some trigger, channels declared.
    fn timeline_step(&mut self, item: &'a ast::TestItem, scope: Scope) -> Option<ir::TimelineStep> {
        let time = |this: &mut Self, e: &'a ast::Expr| {
            let id = this.lower(e, scope, Want::Type(Type::Time))?;
            this.expect_type(id, Type::Time, "a time")
        };
        match &item.kind {
            TestItemKind::At { at, step: None } => Some(ir::TimelineStep::Advance {
                at: time(self, at)?,
                span: item.span,
            }),
            TestItemKind::At {
                at,
                step: Some(AtStep::Fail(message)),
            } => {
                let at = time(self, at)?;
                self.sent_message(message)?;
                Some(ir::TimelineStep::Fail {
                    at,
                    message: message.value.clone(),
                    span: item.span,
                })
            }
            TestItemKind::At {
                at,
                step: Some(AtStep::Event(event)),
            } => {
                let at = time(self, at)?;
                if let Some((name, _)) = event.fields.iter().find(|(n, _)| n.name == "at") {
                    self.error(
                        Diagnostic::error(
                            codes::BAD_VALUE,
                            name.span,
                            "a timeline event takes its time from `at T:`",
                        )
                        .with_help("remove `at` from the event"),
                    );
                    return None;
                }
                let mut event = self.given_event(event, scope)?;
                event.at = Some(at);
                Some(ir::TimelineStep::Event(event))
            }
            TestItemKind::ExpectSend(e) => {
                self.sent_message(&e.message)?;
                let via = match &e.via {
                    None => None,
                    Some(SendVia::Undeliverable) => Some(None),
                    Some(SendVia::Channel(c)) => Some(Some(self.channel(c)?)),
                };
                let at = match &e.at {
                    Some(t) => Some(time(self, t)?),
                    None => None,
                };
                Some(ir::TimelineStep::ExpectSend(ir::ExpectSend {
                    negated: e.negated,
                    message: e.message.value.clone(),
                    via,
                    at,
                    span: item.span,
                }))
            }
            _ => None,
        }
    }

    /// Checks that some trigger sends `message`.
    fn sent_message(&mut self, message: &ast::StrLit) -> Option<()> {
        let mut sent: Vec<&str> = Vec::new();
        for decl in &self.trigger_decls {
            collect_messages(&decl.items, &mut sent);
        }
        if sent.contains(&message.value.as_str()) {
            return Some(());
        }
        let mut d = Diagnostic::error(
            codes::UNKNOWN_NAME,
            message.span,
            format!("no trigger sends `{}`", message.value),
        );
        d.help = suggest::did_you_mean(&message.value, sent);
        self.error(d);
        None
    }

    fn given_field(
        &mut self,
        field: &'a ast::GivenField,
        scope: Scope,
        given: &mut ir::Given,
    ) -> bool {
        match &field.value {
            GivenValue::Events(events) => {
                let mut ok = true;
                for e in events {
                    match self.given_event(e, scope) {
                        Some(ev) => given.events.push(ev),
                        None => ok = false,
                    }
                }
                ok
            }
            GivenValue::Expr(value) if field.name.name == "id" => {
                if given.id.is_some() {
                    self.error(Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        field.name.span,
                        "`id` is given twice",
                    ));
                    return false;
                }
                given.id = self.given_value(value, scope, self.key_type);
                given.id.is_some()
            }
            GivenValue::Expr(value) => {
                self.refer(field.name.span, &field.name.name);
                let id = match self.names.get(field.name.name.as_str()) {
                    Some(&(Decl::Field(id), _)) => id,
                    _ => {
                        let fields: Vec<&str> = self
                            .program
                            .schema
                            .fields
                            .iter()
                            .map(|f| f.name.as_str())
                            .collect();
                        let mut d = Diagnostic::error(
                            codes::UNKNOWN_NAME,
                            field.name.span,
                            format!("the profile has no field `{}`", field.name.name),
                        );
                        d.help = suggest::did_you_mean(&field.name.name, fields);
                        self.error(d);
                        return false;
                    }
                };
                let ty = self.program.schema.field_def(id).ty;
                if given.fields.iter().any(|(f, _)| *f == id) {
                    self.error(Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        field.name.span,
                        format!("`{}` is given twice", field.name.name),
                    ));
                    return false;
                }
                match self.given_value(value, scope, ty) {
                    Some(v) => {
                        given.fields.push((id, v));
                        true
                    }
                    None => false,
                }
            }
        }
    }

    /// A value of type `ty` in a test's `given`; a list literal for a `set<string>`.
    fn given_value(&mut self, value: &'a ast::Expr, scope: Scope, ty: Type) -> Option<ExprId> {
        if let (ast::ExprKind::List(items), Type::StrSet) = (&value.kind, ty) {
            let mut set: Vec<std::sync::Arc<str>> = Vec::new();
            for item in items {
                let id = self.lower(item, scope, Want::Type(Type::Str))?;
                match &self.expr(id).kind {
                    K::Const(Value::Str(s)) => set.push(s.clone()),
                    _ => {
                        self.expect_type(id, Type::Str, "a string")?;
                        return self.not_constant(item.span, "a set element");
                    }
                }
            }
            set.sort();
            set.dedup();
            return Some(self.push(
                K::Const(Value::StrSet(set.into())),
                Type::StrSet,
                value.span,
            ));
        }
        let id = self.lower(value, scope, Want::Type(ty))?;
        let what = format!("{} (the declared type)", self.type_name(ty));
        self.expect_type(id, ty, &what)
    }

    fn given_event(&mut self, e: &'a ast::EventLit, scope: Scope) -> Option<GivenEvent> {
        self.refer(e.event.span, &e.event.name);
        let event = match self.names.get(e.event.name.as_str()) {
            Some(&(Decl::Event(id), _)) => id,
            _ => return self.expected_decl(&e.event, "an event", |d| matches!(d, Decl::Event(_))),
        };
        let mut out = GivenEvent {
            event,
            span: e.span,
            at: None,
            props: Vec::new(),
        };
        let mut ok = true;
        for (name, value) in &e.fields {
            let target = match self.event_property(event, name) {
                Some((AggTarget::Prop(p), ty)) => Some((p, ty)),
                Some(_) => None,
                None => {
                    ok = false;
                    continue;
                }
            };
            let ty = target.map_or(Type::Time, |(_, t)| t);
            match (self.given_value(value, scope, ty), target) {
                (Some(id), Some((p, _))) => out.props.push((p, id)),
                (Some(id), None) => out.at = Some(id),
                (None, _) => ok = false,
            }
        }
        ok.then_some(out)
    }
}

/// The messages of every `send` among trigger items, `if` branches included.
fn collect_messages<'t>(items: &'t [ast::TriggerItem], out: &mut Vec<&'t str>) {
    for item in items {
        match &item.kind {
            TriggerItemKind::Send { message, .. } => out.push(&message.value),
            TriggerItemKind::If {
                then, otherwise, ..
            } => {
                collect_messages(then, out);
                collect_messages(otherwise, out);
            }
            _ => {}
        }
    }
}
