//! The static analysis agrees with the interpreter: a condition it says never holds
//! holds for no profile, one it says always holds for every profile, rules it calls
//! equivalent have the same value everywhere, and a `case` arm it calls never chosen
//! is never the first true arm. Checked on conditions built from a small pool of
//! atoms with close constants (so that contradictions and tautologies are frequent)
//! over profiles that hit every boundary, and on the general generated rule sets.
//! It also ends on large random rule sets.

use std::fmt::Write as _;

use corral::check::analysis::{self, Verdict};
use corral::check::codes;
use corral::compile::compile_source;
use corral::data::{LoadOptions, Profiles, ndjson};
use corral::eval::Interpreter;
use corral::ir::{ExprKind, Program, RuleRef, SegmentId, TagId};
use corral::schema::Type;
use corral::value::Value;
use proptest::prelude::*;

use crate::r#gen::Tape;

const SCHEMA: &str = "profile { id: string, a: int, b: int, x: float, p: bool, q: bool, \
    e: enum(E1, E2, E3), s: string }\nevent ev { v: int }\n";

/// One atom of the pool, with constants near each other.
fn atom(t: &mut Tape, earlier: &[String]) -> String {
    let k = t.below(4);
    let h = ["0.5", "1.5", "2.0", "2.5"][t.below(4)];
    let op = *t.pick(&[">", ">=", "<", "<=", "==", "!="]);
    match t.below(22) {
        0 => format!("a {op} {k}"),
        1 => format!("b {op} {k}"),
        2 => format!("a {op} {h}"),
        3 => format!("x {op} {h}"),
        4 => format!("x {op} {k}"),
        5 => format!("a in [{k}, {}]", t.below(4)),
        6 => format!("a not in [{k}]"),
        7 => (*t.pick(&[
            "a is missing",
            "a is present",
            "x is missing",
            "p is missing",
            "p is present",
        ]))
        .to_string(),
        8 => (*t.pick(&[
            "p",
            "q",
            "p == q",
            "p != q",
            "p == false",
            "q in [true]",
            "p not in [false]",
        ]))
        .to_string(),
        9 => format!(
            "e {} {}",
            t.pick(&["==", "!="]),
            t.pick(&["E1", "E2", "E3"])
        ),
        10 => (*t.pick(&[
            "e in [E1, E3]",
            "e not in [E2]",
            "E1",
            "E2",
            "e is missing",
            "e in [E1, E2, E3]",
        ]))
        .to_string(),
        11 => (*t.pick(&[
            "s == \"u\"",
            "s != \"w\"",
            "s in [\"u\", \"w\"]",
            "s not in [\"u\"]",
            "s matches \"^u\"",
            "s is missing",
        ]))
        .to_string(),
        12 => format!("count(ev) {op} {k}"),
        13 => (*t.pick(&[
            "exists(ev)",
            "exists(ev where v > 1)",
            "count(ev where v > 1) == 0",
        ]))
        .to_string(),
        14 => format!("sample({}%, \"z\")", t.pick(&["0", "10", "50", "100"])),
        15 => format!(
            "case {{ a > {k} => \"x\", p => \"y\" }} == \"{}\"",
            t.pick(&["x", "y", "z"])
        ),
        16 => format!("case {{ a > {k} => 1, else => 2 }} {op} {}", t.range(1, 2)),
        17 => format!("since(\"2026-11-20\") {op} {}d", t.below(4)),
        18 | 19 if !earlier.is_empty() => t.pick(earlier).clone(),
        _ => (*t.pick(&["true", "a > 1", "p"])).to_string(),
    }
}

fn condition(t: &mut Tape, depth: u32, earlier: &[String]) -> String {
    if depth == 0 || t.chance(1, 3) {
        return atom(t, earlier);
    }
    match t.below(3) {
        0 => format!("not ({})", condition(t, depth - 1, earlier)),
        1 => format!(
            "({}) and ({})",
            condition(t, depth - 1, earlier),
            condition(t, depth - 1, earlier)
        ),
        _ => format!(
            "({}) or ({})",
            condition(t, depth - 1, earlier),
            condition(t, depth - 1, earlier)
        ),
    }
}

/// Tags and segments over the pool, each able to use the earlier ones, and a tag
/// with a `case` of pool conditions.
fn rule_set(t: &mut Tape) -> String {
    let mut out = String::from(SCHEMA);
    let mut names: Vec<String> = Vec::new();
    for i in 0..t.range(2, 6) {
        let depth = t.below(4) as u32;
        let body = condition(t, depth, &names);
        let name = format!("r{i}");
        let what = if t.chance(1, 2) { "segment" } else { "tag" };
        let _ = writeln!(out, "{what} {name} = {body}");
        names.push(name);
    }
    let arms: Vec<String> = (0..t.range(1, 4))
        .map(|i| {
            let depth = t.below(3) as u32;
            format!("{} => {i}", condition(t, depth, &names))
        })
        .collect();
    let default = if t.chance(1, 2) { ", else => 9" } else { "" };
    let _ = writeln!(out, "tag arms = case {{ {}{default} }}", arms.join(", "));
    out
}

/// Profiles with every field missing or at a value around the pool's constants.
fn profiles(t: &mut Tape) -> String {
    let mut out = String::new();
    // Each field takes its missing value and every small value at least once.
    for i in 0..40 {
        let mut p = serde_json::json!({ "id": format!("u{i}-{}", t.draw()) });
        let m = |t: &mut Tape| i < 2 || t.chance(1, 5);
        if !m(t) {
            p["a"] = (t.below(6) as i64 - 1).into();
        }
        if !m(t) {
            p["b"] = (t.below(6) as i64 - 1).into();
        }
        if !m(t) {
            p["x"] = (t.below(12) as f64 / 2.0 - 0.5).into();
        }
        if !m(t) {
            p["p"] = t.chance(1, 2).into();
        }
        if !m(t) {
            p["q"] = t.chance(1, 2).into();
        }
        if !m(t) {
            p["e"] = (*t.pick(&["E1", "E2", "E3"])).into();
        }
        if !m(t) {
            p["s"] = (*t.pick(&["u", "w", "uu", "", "v"])).into();
        }
        let events: Vec<serde_json::Value> = (0..t.below(4))
            .map(|_| {
                serde_json::json!({"type": "ev", "at": "2026-11-19T00:00:00Z", "v": t.below(4)})
            })
            .collect();
        p["events"] = events.into();
        let _ = writeln!(out, "{p}");
    }
    out
}

fn compile(source: &str) -> Result<(Program, corral::Diagnostics), TestCaseError> {
    let compiled = compile_source("gen.corral", source);
    match compiled.program {
        Some(p) => Ok((p, compiled.diagnostics)),
        None => Err(TestCaseError::fail(format!(
            "rejected:\n{source}\n{}",
            compiled.diagnostics.render_human(false)
        ))),
    }
}

fn load(program: &Program, text: &str) -> Result<Profiles, TestCaseError> {
    ndjson::load(text.as_bytes(), &program.schema, &LoadOptions::default())
        .map(|r| r.profiles)
        .map_err(|e| TestCaseError::fail(format!("profiles failed to load: {e}\n{text}")))
}

fn rules(program: &Program) -> Vec<(RuleRef, &corral::ir::Rule)> {
    let tags = program
        .tags
        .iter()
        .enumerate()
        .map(|(i, r)| (RuleRef::Tag(TagId(i as u32)), r));
    let segments = program
        .segments
        .iter()
        .enumerate()
        .map(|(i, r)| (RuleRef::Segment(SegmentId(i as u32)), r));
    tags.chain(segments).collect()
}

/// Every claim of the analysis holds on every profile at every `now`.
fn agree(
    source: &str,
    program: &Program,
    diagnostics: &corral::Diagnostics,
    data: &Profiles,
    nows: &[i64],
) -> Result<(), TestCaseError> {
    let interp = Interpreter::new(program);
    let all = rules(program);
    let verdicts: Vec<Verdict> = all
        .iter()
        .map(|(rule, _)| analysis::verdict(program, *rule))
        .collect();
    for &now in nows {
        for row in 0..data.len() {
            let values = interp.eval_profile(data, row, now);
            let value = |rule: RuleRef| match rule {
                RuleRef::Tag(t) => values.tags[t.0 as usize].clone(),
                RuleRef::Segment(s) => Value::Bool(values.segments[s.0 as usize]),
            };
            for ((rule, r), verdict) in all.iter().zip(&verdicts) {
                if r.ty != Type::Bool {
                    continue;
                }
                let holds = value(*rule).truthy();
                match verdict {
                    Verdict::Never => prop_assert!(
                        !holds,
                        "`{}` said never, holds on row {row}\n{source}",
                        r.name
                    ),
                    Verdict::Always => prop_assert!(
                        holds,
                        "`{}` said always, fails on row {row}\n{source}",
                        r.name
                    ),
                    _ => {}
                }
            }
            for d in diagnostics
                .items
                .iter()
                .filter(|d| d.code == codes::EQUIVALENT_RULE)
            {
                let named: Vec<&str> = d.message.split('`').skip(1).step_by(2).collect();
                let find = |n: &str| all.iter().find(|(_, r)| r.name == n).map(|(rule, _)| *rule);
                if let [a, b] = named[..]
                    && let (Some(a), Some(b)) = (find(a), find(b))
                {
                    let (va, vb) = (value(a), value(b));
                    let same = if va.type_of() == Some(Type::Bool) {
                        va.truthy() == vb.truthy()
                    } else {
                        va == vb
                    };
                    prop_assert!(
                        same,
                        "{}: {va:?} vs {vb:?} on row {row}\n{source}",
                        d.message
                    );
                }
            }
            for d in diagnostics
                .items
                .iter()
                .filter(|d| d.code == codes::SHADOWED_ARM)
            {
                for e in &program.exprs {
                    let ExprKind::Case { arms, default } = &e.kind else {
                        continue;
                    };
                    let first_true = arms
                        .iter()
                        .position(|(c, _)| interp.eval_expr(data, row, now, None, *c).truthy());
                    for (k, (c, _)) in arms.iter().enumerate() {
                        if program.expr(*c).span.start == d.span.start {
                            prop_assert!(
                                first_true != Some(k),
                                "arm {k} chosen on row {row}\n{source}"
                            );
                        }
                    }
                    if default.is_some_and(|x| program.expr(x).span == d.span) {
                        prop_assert!(first_true.is_some(), "`else` chosen on row {row}\n{source}");
                    }
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(crate::config())]

    /// Conditions over the pool: every verdict, equivalence and shadowed arm holds.
    #[test]
    fn analysis_agrees_with_the_interpreter(rules in crate::tape(), data in crate::tape()) {
        let source = rule_set(&mut Tape::new(rules));
        let (program, diagnostics) = compile(&source)?;
        let mut t = Tape::new(data);
        let data = load(&program, &profiles(&mut t))?;
        let nows = [corral::time::parse_instant("2026-11-22T00:00:00Z").unwrap_or(0)];
        agree(&source, &program, &diagnostics, &data, &nows)?;
    }

    /// The same on the general generated rule sets and profiles.
    #[test]
    fn analysis_agrees_on_generated_rule_sets(rules in crate::tape(), data in crate::tape()) {
        let c = crate::eval::case(rules, data)?;
        let diagnostics = compile_source("gen.corral", &c.rs.source).diagnostics;
        agree(&c.rs.source, &c.program, &diagnostics, &c.data, &c.nows)?;
    }

    /// Large random rule sets: many rules, deep conditions; checking ends.
    #[test]
    fn analysis_ends_on_large_rule_sets(rules in proptest::collection::vec(any::<u32>(), 2000..4000)) {
        let mut t = Tape::new(rules);
        let mut source = String::from(SCHEMA);
        let mut names: Vec<String> = Vec::new();
        for i in 0..60 {
            let body = condition(&mut t, 8, &names);
            let _ = writeln!(source, "segment r{i} = {body}");
            names.push(format!("r{i}"));
        }
        let arms: Vec<String> = (0..30).map(|i| format!("{} => {i}", condition(&mut t, 6, &names))).collect();
        let _ = writeln!(source, "tag arms = case {{ {} }}", arms.join(", "));
        compile(&source)?;
    }
}

#[test]
fn a_known_contradiction_is_found() {
    let source = format!("{SCHEMA}segment never = a > 3 and a < 1\nsegment always = p or not p\n");
    let (program, _) = compile(&source).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        analysis::verdict(&program, RuleRef::Segment(SegmentId(0))),
        Verdict::Never
    );
    assert_eq!(
        analysis::verdict(&program, RuleRef::Segment(SegmentId(1))),
        Verdict::Always
    );
}
