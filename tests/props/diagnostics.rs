//! Diagnostics for ill-typed and malformed mutations of generated rule sets: rendering
//! never panics, and every diagnostic points inside its file.

use corral::compile::compile_source;
use corral::diagnostic::Diagnostics;
use corral::source::Span;
use proptest::prelude::*;

use crate::r#gen::{self as g, Tape};

/// Snippets that break a rule file in assorted ways.
const SNIPPETS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\"",
    "#",
    " and ",
    " or ",
    " not ",
    "==",
    " + ",
    " in ",
    " is missing",
    ".at",
    ".nope",
    "case {",
    "=>",
    "else",
    " where ",
    " within ",
    " since ",
    "7d",
    "10%",
    "1.",
    "99999999999999999999",
    "标签",
    "é",
    "\u{200b}",
    "\n",
    "tag",
    "segment x =",
    "let",
    "profile {",
    "event",
    "(*",
    "\\",
    "→",
    "1_000",
];

/// Edits `text` at character boundaries.
fn mutate(t: &mut Tape, text: &str) -> String {
    let mut out = text.to_string();
    for _ in 0..t.range(1, 3) {
        let bounds: Vec<usize> = out
            .char_indices()
            .map(|(i, _)| i)
            .chain([out.len()])
            .collect();
        let a = *t.pick(&bounds);
        let b = *t.pick(&bounds);
        let (lo, hi) = (a.min(b), a.max(b));
        let snippet = *t.pick(SNIPPETS);
        match t.below(3) {
            0 => out.replace_range(lo..hi, ""),
            1 => out.insert_str(lo, snippet),
            _ => out.replace_range(lo..hi, snippet),
        }
    }
    out
}

fn inside(diags: &Diagnostics, span: Span) -> Result<(), TestCaseError> {
    let files = diags.sources.files().count();
    prop_assert!(
        (span.file.0 as usize) < files,
        "span in an unknown file: {span:?}"
    );
    let text = &diags.sources.get(span.file).text;
    prop_assert!(span.start <= span.end, "backwards span {span:?}");
    prop_assert!(
        (span.end as usize) <= text.len(),
        "span {span:?} past the end ({})",
        text.len()
    );
    prop_assert!(
        text.is_char_boundary(span.start as usize) && text.is_char_boundary(span.end as usize),
        "span {span:?} splits a character"
    );
    Ok(())
}

fn check_rendering(text: &str) -> Result<(), TestCaseError> {
    let compiled = compile_source("mutant.corral", text);
    let diags = &compiled.diagnostics;
    for d in &diags.items {
        inside(diags, d.span).map_err(|e| {
            TestCaseError::fail(format!("{e}\n{} {}\n--- source\n{text}", d.code, d.message))
        })?;
        for (span, _) in &d.notes {
            inside(diags, *span).map_err(|e| {
                TestCaseError::fail(format!(
                    "note: {e}\n{} {}\n--- source\n{text}",
                    d.code, d.message
                ))
            })?;
        }
        prop_assert!(!d.message.is_empty());
        prop_assert!(d.code.starts_with("corral::"), "code {}", d.code);
    }
    let _ = diags.render_human(false);
    let _ = diags.render_human(true);
    for j in diags.to_json() {
        prop_assert!(j["line"].as_u64().unwrap_or(0) >= 1, "{j}");
        prop_assert!(j["column"].as_u64().unwrap_or(0) >= 1, "{j}");
    }
    // A program exists exactly when there are no errors.
    prop_assert_eq!(compiled.program.is_some(), !diags.has_errors());
    Ok(())
}

proptest! {
    #![proptest_config(crate::config())]

    /// An ill-typed declaration added to a generated rule set is reported (never a
    /// program), and its diagnostics render and point inside the file.
    #[test]
    fn ill_typed_rule_sets_render(rules in crate::tape(), extra in crate::tape()) {
        let rs = g::gen_rule_set(&mut Tape::new(rules));
        let mut t = Tape::new(extra);
        let bad = g::gen_ill_typed(&mut t, &rs);
        let text = format!("{}{bad}\n", rs.source);
        check_rendering(&text)?;
    }

    /// Random edits of a generated rule set: whatever the checker or parser says renders,
    /// and points inside the file.
    #[test]
    fn mutated_rule_sets_render(rules in crate::tape(), edits in crate::tape()) {
        let rs = g::gen_rule_set(&mut Tape::new(rules));
        let text = mutate(&mut Tape::new(edits), &rs.source);
        check_rendering(&text)?;
    }
}
