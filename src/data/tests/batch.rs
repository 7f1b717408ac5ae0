//! Batches loaded column by column give what loading them row by row gives: the same
//! profiles, dictionary codes, undeclared names, errors and row numbers; a batch with a
//! bad row falls back to the row path.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, TimestampSecondArray};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use serde_json::json;

use super::parquet::{events_column, generate, to_arrow};
use super::parts::{in_pool, summary};
use super::schema;
use crate::data::LoadOptions;
use crate::data::parquet::{BATCHES_BY_COLUMNS, load_from, load_path};

fn write(dir: &Path, columns: Vec<(&str, ArrayRef)>, props: WriterProperties) -> PathBuf {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let path = dir.join("c.parquet");
    let out = std::fs::File::create(&path).unwrap();
    let mut writer = ArrowWriter::try_new(out, batch.schema(), Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    path
}

fn groups_of(rows: usize, dictionary: bool) -> WriterProperties {
    WriterProperties::builder()
        .set_max_row_group_row_count(Some(rows))
        .set_dictionary_enabled(dictionary)
        .build()
}

fn options(skip_bad: bool) -> LoadOptions {
    LoadOptions {
        skip_bad,
        source_name: "c.parquet".into(),
    }
}

/// Loads `path` on this thread by columns and by rows: both summaries, and how many
/// batches went by columns.
fn both_ways(path: &Path, skip_bad: bool) -> (String, String, usize) {
    let load = |by_columns| {
        let file = std::fs::File::open(path).unwrap();
        summary(&load_from(file, &schema(), &options(skip_bad), by_columns))
    };
    let before = BATCHES_BY_COLUMNS.with(|n| n.get());
    let by_columns = load(true);
    let batches = BATCHES_BY_COLUMNS.with(|n| n.get()) - before;
    (by_columns, load(false), batches)
}

/// Every column type the loader reads (dictionary arrays, views, large lists, string
/// times, nanosecond instants, undeclared events and fields), in dictionary-encoded and
/// plain pages, in row groups smaller and larger than a batch.
#[test]
fn generated_profiles_load_alike_by_columns_and_by_rows() {
    let rows = generate(9000);
    let dir = tempfile::tempdir().unwrap();
    for (group, dictionary) in [(1000, true), (1000, false), (7000, true), (20_000, false)] {
        let path = write(dir.path(), to_arrow(&rows), groups_of(group, dictionary));
        let (by_columns, by_rows, batches) = both_ways(&path, false);
        assert!(batches >= 2, "{group} {dictionary}: {batches} batches");
        assert_eq!(by_columns, by_rows, "{group} {dictionary}");
        // Row groups loaded in parallel, merged: still one sequential load's dictionary.
        let threads = in_pool(2, || summary(&load_path(&path, &schema(), &options(false))));
        assert_eq!(threads, by_rows, "{group} {dictionary} on 2 threads");
    }
}

/// Null and empty lists, duplicate set elements, missing properties, events at the
/// same instant (kept in input order) and events out of order.
#[test]
fn nulls_empty_lists_and_ties_load_alike() {
    let n = 300;
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..n).map(|i| format!("u{i}")),
    ));
    let mut interests = ListBuilder::new(StringBuilder::new());
    for i in 0..n {
        match i % 4 {
            0 => interests.append_null(),
            1 => interests.append(true),
            _ => {
                for s in ["b", "a", "b", &format!("x{}", i % 7)] {
                    interests.values().append_value(s);
                }
                interests.append(true);
            }
        }
    }
    // Profile i has i % 4 events: add_cart, pay and a type the schema lacks, at times
    // that repeat and go backwards.
    let (mut ty, mut at, mut price, mut offsets) = (vec![], vec![], vec![], vec![0]);
    for i in 0..n {
        for k in 0..i % 4 {
            ty.push(Some(["add_cart", "pay", "share"][(i + k) % 3]));
            at.push(1_780_000_000 + ((i * 7 + k * 5) % 3) as i64 * 60);
            price.push((k != 1).then_some(k as f64 * 1.5));
        }
        offsets.push(*offsets.last().unwrap() + (i % 4) as i32);
    }
    let events = events_column(
        ty,
        Arc::new(TimestampSecondArray::from(at)),
        Arc::new(Float64Array::from(price)),
        offsets,
    );
    let provinces: ArrayRef = Arc::new(StringArray::from_iter(
        (0..n).map(|i| (i % 3 != 0).then(|| ["上海", "江苏"][i % 2])),
    ));
    let columns = vec![
        ("province", provinces),
        ("interests", Arc::new(interests.finish()) as ArrayRef),
        ("id", ids),
        ("events", events),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), columns, groups_of(100, true));
    let (by_columns, by_rows, batches) = both_ways(&path, false);
    assert_eq!(batches, 1);
    assert_eq!(by_columns, by_rows);
    let report = load_from(
        std::fs::File::open(&path).unwrap(),
        &schema(),
        &options(false),
        true,
    )
    .unwrap();
    let profile = |i: usize| crate::data::debug::row_as_json(&report.profiles, &schema(), i);
    assert_eq!(profile(1).get("interests"), Some(&json!([])));
    assert_eq!(profile(2).get("interests"), Some(&json!(["a", "b", "x2"])));
    assert_eq!(profile(4).get("interests"), None);
    assert_eq!(
        report.undeclared_events.iter().collect::<Vec<_>>(),
        ["share"]
    );
}

/// A bad row sends its batch to the row path: the same errors, with the same row
/// numbers, and the other batches still go by columns.
#[test]
fn a_batch_with_a_bad_row_falls_back_with_the_same_errors() {
    let mut rows = generate(9000);
    rows[8500]["gender"] = json!("X");
    rows[8700].as_object_mut().unwrap().remove("id");
    let dir = tempfile::tempdir().unwrap();
    let columns = to_arrow(&rows);
    let path = write(dir.path(), columns, groups_of(3000, true));
    for skip_bad in [true, false] {
        let (by_columns, by_rows, batches) = both_ways(&path, skip_bad);
        assert_eq!(by_columns, by_rows, "skip_bad {skip_bad}");
        assert_eq!(batches, 1, "the first batch has no bad row");
    }
    let report = load_from(
        std::fs::File::open(&path).unwrap(),
        &schema(),
        &options(true),
        true,
    )
    .unwrap();
    let errors: Vec<String> = report.first_errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors,
        [
            "c.parquet row 8501: field `gender`: expected one of `F`, `M`, `U`, found string \"X\"",
            "c.parquet row 8701: missing `id`",
        ]
    );
    assert_eq!(report.profiles.len(), 8998);
    super::assert_last_at_in_step(&report.profiles);
}

/// Bad event times and properties fall back too.
#[test]
fn bad_events_fall_back_with_the_same_errors() {
    let n = 20;
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..n).map(|i| format!("u{i}")),
    ));
    let ty = (0..n).map(|i| Some(["pay", "add_cart"][i % 2])).collect();
    let mut at: Vec<String> = (0..n).map(|i| format!("2026-01-{:02}", i + 1)).collect();
    at[13] = "someday".into();
    let price = Arc::new(StringArray::from_iter(
        (0..n).map(|i| (i == 7).then_some("3")),
    ));
    let offsets = (0..=n as i32).collect();
    let events = events_column(ty, Arc::new(StringArray::from(at)), price, offsets);
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        vec![("id", ids), ("events", events)],
        groups_of(100, true),
    );
    for skip_bad in [true, false] {
        let (by_columns, by_rows, batches) = both_ways(&path, skip_bad);
        assert_eq!(by_columns, by_rows, "skip_bad {skip_bad}");
        assert_eq!(batches, 0);
    }
    let report = load_from(
        std::fs::File::open(&path).unwrap(),
        &schema(),
        &options(true),
        true,
    )
    .unwrap();
    let errors: Vec<String> = report.first_errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors,
        [
            "c.parquet row 8: field `events[0].price`: expected float, found string \"3\"",
            "c.parquet row 14: field `events[0].at`: invalid time \"someday\" (expected RFC 3339 or a date)",
        ]
    );
}
