//! Explanations as text for people and as JSON for programs (the shape is documented in
//! the README, under `corral explain`).

use serde_json::{Map, Value as Json, json};

use super::RuleExplanation;
use super::events::{EventsSeen, Status};
use super::tree::{Node, show_value};
use crate::ir::Program;
use crate::time::format_rfc3339;

/// The explanations of one profile as indented text.
pub fn human(program: &Program, id: &str, now: i64, rules: &[RuleExplanation]) -> String {
    let mut out = String::new();
    for (i, rule) in rules.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let def = super::rule_def(program, rule.rule);
        out.push_str(&format!(
            "{} `{}` for `{id}` at {}: {}\n",
            super::rule_kind(rule.rule),
            rule.name,
            format_rfc3339(now),
            show_value(program, &rule.value, def.ty)
        ));
        node_lines(program, &rule.tree, 1, &mut out);
        match &rule.needs {
            Some(needs) if !needs.is_empty() => {
                out.push_str("  to match, it needs all of:\n");
                for need in needs {
                    out.push_str(&format!("    {}\n", need.text));
                }
            }
            Some(_) => {}
            None => out.push_str(
                "  no change of its conditions makes it match (it needs a condition both true and false)\n",
            ),
        }
    }
    out
}

/// The explanations of one profile as one JSON object.
pub fn json(program: &Program, id: &str, now: i64, rules: &[RuleExplanation]) -> Json {
    let rules: Vec<Json> = rules
        .iter()
        .map(|rule| {
            let needs = rule.needs.as_ref().map(|needs| {
                needs
                    .iter()
                    .map(|n| {
                        json!({
                            "condition": one_line(program.sources.snippet(program.expr(n.expr).span)),
                            "want": n.want,
                            "text": n.text,
                        })
                    })
                    .collect::<Vec<_>>()
            });
            json!({
                "kind": super::rule_kind(rule.rule),
                "name": rule.name,
                "value": rule.value.to_json(&program.schema),
                "tree": node_json(program, &rule.tree),
                "needs": needs,
            })
        })
        .collect();
    json!({ "id": id, "now": format_rfc3339(now), "rules": rules })
}

/// The children worth a line: a child with its parent's exact span (the enum shorthand
/// `ios` is `platform == ios`, all written `ios`) is skipped and its children lifted.
fn visible_children(node: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    for child in &node.children {
        if child.span == node.span {
            out.extend(visible_children(child));
        } else {
            out.push(child);
        }
    }
    out
}

fn node_lines(program: &Program, node: &Node, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let rule = match node.rule {
        Some((rule, expanded)) => {
            let def = super::rule_def(program, rule);
            let seen = if expanded { "" } else { ", explained above" };
            format!("   ({} `{}`{seen})", super::rule_kind(rule), def.name)
        }
        None => String::new(),
    };
    out.push_str(&format!(
        "{pad}{} = {}{rule}\n",
        shortened(&one_line(&node.text)),
        show_value(program, &node.value, node.ty)
    ));
    if let Some(events) = &node.events {
        event_lines(program, events, depth + 1, out);
    }
    let chosen = chosen_arm(program, node);
    for child in visible_children(node) {
        let mut lines = String::new();
        node_lines(program, child, depth + 1, &mut lines);
        if Some(child.expr) == chosen
            && let Some(end) = lines.find('\n')
        {
            lines.insert_str(
                end,
                "   (the first true condition: its arm gives the value)",
            );
        }
        out.push_str(&lines);
    }
    if unmatched_default(program, node) {
        out.push_str(&format!(
            "{pad}  else => {}   (no condition is true)\n",
            show_value(program, &node.value, node.ty)
        ));
    }
}

/// For a `case` where no condition is true, its `else` if the tree leaves it out (a
/// constant).
fn unmatched_default(program: &Program, node: &Node) -> bool {
    let crate::ir::ExprKind::Case {
        default: Some(default),
        ..
    } = &program.expr(node.expr).kind
    else {
        return false;
    };
    let shown = node.children.iter().any(|c| c.expr == *default);
    chosen_arm(program, node).is_none() && !shown
}

/// For a `case`, the condition of the arm that gives the value.
fn chosen_arm(program: &Program, node: &Node) -> Option<crate::ir::ExprId> {
    let crate::ir::ExprKind::Case { arms, .. } = &program.expr(node.expr).kind else {
        return None;
    };
    let conditions: Vec<_> = arms.iter().map(|&(cond, _)| cond).collect();
    node.children
        .iter()
        .find(|c| conditions.contains(&c.expr) && c.value.truthy())
        .map(|c| c.expr)
}

/// A long expression (a whole `case`) cut to a line; its parts follow on their own.
fn shortened(text: &str) -> String {
    const MAX: usize = 100;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let cut: String = text.chars().take(MAX - 4).collect();
    format!("{cut} ...")
}

fn event_lines(program: &Program, seen: &EventsSeen, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let name = event_name(program, seen);
    let count = |s| seen.of(s).count();
    out.push_str(&format!(
        "{pad}{name} events: {} counted, {} outside the window, {} filtered out\n",
        count(Status::Counted),
        count(Status::OutsideWindow),
        count(Status::FilteredOut)
    ));
    for status in Status::ALL {
        let (shown, more) = seen.shown(status);
        let label = match status {
            Status::Counted => "counted",
            Status::OutsideWindow => "outside the window",
            Status::FilteredOut => "filtered out",
        };
        if more > 0 {
            out.push_str(&format!("{pad}  ... and {more} more {label} (earlier)\n"));
        }
        for event in shown {
            let mut line = format!("{pad}  {label:<18} at {}", format_rfc3339(event.at));
            for (name, value) in props(program, seen, &event.props) {
                line.push_str(&format!("  {name}={value}"));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
}

fn node_json(program: &Program, node: &Node) -> Json {
    let mut object = Map::new();
    object.insert("expr".into(), one_line(&node.text).into());
    object.insert("value".into(), node.value.to_json(&program.schema));
    if let Some((rule, expanded)) = node.rule {
        object.insert(
            "rule".into(),
            json!({
                "kind": super::rule_kind(rule),
                "name": super::rule_def(program, rule).name,
                "expanded": expanded,
            }),
        );
    }
    if let Some(seen) = &node.events {
        let mut events = Map::new();
        events.insert("event".into(), event_name(program, seen).into());
        for status in Status::ALL {
            let (shown, more) = seen.shown(status);
            let list: Vec<Json> = shown
                .iter()
                .map(|e| {
                    let props: Map<String, Json> = seen
                        .props
                        .iter()
                        .zip(&e.props)
                        .map(|(&p, v)| (prop_name(program, seen, p), v.to_json(&program.schema)))
                        .collect();
                    json!({ "at": format_rfc3339(e.at), "props": props })
                })
                .collect();
            events.insert(
                status.key().into(),
                json!({ "total": shown.len() + more, "shown": list }),
            );
        }
        object.insert("events".into(), Json::Object(events));
    }
    let children: Vec<Json> = visible_children(node)
        .into_iter()
        .map(|c| node_json(program, c))
        .collect();
    object.insert("children".into(), children.into());
    Json::Object(object)
}

fn event_name(program: &Program, seen: &EventsSeen) -> String {
    program
        .schema
        .events
        .get(seen.event.0 as usize)
        .map_or_else(String::new, |e| e.name.clone())
}

fn prop_name(program: &Program, seen: &EventsSeen, prop: crate::schema::PropId) -> String {
    program
        .schema
        .events
        .get(seen.event.0 as usize)
        .and_then(|e| e.props.get(prop.0 as usize))
        .map_or_else(String::new, |p| p.name.clone())
}

/// `name=value` pairs of an event's shown properties.
fn props(
    program: &Program,
    seen: &EventsSeen,
    values: &[crate::value::Value],
) -> Vec<(String, String)> {
    seen.props
        .iter()
        .zip(values)
        .map(|(&p, v)| {
            let ty = program
                .schema
                .events
                .get(seen.event.0 as usize)
                .and_then(|e| e.props.get(p.0 as usize))
                .map_or(crate::schema::Type::Str, |f| f.ty);
            (prop_name(program, seen, p), show_value(program, v, ty))
        })
        .collect()
}

/// Source text on one line: runs of whitespace (line breaks of a `case`) become one
/// space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
