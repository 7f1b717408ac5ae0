//! Edge cases of the meaning, JIT against the interpreter (and a few known answers).
//! The broad differential tests are `tests/props/jit.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::Compiled;
use crate::eval::Interpreter;
use crate::value::Value;
use crate::{Profiles, RuleSet};

const RULES: &str = r#"
profile { id: string, n: int, x: float, s: string, e: enum(A, B, C), ok: bool, tags: set<string>, t: time, d: duration }
event pay { amount: float, coupon: string, k: int }
tag wrap = n + 9223372036854775807
tag rem = n % -1
tag rem0 = n % 0
tag div0 = x / 0.0
tag big = x * 100000000000000000000000000000000000000000000000000.0 * x
tag fm = x % 0.75
tag lt_const = s < "m"
tag ge_absent = s >= "zzz-not-in-data"
tag inl = s in ["a", "q", "nope"]
tag notinl = s not in ["a"]
tag inlong = s in ["a", "b", "c", "d", "q", "zzz", "nope"]
tag sub = s contains "b"
tag subdyn = s contains case { ok => "a", else => s }
tag re = s matches "^[ab]"
tag ere = e matches "B|C"
tag member = tags contains s
tag okmiss = ok is missing
tag notok = not ok
tag sm = sum(pay.amount within d)
tag sk = sum(pay.k since t)
tag av = avg(pay.k)
tag mn = min(pay.amount)
tag mx = max(pay.coupon)
tag fst = first(pay.coupon)
tag lst = last(pay.amount where k > 0)
tag cnt = count(pay within 3d)
tag st = streak(pay where amount > 1.0)
tag ex = exists(pay where coupon == s)
tag sam = sample(0.5, "salt")
tag pick = case { n > 0 => s, ok => "yes" }
tag variant = e
segment seg = wrap > 0 or sub
"#;

fn profiles(rules: &RuleSet) -> Profiles {
    let rows = [
        json!({"id": "a", "n": -9223372036854775807i64 - 1, "x": -0.0, "s": "abc", "e": "B", "ok": true,
               "tags": ["abc", "z"], "t": "2026-11-20T00:00:00Z", "d": 172_800,
               "events": [
                   {"type": "pay", "at": "2026-11-19T00:00:00Z", "amount": 0.0, "coupon": "m", "k": 1},
                   {"type": "pay", "at": "2026-11-19T00:00:00Z", "amount": -0.0, "coupon": "b", "k": 2},
                   {"type": "pay", "at": "2026-11-21T00:00:00Z", "amount": 5.5, "k": 9223372036854775807i64},
                   {"type": "pay", "at": "2026-11-21T12:00:00Z", "amount": 7.0, "coupon": "abc", "k": 3},
                   {"type": "pay", "at": "2026-11-23T00:00:00Z", "amount": 9.0, "k": 4}]}),
        json!({"id": "b", "n": 7, "x": 1e300, "s": "q", "e": "A", "tags": [],
               "d": -5, "events": [{"type": "pay", "at": "2026-11-21T00:00:00Z", "amount": 2.0, "k": -1}]}),
        json!({"id": "c"}),
        json!({"id": "d", "n": 3, "x": 2.5, "s": "zzz", "e": "C", "ok": false, "d": 9_223_372_036_854i64,
               "t": "1970-01-01T00:00:00Z",
               "events": [{"type": "pay", "at": "1900-01-01T00:00:00Z", "amount": 1e308, "k": 5},
                          {"type": "pay", "at": "2026-11-21T00:00:00Z", "amount": 1e308, "k": 6}]}),
    ];
    rules.profiles_from_json(rows.iter()).unwrap()
}

fn nows() -> Vec<i64> {
    [
        "2026-11-22T00:00:00Z",
        "2026-11-19T00:00:00Z",
        "1800-01-01T00:00:00Z",
        "2300-01-01T00:00:00Z",
    ]
    .iter()
    .map(|t| crate::time::parse_instant(t).unwrap())
    .collect()
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

/// The JIT's values `v` of profile `row` at `now` are the interpreter's `w`.
fn assert_same(
    program: &crate::ir::Program,
    v: &crate::eval::ProfileValues,
    w: &crate::eval::ProfileValues,
    row: usize,
    now: i64,
) {
    assert_eq!(v.segments, w.segments, "row {row} now {now}");
    for (i, tag) in program.tags.iter().enumerate() {
        assert!(
            same(&v.tags[i], &w.tags[i]),
            "tag `{}` row {row} now {now}: jit {:?} interp {:?}",
            tag.name,
            v.tags[i],
            w.tags[i]
        );
    }
}

/// At every `now`, the JIT's batch values of every profile are the interpreter's.
fn assert_batch_agrees(
    program: &crate::ir::Program,
    native: &Compiled,
    data: &Profiles,
    nows: impl IntoIterator<Item = i64>,
) {
    let interp = Interpreter::new(program);
    for now in nows {
        native.eval_batch(data, 0..data.len(), now, &mut |row, v| {
            let w = interp.eval_profile(data, row, now);
            assert_same(program, v, &w, row, now);
        });
    }
}

#[test]
fn edge_cases_agree_with_the_interpreter() {
    let rules = RuleSet::from_source("edge.corral", RULES).unwrap();
    let program = rules.program();
    let native = Compiled::compile(program).unwrap();
    let data = profiles(&rules);
    native.check_profiles(&data).unwrap();
    let interp = Interpreter::new(program);
    for now in nows() {
        for row in 0..=data.len() {
            let v = native.eval_profile(&data, row, now);
            let w = interp.eval_profile(&data, row, now);
            assert_same(program, &v, &w, row, now);
        }
    }
}

#[test]
fn known_answers() {
    let rules = RuleSet::from_source("edge.corral", RULES).unwrap();
    let native = Compiled::compile(rules.program()).unwrap();
    let data = profiles(&rules);
    let now = nows()[0];
    let v = native.eval_profile(&data, 0, now);
    let tag = |name: &str| {
        let i = rules
            .program()
            .tags
            .iter()
            .position(|t| t.name == name)
            .unwrap();
        v.tags[i].clone()
    };
    assert_eq!(tag("wrap"), Value::Int(-1));
    assert_eq!(tag("rem"), Value::Int(0));
    assert_eq!(tag("rem0"), Value::Missing);
    assert_eq!(tag("div0"), Value::Missing);
    assert_eq!(tag("cnt"), Value::Int(2));
    assert_eq!(tag("st"), Value::Int(2));
    assert_eq!(tag("lt_const"), Value::Bool(true));
    assert_eq!(tag("ge_absent"), Value::Bool(false));
    assert_eq!(tag("member"), Value::Bool(true));
    assert_eq!(tag("mx"), Value::Str("m".into()));
    // `min` keeps the first of equal values: 0.0 before -0.0.
    assert!(matches!(tag("mn"), Value::Float(f) if f.to_bits() == 0.0f64.to_bits()));
}

#[test]
fn compiled_code_is_freed_and_reusable() {
    let rules = RuleSet::from_source("edge.corral", RULES).unwrap();
    let data = profiles(&rules);
    for _ in 0..20 {
        let native = Compiled::compile(rules.program()).unwrap();
        let _ = native.eval_profile(&data, 0, nows()[0]);
    }
}

#[test]
fn rule_sets_use_the_jit_by_default_with_the_same_outcomes() {
    use crate::{Engine, EvalOptions};
    let rules = RuleSet::from_source("edge.corral", RULES).unwrap();
    assert_eq!(rules.engine(), Engine::Jit);
    assert_eq!(rules.jit_unavailable(), None);
    let interp = rules.clone().with_engine(Engine::Interpreter);
    assert_eq!(interp.jit_unavailable(), None);
    let data = profiles(&rules);
    for now in nows() {
        let options = EvalOptions {
            now,
            threads: Some(2),
        };
        let a: Vec<_> = rules
            .evaluate(&data, &options)
            .iter()
            .map(|o| o.to_json())
            .collect();
        let b: Vec<_> = interp
            .evaluate(&data, &options)
            .iter()
            .map(|o| o.to_json())
            .collect();
        assert_eq!(a, b);
        assert_eq!(
            rules.count(&data, &options).to_json(rules.program()),
            interp.count(&data, &options).to_json(interp.program())
        );
        for row in 0..data.len() {
            assert_eq!(
                rules.evaluate_row(&data, row, now).to_json(),
                interp.evaluate_row(&data, row, now).to_json()
            );
        }
    }
}

/// What `--output counts` means, counted the slow way: every profile's values, each
/// valued tag's value by its key.
fn counts_by_key(program: &crate::ir::Program, data: &Profiles, now: i64) -> crate::Counts {
    use crate::output::TagCount;
    let interp = Interpreter::new(program);
    let mut counts = crate::Counts {
        profiles: data.len() as u64,
        tags: program
            .tags
            .iter()
            .map(|t| match t.ty {
                crate::schema::Type::Bool => TagCount::Members(0),
                _ => TagCount::Values(Default::default()),
            })
            .collect(),
        segments: vec![0; program.segments.len()],
    };
    for row in 0..data.len() {
        let values = interp.eval_profile(data, row, now);
        for (count, value) in counts.tags.iter_mut().zip(&values.tags) {
            match count {
                TagCount::Members(n) => *n += u64::from(value.truthy()),
                TagCount::Values(map) if !value.is_missing() => {
                    *map.entry(value.to_key(&program.schema)).or_insert(0) += 1
                }
                TagCount::Values(_) => {}
            }
        }
        for (n, member) in counts.segments.iter_mut().zip(&values.segments) {
            *n += u64::from(*member);
        }
    }
    counts
}

/// The edge-case profiles repeated past one morsel, so counts merge across morsels.
fn many_profiles(rules: &RuleSet) -> Profiles {
    let rows: Vec<serde_json::Value> = (0..crate::eval::MORSEL_ROWS + 300)
        .map(|i| {
            let mut row = data_row(i);
            row["id"] = json!(format!("p{i}"));
            row
        })
        .collect();
    rules.profiles_from_json(rows.iter()).unwrap()
}

/// Profiles like the edge cases', with events inside and outside the windows.
fn data_row(i: usize) -> serde_json::Value {
    let rows = [
        json!({"id": "a", "n": 3, "x": -0.0, "s": "abc", "e": "B", "ok": true, "tags": ["abc", "z"],
               "events": [{"type": "pay", "at": "2026-11-21T00:00:00Z", "amount": 5.5, "coupon": "abc", "k": 1}]}),
        json!({"id": "b", "n": 7, "x": 1e300, "s": "q", "e": "A", "tags": []}),
        json!({"id": "c"}),
        json!({"id": "d", "n": -3, "x": 2.5, "s": "zzz", "e": "C", "ok": false, "tags": ["q"]}),
    ];
    rows[i % rows.len()].clone()
}

#[test]
fn counts_agree_with_counting_every_profile_by_key() {
    let rules = RuleSet::from_source("edge.corral", RULES).unwrap();
    let program = rules.program();
    let native = Compiled::compile(program).unwrap();
    let interp = Interpreter::new(program);
    for data in [profiles(&rules), many_profiles(&rules)] {
        for now in nows() {
            let expected = counts_by_key(program, &data, now);
            for threads in [Some(1), Some(2), None] {
                assert_eq!(
                    native.count(&data, now, threads),
                    expected,
                    "jit, now {now}"
                );
                assert_eq!(
                    interp.count(&data, now, threads),
                    expected,
                    "interp, now {now}"
                );
            }
        }
    }
}

#[test]
fn counts_of_unbindable_profiles_fall_back_to_the_interpreter() {
    let rules = RuleSet::from_source("edge.corral", RULES).unwrap();
    let program = rules.program();
    let native = Compiled::compile(program).unwrap();
    let mut data = profiles(&rules);
    data.columns[0].valid = crate::data::Bitmap::new(); // short validity: cannot bind
    assert!(native.check_profiles(&data).is_err());
    let now = nows()[0];
    assert_eq!(
        native.count(&data, now, Some(2)),
        Interpreter::new(program).count(&data, now, Some(2))
    );
}

#[test]
fn the_row_evaluator_agrees_with_eval_profile() {
    let rules = RuleSet::from_source("edge.corral", RULES).unwrap();
    let program = rules.program();
    let native = Compiled::compile(program).unwrap();
    let interp = Interpreter::new(program);
    let data = many_profiles(&rules);
    let mut rows = native.rows(&data);
    for now in nows() {
        // Out of order and one past the end: every call stands alone.
        for row in [5, 0, data.len(), 4097, 1, 4096, 3] {
            let v = rows.eval(row, now).clone();
            let w = interp.eval_profile(&data, row, now);
            assert_eq!(v.segments, w.segments, "row {row} now {now}");
            for (a, b) in v.tags.iter().zip(&w.tags) {
                assert!(same(a, b), "row {row} now {now}: {a:?} vs {b:?}");
            }
        }
    }
    let mut hosted = rules.rows(&data);
    let now = nows()[0];
    for row in [0, 2, data.len() + 1] {
        assert_eq!(
            hosted.evaluate(row, now).to_json(),
            rules.evaluate_row(&data, row, now).to_json()
        );
    }
}

/// Bool logic over bool fields runs 64 rows at a time (`codegen::words`) in morsels
/// that start on a word boundary, row by row elsewhere: both agree with the interpreter.
#[test]
fn bool_logic_by_words_agrees_with_the_interpreter() {
    let rules = RuleSet::from_source(
        "logic.corral",
        r#"
        profile { id: string, a: bool, b: bool, c: bool, n: int }
        tag ta = a
        tag tb = not b
        tag both = ta and tb or not (c or false)
        tag always = true
        tag never = a and false
        tag mixed = both and n > 2
        segment s1 = both or never, not always or ta
        segment s2 = not s1 and (tb or c)
        segment s3 = mixed or s2
        "#,
    )
    .unwrap();
    let program = rules.program();
    let native = Compiled::compile(program).unwrap();
    assert!(native.native.has_words());
    let rows: Vec<serde_json::Value> = (0..crate::eval::MORSEL_ROWS * 2 + 77)
        .map(|i| {
            let mut row = json!({"id": format!("p{i}"), "n": i % 5});
            for (k, name) in ["a", "b", "c"].iter().enumerate() {
                match (i / (k + 1) * 7 + k) % 3 {
                    0 => row[name] = json!(true),
                    1 => row[name] = json!(false),
                    _ => {} // missing: reads as false
                }
            }
            row
        })
        .collect();
    let data = rules.profiles_from_json(rows.iter()).unwrap();
    let interp = Interpreter::new(program);
    let now = nows()[0];
    let mut seen = 0;
    native.eval_batch(&data, 0..data.len(), now, &mut |row, v| {
        assert_eq!(v, &interp.eval_profile(&data, row, now), "row {row}");
        seen += 1;
    });
    assert_eq!(seen, data.len());
    // Unaligned starts evaluate row by row.
    native.eval_batch(&data, 3..200, now, &mut |row, v| {
        assert_eq!(v, &interp.eval_profile(&data, row, now), "row {row}")
    });
    let mut by_row = native.rows(&data);
    for row in [0, 1, 63, 64, 65, 4096, data.len() - 1] {
        assert_eq!(by_row.eval(row, now), &interp.eval_profile(&data, row, now));
    }
    for threads in [Some(1), Some(2)] {
        assert_eq!(
            native.count(&data, now, threads),
            counts_by_key(program, &data, now)
        );
    }
}

/// When every rule is bool logic, aligned morsels skip the row loop entirely.
#[test]
fn only_bool_logic_agrees_with_the_interpreter() {
    let rules = RuleSet::from_source(
        "logic.corral",
        "profile { id: string, a: bool, b: bool }\ntag ta = a\nsegment s = not ta or b\n",
    )
    .unwrap();
    let program = rules.program();
    let native = Compiled::compile(program).unwrap();
    let rows: Vec<serde_json::Value> = (0..crate::eval::MORSEL_ROWS + 100)
        .map(|i| match i % 4 {
            0 => json!({"id": "x", "a": true}),
            1 => json!({"id": "x", "a": false, "b": true}),
            2 => json!({"id": "x", "b": false}),
            _ => json!({"id": "x"}),
        })
        .collect();
    let data = rules.profiles_from_json(rows.iter()).unwrap();
    let now = nows()[0];
    let interp = Interpreter::new(program);
    native.eval_batch(&data, 0..data.len(), now, &mut |row, v| {
        assert_eq!(v, &interp.eval_profile(&data, row, now), "row {row}")
    });
    assert_eq!(
        native.count(&data, now, Some(2)),
        counts_by_key(program, &data, now)
    );
    let mut by_row = native.rows(&data);
    for row in [0, 5, 64, 4096, data.len() - 1] {
        assert_eq!(by_row.eval(row, now), &interp.eval_profile(&data, row, now));
    }
}

/// A rule set cut into many chunks, each compiled into its own function: later
/// chunks read every kind of rule (bool, int, float, string, bitwise logic,
/// segments) from the result buffers that earlier chunks wrote.
#[test]
fn segments_after_the_tags_start_a_chunk_of_their_own() {
    let rules = RuleSet::from_source(
        "stages.corral",
        "profile { id: string, n: int, ok: bool, e: enum(A, B) }\n\
         tag big = n > 3\n\
         tag level = case { n > 5 => \"high\", n > 0 => \"low\" }\n\
         segment s1 = big and ok\n\
         segment s2 = level == \"low\" or s1, A\n",
    )
    .unwrap();
    let program = rules.program();
    let chunks = super::codegen::chunk::chunks(program, &program.order, 400);
    let kinds: Vec<Vec<bool>> = chunks
        .iter()
        .map(|c| {
            c.iter()
                .map(|r| matches!(r, crate::ir::RuleRef::Tag(_)))
                .collect()
        })
        .collect();
    assert_eq!(kinds, [vec![true, true], vec![false, false]]);
    // The segments read the tags, a valued one missing in some rows, from the
    // first chunk's results.
    let rows: Vec<serde_json::Value> = (0..200)
        .map(|i: i64| {
            let e = if i % 2 == 0 { "A" } else { "B" };
            match i % 4 {
                0 => json!({"id": format!("p{i}"), "ok": i % 3 == 0, "e": e}),
                _ => json!({"id": format!("p{i}"), "n": i % 9 - 2, "ok": i % 3 == 0, "e": e}),
            }
        })
        .collect();
    let data = rules.profiles_from_json(rows.iter()).unwrap();
    let native = Compiled::compile(program).unwrap();
    assert_batch_agrees(program, &native, &data, nows());
    let counts = native.count(&data, nows()[0], Some(1));
    assert!(counts.segments.iter().all(|&n| n > 0), "{counts:?}");
}

/// Rules of `source`, with the late rules (`codegen::late`) picked from its chunks.
fn late_of(source: &str) -> (RuleSet, super::codegen::late::Late) {
    let rules = RuleSet::from_source("late.corral", source).unwrap();
    let program = rules.program();
    let chunks = super::codegen::chunk::chunks(program, &program.order, 400);
    let early = super::codegen::words::bitwise_rules(program, &program.order)
        .into_iter()
        .collect();
    let late = super::codegen::late::late_rules(program, &chunks, &early);
    (rules, late)
}

fn rule_names(program: &crate::ir::Program, rules: &[crate::ir::RuleRef]) -> Vec<String> {
    rules
        .iter()
        .map(|r| match *r {
            crate::ir::RuleRef::Tag(t) => program.tag(t).name.to_string(),
            crate::ir::RuleRef::Segment(s) => program.segment(s).name.to_string(),
        })
        .collect()
}

const LATE_RULES: &str = "profile { id: string, n: int, m: int, ok: bool, e: enum(A, B) }\n\
     tag level = case { n > 5 => \"high\", n > 0 => \"low\" }\n\
     tag reach = ok or level is present\n\
     tag pair = n + m > 2 and n - m > 2\n\
     tag either = reach or pair\n\
     segment a_ok = ok and not pair, A\n\
     segment a_low = n * m > 1 or a_ok, A\n\
     segment b_reach = reach and not ok and n * m > 1, B\n\
     segment mixed = n + m > 1 and n - m > 1 and either\n\
     segment low = level == \"low\"\n\
     segment high_not_ok = level in [\"high\"] and not ok\n";

/// Logic bringing in at most one leaf not already written is late; the same test in
/// two rules (`n * m > 1`) is one leaf; a test of a field or of a valued tag against
/// constants (`, A`, `level is present`, `level == "low"`) is no leaf (the word
/// functions compute it), and a rule that is one such test is late; a late rule that
/// a later chunk's row function reads is not late.
#[test]
fn late_rules_are_logic_over_few_new_leaves() {
    let (rules, late) = late_of(LATE_RULES);
    let names = rule_names(rules.program(), &late.rules);
    // `pair` and `mixed` bring two new leaves each; `either` (no leaves) is read by
    // `mixed`, computed by the segments' row function, so it is not late.
    assert_eq!(
        names,
        ["reach", "a_ok", "a_low", "b_reach", "low", "high_not_ok"]
    );
    // `n * m > 1`, twice.
    assert_eq!(late.leaves.len(), 1, "{:?}", late.leaves);
    assert_eq!(late.leaf_of.len(), 2, "{:?}", late.leaf_of);
}

/// Late rules agree with the interpreter in batches (word-aligned morsels, where the
/// late word function runs), through the row evaluator at rows on and off word
/// boundaries (where the row function computes them), and in counts.
#[test]
fn late_rules_agree_with_the_interpreter() {
    let rows: Vec<serde_json::Value> = (0..300)
        .map(|i: i64| {
            let e = if i % 3 == 0 { "A" } else { "B" };
            match i % 5 {
                0 => json!({"id": format!("p{i}"), "e": e}),
                1 => json!({"id": format!("p{i}"), "n": i % 9 - 2, "ok": i % 2 == 0}),
                _ => json!({"id": format!("p{i}"), "n": i % 9 - 2, "m": i % 7 - 3, "ok": i % 4 == 0, "e": e}),
            }
        })
        .collect();
    let (native, data) = checked(LATE_RULES, &rows);
    let program = native.program();
    assert_batch_agrees(program, &native, &data, nows());
    let interp = Interpreter::new(program);
    let mut evaluator = native.rows(&data);
    for row in [0, 1, 63, 64, 65, 128, 299] {
        let v = evaluator.eval(row, 0).clone();
        assert_same(program, &v, &interp.eval_profile(&data, row, 0), row, 0);
    }
    let counts = native.count(&data, 0, Some(1));
    assert_eq!(counts, counts_by_key(program, &data, 0));
    assert!(counts.segments.iter().all(|&n| n > 0), "{counts:?}");
}

/// More late rules than one late word function takes: each reads the one before,
/// across the functions' boundaries.
#[test]
fn late_rules_over_several_word_functions_agree_with_the_interpreter() {
    use std::fmt::Write;
    let mut source = String::from("profile { id: string, a: bool, n: int }\nsegment s0 = a\n");
    for k in 1..150 {
        writeln!(source, "segment s{k} = s{} and n * n > {}", k - 1, k % 3).unwrap();
    }
    let rows: Vec<serde_json::Value> = (0..300)
        .map(|i| match i % 4 {
            0 => json!({"id": format!("p{i}"), "n": i % 9}),
            1 => json!({"id": format!("p{i}"), "a": true}),
            _ => json!({"id": format!("p{i}"), "a": i % 3 == 0, "n": i % 8}),
        })
        .collect();
    let (native, data) = checked(&source, &rows);
    assert!(native.native.late_words.len() >= 3);
    assert_batch_agrees(native.program(), &native, &data, nows());
}

/// A row rule reading a late rule of its own chunk evaluates it in line, and with it
/// the late rule of an earlier chunk that it reads, which then may not be late.
/// (`t4 = s1` puts `s1` in the tags' chunk; `s2 = s0` is no logic: a row rule.)
#[test]
fn a_late_rule_read_in_line_by_a_row_rule_is_not_late() {
    let source = "profile { id: string, f: bool, n: int }\n\
         tag t1 = f and n > 1\n\
         tag t4 = s1\n\
         segment s0 = t1 and s1\n\
         segment s1 = case { n > 2 => t1, else => false } and f\n\
         segment s2 = s0\n";
    let (rules, late) = late_of(source);
    assert_eq!(rule_names(rules.program(), &late.rules), ["s0"]);
    let rows: Vec<serde_json::Value> = (0..200)
        .map(|i| json!({"id": format!("p{i}"), "f": i % 3 != 0, "n": i % 5}))
        .collect();
    let (native, data) = checked(source, &rows);
    assert_batch_agrees(rules.program(), &native, &data, nows());
    let counts = native.count(&data, 0, Some(1));
    assert!(counts.segments.iter().all(|&n| n > 0), "{counts:?}");
}

/// The same sample in two rules (and in a late rule's leaf) is hashed once a morsel.
#[test]
fn a_sample_used_twice_is_one_sample() {
    let rows: Vec<serde_json::Value> = (0..200)
        .map(|i| json!({"id": format!("p{i}"), "ok": i % 3 == 0}))
        .collect();
    let (native, data) = checked(
        "profile { id: string, ok: bool }\n\
         tag picked = sample(30%, \"s\")\n\
         segment both = ok and sample(30%, \"s\")\n\
         segment other = sample(30%, \"t\") or sample(20%, \"s\")\n",
        &rows,
    );
    assert_eq!(native.plan.samples.len(), 3, "{:?}", native.plan.samples);
    assert_batch_agrees(native.program(), &native, &data, nows());
}

#[test]
fn rules_split_into_chunks_agree_with_the_interpreter() {
    use std::fmt::Write;
    let mut text = String::from(
        r#"
profile { id: string, n: int, x: float, s: string, e: enum(A, B, C), ok: bool, tags: set<string>, t: time, d: duration }
event pay { amount: float, coupon: string, k: int }
tag b0 = ok
tag i0 = n
tag f0 = x
tag s0 = s
tag w0 = ok
segment g0 = b0
"#,
    );
    for i in 1..120 {
        let p = i - 1;
        let _ = writeln!(
            text,
            "tag b{i} = b{p} and not w{p} or sum(pay.amount within 3d) > {i}.0 or i{p} > {i}\n\
             tag i{i} = i{p} + count(pay where k > {i}) - {i}\n\
             tag f{i} = f{p} * 0.5 + avg(pay.amount) + {i}.0\n\
             tag s{i} = case {{ b{p} => s{p}, i{p} > 0 => \"v{i}\", else => s }}\n\
             tag m{i} = tags contains s{p} or e == B and b{p}\n\
             tag w{i} = ok and w{p} or not (w{p} or ok)\n\
             segment g{i} = g{p} and b{i} or w{i}, s{i} == \"v{i}\", not (f{i} > 3.0)"
        );
    }
    let rules = RuleSet::from_source("chunks.corral", &text).unwrap();
    let program = rules.program();
    let order = super::rule_order(program);
    let chunks = super::codegen::chunk::chunks(program, &order, super::codegen::chunk::CHUNK_NODES);
    assert!(chunks.len() > 10, "{} chunks", chunks.len());
    let native = Compiled::compile(program).unwrap();
    assert!(native.native.has_words());
    let data = many_profiles(&rules);
    native.check_profiles(&data).unwrap();
    let interp = Interpreter::new(program);
    for now in nows() {
        let mut seen = 0;
        native.eval_batch(&data, 0..data.len(), now, &mut |row, v| {
            let w = interp.eval_profile(&data, row, now);
            assert_same(program, v, &w, row, now);
            seen += 1;
        });
        assert_eq!(seen, data.len());
        // Unaligned starts: the word function does not run, the chunks write every rule.
        native.eval_batch(&data, 5..70, now, &mut |row, v| {
            assert_eq!(v.segments, interp.eval_profile(&data, row, now).segments);
        });
        assert_eq!(
            native.count(&data, now, Some(2)),
            counts_by_key(program, &data, now)
        );
    }
}

/// Aggregates computed a column at a time (`codegen::columns`): every function,
/// windows read from profile fields, filters reading profile fields, in morsels whose
/// first and last rows have events, rows without events, and row ranges that start
/// and end mid-morsel and off word boundaries.
#[test]
fn column_aggregates_agree_with_the_interpreter_at_morsel_edges() {
    let rules = RuleSet::from_source(
        "columns.corral",
        r#"
        profile { id: string, n: int, s: string, t: time, d: duration }
        event pay { amount: float, coupon: string, k: int }
        event view { page: string }
        tag c7 = count(pay within 7d)
        tag c7again = count(pay within 7d)
        tag e7 = exists(pay where coupon is present within 7d)
        tag s7 = sum(pay.amount within 7d)
        tag k7 = sum(pay.k within 7d)
        tag a7 = avg(pay.amount within 7d)
        tag a90 = avg(pay.amount within 90d)
        tag s90 = sum(pay.amount within 90d)
        tag s90again = sum(pay.amount within 90d)
        tag sk = sum(pay.amount where k > 0)
        tag ak = avg(pay.amount where k > 0)
        tag aki = avg(pay.k within 90d)
        tag ski = sum(pay.k within 90d)
        tag mn = min(pay.amount)
        tag mx = max(pay.coupon)
        tag fst = first(pay.coupon)
        tag lst = last(pay.amount where k > 0)
        tag lat = last(pay).at
        tag st = streak(pay where amount > 2.0)
        tag own = count(pay where k > n)
        tag same = exists(pay where coupon == s)
        tag since_t = count(pay since t)
        tag within_d = sum(pay.amount within d)
        tag views = count(view within 30d)
        tag home = exists(view where page == "home" within 30d)
        tag lone = max(view.page)
        segment busy = c7 > 2 and views > 0 or st >= 2
        "#,
    )
    .unwrap();
    let program = rules.program();
    let native = Compiled::compile(program).unwrap();
    let interp = Interpreter::new(program);
    let day = 86_400;
    // Events on the first and last rows of every morsel; every fifth row has none.
    let rows: Vec<serde_json::Value> = (0..crate::eval::MORSEL_ROWS * 2 + 77)
        .map(|i| {
            let mut row = json!({"id": format!("p{i}"), "n": (i % 7) as i64 - 2});
            if i % 3 != 0 {
                row["s"] = json!(format!("c{}", i % 4));
                row["t"] = json!(format!("2026-11-{:02}T00:00:00Z", 10 + i % 12));
                row["d"] = json!((i % 9) as i64 * day - day);
            }
            let edge = i % crate::eval::MORSEL_ROWS == 0 || (i + 1) % crate::eval::MORSEL_ROWS == 0;
            let pays = if edge {
                6
            } else if i % 5 == 0 {
                0
            } else {
                (i * 7) % 6
            };
            let mut events = Vec::new();
            for j in 0..pays {
                let mut pay = json!({"type": "pay",
                    "at": format!("2026-11-{:02}T{:02}:00:00Z", 8 + (i + j * 3) % 16, j),
                    "amount": if (i + j) % 37 < 2 { 1.5e308 } else { ((i * 13 + j * 5) % 11) as f64 * 0.75 }});
                if (i + j) % 4 != 0 {
                    pay["coupon"] = json!(format!("c{}", (i + j) % 4));
                }
                if (i + j) % 3 != 1 {
                    pay["k"] = json!((i as i64 + j as i64) % 6 - 2);
                }
                events.push(pay);
            }
            if i % 2 == 1 || edge {
                events.push(json!({"type": "view", "at": "2026-11-20T00:00:00Z",
                    "page": if i % 4 == 1 { "home" } else { "cart" }}));
            }
            row["events"] = json!(events);
            row
        })
        .collect();
    let data = rules.profiles_from_json(rows.iter()).unwrap();
    native.check_profiles(&data).unwrap();
    let agree = |row: usize, v: &crate::eval::ProfileValues, now: i64| {
        let w = interp.eval_profile(&data, row, now);
        assert_same(program, v, &w, row, now);
    };
    let n = data.len();
    let m = crate::eval::MORSEL_ROWS;
    for now in nows() {
        let mut seen = 0;
        native.eval_batch(&data, 0..n, now, &mut |row, v| {
            agree(row, v, now);
            seen += 1;
        });
        assert_eq!(seen, n);
        for range in [3..m + 5, m - 1..m + 1, m + 63..2 * m + 70, n - 1..n, 0..1] {
            native.eval_batch(&data, range, now, &mut |row, v| agree(row, v, now));
        }
        let mut by_row = native.rows(&data);
        for row in [0, 1, m - 1, m, m + 1, n - 1] {
            agree(row, by_row.eval(row, now), now);
        }
        for threads in [Some(1), Some(2)] {
            assert_eq!(
                native.count(&data, now, threads),
                counts_by_key(program, &data, now)
            );
        }
    }
}

#[test]
fn row_starts_count_the_rows_starting_at_each_event() {
    let rules = RuleSet::from_source(
        "starts.corral",
        "profile { id: string }\nevent pay { amount: float }\ntag n = count(pay)\n",
    )
    .unwrap();
    // Events per row: 0, 2, 3, 0, 1.
    let rows: Vec<serde_json::Value> = [0, 2, 3, 0, 1]
        .iter()
        .map(|&k| {
            let events: Vec<_> = (0..k)
                .map(|_| json!({"type": "pay", "at": "2026-11-01T00:00:00Z", "amount": 1.0}))
                .collect();
            json!({"id": "x", "events": events})
        })
        .collect();
    let data = rules.profiles_from_json(rows.iter()).unwrap();
    let starts = |start, end| {
        let mut out = vec![7];
        super::bind::row_starts(&data, 0, start, end, &mut out);
        out
    };
    // Offsets 0, 0, 2, 5, 5, 6: rows 1 and 2 start at event 0 and 2, rows 3 and 4 at 5.
    assert_eq!(starts(0, 5), vec![1, 0, 1, 0, 0, 2, 0]);
    assert_eq!(starts(2, 4), vec![0, 0, 0, 1]);
    assert_eq!(starts(3, 4), vec![0]);
    assert_eq!(starts(4, 5), vec![0, 0]);
}

#[test]
fn set_contains_agrees_with_the_interpreter_at_every_position() {
    // Constants at every position of sets of 0 to 9 elements: the first few are tested
    // without a loop, the rest in one; `s` is an element, a non-element or missing.
    let mut source = String::from("profile { id: string, tags: set<string>, s: string }\n");
    for k in 0..10 {
        source.push_str(&format!("tag has{k} = tags contains \"v{k}\"\n"));
    }
    source.push_str("tag absent = tags contains \"not-in-data\"\ntag dynamic = tags contains s\n");
    let rules = RuleSet::from_source("sets.corral", &source).unwrap();
    let rows: Vec<serde_json::Value> = (0..1024u32)
        .map(|mask| {
            let tags: Vec<String> = (0..10)
                .filter(|k| mask >> k & 1 == 1)
                .map(|k| format!("v{k}"))
                .collect();
            match mask % 3 {
                0 => {
                    json!({"id": format!("p{mask}"), "tags": tags, "s": format!("v{}", mask % 11)})
                }
                1 => json!({"id": format!("p{mask}"), "tags": tags}),
                _ => json!({"id": format!("p{mask}"), "s": "v1"}),
            }
        })
        .collect();
    let data = rules.profiles_from_json(rows.iter()).unwrap();
    let program = rules.program();
    let native = Compiled::compile(program).unwrap();
    let interp = Interpreter::new(program);
    let now = nows()[0];
    let mut members = 0;
    for row in 0..data.len() {
        let v = native.eval_profile(&data, row, now);
        let w = interp.eval_profile(&data, row, now);
        assert_eq!(v.tags, w.tags, "row {row}");
        members += v.tags.iter().filter(|t| **t == Value::Bool(true)).count();
    }
    assert!(
        members > 3000,
        "only {members} members: the sets were not read"
    );
    assert_eq!(
        counts_by_key(program, &data, now),
        native.count(&data, now, Some(1))
    );
}

#[test]
fn set_membership_words_agree_with_the_interpreter_across_morsels() {
    // One field tested against 1, 2, 3, 5, 9 and 70 constants: each unrolled width,
    // the general one and two words of bits. Sets of 0 to 6 of 80 strings, some
    // missing, over three morsels, so each morsel's elements start past 0.
    for n in [1usize, 2, 3, 5, 9, 70] {
        let mut source =
            String::from("profile { id: string, tags: set<string>, other: set<string> }\n");
        for k in 0..n {
            source.push_str(&format!("tag has{k} = tags contains \"v{}\"\n", k * 7 % 80));
        }
        source.push_str("tag absent = tags contains \"not-in-data\"\n");
        source.push_str("tag both = other contains \"v7\" and not (tags contains \"v7\")\n");
        let rules = RuleSet::from_source("members.corral", &source).unwrap();
        let mut seed = 0x9e37_79b9_u64;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        let rows: Vec<serde_json::Value> = (0..2500)
            .map(|i| {
                let tags: Vec<String> = (0..next(7)).map(|_| format!("v{}", next(80))).collect();
                let other: Vec<String> = (0..next(3)).map(|_| format!("v{}", next(10))).collect();
                if i % 7 == 3 {
                    json!({"id": format!("p{i}"), "other": other})
                } else {
                    json!({"id": format!("p{i}"), "tags": tags, "other": other})
                }
            })
            .collect();
        let data = rules.profiles_from_json(rows.iter()).unwrap();
        let program = rules.program();
        let native = Compiled::compile(program).unwrap();
        native.check_profiles(&data).unwrap();
        assert_eq!(
            native.plan.set_members.len(),
            1 + n.div_ceil(64),
            "{n} constants"
        );
        let now = nows()[0];
        assert_batch_agrees(program, &native, &data, [now]);
        for row in [0, 1023, 1024, 2499] {
            let v = native.eval_profile(&data, row, now);
            assert_same(
                program,
                &v,
                &Interpreter::new(program).eval_profile(&data, row, now),
                row,
                now,
            );
        }
        let counts = native.count(&data, now, Some(2));
        assert_eq!(counts_by_key(program, &data, now), counts);
        let members = |tag: &str| {
            let t = program.tags.iter().position(|r| &*r.name == tag).unwrap();
            match &counts.tags[t] {
                crate::output::TagCount::Members(m) => *m,
                other => panic!("{other:?}"),
            }
        };
        assert!(members("has0") > 40, "{n}: the sets were not read");
        assert!(members("both") > 100, "{n}: the other set was not read");
        assert_eq!(members("absent"), 0);
    }
}

/// The rules of `source`, compiled, and `rows` loaded, which pass `check_profiles`.
fn checked(source: &str, rows: &[serde_json::Value]) -> (Compiled, Profiles) {
    let rules = RuleSet::from_source("check.corral", source).unwrap();
    let native = Compiled::compile(rules.program()).unwrap();
    let data = rules.profiles_from_json(rows.iter()).unwrap();
    native.check_profiles(&data).unwrap();
    (native, data)
}

#[test]
fn profiles_with_repeats_in_a_set_fail_the_check() {
    let (native, mut data) = checked(
        "profile { id: string, tags: set<string> }\ntag a = tags contains \"a\"\n",
        &[json!({"id": "p", "tags": ["a", "b"]})],
    );
    // `id` is the profiles' key, not a column.
    let crate::data::ColumnValues::StrSet { codes, .. } = &mut data.columns[0].values else {
        panic!("not a set column");
    };
    codes[1] = codes[0];
    let err = native.check_profiles(&data).unwrap_err().to_string();
    assert!(err.contains("`tags`") && err.contains("repeats"), "{err}");
}

/// A `last_at` that is not each profile's last event time fails the check; one of the
/// wrong length leaves the profiles to the interpreter, whose answers compiled code
/// then gives.
#[test]
fn last_event_times_out_of_step_fail_the_check() {
    let source = "profile { id: string }\nevent pay { amount: float }\n\
                  tag recent = exists(pay within 7d)\ntag latest = last(pay).at\n";
    // Row `i` has `i % 3` pays; the last row, 100, one in the last 7 days.
    let rows: Vec<serde_json::Value> = (0..101)
        .map(|i| {
            let pays: Vec<_> = (0..i % 3)
                .map(|k| json!({"type": "pay", "at": format!("2026-11-{:02}", 10 + 5 * k + i % 5)}))
                .collect();
            json!({"id": format!("p{i}"), "events": pays})
        })
        .collect();
    let (native, data) = checked(source, &rows);
    let interp = Interpreter::new(native.program());
    let now = crate::time::parse_instant("2026-11-22T00:00:00Z").unwrap();

    let mut stale = data.clone();
    stale.events[0].last_at[1] -= 1;
    let err = native.check_profiles(&stale).unwrap_err().to_string();
    assert!(err.contains("`pay`") && err.contains("last_at"), "{err}");
    // Its aggregate values are unspecified, but evaluating it is safe.
    native.count(&stale, now, Some(1));

    let mut short = data.clone();
    short.events[0].last_at.pop();
    assert!(native.check_profiles(&short).is_err());
    for threads in [Some(1), Some(2)] {
        assert_eq!(
            native.count(&short, now, threads),
            interp.count(&short, now, threads),
            "{threads:?}"
        );
    }
    let mut one = native.rows(&short);
    assert_eq!(*one.eval(100, now), interp.eval_profile(&short, 100, now));
}

#[test]
fn bool_bytes_pack_into_bits_past_partial_words() {
    let variants = super::run::pack_bits_variants();
    for (name, pack) in variants {
        for len in [
            0usize, 1, 63, 64, 65, 127, 128, 200, 511, 512, 577, 1000, 4096,
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| u8::from((i * 7 + len) % 3 == 0)).collect();
            // Stale bits from an earlier morsel must be overwritten.
            let mut words = vec![u64::MAX; len.div_ceil(64).max(1)];
            pack(&bytes, &mut words);
            for (i, &b) in bytes.iter().enumerate() {
                assert_eq!(
                    words[i / 64] >> (i % 64) & 1,
                    u64::from(b),
                    "{name}: len {len} bit {i}"
                );
            }
            if len % 64 != 0 {
                assert_eq!(
                    words[len / 64] >> (len % 64),
                    0,
                    "{name}: len {len}: bits past the bytes"
                );
            }
        }
    }
}

#[test]
fn string_codes_past_the_dictionary_are_in_no_list_and_never_read_out_of_bounds() {
    let rules = RuleSet::from_source("edge.corral", RULES).unwrap();
    let program = rules.program();
    let native = Compiled::compile(program).unwrap();
    let mut data = profiles(&rules);
    let field = |name: &str| program.schema.fields.iter().position(|f| &*f.name == name);
    let s = field("s").unwrap();
    let crate::data::ColumnValues::Str(codes) = &mut data.columns[s].values else {
        panic!("`s` is a string column");
    };
    for (i, code) in codes.iter_mut().enumerate() {
        *code = u32::MAX - i as u32;
    }
    for table in &mut data.events {
        for column in &mut table.props {
            if let crate::data::ColumnValues::Str(codes) = &mut column.values {
                codes.iter_mut().for_each(|c| *c = u32::MAX);
            }
        }
    }
    native.check_profiles(&data).unwrap();
    let tag = |name: &str| program.tags.iter().position(|t| &*t.name == name).unwrap();
    for now in nows() {
        for row in 0..data.len() {
            let v = native.eval_profile(&data, row, now);
            for name in ["inl", "inlong", "sub", "re"] {
                assert_eq!(v.tags[tag(name)], Value::Bool(false), "`{name}` row {row}");
            }
        }
        native.count(&data, now, Some(1));
    }
}

/// Windows as ranges of times (`Bounds::Range`, `plan::window_range`): at the ends of
/// the `i64` range of times and `now`, for the smallest, largest, zero and negative
/// durations, in one group (the skip test reads only the widest window) and alone.
#[test]
fn windows_at_the_ends_of_time_agree_with_the_interpreter() {
    let rules = RuleSet::from_source(
        "ends.corral",
        r#"
        profile { id: string, d: duration, t: time }
        event pay { amount: float }
        event view {}
        tag c1s = count(pay within 1s)
        tag c7 = count(pay within 7d)
        tag s30 = sum(pay.amount within 30d)
        tag cmax = count(pay within 15000w)
        tag none0 = count(pay within 0s)
        tag neg = exists(pay within -7d)
        tag dyn = count(pay within d)
        tag from_t = count(pay since t)
        tag v7 = exists(view within 7d)
        tag vmax = count(view within 15000w)
        segment both = c7 > 0 and v7
        "#,
    )
    .unwrap();
    let program = rules.program();
    let native = Compiled::compile(program).unwrap();
    let times = [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX];
    let rows: Vec<serde_json::Value> = (0..times.len() * 3)
        .map(|i| {
            let events: Vec<serde_json::Value> = (0..times.len())
                .flat_map(|_| {
                    [
                        json!({"type": "pay", "at": "2026-11-20T00:00:00Z", "amount": 1.5}),
                        json!({"type": "view", "at": "2026-11-20T00:00:00Z"}),
                    ]
                })
                .collect();
            json!({"id": format!("p{i}"), "d": 1, "t": "2026-11-20T00:00:00Z", "events": events})
        })
        .collect();
    let mut data = rules.profiles_from_json(rows.iter()).unwrap();
    // Every row holds every extreme time, in order; `d` and `t` at extremes too.
    for table in &mut data.events {
        for (k, at) in table.at.iter_mut().enumerate() {
            *at = times[k % times.len()];
        }
        table.refresh_last_at();
    }
    for (field, extreme) in [
        (0, [1, i64::MAX, i64::MIN, 7 * 86_400_000_000]),
        (1, [i64::MIN, i64::MAX, 0, -1]),
    ] {
        match &mut data.columns[field].values {
            crate::data::ColumnValues::Time(v) | crate::data::ColumnValues::Duration(v) => {
                for (row, x) in v.iter_mut().enumerate() {
                    *x = extreme[row % extreme.len()];
                }
            }
            _ => panic!("field {field} is not a time or a duration"),
        }
    }
    native.check_profiles(&data).unwrap();
    let mut nows = vec![i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX];
    nows.extend(super::tests::nows());
    // Where a constant window's span stops fitting (`Plan::windows_fit`): the code's
    // for the widest at and past it, the interpreter's before it.
    let widest = 15_000 * 7 * 86_400_000_000;
    assert!(native.plan.windows_fit(i64::MIN + widest - 1));
    assert!(!native.plan.windows_fit(i64::MIN + widest - 2));
    for d in [1_000_000, 7 * 86_400_000_000, widest] {
        nows.extend([i64::MIN + d - 2, i64::MIN + d - 1, i64::MIN + d]);
    }
    assert_batch_agrees(program, &native, &data, nows);
}

#[test]
fn window_ranges_are_exact_and_clamped() {
    use super::plan::window_range;
    assert_eq!(window_range(100, 1), (100, 0));
    assert_eq!(window_range(100, 7), (94, 6));
    assert_eq!(window_range(i64::MAX, i64::MAX), (1, (i64::MAX - 1) as u64));
    // `now - d + 1` below `i64::MIN`: the range starts there instead of wrapping.
    assert_eq!(window_range(i64::MIN, 2), (i64::MIN, 0));
    assert_eq!(
        window_range(-1, i64::MAX),
        (-i64::MAX, (i64::MAX - 1) as u64)
    );
    assert_eq!(
        window_range(-3, i64::MAX),
        (i64::MIN, (i64::MAX - 2) as u64)
    );
    assert_eq!(
        window_range(0, i64::MAX),
        (-i64::MAX + 1, (i64::MAX - 1) as u64)
    );
}

#[test]
fn aggregates_read_off_the_latest_event_agree_with_the_interpreter() {
    let rules = RuleSet::from_source(
        "latest.corral",
        r#"
        profile { id: string, d: duration, t: time }
        event pay { amount: float }
        event view {}
        tag e1 = exists(pay within 1d)
        tag e7 = exists(pay within 7d)
        tag eall = exists(pay)
        tag ed = exists(pay within d)
        tag et = exists(pay since t)
        tag eneg = exists(pay within -1d)
        tag n = count(pay)
        tag l = last(pay).at
        tag l1 = last(pay within 1d).at
        tag lt = last(pay since t).at
        tag f = first(pay).at
        tag f7 = first(pay within 7d).at
        tag ef = exists(pay where amount > 10.0 within 7d)
        tag lf = last(pay where amount > 10.0).at
        tag s7 = sum(pay.amount within 7d)
        tag c7 = count(pay within 7d)
        tag v = exists(view within 2d)
        tag vn = count(view)
        segment both = e7 and v
        "#,
    )
    .unwrap();
    let program = rules.program();
    let native = Compiled::compile(program).unwrap();
    let day = |d: u32| format!("2026-11-{d:02}T00:00:00Z");
    let pay = |d: u32| json!({"type": "pay", "at": day(d), "amount": f64::from(d)});
    let view = |d: u32| json!({"type": "view", "at": day(d)});
    // Rows without events, with one, with ties, with events after every `now` below
    // (the walk back) and with all of them after it.
    let histories: Vec<Vec<serde_json::Value>> = vec![
        vec![],
        vec![pay(10)],
        vec![pay(10), pay(10), view(10)],
        vec![
            pay(1),
            pay(9),
            pay(12),
            pay(12),
            pay(20),
            view(21),
            view(25),
        ],
        vec![pay(25), pay(26), view(27)],
        vec![view(3), view(11)],
        vec![
            pay(5),
            pay(11),
            pay(11),
            pay(13),
            pay(14),
            pay(15),
            pay(16),
            pay(17),
        ],
    ];
    let fields = [
        json!({"d": 86_400, "t": day(9)}),
        json!({"d": 604_800, "t": day(12)}),
        json!({"d": 0}),
        json!({"t": day(30)}),
    ];
    let data = every_history_with_every_fields(&rules, &histories, &fields);
    // Around each day's events: just before, at, just after, and half a day after.
    let mut nows: Vec<i64> = (1..=30)
        .flat_map(|d| {
            let at = crate::time::parse_instant(&day(d)).unwrap();
            [at - 1, at, at + 1, at + 43_200_000_000]
        })
        .collect();
    nows.extend([i64::MIN, i64::MAX]);
    assert_batch_agrees(program, &native, &data, nows);
}

#[test]
fn profiles_with_events_out_of_time_order_fail_the_check() {
    let (native, mut data) = checked(
        "profile { id: string }\nevent pay {}\ntag e = exists(pay within 7d)\n",
        &[
            json!({"id": "a", "events": [{"type": "pay", "at": "2026-11-01T00:00:00Z"}]}),
            json!({"id": "b", "events": [{"type": "pay", "at": "2026-11-02T00:00:00Z"},
                                         {"type": "pay", "at": "2026-11-02T00:00:00Z"},
                                         {"type": "pay", "at": "2026-11-03T00:00:00Z"}]}),
        ],
    );
    // Descending across two profiles is in order; within one it is not.
    data.events[0].at[0] = i64::MAX;
    data.events[0].refresh_last_at();
    native.check_profiles(&data).unwrap();
    data.events[0].at.swap(1, 3);
    data.events[0].refresh_last_at();
    let err = native.check_profiles(&data).unwrap_err().to_string();
    assert!(err.contains("`pay`") && err.contains("time order"), "{err}");
}

/// Profiles pairing each of `histories` (event lists) with each of `fields`.
fn every_history_with_every_fields(
    rules: &RuleSet,
    histories: &[Vec<serde_json::Value>],
    fields: &[serde_json::Value],
) -> Profiles {
    let rows: Vec<serde_json::Value> = (0..histories.len() * fields.len())
        .map(|i| {
            let mut row = fields[i % fields.len()].clone();
            row["id"] = json!(format!("p{i}"));
            row["events"] = json!(histories[i / fields.len()]);
            row
        })
        .collect();
    rules.profiles_from_json(rows.iter()).unwrap()
}

/// Short windows folded from each row's last events (`codegen::recent`): every
/// aggregate, rows with fewer events than the steps, with more in the window than the
/// steps take (the loop), events after `now`, and an event type without any event.
#[test]
fn short_windows_folded_from_the_last_events_agree_with_the_interpreter() {
    let rules = RuleSet::from_source(
        "recent.corral",
        r#"
        profile { id: string, k: int, d: duration }
        event pay { amount: float, n: int, tag: string }
        event none { x: int, s: string }
        tag c1 = count(pay within 1d)
        tag c3 = count(pay where n > k within 3d)
        tag e2 = exists(pay where tag == "a" within 2d)
        tag s3 = sum(pay.amount within 3d)
        tag si = sum(pay.n within 5d)
        tag a3 = avg(pay.n within 3d)
        tag mn = min(pay.amount within 5d)
        tag mx = max(pay.tag within 5d)
        tag f3 = first(pay.amount within 3d)
        tag l3 = last(pay.tag within 3d)
        tag st = streak(pay where n > 0 within 5d)
        tag z = count(pay within 0s)
        tag ng = exists(pay where n > 0 within -1d)
        tag nc = count(none where x > k within 7d)
        tag nl = last(none.s within 7d)
        tag ns = sum(none.x within 7d)
        segment seg = c1 > 0 and not e2
        "#,
    )
    .unwrap();
    let program = rules.program();
    let native = Compiled::compile(program).unwrap();
    let day = |d: u32| format!("2026-11-{d:02}T00:00:00Z");
    let pay = |d: u32, n: i64, tag: &str| json!({"type": "pay", "at": day(d), "amount": f64::from(d) * 1.5 - 20.0, "n": n, "tag": tag});
    let histories: Vec<Vec<serde_json::Value>> = vec![
        vec![],
        vec![pay(10, 1, "a")],
        vec![pay(10, 2, "b"), pay(10, -1, "a")],
        vec![pay(8, 1, "a"), pay(9, 0, "c"), pay(10, 3, "b")],
        (1..=20)
            .map(|d| pay(d, i64::from(d % 3) - 1, ["a", "b", "c"][d as usize % 3]))
            .collect(),
        vec![
            pay(12, 1, "a"),
            pay(15, 2, "b"),
            pay(25, 3, "c"),
            pay(26, 4, "a"),
        ],
        vec![
            json!({"type": "pay", "at": day(11), "n": 5}),
            pay(11, 9, "z"),
        ],
    ];
    let fields = [json!({"k": 0, "d": 1}), json!({"k": 2}), json!({})];
    let data = every_history_with_every_fields(&rules, &histories, &fields);
    assert!(data.events[1].at.is_empty());
    let nows = (1..=30).flat_map(|d| {
        let at = crate::time::parse_instant(&day(d)).unwrap();
        [at - 1, at, at + 1, at + 43_200_000_000]
    });
    assert_batch_agrees(program, &native, &data, nows.chain([i64::MIN, i64::MAX]));
    // The pass marks rows 64 a time: many words, the last one partial, and marked
    // rows at either end of a word.
    let many: Vec<Vec<serde_json::Value>> = (0..70)
        .map(|i| match i % 5 {
            0 | 2 => Vec::new(),
            k => histories[(i + k) % histories.len()].clone(),
        })
        .collect();
    let data = every_history_with_every_fields(&rules, &many, &fields);
    assert!(data.len() > 3 * 64 && !data.len().is_multiple_of(64));
    let nows = [10, 20, 27].map(|d| crate::time::parse_instant(&day(d)).unwrap());
    assert_batch_agrees(program, &native, &data, nows);
}

/// Batches, counts, a range ending inside a word and the row evaluator agree with the
/// interpreter, on `rows` cut to whole words (every morsel runs the word functions)
/// and on all of them (the last, partial word's morsel may not).
fn assert_words_agree(rules: &RuleSet, native: &Compiled, rows: &[serde_json::Value]) {
    let program = rules.program();
    let whole = rules.profiles_from_json(rows[..256].iter()).unwrap();
    let ragged = rules.profiles_from_json(rows.iter()).unwrap();
    for data in [&whole, &ragged] {
        native.check_profiles(data).unwrap();
        assert_batch_agrees(program, native, data, nows());
        let counts = native.count(data, nows()[0], Some(1));
        assert_eq!(counts, counts_by_key(program, data, nows()[0]));
    }
    let interp = Interpreter::new(program);
    native.eval_batch(&whole, 0..200, nows()[0], &mut |row, v| {
        assert!(row < 200);
        assert_same(
            program,
            v,
            &interp.eval_profile(&whole, row, nows()[0]),
            row,
            0,
        );
    });
    let mut evaluator = native.rows(&ragged);
    for row in [0, 1, 63, 64, 65, 128, 299] {
        let v = evaluator.eval(row, nows()[0]).clone();
        assert_same(
            program,
            &v,
            &interp.eval_profile(&ragged, row, nows()[0]),
            row,
            0,
        );
    }
}

/// 300 rows for the word-at-a-time tests: every field missing in some rows, ints on
/// both sides of zero, floats with -0.0, 1e300 and near-equal values, times on either
/// side of a year's start, strings in and out of the rules' lists.
fn scan_rows() -> Vec<serde_json::Value> {
    (0..300i64)
        .map(|i| {
            let mut row = json!({"id": format!("p{i}")});
            let cell = |k: i64| (i * 7 + k * 13) % 11 != 0;
            if cell(1) {
                row["n"] = json!(i % 9 - 3);
            }
            if cell(2) {
                let xs = [1.5, 2.5, -0.0, 0.0, -3.25, 1e300, 1.500001];
                row["x"] = json!(xs[(i % 7) as usize]);
            }
            if cell(3) {
                let ts = [
                    "2025-12-31T23:59:59Z",
                    "2026-01-01T00:00:00Z",
                    "2026-11-01T08:00:00Z",
                ];
                row["t"] = json!(ts[(i % 3) as usize]);
            }
            if cell(4) {
                row["d"] = json!((i % 5 - 1) * 43_200_000_000);
            }
            if cell(5) {
                row["e"] = json!(["A", "B", "C"][(i % 3) as usize]);
            }
            if cell(6) {
                row["s"] = json!(["q", "zzz", "lost", ""][(i % 4) as usize]);
            }
            row["ok"] = json!(i % 2 == 0);
            row
        })
        .collect()
}

/// Tests of a field against constants computed 64 rows at a time (`codegen::scan`):
/// every compared type, mirrored operands, `!=` and NaN-free float order, `in` and
/// `not in` lists, strings absent from the data, `is present`/`is missing`; in word
/// functions early and late. They agree with the interpreter on data whose last word
/// is whole, on data whose last word is not (that morsel has the row functions compute
/// them), and on a range ending inside a word of the data.
#[test]
fn field_tests_a_word_at_a_time_agree_with_the_interpreter() {
    let source = r#"
        profile { id: string, n: int, x: float, t: time, d: duration, e: enum(A, B, C),
                  s: string, ok: bool }
        tag n_ge = n >= 3
        tag n_gt_mirrored = 3 > n
        tag n_lt_mirrored = 3 < n
        tag n_le_mirrored = -1 <= n
        tag n_ne = n != 0
        tag n_eq = n == -2
        tag n_in = n in [1, 4, -2]
        tag x_gt = x > 1.5
        tag x_ne = x != 2.5
        tag x_le_mirrored = 2.5 >= x
        tag x_lt_mirrored = 1.5 < x
        tag x_eq = x == -0.0
        tag t_lt = t < "2026-01-01"
        tag t_eq = "2026-11-01T08:00:00Z" == t
        tag d_ge = d >= 1d
        tag since_lt = since(t) < 30d
        tag since_ge = since(t) >= 0s
        tag since_gt_mirrored = 300d > since(t)
        tag since_ne = since(t) != 1h
        tag e_eq = e == B
        tag e_ne = e != A
        tag e_in = e in [A, C]
        tag e_not_in = e not in [B]
        tag s_eq = s == "q"
        tag s_ne = s != "absent from the data"
        tag s_in = s in ["q", "zzz", "absent"]
        tag s_not_in = s not in ["q"]
        tag s_none = s in ["absent"]
        tag n_present = n is present
        tag s_missing = s is missing
        tag level = case { n > 4 => "high", else => "low" }
        segment both = n_ge and s_in, B
        segment either = (level == "high" or e_ne) and x > 0.0, C
        "#;
    let rows = scan_rows();
    let rules = RuleSet::from_source("scan.corral", source).unwrap();
    let program = rules.program();
    let early = super::codegen::words::bitwise_rules(program, &program.order);
    // The early word function computes every bool tag and `both`; `either` tests a
    // valued tag (`level == "high"`), which only the late word function can.
    let names = rule_names(program, &early);
    assert_eq!(names.len(), program.tags.len(), "{names:?}");
    assert!(
        names.iter().all(|n| n != "level" && n != "either"),
        "{names:?}"
    );
    let native = Compiled::compile(program).unwrap();
    assert_eq!(native.native.late_words.len(), 1);
    assert_words_agree(&rules, &native, &rows);
}

/// Tests of valued tags against constants, which the late word function computes
/// from the values the row functions wrote: every comparison, `in` and `not in`,
/// `is present` and `is missing`, constants on the left; int, float (with -0.0 and
/// NaN), string, enum, time and duration tags, never missing or missing in some rows,
/// strings absent from the data. Every segment is late and leaves nothing for a row
/// function to write. They agree with the
/// interpreter on data whose last word is whole and on data whose last word is not,
/// on a range ending inside a word, through the row evaluator, and in counts.
#[test]
fn tag_tests_a_word_at_a_time_agree_with_the_interpreter() {
    let source = r#"
        profile { id: string, n: int, x: float, t: time, d: duration, e: enum(A, B, C),
                  s: string, ok: bool }
        tag score = case { n > 3 => 5, n > 0 => 3, else => 1 }
        tag maybe_n = case { ok => n }
        tag ratio = x / 0.0
        tag xx = case { n > 2 => x, else => -0.0 }
        tag stage = case { n > 4 => "lost", n > 1 => "silent", ok => "new", else => s }
        tag kind = e
        tag seen = t
        tag span = d
        segment score_ge = score >= 3
        segment score_lt_mirrored = 3 > score
        segment score_ne = score != 5
        segment maybe_le = maybe_n <= 2
        segment maybe_in = maybe_n in [1, -2, 4]
        segment maybe_missing = maybe_n is missing
        segment ratio_gt = ratio > 0.0
        segment ratio_ne = ratio != 1.0
        segment xx_eq = xx == 0.0
        segment xx_le_mirrored = 1.5 >= xx
        segment stage_eq = stage == "lost"
        segment stage_ne = stage != "silent"
        segment stage_in = stage in ["new", "q", "absent from the data"]
        segment stage_not_in = stage not in ["lost", "zzz"]
        segment stage_absent = stage == "absent from the data"
        segment kind_eq = kind == B
        segment kind_not_in = kind not in [A]
        segment kind_present = kind is present
        segment seen_lt = seen < "2026-01-01"
        segment seen_eq_mirrored = "2026-11-01T08:00:00Z" == seen
        segment span_ge = span >= 1d
        segment rfm = score >= 3 and stage in ["lost", "silent"] and not ok
        "#;
    let rows = scan_rows();
    let rules = RuleSet::from_source("tag_tests.corral", source).unwrap();
    let program = rules.program();
    let (_, late) = late_of(source);
    let segments: Vec<String> = program
        .segments
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    assert_eq!(rule_names(program, &late.rules), segments);
    assert!(late.leaves.is_empty(), "{:?}", late.leaves);
    let native = Compiled::compile(program).unwrap();
    assert_eq!(native.native.late_words.len(), 1);
    assert_words_agree(&rules, &native, &rows);
}

/// A valued tag that is never missing (a `case` with an `else`, every arm present)
/// has no validity written by the code: the runner fills it with ones. One that may be
/// missing is written row by row. Both agree with the interpreter in every morsel, in
/// batches, counts and the row evaluator, which reuse the runner's buffers.
#[test]
fn valued_tags_never_missing_are_present_without_a_store_per_row() {
    let source = r#"profile { id: string, n: int, s: string, e: enum(A, B, C), ok: bool, tags: set<string>, x: float, t: time, d: duration }
event pay { amount: float, coupon: string, k: int }
tag level = case { n > 5 => 3, n > 0 => 2, else => 1 }
tag label = case { ok => "yes", else => "no" }
tag maybe = case { n > 0 => s, ok => "on" }
tag top = max(pay.amount)
tag high = level >= 2 and label == "yes"
"#;
    let rules = RuleSet::from_source("valued.corral", source).unwrap();
    let program = rules.program();
    let native = Compiled::compile(program).unwrap();
    let present: Vec<&str> = native
        .plan
        .always_present
        .iter()
        .map(|&i| match native.plan.slots[i as usize] {
            super::plan::Slot::TagOk(t) => program.tags[t as usize].name.as_str(),
            other => panic!("not a validity slot: {other:?}"),
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(present, ["label", "level"]);

    let data = many_profiles(&rules);
    assert_batch_agrees(program, &native, &data, nows());
    let interp = Interpreter::new(program);
    let now = nows()[0];
    assert_eq!(
        native.count(&data, now, Some(1)),
        interp.count(&data, now, Some(1))
    );
    let mut rows = native.rows(&data);
    for row in [4096, 2, 0, 4097, 3] {
        let v = rows.eval(row, now).clone();
        let w = interp.eval_profile(&data, row, now);
        assert_same(program, &v, &w, row, now);
    }
}

/// Profiles whose offsets descend, or run past what they index, in one morsel but not
/// the others: the bind step leaves offsets to each morsel, which the interpreter then
/// evaluates, so every result still agrees with the interpreter's.
#[test]
fn morsels_with_malformed_offsets_are_left_to_the_interpreter() {
    let source = r#"
profile { id: string, tags: set<string>, s: string }
event pay { amount: float, labels: set<string> }
tag n = count(pay)
tag recent = exists(pay within 7d)
tag spent = sum(pay.amount within 30d)
tag latest = last(pay).at
tag labelled = exists(pay where labels contains "x")
tag tagged = tags contains "a"
tag member = tags contains s
segment both = recent and tagged
"#;
    let rows: Vec<serde_json::Value> = (0..9000)
        .map(|i| {
            let events: Vec<serde_json::Value> = (0..i % 4)
                .map(|k| {
                    let at = format!("2026-11-{:02}T00:00:00Z", 28 - (i % 13 + 5 * k));
                    let labels = if (i + k) % 3 == 0 {
                        vec!["x"]
                    } else {
                        vec!["y", "z"]
                    };
                    json!({"type": "pay", "at": at, "amount": k as f64 + 0.5, "labels": labels})
                })
                .collect();
            let tags = if i % 2 == 0 {
                vec!["a", "b"]
            } else {
                vec!["c"]
            };
            json!({"id": format!("p{i}"), "tags": tags, "s": "a", "events": events})
        })
        .collect();
    let (native, data) = checked(source, &rows);
    let interp = Interpreter::new(native.program());
    let now = 1_795_867_200_000_000; // 2026-11-28T12:00:00Z
    let prop_sets = |p: &mut Profiles| match &mut p.events[0].props[1].values {
        crate::data::ColumnValues::StrSet { offsets, .. } => offsets.clone(),
        _ => panic!("not a set property"),
    };
    let mut broken: Vec<(&str, Profiles)> = Vec::new();
    // Row 5000, in the second morsel, against its neighbours.
    let mut p = data.clone();
    p.events[0].offsets[5001] = p.events[0].offsets[5000] - 1;
    broken.push(("events descend", p));
    let mut p = data.clone();
    p.events[0].offsets[5001] = p.events[0].at.len() as u32 + 50;
    broken.push(("events past the table", p));
    let mut p = data.clone();
    if let crate::data::ColumnValues::StrSet { offsets, .. } = &mut p.columns[0].values {
        offsets[5001] = offsets[5000] - 1;
    }
    broken.push(("a set field descends", p));
    let mut p = data.clone();
    let event = p.events[0].offsets[5001] as usize;
    let offsets = prop_sets(&mut p);
    if let crate::data::ColumnValues::StrSet { offsets: o, .. } = &mut p.events[0].props[1].values {
        o[event] = offsets[event + 1] + 1;
    }
    broken.push(("a set property descends", p));
    for (what, p) in &broken {
        assert!(
            native.check_profiles(p).is_err(),
            "{what}: passes the check"
        );
        for threads in [Some(1), Some(2)] {
            let expected = interp.count(p, now, threads);
            assert_eq!(
                native.count(p, now, threads),
                expected,
                "{what}, {threads:?}"
            );
        }
        let mut jit = Vec::new();
        native.eval_batch(p, 0..p.len(), now, &mut |r, v| jit.push((r, v.clone())));
        let mut expected = Vec::new();
        interp.eval_batch(p, 0..p.len(), now, &mut |r, v| {
            expected.push((r, v.clone()))
        });
        assert_eq!(jit, expected, "{what}: batch");
        // Row by row, a morsel is a row: row 5000's offsets are malformed, row 5001's
        // ascend (its events, then out of time order, are not checked).
        let mut one = native.rows(p);
        for row in [0, 4999, 5000, 8999] {
            let expected = interp.eval_profile(p, row, now);
            assert_eq!(*one.eval(row, now), expected, "{what}: row {row}");
        }
    }
    // The broken profiles evaluate differently from the intact ones.
    let all = |p: &Profiles| {
        let mut values = Vec::new();
        interp.eval_batch(p, 0..p.len(), now, &mut |_, v| values.push(v.clone()));
        values
    };
    let intact = all(&data);
    for (what, p) in &broken {
        assert_ne!(all(p), intact, "{what}: breaks nothing");
    }
}

/// `since(t)` tests a word at a time at the ends of the range of times: `now - t`
/// wraps, as in the interpreter.
#[test]
fn since_tests_a_word_at_a_time_wrap_as_the_interpreter_does() {
    let rules = RuleSet::from_source(
        "since.corral",
        r#"
        profile { id: string, t: time }
        tag lt = since(t) < 30d
        tag ge = since(t) >= 0s
        tag eq = since(t) == 0s
        tag le_mirrored = 1s >= since(t)
        "#,
    )
    .unwrap();
    let program = rules.program();
    let early = super::codegen::words::bitwise_rules(program, &program.order);
    assert_eq!(early.len(), 4, "{:?}", rule_names(program, &early));
    let native = Compiled::compile(program).unwrap();
    let times = [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX];
    let rows: Vec<serde_json::Value> = (0..128)
        .map(|i| match i % 9 {
            8 => json!({"id": format!("p{i}")}),
            _ => json!({"id": format!("p{i}"), "t": "2026-11-20T00:00:00Z"}),
        })
        .collect();
    let mut data = rules.profiles_from_json(rows.iter()).unwrap();
    if let crate::data::ColumnValues::Time(v) = &mut data.columns[0].values {
        for (row, x) in v.iter_mut().enumerate() {
            *x = times[row % times.len()];
        }
    }
    native.check_profiles(&data).unwrap();
    let mut nows = times.to_vec();
    nows.extend(super::tests::nows());
    assert_batch_agrees(program, &native, &data, nows);
}
