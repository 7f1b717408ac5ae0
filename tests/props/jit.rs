//! The JIT agrees with the interpreter on every generated rule set, profile and `now`:
//! every tag value (floats by bits, missing vs present) and segment membership.

use corral::data::{LoadOptions, ndjson};
use corral::eval::{Interpreter, ProfileValues};
use corral::jit::{Compiled, JitError};
use proptest::prelude::*;

use crate::eval::{Case, case, same_values};
use crate::r#gen as g;

fn compile(c: &Case) -> Result<Compiled, TestCaseError> {
    Compiled::compile(&c.program).map_err(|e: JitError| {
        TestCaseError::fail(format!(
            "the JIT rejected a generated rule set: {e}\n{}",
            c.rs.source
        ))
    })
}

fn agree(
    c: &Case,
    data: &corral::Profiles,
    compiled: &Compiled,
    now: i64,
) -> Result<(), TestCaseError> {
    prop_assert!(
        compiled.check_profiles(data).is_ok(),
        "{:?}",
        compiled.check_profiles(data)
    );
    let interp = Interpreter::new(&c.program);
    let mut native: Vec<(usize, ProfileValues)> = Vec::new();
    compiled.eval_batch(data, 0..data.len(), now, &mut |row, v| {
        native.push((row, v.clone()))
    });
    prop_assert_eq!(native.len(), data.len());
    // Counting (popcounts and raw values, keys made once) against keys per profile.
    let expected = count_by_key(c, data, now);
    prop_assert_eq!(
        &compiled.count(data, now, Some(2)),
        &expected,
        "jit counts\n{}",
        c.rs.source
    );
    prop_assert_eq!(
        &interp.count(data, now, Some(1)),
        &expected,
        "interp counts\n{}",
        c.rs.source
    );
    for (i, (row, v)) in native.iter().enumerate() {
        prop_assert_eq!(*row, i);
        let w = interp.eval_profile(data, *row, now);
        prop_assert!(
            same_values(v, &w),
            "row {row}, now {now}:\n jit    {v:?}\n interp {w:?}\n{}",
            c.rs.source
        );
    }
    Ok(())
}

/// `--output counts` the slow way: every profile's values, each valued tag by its key.
fn count_by_key(c: &Case, data: &corral::Profiles, now: i64) -> corral::Counts {
    use corral::output::TagCount;
    let program = &c.program;
    let mut counts = corral::Counts {
        profiles: data.len() as u64,
        tags: program
            .tags
            .iter()
            .map(|t| match t.ty {
                corral::schema::Type::Bool => TagCount::Members(0),
                _ => TagCount::Values(Default::default()),
            })
            .collect(),
        segments: vec![0; program.segments.len()],
    };
    let interp = Interpreter::new(program);
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

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn jit_agrees_with_the_interpreter(rules in crate::tape(), data in crate::tape()) {
        let c = case(rules, data)?;
        let compiled = compile(&c)?;
        let interp = Interpreter::new(&c.program);
        for &now in &c.nows {
            agree(&c, &c.data, &compiled, now)?;
            // The row entry point, one past the end included: binding per call, and
            // through a row evaluator bound once.
            let mut rows = compiled.rows(&c.data);
            for row in 0..=c.data.len() {
                let v = compiled.eval_profile(&c.data, row, now);
                prop_assert!(same_values(&v, rows.eval(row, now)), "rows row {row}\n{}", c.rs.source);
                let w = interp.eval_profile(&c.data, row, now);
                prop_assert!(same_values(&v, &w), "eval_profile row {row}: {v:?} vs {w:?}\n{}", c.rs.source);
            }
            let mut parallel: Vec<(usize, ProfileValues)> = Vec::new();
            compiled
                .eval_parallel(&c.data, now, Some(2), Vec::new,
                    |acc: &mut Vec<(usize, ProfileValues)>, row, v| acc.push((row, v.clone())),
                    |acc| parallel.extend(acc))
                .unwrap();
            prop_assert_eq!(parallel.len(), c.data.len());
            for (i, (row, v)) in parallel.iter().enumerate() {
                prop_assert_eq!(*row, i);
                let w = interp.eval_profile(&c.data, i, now);
                prop_assert!(same_values(v, &w), "parallel row {row}\n{}", c.rs.source);
            }
        }
    }
}

proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: crate::config().cases.div_ceil(16),
        ..crate::config()
    })]

    /// Enough rows for several morsels (outputs are indexed within a morsel).
    #[test]
    fn jit_agrees_across_morsels(rules in crate::tape(), data in crate::tape()) {
        let c = case(rules, data)?;
        if c.profiles.is_empty() {
            return Ok(());
        }
        let compiled = compile(&c)?;
        let mut many = Vec::new();
        while many.len() < corral::eval::MORSEL_ROWS + 300 {
            many.extend(c.profiles.iter().cloned());
        }
        let text = g::ndjson(&c.rs.schema, &many);
        let data = ndjson::load(text.as_bytes(), &c.program.schema, &LoadOptions::default())
            .unwrap()
            .profiles;
        for &now in c.nows.iter().take(2) {
            agree(&c, &data, &compiled, now)?;
        }
    }
}

/// Every corpus case that compiles: its `test` blocks' profiles (all in one table, plus
/// an empty one), at each test's `now`, give the same values under both engines.
#[test]
fn corpus_cases_agree() {
    use corral::eval::eval_const;
    use corral::value::Value;

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "corral") {
                files.push(path);
            }
        }
    }
    files.sort();
    let default_now = corral::time::parse_instant("2026-11-22T00:00:00Z").unwrap();
    let mut checked = 0;
    for path in &files {
        let Ok(compiled) = corral::compile::compile_file(path) else {
            continue;
        };
        let Some(program) = compiled.program else {
            continue;
        };
        let native = Compiled::compile(&program)
            .unwrap_or_else(|e| panic!("{}: the JIT rejected it: {e}", path.display()));
        let mut builder = corral::data::ProfilesBuilder::new(&program.schema);
        let mut nows = vec![default_now];
        for test in &program.tests {
            let now = match test.now.map(|e| eval_const(&program, e, default_now)) {
                Some(Value::Time(t)) => t,
                _ => default_now,
            };
            nows.push(now);
            let rows = builder.len();
            let mut row = builder.profile(&format!("p{rows}"));
            let mut built = Ok(());
            for (field, expr) in &test.given.fields {
                let value = eval_const(&program, *expr, now);
                built = built.and_then(|()| row.set(*field, &value));
            }
            for event in &test.given.events {
                let at = match event.at.map(|e| eval_const(&program, e, now)) {
                    Some(Value::Time(t)) => t,
                    _ => now,
                };
                let props: Vec<_> = event
                    .props
                    .iter()
                    .map(|(p, e)| (*p, eval_const(&program, *e, now)))
                    .collect();
                built = built.and_then(|()| row.event(event.event, at, &props));
            }
            // A test whose profile the loader rejects is not a profile to compare on.
            let _ = built.and_then(|()| row.finish());
        }
        let _ = builder.profile("empty").finish();
        let data = builder.finish();
        assert!(native.check_profiles(&data).is_ok(), "{}", path.display());
        let interp = Interpreter::new(&program);
        for &now in &nows {
            native.eval_batch(&data, 0..data.len(), now, &mut |row, v| {
                let w = interp.eval_profile(&data, row, now);
                assert!(
                    same_values(v, &w),
                    "{} row {row} now {now}:\n jit    {v:?}\n interp {w:?}",
                    path.display()
                );
            });
        }
        checked += 1;
    }
    assert!(checked > 50, "only {checked} corpus cases compiled");
}
