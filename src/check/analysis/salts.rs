//! One `sample` salt in several tags or segments: the same salt picks the same
//! profiles, so the samples are not independent.

use std::collections::HashMap;
use std::sync::Arc;

use super::walk;
use crate::check::codes;
use crate::diagnostic::Diagnostic;
use crate::ir::{ExprKind as K, Program};
use crate::source::Span;

pub(super) fn check(program: &Program, out: &mut Vec<Diagnostic>) {
    let mut rules: Vec<&crate::ir::Rule> = program.tags.iter().chain(&program.segments).collect();
    rules.sort_by_key(|r| (r.span.file, r.span.start));
    // Each salt's first use: the rule's name and the `sample` call.
    let mut first: HashMap<Arc<str>, (&str, Span)> = HashMap::new();
    for rule in rules {
        let mut seen_here: Vec<Arc<str>> = Vec::new();
        for id in walk::below(program, rule.body) {
            let expr = program.expr(id);
            let K::Sample { salt, fraction } = &expr.kind else {
                continue;
            };
            if *fraction <= 0.0 || *fraction >= 1.0 {
                // Takes no profile or every profile, whatever the salt.
                continue;
            }
            if seen_here.contains(salt) {
                continue;
            }
            seen_here.push(Arc::clone(salt));
            match first.get(salt) {
                Some((other, at)) if *other != rule.name => out.push(
                    Diagnostic::warning(
                        codes::REUSED_SALT,
                        expr.span,
                        format!("sample salt `{salt}` is already used by `{other}`"),
                    )
                    .with_label("picks the same profiles as the other sample")
                    .with_note(*at, format!("`{other}` samples with it here"))
                    .with_help(
                        "give each sample its own salt, so that the samples are independent",
                    ),
                ),
                Some(_) => {}
                None => {
                    first.insert(Arc::clone(salt), (&rule.name, expr.span));
                }
            }
        }
    }
}
