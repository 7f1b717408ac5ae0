//! A rule-set comparison as text for people, JSON for programs and Markdown for a pull
//! request (the shapes are documented in the README, under `corral diff`).

use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use super::{Report, Results, RuleDiff, Status};
use crate::time::format_rfc3339;

/// What a rule's change amounts to, in words: "definition changed; results differ".
fn verdict(rule: &RuleDiff) -> String {
    let definition = match &rule.status {
        Status::Added => "added".to_string(),
        Status::Removed => "removed".to_string(),
        Status::Changed => "definition changed".to_string(),
        Status::UsesChanged(used) => format!("uses changed {}", ticked(used)),
        Status::Unchanged => "unchanged".to_string(),
    };
    match (&rule.status, rule.results.differ()) {
        (Status::Added | Status::Removed, _) => definition,
        (_, true) => format!("{definition}; results differ"),
        (Status::Unchanged, false) => definition,
        (_, false) => format!("{definition}; same results on the sample"),
    }
}

fn ticked(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "+3 entered, -1 left (26 -> 28)" or "12 profiles changed value".
fn movement(rule: &RuleDiff) -> String {
    match &rule.results {
        Results::Membership {
            before,
            after,
            entered,
            left,
            ..
        } => format!("+{entered} entered, -{left} left ({before} -> {after})"),
        Results::Valued { changed, .. } => {
            let s = if *changed == 1 { "" } else { "s" };
            match rule.status {
                Status::Added => format!("{changed} profile{s} get a value"),
                Status::Removed => format!("{changed} profile{s} had a value"),
                _ => format!("{changed} profile{s} changed value"),
            }
        }
    }
}

/// Text for people: every rule that is not unchanged, then how many are.
pub fn human(report: &Report, old: &str, new: &str) -> String {
    let mut out = format!(
        "{old} -> {new} on {} profile{} at {}\n",
        report.profiles,
        if report.profiles == 1 { "" } else { "s" },
        format_rfc3339(report.now)
    );
    let mut unchanged = 0;
    for rule in &report.rules {
        if rule.status == Status::Unchanged && !rule.results.differ() {
            unchanged += 1;
            continue;
        }
        let _ = writeln!(
            out,
            "  {} `{}`: {}: {}",
            rule.kind,
            rule.name,
            verdict(rule),
            movement(rule)
        );
        match &rule.results {
            Results::Membership {
                entered_examples,
                left_examples,
                ..
            } => {
                if !entered_examples.is_empty() {
                    let _ = writeln!(out, "      entered: {}", entered_examples.join(", "));
                }
                if !left_examples.is_empty() {
                    let _ = writeln!(out, "      left: {}", left_examples.join(", "));
                }
            }
            Results::Valued {
                transitions,
                examples,
                ..
            } => {
                for (from, to, n) in transitions {
                    let _ = writeln!(out, "      {from} -> {to}: {n}");
                }
                if !examples.is_empty() {
                    let _ = writeln!(out, "      e.g. {}", examples.join(", "));
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "  {unchanged} tag{} and segment{} unchanged",
        if unchanged == 1 { "" } else { "s" },
        if unchanged == 1 { "" } else { "s" }
    );
    out
}

/// One JSON object with every rule, unchanged ones included.
pub fn json(report: &Report, old: &str, new: &str) -> Json {
    let rules: Vec<Json> = report
        .rules
        .iter()
        .map(|rule| {
            let mut object = json!({
                "kind": rule.kind,
                "name": rule.name,
                "status": rule.status.key(),
                "results_differ": rule.results.differ(),
            });
            if let Status::UsesChanged(used) = &rule.status {
                object["uses_changed"] = json!(used);
            }
            object["sample"] = match &rule.results {
                Results::Membership {
                    before,
                    after,
                    entered,
                    left,
                    entered_examples,
                    left_examples,
                } => json!({
                    "type": "membership",
                    "before": before,
                    "after": after,
                    "entered": entered,
                    "left": left,
                    "entered_examples": entered_examples,
                    "left_examples": left_examples,
                }),
                Results::Valued {
                    changed,
                    transitions,
                    examples,
                } => json!({
                    "type": "value",
                    "changed": changed,
                    "transitions": transitions
                        .iter()
                        .map(|(from, to, n)| json!({"from": from, "to": to, "profiles": n}))
                        .collect::<Vec<_>>(),
                    "examples": examples,
                }),
            };
            object
        })
        .collect();
    json!({
        "old": old,
        "new": new,
        "profiles": report.profiles,
        "now": format_rfc3339(report.now),
        "rules": rules,
    })
}

/// A Markdown table of the rules that changed, examples in collapsed details.
pub fn markdown(report: &Report, old: &str, new: &str) -> String {
    let mut out = format!(
        "### corral diff: `{}` → `{}`\n\nOn a sample of {} profile{} at {}.\n\n",
        md(old),
        md(new),
        report.profiles,
        if report.profiles == 1 { "" } else { "s" },
        format_rfc3339(report.now)
    );
    let shown: Vec<&RuleDiff> = report
        .rules
        .iter()
        .filter(|r| r.status != Status::Unchanged || r.results.differ())
        .collect();
    let unchanged = report.rules.len() - shown.len();
    if shown.is_empty() {
        let _ = writeln!(out, "No tag or segment changed ({unchanged} unchanged).");
        return out;
    }
    out.push_str("| rule | change | on the sample |\n|---|---|---|\n");
    for rule in &shown {
        let _ = writeln!(
            out,
            "| {} `{}` | {} | {} |",
            rule.kind,
            md(&rule.name),
            md(&verdict(rule)),
            md(&movement(rule))
        );
    }
    let _ = writeln!(out, "\n{unchanged} unchanged.");
    for rule in &shown {
        let mut details = String::new();
        match &rule.results {
            Results::Membership {
                entered_examples,
                left_examples,
                ..
            } => {
                if !entered_examples.is_empty() {
                    let _ = writeln!(details, "- entered: {}", ids(entered_examples));
                }
                if !left_examples.is_empty() {
                    let _ = writeln!(details, "- left: {}", ids(left_examples));
                }
            }
            Results::Valued {
                transitions,
                examples,
                ..
            } => {
                for (from, to, n) in transitions {
                    let _ = writeln!(details, "- `{}` → `{}`: {n}", md(from), md(to));
                }
                if !examples.is_empty() {
                    let _ = writeln!(details, "- e.g. {}", ids(examples));
                }
            }
        }
        if !details.is_empty() {
            let _ = write!(
                out,
                "\n<details><summary>{} <code>{}</code></summary>\n\n{details}\n</details>\n",
                rule.kind,
                html(&rule.name)
            );
        }
    }
    out
}

fn ids(ids: &[String]) -> String {
    ids.iter()
        .map(|id| format!("`{}`", md(id)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text safe in a table cell: no `|` or line break.
fn md(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
