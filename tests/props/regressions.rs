//! The smallest reproductions of bugs the generators found, kept as regression tests.

use corral::compile::compile_source;

fn errors(text: &str) -> Vec<String> {
    let compiled = compile_source("bug.corral", text);
    compiled
        .diagnostics
        .errors()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect()
}

const SCHEMA: &str = "profile { id: string, signup_at: time, tier: enum(A, B) }\n\
                      event pay { paid_at: time, kind: enum(A, B) }\n";

/// In a `where` filter, `at` and the event's properties are taken for undeclared
/// (adaptable) names, so a string literal on the other side is not read as a time or
/// a variant. The same comparisons with a profile field check.
#[test]
fn literal_compared_with_event_property_in_filter() {
    for rule in [
        "segment s = exists(pay where \"2026-11-22\" <= at)",
        "segment s = exists(pay where \"2026-11-22\" <= paid_at)",
        "segment s = exists(pay where at >= case { true => \"2026-11-22\" })",
        "segment s = exists(pay where \"A\" == kind)",
    ] {
        let text = format!("{SCHEMA}{rule}\n");
        assert_eq!(errors(&text), Vec::<String>::new(), "{rule}");
    }
    // The profile-field forms are accepted today.
    let ok = format!("{SCHEMA}segment s = exists(pay where \"2026-11-22\" <= signup_at)\n");
    assert_eq!(errors(&ok), Vec::<String>::new());
}

/// A `case` lowered where another type is wanted keeps that want for every arm, so
/// the arms after a time-typed first arm cannot be time literals.
#[test]
fn case_arms_take_the_first_arms_type() {
    let text =
        format!("{SCHEMA}tag t = 7d + case {{ true => signup_at, else => \"2026-11-22\" }}\n");
    assert_eq!(errors(&text), Vec::<String>::new());
}
