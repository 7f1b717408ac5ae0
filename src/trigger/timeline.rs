//! Running a test's trigger timeline (`at T: E { ... }`, `at T: fail "m"`, `until T`,
//! `expect [no] send ...`) on an in-memory engine.

use serde_json::{Map, Value as Json};

use crate::eval::eval_const;
use crate::ir::{ExpectSend, Program, Test, TimelineStep};
use crate::rule_test::ExpectFailure;
use crate::time::format_rfc3339;
use crate::value::Value;

use super::{Action, Delivery, Engine, Status};

/// What a timeline run found: expectations that failed, or why it could not run.
pub(crate) struct TimelineOutcome {
    pub failures: Vec<ExpectFailure>,
    pub error: Option<String>,
}

/// Runs the timeline of `test` for the profile `id` (the `given` profile) at reference
/// time `now`. A test without a timeline passes trivially.
pub(crate) fn run(program: &Program, test: &Test, id: &str, now: i64) -> TimelineOutcome {
    let mut outcome = TimelineOutcome {
        failures: Vec::new(),
        error: None,
    };
    if test.timeline.is_empty() {
        return outcome;
    }
    if let Err(e) = run_steps(program, test, id, now, &mut outcome) {
        outcome.error = Some(e);
    }
    outcome
}

fn time(program: &Program, expr: crate::ir::ExprId, now: i64) -> Result<i64, String> {
    match eval_const(program, expr, now) {
        Value::Time(t) => Ok(t),
        _ => Err(format!(
            "`{}` is not a time",
            program.sources.snippet(program.expr(expr).span)
        )),
    }
}

fn run_steps(
    program: &Program,
    test: &Test,
    id: &str,
    now: i64,
    outcome: &mut TimelineOutcome,
) -> Result<(), String> {
    let mut engine = Engine::in_memory_program(program.clone()).map_err(|e| e.to_string())?;
    engine
        .add_profiles_json([&given_json(program, test, id, now)])
        .map_err(|e| e.to_string())?;
    let mut sent: Vec<Action> = Vec::new();
    for step in &test.timeline {
        match step {
            TimelineStep::Advance { at, .. } => {
                let at = time(program, *at, now)?;
                sent.extend(engine.advance_to(at).map_err(|e| e.to_string())?);
            }
            TimelineStep::Event(event) => {
                let at = match event.at {
                    Some(at) => time(program, at, now)?,
                    None => now,
                };
                let def = program.schema.event_def(event.event);
                let mut obj = Map::new();
                obj.insert("profile".into(), Json::String(id.to_string()));
                obj.insert("type".into(), Json::String(def.name.clone()));
                obj.insert("at".into(), Json::String(format_rfc3339(at)));
                for (p, e) in &event.props {
                    let value = eval_const(program, *e, now);
                    if let Some(prop) = def.props.get(p.0 as usize) {
                        obj.insert(prop.name.clone(), value_json(program, &value));
                    }
                }
                let actions = engine
                    .ingest(&Json::Object(obj))
                    .map_err(|e| e.to_string())?;
                sent.extend(actions);
            }
            TimelineStep::Fail { at, message, span } => {
                let at = time(program, *at, now)?;
                let pending = sent.iter().rev().find(|a| {
                    &a.message == message
                        && matches!(engine.action(&a.id), Ok(Some((_, Status::Pending))))
                });
                match pending {
                    Some(a) => {
                        let id = a.id.clone();
                        sent.extend(
                            engine
                                .report(&id, Delivery::Failed, at)
                                .map_err(|e| e.to_string())?,
                        );
                    }
                    None => outcome.failures.push(ExpectFailure {
                        source: program.sources.snippet(*span).to_string(),
                        span: *span,
                        values: sends_so_far(
                            &sent,
                            format!("no pending send of `{message}` to fail"),
                        ),
                    }),
                }
            }
            TimelineStep::ExpectSend(expect) => {
                let found = sent.iter().any(|a| matches(program, expect, a, now));
                if found == expect.negated {
                    let what = if expect.negated {
                        "such a send was emitted"
                    } else {
                        "no such send was emitted"
                    };
                    // The report prints `expect ` before the source.
                    let source = program.sources.snippet(expect.span);
                    let source = source.strip_prefix("expect").unwrap_or(source).trim_start();
                    outcome.failures.push(ExpectFailure {
                        source: source.to_string(),
                        span: expect.span,
                        values: sends_so_far(&sent, what.to_string()),
                    });
                }
            }
        }
    }
    Ok(())
}

fn matches(program: &Program, expect: &ExpectSend, a: &Action, now: i64) -> bool {
    // A send the cap skipped was not made.
    if a.skipped.is_some() {
        return false;
    }
    let channel_ok = match expect.via {
        None => true,
        Some(None) => a.channel.is_none(),
        Some(Some(c)) => program
            .channels
            .get(c.0 as usize)
            .is_some_and(|ch| a.channel.as_deref() == Some(ch.name.as_str())),
    };
    let at_ok = match expect.at {
        None => true,
        Some(at) => matches!(eval_const(program, at, now), Value::Time(t) if t == a.at),
    };
    a.message == expect.message && channel_ok && at_ok
}

/// The failure's explanation: what went wrong, then every send so far.
fn sends_so_far(sent: &[Action], what: String) -> Vec<(usize, String, String)> {
    let mut out = vec![(0, "result".to_string(), what)];
    if sent.is_empty() {
        out.push((0, "sends so far".into(), "none".into()));
    }
    for a in sent {
        let channel = a.channel.as_deref().unwrap_or("undeliverable");
        out.push((
            1,
            format!("send {:?} via {channel}", a.message),
            format!("at {}", format_rfc3339(a.at)),
        ));
    }
    out
}

/// The `given` profile as a JSON object of the NDJSON shape.
fn given_json(program: &Program, test: &Test, id: &str, now: i64) -> Json {
    let mut obj = Map::new();
    obj.insert("id".into(), Json::String(id.to_string()));
    for (field, expr) in &test.given.fields {
        let value = eval_const(program, *expr, now);
        let def = program.schema.field_def(*field);
        obj.insert(def.name.clone(), value_json(program, &value));
    }
    let mut events = Vec::new();
    for event in &test.given.events {
        let def = program.schema.event_def(event.event);
        let at = match event.at.map(|e| eval_const(program, e, now)) {
            Some(Value::Time(t)) => t,
            _ => now,
        };
        let mut e = Map::new();
        e.insert("type".into(), Json::String(def.name.clone()));
        e.insert("at".into(), Json::String(format_rfc3339(at)));
        for (p, x) in &event.props {
            if let Some(prop) = def.props.get(p.0 as usize) {
                e.insert(
                    prop.name.clone(),
                    value_json(program, &eval_const(program, *x, now)),
                );
            }
        }
        events.push(Json::Object(e));
    }
    obj.insert("events".into(), Json::Array(events));
    Json::Object(obj)
}

/// A value as the NDJSON loader reads it (durations in seconds, times as RFC 3339).
fn value_json(program: &Program, value: &Value) -> Json {
    value.to_json(&program.schema)
}
