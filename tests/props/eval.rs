//! Properties of checking and evaluating generated, well-typed rule sets.

use corral::compile::{Compiled, compile_source};
use corral::data::{LoadOptions, Profiles, ndjson};
use corral::eval::{Interpreter, ProfileValues};
use corral::ir::Program;
use corral::schema::{EnumId, Type};
use corral::value::Value;
use proptest::prelude::*;

use crate::r#gen::{self as g, RuleSet, Tape, Ty};

fn corral_type(ty: Ty) -> Type {
    match ty {
        Ty::Bool => Type::Bool,
        Ty::Int => Type::Int,
        Ty::Float => Type::Float,
        Ty::Str => Type::Str,
        Ty::Time => Type::Time,
        Ty::Dur => Type::Duration,
        Ty::Enum(e) => Type::Enum(EnumId(e as u32)),
        Ty::Set => Type::StrSet,
    }
}

/// Compiles a generated rule set, failing with its source and diagnostics if the
/// checker rejects it.
fn compile(rs: &RuleSet) -> Result<Program, TestCaseError> {
    let Compiled {
        program,
        diagnostics,
    } = compile_source("gen.corral", &rs.source);
    match program {
        Some(p) if !diagnostics.has_errors() => Ok(p),
        _ => Err(TestCaseError::fail(format!(
            "a well-typed rule set was rejected\n--- source\n{}\n--- diagnostics\n{}",
            rs.source,
            errors_only(&diagnostics).render_human(false)
        ))),
    }
}

pub fn errors_only(d: &corral::diagnostic::Diagnostics) -> corral::diagnostic::Diagnostics {
    corral::diagnostic::Diagnostics {
        sources: d.sources.clone(),
        items: d.errors().cloned().collect(),
    }
}

/// The generator's plan agrees with what the checker made of it.
fn same_plan(rs: &RuleSet, program: &Program) -> Result<(), TestCaseError> {
    let enums: Vec<Vec<String>> = program
        .schema
        .enums
        .iter()
        .map(|e| e.variants.clone())
        .collect();
    prop_assert_eq!(&enums, &rs.schema.enums, "enum numbering\n{}", rs.source);
    for rule in &program.tags {
        let plan = rs.tags.iter().find(|p| p.name == rule.name);
        prop_assert!(plan.is_some(), "unplanned tag `{}`", rule.name);
        let plan = plan.unwrap();
        prop_assert_eq!(
            corral_type(plan.ty),
            rule.ty,
            "type of tag `{}`\n{}",
            plan.name,
            rs.source
        );
    }
    prop_assert_eq!(rs.tags.len(), program.tags.len());
    prop_assert_eq!(rs.segments.len(), program.segments.len());
    Ok(())
}

fn load(rs: &RuleSet, program: &Program, text: &str, n: usize) -> Result<Profiles, TestCaseError> {
    let report =
        ndjson::load(text.as_bytes(), &program.schema, &LoadOptions::default()).map_err(|e| {
            TestCaseError::fail(format!(
                "generated NDJSON failed to load: {e}\n{text}\n{}",
                rs.source
            ))
        })?;
    prop_assert_eq!(report.bad_rows, 0);
    prop_assert_eq!(report.profiles.len(), n);
    Ok(report.profiles)
}

/// Equal values, with NaN equal to NaN and floats compared by bits.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        _ => a == b,
    }
}

pub fn same_values(a: &ProfileValues, b: &ProfileValues) -> bool {
    a.segments == b.segments
        && a.tags.len() == b.tags.len()
        && a.tags.iter().zip(&b.tags).all(|(x, y)| same_value(x, y))
}

/// A value has the type it was declared with (or is missing).
fn well_typed(program: &Program, v: &Value, ty: Type) -> bool {
    match v {
        Value::Missing => true,
        Value::Enum(e, x) => {
            Type::Enum(*e) == ty
                && program
                    .schema
                    .enums
                    .get(e.0 as usize)
                    .is_some_and(|d| (*x as usize) < d.variants.len())
        }
        _ => v.type_of() == Some(ty),
    }
}

pub struct Case {
    pub rs: RuleSet,
    pub program: Program,
    pub profiles: Vec<g::Profile>,
    pub data: Profiles,
    pub nows: Vec<i64>,
}

pub fn case(rules: Vec<u32>, data: Vec<u32>) -> Result<Case, TestCaseError> {
    let rs = g::gen_rule_set(&mut Tape::new(rules));
    let program = compile(&rs)?;
    same_plan(&rs, &program)?;
    let mut t = Tape::new(data);
    let profiles = g::gen_profiles(&mut t, &rs.schema);
    let nows = g::gen_nows(&mut t);
    let text = g::ndjson(&rs.schema, &profiles);
    let data = load(&rs, &program, &text, profiles.len())?;
    Ok(Case {
        rs,
        program,
        profiles,
        data,
        nows,
    })
}

proptest! {
    #![proptest_config(crate::config())]

    /// Every generated rule set compiles without errors.
    #[test]
    fn well_typed_rule_sets_compile(rules in crate::tape()) {
        let rs = g::gen_rule_set(&mut Tape::new(rules));
        let program = compile(&rs)?;
        same_plan(&rs, &program)?;
    }

    /// Evaluation never panics, and a checked program never produces a value of another
    /// type than its rule's; `eval_profile` agrees with `eval_expr` on every body.
    #[test]
    fn evaluation_is_well_typed(rules in crate::tape(), data in crate::tape()) {
        let c = case(rules, data)?;
        let interp = Interpreter::new(&c.program);
        for &now in &c.nows {
            // One row past the end reads as an empty profile.
            for row in 0..=c.data.len() {
                let values = interp.eval_profile(&c.data, row, now);
                prop_assert_eq!(values.tags.len(), c.program.tags.len());
                prop_assert_eq!(values.segments.len(), c.program.segments.len());
                for (i, rule) in c.program.tags.iter().enumerate() {
                    let v = &values.tags[i];
                    if rule.ty == Type::Bool {
                        prop_assert!(matches!(v, Value::Bool(_)),
                            "membership tag `{}` is {:?} (row {row}, now {now})\n{}", rule.name, v, c.rs.source);
                    }
                    prop_assert!(well_typed(&c.program, v, rule.ty),
                        "tag `{}` declared {:?} is {:?} (row {row}, now {now})\n{}", rule.name, rule.ty, v, c.rs.source);
                    let raw = interp.eval_expr(&c.data, row, now, None, rule.body);
                    prop_assert!(well_typed(&c.program, &raw, rule.ty),
                        "body of `{}` declared {:?} is {:?}\n{}", rule.name, rule.ty, raw, c.rs.source);
                    let agrees = if rule.ty == Type::Bool {
                        raw.truthy() == v.truthy()
                    } else {
                        same_value(&raw, v)
                    };
                    prop_assert!(agrees, "tag `{}`: eval_profile {:?}, eval_expr {:?} (row {row}, now {now})\n{}",
                        rule.name, v, raw, c.rs.source);
                }
                for (i, rule) in c.program.segments.iter().enumerate() {
                    let raw = interp.eval_expr(&c.data, row, now, None, rule.body);
                    prop_assert!(well_typed(&c.program, &raw, Type::Bool), "{:?}", raw);
                    prop_assert_eq!(raw.truthy(), values.segments[i],
                        "segment `{}` (row {}, now {})\n{}", rule.name, row, now, c.rs.source);
                }
            }
        }
    }

    /// Evaluation is deterministic and independent of batching and threads.
    #[test]
    fn evaluation_is_independent_of_batching(rules in crate::tape(), data in crate::tape()) {
        let c = case(rules, data)?;
        let interp = Interpreter::new(&c.program);
        for &now in &c.nows {
            let one_by_one: Vec<ProfileValues> =
                (0..c.data.len()).map(|row| interp.eval_profile(&c.data, row, now)).collect();
            // One evaluator reused across rows, in two batches.
            let mut batched = Vec::new();
            let cut = c.data.len() / 2;
            for range in [cut..c.data.len(), 0..cut] {
                interp.eval_batch(&c.data, range, now, &mut |row, v| batched.push((row, v.clone())));
            }
            batched.sort_by_key(|(row, _)| *row);
            prop_assert_eq!(batched.len(), one_by_one.len());
            for ((row, v), w) in batched.iter().zip(&one_by_one) {
                prop_assert!(same_values(v, w), "row {row}: batch {v:?}, alone {w:?}\n{}", c.rs.source);
            }
            for threads in [1, 2] {
                let mut parallel: Vec<(usize, ProfileValues)> = Vec::new();
                interp
                    .eval_parallel(
                        &c.data,
                        now,
                        Some(threads),
                        Vec::new,
                        |acc: &mut Vec<(usize, ProfileValues)>, row, v| acc.push((row, v.clone())),
                        |acc| parallel.extend(acc),
                    )
                    .unwrap();
                prop_assert_eq!(parallel.len(), one_by_one.len());
                for (i, ((row, v), w)) in parallel.iter().zip(&one_by_one).enumerate() {
                    prop_assert_eq!(*row, i);
                    prop_assert!(same_values(v, w),
                        "{threads} threads, row {row}: {v:?} vs {w:?}\n{}", c.rs.source);
                }
            }
            // Again, from scratch: the same values.
            let again = Interpreter::new(&c.program);
            for (row, w) in one_by_one.iter().enumerate() {
                let v = again.eval_profile(&c.data, row, now);
                prop_assert!(same_values(&v, w), "row {row} differs on a second run");
            }
        }
    }

    /// The same profiles give the same evaluation loaded from NDJSON and from Parquet.
    #[test]
    fn ndjson_and_parquet_agree(rules in crate::tape(), data in crate::tape()) {
        let c = case(rules, data)?;
        if c.profiles.is_empty() {
            return Ok(());
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.parquet");
        crate::parquet_file::write(&path, &c.rs.schema, &c.profiles);
        let report = corral::data::parquet::load_path(&path, &c.program.schema, &LoadOptions::default())
            .map_err(|e| TestCaseError::fail(format!("Parquet failed to load: {e}\n{}", c.rs.source)))?;
        prop_assert_eq!(report.bad_rows, 0);
        let from_parquet = report.profiles;
        prop_assert_eq!(
            corral::data::debug::profiles_as_json(&from_parquet, &c.program.schema),
            corral::data::debug::profiles_as_json(&c.data, &c.program.schema)
        );
        let interp = Interpreter::new(&c.program);
        for &now in &c.nows {
            for row in 0..c.data.len() {
                let a = interp.eval_profile(&c.data, row, now);
                let b = interp.eval_profile(&from_parquet, row, now);
                prop_assert!(same_values(&a, &b), "row {row}: NDJSON {a:?}, Parquet {b:?}\n{}", c.rs.source);
            }
        }
    }
}
