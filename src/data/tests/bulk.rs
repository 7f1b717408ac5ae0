//! Field columns copied a batch at a time: the same profiles, validity and errors as
//! the row path and the NDJSON loader.

use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float32Array, Float64Array, Int8Array, Int32Array, RecordBatch,
    StringArray, TimestampMillisecondArray, UInt64Array,
};
use parquet::arrow::ArrowWriter;
use serde_json::{Value as Json, json};

use super::schema;
use crate::data::debug::field_value;
use crate::data::{LoadOptions, LoadReport, ndjson};
use crate::schema::FieldId;

const ROWS: usize = 2500;

/// Writes `columns` in row groups of 1000 rows and loads the file on this thread.
fn load(
    columns: Vec<(&str, ArrayRef)>,
    skip_bad: bool,
) -> Result<LoadReport, crate::data::DataError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.parquet");
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(1000))
        .build();
    let out = std::fs::File::create(&path).unwrap();
    let mut writer = ArrowWriter::try_new(out, batch.schema(), Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let options = LoadOptions {
        skip_bad,
        source_name: "b.parquet".into(),
    };
    crate::data::parquet::load(std::fs::File::open(&path).unwrap(), &schema(), &options)
}

fn from_ndjson(rows: &[Json], skip_bad: bool) -> LoadReport {
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    let options = LoadOptions {
        skip_bad,
        source_name: "b.ndjson".into(),
    };
    ndjson::load(text.as_bytes(), &schema(), &options).unwrap()
}

fn assert_same(a: &LoadReport, b: &LoadReport) {
    let schema = schema();
    assert_eq!(a.profiles.ids, b.profiles.ids);
    for (i, def) in schema.fields.iter().enumerate() {
        let field = FieldId(i as u32);
        assert_eq!(
            a.profiles.columns[i].valid, b.profiles.columns[i].valid,
            "{}",
            def.name
        );
        for row in 0..a.profiles.len() {
            assert_eq!(
                field_value(&a.profiles, &schema, field, row),
                field_value(&b.profiles, &schema, field, row),
                "{} row {row}",
                def.name
            );
        }
    }
}

fn ids() -> ArrayRef {
    Arc::new(StringArray::from_iter_values(
        (0..ROWS).map(|i| format!("u{i}")),
    ))
}

/// Ints, floats (NaN and infinity among them), bools and times, with nulls, across
/// three row groups: the same columns as the same profiles in NDJSON.
#[test]
fn primitive_columns_with_nulls_match_ndjson() {
    let age = |i: usize| (!i.is_multiple_of(7)).then_some((i % 100) as i8);
    let vip = |i: usize| (!i.is_multiple_of(5)).then_some(i as i32);
    let balance = |i: usize| match i % 6 {
        0 => None,
        1 => Some(f64::NAN),
        2 => Some(f64::INFINITY),
        _ => Some(i as f64 / 4.0),
    };
    let paid = |i: usize| (!i.is_multiple_of(3)).then_some(i.is_multiple_of(2));
    let signup = |i: usize| (!i.is_multiple_of(4)).then_some(1_700_000_000_000 + i as i64 * 1000);
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("id", ids()),
        ("age", Arc::new(Int8Array::from_iter((0..ROWS).map(age)))),
        (
            "vip_level",
            Arc::new(Int32Array::from_iter((0..ROWS).map(vip))),
        ),
        (
            "balance",
            Arc::new(Float64Array::from_iter((0..ROWS).map(balance))),
        ),
        (
            "paid",
            Arc::new(BooleanArray::from_iter((0..ROWS).map(paid))),
        ),
        (
            "signup_at",
            Arc::new(TimestampMillisecondArray::from_iter((0..ROWS).map(signup))),
        ),
    ];
    let report = load(columns, false).unwrap();
    let rows: Vec<Json> = (0..ROWS)
        .map(|i| {
            let time = signup(i).map(|ms| crate::time::format_rfc3339(ms * 1000));
            let balance = balance(i).filter(|f| f.is_finite());
            json!({"id": format!("u{i}"), "age": age(i), "vip_level": vip(i),
                   "balance": balance, "paid": paid(i), "signup_at": time})
        })
        .collect();
    assert_eq!(report.profiles.len(), ROWS);
    assert_same(&report, &from_ndjson(&rows, false));
    // A missing value is stored as the default, as committing a row stores it.
    let crate::data::ColumnValues::Float(balances) = &report.profiles.columns[10].values else {
        panic!("balance is a float column");
    };
    assert_eq!(balances[1], 0.0);
}

/// Rows that fail on another column are left out of the copied columns too, and the
/// errors name the same rows as before.
#[test]
fn failed_rows_are_left_out_of_copied_columns() {
    let ids: ArrayRef = Arc::new(StringArray::from_iter(
        (0..ROWS).map(|i| (i % 997 != 5).then(|| format!("u{i}"))),
    ));
    let age: ArrayRef = Arc::new(Int32Array::from_iter_values((0..ROWS).map(|i| i as i32)));
    let province: ArrayRef = Arc::new(Float32Array::from_iter_values((0..ROWS).map(|i| i as f32)));
    let report = load(vec![("id", ids.clone()), ("age", age.clone())], true).unwrap();
    assert_eq!(report.bad_rows, 3);
    assert_eq!(
        report.first_errors[0].to_string(),
        "b.parquet row 6: missing `id`"
    );
    let kept: Vec<usize> = (0..ROWS).filter(|i| i % 997 != 5).collect();
    assert_eq!(report.profiles.len(), kept.len());
    for (row, &i) in kept.iter().enumerate() {
        assert_eq!(
            field_value(&report.profiles, &schema(), FieldId(1), row),
            crate::value::Value::Int(i as i64)
        );
    }
    // Without --skip-bad the first error stops the load, as it did row by row.
    let err = load(vec![("id", ids.clone()), ("age", age.clone())], false).unwrap_err();
    assert_eq!(err.to_string(), "b.parquet row 6: missing `id`");
    // A column of the wrong type stays on the row path and reports each row.
    let ids_ok = self::ids();
    let report = load(
        vec![("id", ids_ok), ("age", age), ("province", province)],
        true,
    )
    .unwrap();
    assert_eq!(report.bad_rows, ROWS);
    assert_eq!(
        report.first_errors[0].to_string(),
        "b.parquet row 1: field `province`: expected string, found number 0"
    );
}

/// Ticks that overflow microseconds, and u64 ints, keep the row path's errors.
#[test]
fn columns_that_can_fail_keep_their_errors() {
    let mut secs: Vec<Option<i64>> = (0..ROWS).map(|i| Some(i as i64)).collect();
    secs[1500] = Some(i64::MAX / 10);
    let signup: ArrayRef = Arc::new(TimestampMillisecondArray::from(secs));
    let mut big: Vec<u64> = (0..ROWS as u64).collect();
    big[2100] = u64::MAX;
    let vip: ArrayRef = Arc::new(UInt64Array::from(big));
    let report = load(
        vec![("id", ids()), ("signup_at", signup), ("vip_level", vip)],
        true,
    )
    .unwrap();
    let errors: Vec<String> = report.first_errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(report.bad_rows, 2);
    assert!(
        errors[0].starts_with("b.parquet row 1501: field `signup_at`"),
        "{errors:?}"
    );
    assert_eq!(
        errors[1],
        "b.parquet row 2101: field `vip_level`: expected int, found number 18446744073709551615 (out of range)"
    );
    assert_eq!(report.profiles.len(), ROWS - 2);
}
