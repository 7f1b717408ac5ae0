//! The declarations of an analysed rule set, for hover, definition and completion.

use crate::ast::{FieldDecl, ItemKind, Module, TypeExprKind};
use crate::ir::NameIndex;
use crate::source::{SourceMap, Span};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Field,
    Event,
    /// A property of an event (the event is [`Symbol::event`]).
    Property,
    Let,
    Tag,
    Segment,
    Channel,
    Trigger,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Field => "profile field",
            Kind::Event => "event",
            Kind::Property => "event property",
            Kind::Let => "let",
            Kind::Tag => "tag",
            Kind::Segment => "segment",
            Kind::Channel => "channel",
            Kind::Trigger => "trigger",
        }
    }
}

/// One declared name.
#[derive(Clone, Debug)]
pub struct Symbol {
    pub kind: Kind,
    pub name: String,
    /// The declared name.
    pub span: Span,
    /// The whole declaration (for a field or property, `name: type`).
    pub decl: Span,
    /// The declared or checked type, as written in rule files, when known.
    pub ty: Option<String>,
    /// For a property, its event's name.
    pub event: Option<String>,
}

/// Every declaration of the files that parsed, and the variants of each enum field.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    pub all: Vec<Symbol>,
    /// Each enum-typed profile field or property with its variants.
    pub variants: Vec<(String, Vec<String>)>,
}

impl Symbols {
    pub fn build(modules: &[Module], names: &NameIndex, sources: &SourceMap) -> Symbols {
        let mut out = Symbols::default();
        let checked_type = |span: Span| {
            names
                .types
                .iter()
                .find(|(s, _)| *s == span)
                .map(|(_, t)| t.clone())
        };
        for item in modules.iter().flat_map(|m| &m.items) {
            let (kind, name) = match &item.kind {
                ItemKind::Profile(profile) => {
                    for field in &profile.fields {
                        out.field(Kind::Field, field, None, sources);
                    }
                    continue;
                }
                ItemKind::Event(event) => {
                    for prop in &event.props {
                        out.field(Kind::Property, prop, Some(&event.name.name), sources);
                    }
                    (Kind::Event, &event.name)
                }
                ItemKind::Let(d) => (Kind::Let, &d.name),
                ItemKind::Tag(d) => (Kind::Tag, &d.name),
                ItemKind::Segment(d) => (Kind::Segment, &d.name),
                ItemKind::Channel(d) => (Kind::Channel, &d.name),
                ItemKind::Trigger(d) => (Kind::Trigger, &d.name),
                ItemKind::Test(_)
                | ItemKind::Import(_)
                | ItemKind::Timezone(_)
                | ItemKind::Limit(_) => continue,
            };
            let ty = match kind {
                Kind::Segment => Some("bool".to_string()),
                Kind::Channel => None,
                _ => checked_type(name.span),
            };
            // A name declared twice (reported by the checker) keeps its first declaration.
            if out.global(&name.name).is_some() {
                continue;
            }
            out.all.push(Symbol {
                kind,
                name: name.name.clone(),
                span: name.span,
                decl: item.span,
                ty,
                event: None,
            });
        }
        out
    }

    fn field(&mut self, kind: Kind, field: &FieldDecl, event: Option<&str>, sources: &SourceMap) {
        let duplicate = self
            .all
            .iter()
            .any(|s| s.kind == kind && s.name == field.name.name && s.event.as_deref() == event);
        if duplicate {
            return;
        }
        if let TypeExprKind::Enum(variants) = &field.ty.kind {
            self.variants.push((
                field.name.name.clone(),
                variants.iter().map(|v| v.name.clone()).collect(),
            ));
        }
        self.all.push(Symbol {
            kind,
            name: field.name.name.clone(),
            span: field.name.span,
            decl: field.name.span.to(field.ty.span),
            ty: Some(sources.snippet(field.ty.span).to_string()),
            event: event.map(str::to_string),
        });
    }

    /// The top-level declaration of a name (not a property).
    pub fn global(&self, name: &str) -> Option<&Symbol> {
        self.all
            .iter()
            .find(|s| s.kind != Kind::Property && s.name == name)
    }

    /// Property `name` of event `event`.
    pub fn property(&self, event: &str, name: &str) -> Option<&Symbol> {
        self.all.iter().find(|s| {
            s.kind == Kind::Property && s.name == name && s.event.as_deref() == Some(event)
        })
    }

    /// The declaration whose name is at `span`.
    pub fn declared_at(&self, span: Span) -> Option<&Symbol> {
        self.all.iter().find(|s| s.span == span)
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Symbol> {
        self.all.iter().filter(move |s| s.kind == kind)
    }

    pub fn properties_of<'s>(&'s self, event: &'s str) -> impl Iterator<Item = &'s Symbol> {
        self.all
            .iter()
            .filter(move |s| s.kind == Kind::Property && s.event.as_deref() == Some(event))
    }
}
