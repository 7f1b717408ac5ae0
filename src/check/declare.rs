//! Pass 1: every declaration into one namespace, and the profile schema.

use std::collections::hash_map::Entry;

use super::{Checker, Decl, LetInfo, RuleInfo, codes};
use crate::ast::{self, ItemKind, TypeExprKind};
use crate::diagnostic::Diagnostic;
use crate::ir::{ChannelId, SegmentId, TagId};
use crate::schema::{EnumId, EnumType, EventId, EventType, Field, FieldId, Type};
use crate::source::Span;

/// Names that mean something everywhere and so cannot be declared.
const BUILTIN_NAMES: &[&str] = &["now", "start"];

impl<'a> Checker<'a> {
    pub(super) fn declare_all(&mut self, modules: &'a [ast::Module]) {
        self.declare_profile(modules);
        for module in modules {
            for item in &module.items {
                self.declare(item);
            }
        }
    }

    /// The profile schema. It may be declared in several files only if identical.
    fn declare_profile(&mut self, modules: &'a [ast::Module]) {
        let mut first: Option<&'a ast::Item> = None;
        for item in modules.iter().flat_map(|m| &m.items) {
            let ItemKind::Profile(profile) = &item.kind else {
                continue;
            };
            match first {
                None => first = Some(item),
                Some(prev) => {
                    let same = match &prev.kind {
                        ItemKind::Profile(p) => same_fields(&p.fields, &profile.fields),
                        _ => false,
                    };
                    if !same {
                        self.error(
                            Diagnostic::error(
                                codes::CONFLICTING_PROFILE,
                                item.span,
                                "the profile is declared twice, differently",
                            )
                            .with_label("this declaration")
                            .with_note(prev.span, "differs from this one")
                            .with_help("declare the profile once (files that import each other may repeat it only if identical)"),
                        );
                    }
                    continue;
                }
            }
            for field in &profile.fields {
                let Some(ty) = self.resolve_type(&field.ty) else {
                    continue;
                };
                if field.name.name == "events" {
                    self.error(
                        Diagnostic::error(
                            codes::BAD_DECLARATION,
                            field.name.span,
                            "a profile field cannot be named `events`",
                        )
                        .with_label("reserved for the profile's events")
                        .with_help("in the data, `events` holds the list of a profile's events; rename this field"),
                    );
                    continue;
                }
                if field.name.name == "id" {
                    if ty != Type::Str && ty != Type::Int {
                        self.error(
                            Diagnostic::error(
                                codes::BAD_DECLARATION,
                                field.ty.span,
                                "the profile key `id` must be a string or an int",
                            )
                            .with_label(format!("declared as {}", self.type_name(ty))),
                        );
                    }
                    if ty == Type::Int {
                        self.key_type = Type::Int;
                    }
                    self.bind(&field.name, Decl::Key);
                    continue;
                }
                let id = FieldId(self.program.schema.fields.len() as u32);
                if self.bind(&field.name, Decl::Field(id)) {
                    self.program.schema.fields.push(Field {
                        name: field.name.name.clone(),
                        ty,
                    });
                }
            }
        }
    }

    fn declare(&mut self, item: &'a ast::Item) {
        match &item.kind {
            ItemKind::Profile(_) => {}
            ItemKind::Event(event) => self.declare_event(event),
            ItemKind::Let(decl) => {
                if self.bind(&decl.name, Decl::Let(self.lets.len())) {
                    self.lets.push(LetInfo {
                        decl,
                        value: None,
                        used: false,
                    });
                }
            }
            ItemKind::Tag(decl) => {
                if self.bind(&decl.name, Decl::Tag(TagId(self.tags.len() as u32))) {
                    self.tags.push(RuleInfo {
                        decl,
                        checked: None,
                    });
                }
            }
            ItemKind::Segment(decl) => {
                if self.bind(
                    &decl.name,
                    Decl::Segment(SegmentId(self.segments.len() as u32)),
                ) {
                    self.segments.push(RuleInfo {
                        decl,
                        checked: None,
                    });
                }
            }
            ItemKind::Channel(decl) => {
                if self.bind(
                    &decl.name,
                    Decl::Channel(ChannelId(self.channel_decls.len() as u32)),
                ) {
                    self.channel_decls.push(decl);
                }
            }
            ItemKind::Trigger(decl) => {
                if self.bind(&decl.name, Decl::Trigger(self.trigger_decls.len())) {
                    self.trigger_decls.push(decl);
                }
            }
            ItemKind::Test(decl) => self.test_decls.push((decl, item.span)),
            ItemKind::Import(_) => {}
            ItemKind::Timezone(zone) => self.declare_timezone(zone),
            ItemKind::Limit(limit) => {
                if self.cap_decl.is_some() {
                    self.error(Diagnostic::error(
                        codes::BAD_DECLARATION,
                        item.span,
                        "the send cap `limit N per D` is declared twice",
                    ));
                } else {
                    self.cap_decl = Some(limit);
                }
            }
        }
    }

    fn declare_event(&mut self, event: &'a ast::EventDecl) {
        let id = EventId(self.program.schema.events.len() as u32);
        if !self.bind(&event.name, Decl::Event(id)) {
            return;
        }
        let mut props: Vec<Field> = Vec::new();
        let mut spans: Vec<Span> = Vec::new();
        for prop in &event.props {
            if prop.name.name == "at" {
                self.error(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        prop.name.span,
                        "every event already has the property `at`",
                    )
                    .with_help(
                        "`at` is the time of the event and is always a `time`; remove this line",
                    ),
                );
                continue;
            }
            if let Some(i) = props.iter().position(|p| p.name == prop.name.name) {
                self.error(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        prop.name.span,
                        format!(
                            "event `{}` declares `{}` twice",
                            event.name.name, prop.name.name
                        ),
                    )
                    .with_note(spans[i], "first declared here"),
                );
                continue;
            }
            if let Some(ty) = self.resolve_type(&prop.ty) {
                props.push(Field {
                    name: prop.name.name.clone(),
                    ty,
                });
                spans.push(prop.name.span);
            }
        }
        self.program.schema.events.push(EventType {
            name: event.name.name.clone(),
            props,
        });
        self.prop_spans.push(spans);
    }

    fn declare_timezone(&mut self, zone: &'a ast::StrLit) {
        if let Some((_, prev)) = &self.timezone {
            let prev = *prev;
            self.error(
                Diagnostic::error(
                    codes::BAD_DECLARATION,
                    zone.span,
                    "the time zone is declared twice",
                )
                .with_note(prev, "first declared here"),
            );
            return;
        }
        if jiff::tz::TimeZone::get(&zone.value).is_err() {
            self.error(
                Diagnostic::error(
                    codes::UNKNOWN_TIMEZONE,
                    zone.span,
                    format!("unknown time zone `{}`", zone.value),
                )
                .with_help(
                    super::suggest::did_you_mean(
                        &zone.value,
                        jiff::tz::db()
                            .available()
                            .map(|n| n.to_string())
                            .collect::<Vec<_>>()
                            .iter()
                            .map(String::as_str),
                    )
                    .unwrap_or_else(|| {
                        "use an IANA zone name such as \"Asia/Shanghai\" or \"UTC\"".into()
                    }),
                ),
            );
            return;
        }
        self.timezone = Some((zone.value.clone(), zone.span));
    }

    /// Adds a name to the namespace; reports a duplicate and returns false if taken.
    fn bind(&mut self, name: &'a ast::Ident, decl: Decl) -> bool {
        if BUILTIN_NAMES.contains(&name.name.as_str()) {
            self.error(
                Diagnostic::error(
                    codes::RESERVED_NAME,
                    name.span,
                    format!(
                        "`{}` is built into the language and cannot be declared",
                        name.name
                    ),
                )
                .with_help("choose another name"),
            );
            return false;
        }
        match self.names.entry(name.name.as_str()) {
            Entry::Occupied(prev) => {
                let (prev_decl, prev_span) = *prev.get();
                let diagnostic = Diagnostic::error(
                    codes::DUPLICATE_NAME,
                    name.span,
                    format!("`{}` is declared twice", name.name),
                )
                .with_label(format!("this {} ...", decl.describe()))
                .with_note(prev_span, format!("... has the name of this {}", prev_decl.describe()))
                .with_help("tags, segments, lets, fields, events, channels and triggers share one namespace");
                self.error(diagnostic);
                false
            }
            Entry::Vacant(slot) => {
                slot.insert((decl, name.span));
                true
            }
        }
    }

    /// A declared type; enum types with the same variants are one type.
    pub(super) fn resolve_type(&mut self, ty: &ast::TypeExpr) -> Option<Type> {
        match &ty.kind {
            TypeExprKind::Named(name) => match name.name.as_str() {
                "bool" => Some(Type::Bool),
                "int" => Some(Type::Int),
                "float" => Some(Type::Float),
                "string" => Some(Type::Str),
                "time" => Some(Type::Time),
                "duration" => Some(Type::Duration),
                other => {
                    let known = ["bool", "int", "float", "string", "time", "duration"];
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_TYPE,
                        name.span,
                        format!("unknown type `{other}`"),
                    )
                    .with_label("not a type");
                    d.help = Some(super::suggest::did_you_mean(other, known).unwrap_or_else(|| {
                        "types are bool, int, float, string, time, duration, enum(A, B) and set<string>".into()
                    }));
                    self.error(d);
                    None
                }
            },
            TypeExprKind::Enum(variants) => {
                let mut names: Vec<String> = Vec::new();
                for v in variants {
                    if names.contains(&v.name) {
                        self.error(Diagnostic::error(
                            codes::DUPLICATE_NAME,
                            v.span,
                            format!("enum variant `{}` is listed twice", v.name),
                        ));
                        return None;
                    }
                    names.push(v.name.clone());
                }
                if names.is_empty() {
                    self.error(Diagnostic::error(
                        codes::BAD_DECLARATION,
                        ty.span,
                        "an enum needs at least one variant",
                    ));
                    return None;
                }
                let id = match self
                    .program
                    .schema
                    .enums
                    .iter()
                    .position(|e| e.variants == names)
                {
                    Some(i) => EnumId(i as u32),
                    None => {
                        self.program.schema.enums.push(EnumType { variants: names });
                        EnumId(self.program.schema.enums.len() as u32 - 1)
                    }
                };
                Some(Type::Enum(id))
            }
            TypeExprKind::Set(inner) => match &inner.kind {
                TypeExprKind::Named(n) if n.name == "string" => Some(Type::StrSet),
                _ => {
                    self.error(
                        Diagnostic::error(
                            codes::UNKNOWN_TYPE,
                            inner.span,
                            "sets can only hold strings",
                        )
                        .with_help("write `set<string>`"),
                    );
                    None
                }
            },
        }
    }
}

fn same_fields(a: &[ast::FieldDecl], b: &[ast::FieldDecl]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.name.name == y.name.name && same_type(&x.ty, &y.ty))
}

fn same_type(a: &ast::TypeExpr, b: &ast::TypeExpr) -> bool {
    match (&a.kind, &b.kind) {
        (TypeExprKind::Named(x), TypeExprKind::Named(y)) => x.name == y.name,
        (TypeExprKind::Enum(x), TypeExprKind::Enum(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.name == q.name)
        }
        (TypeExprKind::Set(x), TypeExprKind::Set(y)) => same_type(x, y),
        _ => false,
    }
}
