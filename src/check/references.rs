//! The name index for editors ([`crate::ir::NameIndex`]): each resolved name with the
//! declaration it refers to, and the checked type of each tag, segment and `let`.
//!
//! Recording never changes what the checker reports or produces.

use super::{Checker, Const};
use crate::schema::EventId;
use crate::source::Span;

impl Checker<'_> {
    /// Records that the name at `at` refers to the declaration `name` is bound to.
    pub(super) fn refer(&mut self, at: Span, name: &str) {
        if let Some(&(_, declared)) = self.names.get(name) {
            self.index.references.push((at, declared));
        }
    }

    /// Records that the name at `at` is property `name` (or `at`) of `event`.
    pub(super) fn refer_prop(&mut self, at: Span, event: EventId, name: &str) {
        let declared = if name == "at" {
            let event_name = &self.program.schema.event_def(event).name;
            self.names.get(event_name.as_str()).map(|&(_, span)| span)
        } else {
            let props = &self.program.schema.event_def(event).props;
            props
                .iter()
                .position(|p| p.name == name)
                .and_then(|i| self.prop_spans.get(event.0 as usize)?.get(i).copied())
        };
        if let Some(declared) = declared {
            self.index.references.push((at, declared));
        }
    }

    /// The type of every tag, segment and `let` that checked.
    pub(super) fn record_types(&mut self) {
        let mut types = Vec::new();
        for rule in self.tags.iter().chain(&self.segments) {
            if let Some((_, ty)) = rule.checked {
                types.push((rule.decl.name.span, self.type_name(ty)));
            }
        }
        for info in &self.lets {
            let name = match &info.value {
                Some(Const::Scalar(_, ty)) => self.type_name(*ty),
                Some(Const::List(values)) => match values.first().and_then(|v| v.type_of()) {
                    Some(ty) => format!("list of {}", self.type_name(ty)),
                    None => "list".into(),
                },
                None => continue,
            };
            types.push((info.decl.name.span, name));
        }
        self.index.types = types;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::path::Path;

    use crate::compile;

    /// Each use (by its text and the line it is on) with the line of its declaration.
    fn resolved(text: &str) -> Vec<(String, usize, usize)> {
        let no_files = |_: &Path| Err(std::io::Error::from(std::io::ErrorKind::NotFound));
        let analysis = compile::analyze(Path::new("rules.corral"), text, &no_files);
        let sources = &analysis.compiled.diagnostics.sources;
        let line = |offset: u32| text[..offset as usize].matches('\n').count();
        let mut out: Vec<(String, usize, usize)> = analysis
            .names
            .references
            .iter()
            .map(|(used, declared)| {
                assert_eq!(sources.snippet(*used), sources.snippet(*declared).trim());
                (
                    sources.snippet(*used).to_string(),
                    line(used.start),
                    line(declared.start),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn every_kind_of_name_points_at_its_declaration() {
        let text = "\
profile { id: string, paid: bool, 年龄: int }
event pay { amount: float }
let big = 100
tag 会员 = sum(pay.amount where amount > big) > 0 and 年龄 > 3
segment s = 会员 and not paid
channel sms when paid
trigger t {
  on enter s
  send \"hi\" via sms
}
test \"x\" { given { paid: true, events: [pay { amount: 1 }] } expect s }
";
        let got = resolved(text);
        let want: Vec<(String, usize, usize)> = [
            ("amount", 3, 1),
            ("amount", 3, 1),
            ("amount", 10, 1),
            ("big", 3, 2),
            ("paid", 4, 0),
            ("paid", 5, 0),
            ("paid", 10, 0),
            ("pay", 3, 1),
            ("pay", 10, 1),
            ("s", 7, 4),
            ("s", 10, 4),
            ("sms", 8, 5),
            ("会员", 4, 3),
            ("年龄", 3, 0),
        ]
        .iter()
        .map(|(n, a, b)| (n.to_string(), *a, *b))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn types_are_recorded_and_errors_keep_what_resolved() {
        let text = "\
profile { id: string, paid: bool }
let names = [\"a\", \"b\"]
tag ok = paid
tag broken = paid + 1
";
        let no_files = |_: &Path| Err(std::io::Error::from(std::io::ErrorKind::NotFound));
        let analysis = compile::analyze(Path::new("rules.corral"), text, &no_files);
        assert!(analysis.compiled.program.is_none());
        let sources = &analysis.compiled.diagnostics.sources;
        let types: Vec<(&str, &str)> = analysis
            .names
            .types
            .iter()
            .map(|(span, ty)| (sources.snippet(*span), ty.as_str()))
            .collect();
        assert_eq!(types, [("ok", "bool"), ("names", "list of string")]);
        // `paid` in the failing tag still resolves.
        let uses = analysis.names.references.len();
        assert_eq!(uses, 2);
    }
}
