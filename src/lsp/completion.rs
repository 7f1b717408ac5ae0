//! Completion: the names that fit where the cursor stands, from the current analysis
//! or, while the document does not parse, from the last one that did.

use lsp_types::{CompletionItem, CompletionItemKind};

use super::context::{self, Place};
use super::documents::Document;
use super::keywords;
use super::symbols::{Kind, Symbol, Symbols};

pub fn complete(doc: &Document, offset: usize) -> Vec<CompletionItem> {
    let (start, end) = context::prefix_range(&doc.text, offset);
    let prefix = &doc.text[start..end];
    let empty = Symbols::default();
    let symbols = doc.best().map_or(&empty, |s| &s.symbols);
    let mut items = Vec::new();
    match context::place(&doc.text, start) {
        Place::Member(object) => {
            if symbols
                .global(&object)
                .is_some_and(|s| s.kind == Kind::Event)
            {
                properties(symbols, &object, &mut items);
            }
        }
        Place::AggregateEvent => kinds(symbols, &[Kind::Event], &mut items),
        Place::Segment => kinds(symbols, &[Kind::Segment], &mut items),
        Place::Channel => kinds(symbols, &[Kind::Channel], &mut items),
        Place::TriggerStart => {
            kinds(symbols, &[Kind::Event], &mut items);
            for word in ["enter", "exit", "every"] {
                items.push(keyword(word));
            }
        }
        Place::Expression { event } => {
            if let Some(event) = event {
                properties(symbols, &event, &mut items);
            }
            variants(symbols, &doc.text[..start], &mut items);
            kinds(
                symbols,
                &[Kind::Field, Kind::Tag, Kind::Segment, Kind::Let],
                &mut items,
            );
            // Declared since the last analysis that parsed.
            for (kind, name) in declared_in(&doc.text) {
                items.push(named(kind, name, None));
            }
            for (_, values) in &symbols.variants {
                for v in values {
                    items.push(item(v, CompletionItemKind::ENUM_MEMBER, "enum variant"));
                }
            }
            for (name, form, _) in keywords::FUNCTIONS {
                items.push(item(name, CompletionItemKind::FUNCTION, form));
            }
            for (word, _) in keywords::KEYWORDS {
                items.push(keyword(word));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| starts_with(&i.label, prefix) && seen.insert(i.label.clone()));
    // Editors sort by `sort_text`: keep the order above (what fits best first).
    for (rank, item) in items.iter_mut().enumerate() {
        item.sort_text = Some(format!("{rank:05}"));
    }
    items
}

/// The tags, segments and lets a text declares at the start of a line, read without
/// parsing.
fn declared_in(text: &str) -> impl Iterator<Item = (Kind, &str)> {
    text.lines().filter_map(|line| {
        let (keyword, rest) = line.split_once(' ')?;
        let kind = match keyword {
            "tag" => Kind::Tag,
            "segment" => Kind::Segment,
            "let" => Kind::Let,
            _ => return None,
        };
        let name = context::prefix_at(rest, rest.find(|c| !context::is_name_char(c))?);
        (!name.is_empty() && rest.starts_with(name)).then_some((kind, name))
    })
}

/// After `field ==` or `field !=` on an enum field: its variants first.
fn variants(symbols: &Symbols, before: &str, items: &mut Vec<CompletionItem>) {
    let before = before.trim_end();
    let Some(lhs) = before
        .strip_suffix("==")
        .or_else(|| before.strip_suffix("!="))
    else {
        return;
    };
    let lhs = lhs.trim_end();
    let field = context::prefix_at(lhs, lhs.len());
    if let Some((_, values)) = symbols.variants.iter().find(|(f, _)| f == field) {
        for v in values {
            items.push(item(
                v,
                CompletionItemKind::ENUM_MEMBER,
                &format!("variant of `{field}`"),
            ));
        }
    }
}

fn properties(symbols: &Symbols, event: &str, items: &mut Vec<CompletionItem>) {
    for p in symbols.properties_of(event) {
        items.push(of_symbol(p));
    }
    items.push(item(
        "at",
        CompletionItemKind::PROPERTY,
        &format!("time: when the `{event}` event happened"),
    ));
}

fn kinds(symbols: &Symbols, kinds: &[Kind], items: &mut Vec<CompletionItem>) {
    for kind in kinds {
        // The profile key `id` cannot be used in rules.
        let usable = symbols
            .of_kind(*kind)
            .filter(|s| !(s.kind == Kind::Field && s.name == "id"));
        items.extend(usable.map(of_symbol));
    }
}

fn of_symbol(s: &Symbol) -> CompletionItem {
    named(s.kind, &s.name, s.ty.as_deref())
}

fn named(kind: Kind, name: &str, ty: Option<&str>) -> CompletionItem {
    let item_kind = match kind {
        Kind::Field => CompletionItemKind::FIELD,
        Kind::Event => CompletionItemKind::EVENT,
        Kind::Property => CompletionItemKind::PROPERTY,
        Kind::Let => CompletionItemKind::CONSTANT,
        Kind::Tag => CompletionItemKind::VARIABLE,
        Kind::Segment => CompletionItemKind::CLASS,
        Kind::Channel => CompletionItemKind::INTERFACE,
        Kind::Trigger => CompletionItemKind::MODULE,
    };
    let detail = match ty {
        Some(ty) => format!("{}: {ty}", kind.describe()),
        None => kind.describe().to_string(),
    };
    item(name, item_kind, &detail)
}

fn keyword(word: &str) -> CompletionItem {
    item(word, CompletionItemKind::KEYWORD, "keyword")
}

fn item(label: &str, kind: CompletionItemKind, detail: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        ..CompletionItem::default()
    }
}

/// Case-insensitive for ASCII, as editors match.
fn starts_with(label: &str, prefix: &str) -> bool {
    label
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}
