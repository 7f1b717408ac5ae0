use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{LargeListBuilder, StringBuilder, StringDictionaryBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BinaryArray, BooleanArray, Float64Array, Int32Array, Int64Array, LargeStringArray,
    ListArray, RecordBatch, StringArray, StringViewArray, StructArray, TimestampMillisecondArray,
    TimestampNanosecondArray, UInt8Array,
};
use arrow_schema::{DataType, Field, Fields, TimeUnit};
use parquet::arrow::ArrowWriter;
use serde_json::{Value as Json, json};

use super::schema;
use crate::data::debug::profiles_as_json;
use crate::data::{LoadOptions, LoadReport, load_path, ndjson};

fn manifest(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn options(name: &str, skip_bad: bool) -> LoadOptions {
    LoadOptions {
        skip_bad,
        source_name: name.into(),
    }
}

/// Writes `columns` as a Parquet file, in row groups of 1000 rows.
pub(super) fn write(
    dir: &tempfile::TempDir,
    file: &str,
    columns: Vec<(&str, ArrayRef)>,
) -> PathBuf {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let path = dir.path().join(file);
    let out = std::fs::File::create(&path).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(1000))
        .build();
    let mut writer = ArrowWriter::try_new(out, batch.schema(), Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    path
}

fn load_parquet(path: &Path, skip_bad: bool) -> Result<LoadReport, crate::data::DataError> {
    crate::data::parquet::load_path(path, &schema(), &options("x.parquet", skip_bad))
}

#[test]
fn duckdb_fixture_matches_its_ndjson() {
    let schema = schema();
    let from_json = load_path(
        &manifest("tests/data/profiles50.ndjson"),
        &schema,
        &LoadOptions::default(),
    )
    .unwrap();
    let from_parquet = load_path(
        &manifest("tests/data/profiles50.parquet"),
        &schema,
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(from_json.profiles.len(), 50);
    assert_eq!(from_parquet.bad_rows, 0);
    assert!(from_parquet.undeclared_fields.is_empty());
    assert_eq!(
        profiles_as_json(&from_parquet.profiles, &schema),
        profiles_as_json(&from_json.profiles, &schema)
    );
    same_columns(&from_json, &from_parquet);
}

/// Column by column: same validity, same values after decoding strings.
fn same_columns(a: &LoadReport, b: &LoadReport) {
    let schema = schema();
    let (a, b) = (&a.profiles, &b.profiles);
    assert_eq!(a.ids, b.ids);
    for (i, def) in schema.fields.iter().enumerate() {
        assert_eq!(a.columns[i].valid, b.columns[i].valid, "{}", def.name);
        for row in 0..a.len() {
            let field = crate::schema::FieldId(i as u32);
            assert_eq!(
                crate::data::debug::field_value(a, &schema, field, row),
                crate::data::debug::field_value(b, &schema, field, row),
                "{} row {row}",
                def.name
            );
        }
    }
    for (t, def) in schema.events.iter().enumerate() {
        assert_eq!(a.events[t].offsets, b.events[t].offsets, "{}", def.name);
        assert_eq!(a.events[t].at, b.events[t].at, "{}", def.name);
    }
    super::assert_last_at_in_step(a);
    super::assert_last_at_in_step(b);
}

/// A tiny deterministic generator of profiles in the NDJSON shape.
pub(super) fn generate(n: usize) -> Vec<Json> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    let genders = ["F", "M", "U"];
    let provinces = ["上海", "江苏", "浙江"];
    let interests = ["母婴", "美妆", "数码"];
    let base = 1_780_000_000i64;
    (0..n)
        .map(|i| {
            let mut p = json!({"id": format!("u{i}"), "gender": genders[next(3) as usize]});
            if next(4) > 0 {
                p["age"] = json!(16 + next(50));
                p["province"] = json!(provinces[next(3) as usize]);
                p["phone"] = json!(format!("1{:010}", next(10_000_000_000)));
                p["signup_at"] = json!(crate::time::format_rfc3339((base - next(1000) as i64 * 3600) * 1_000_000));
                p["last_login_at"] = json!(crate::time::format_rfc3339((base + next(1000) as i64) * 1_000_000));
                p["vip_level"] = json!(next(6));
            }
            p["paid"] = json!(next(2) == 1);
            p["balance"] = json!(next(100_000) as f64 / 100.0);
            p["nickname"] = json!("n");
            let k = next(4) as usize;
            p["interests"] = json!(interests[..k]);
            let mut events = Vec::new();
            for _ in 0..next(6) {
                // Whole seconds, some equal, so ties are exercised.
                let at = crate::time::format_rfc3339((base + next(5) as i64 * 60) * 1_000_000);
                events.push(match next(5) {
                    0 => json!({"type":"add_cart","at":at,"sku":format!("SKU-{}", next(9)),"price":next(1000) as f64 / 4.0}),
                    1 => json!({"type":"pay","at":at,"amount":next(1000) as f64 / 2.0}),
                    2 => json!({"type":"article_view","at":at,"category":provinces[next(3) as usize]}),
                    3 => json!({"type":"login","at":at}),
                    _ => json!({"type":"share","at":at}),
                });
            }
            p["events"] = Json::Array(events);
            p
        })
        .collect()
}

fn strs<'a>(rows: &'a [Json], key: &str) -> Vec<Option<&'a str>> {
    rows.iter().map(|p| p[key].as_str()).collect()
}

fn micros(text: Option<&str>) -> Option<i64> {
    text.and_then(crate::time::parse_instant)
}

/// The generated profiles as Arrow columns, in a different physical type per column.
pub(super) fn to_arrow(rows: &[Json]) -> Vec<(&'static str, ArrayRef)> {
    let mut gender = StringDictionaryBuilder::<Int32Type>::new();
    for g in strs(rows, "gender") {
        gender.append_option(g);
    }
    let mut interests = LargeListBuilder::new(StringBuilder::new());
    for p in rows {
        for s in p["interests"].as_array().unwrap() {
            interests.values().append_value(s.as_str().unwrap());
        }
        interests.append(true);
    }
    let (mut offsets, mut ty, mut at, mut sku, mut price, mut amount, mut category) =
        (vec![0i32], vec![], vec![], vec![], vec![], vec![], vec![]);
    for p in rows {
        let events = p["events"].as_array().unwrap();
        for e in events {
            ty.push(e["type"].as_str().unwrap().to_owned());
            at.push(micros(e["at"].as_str()).unwrap() * 1000);
            sku.push(e["sku"].as_str().map(str::to_owned));
            price.push(e["price"].as_f64());
            amount.push(e["amount"].as_f64());
            category.push(e["category"].as_str().map(str::to_owned));
        }
        offsets.push(offsets.last().unwrap() + events.len() as i32);
    }
    let at_type = DataType::Timestamp(TimeUnit::Nanosecond, Some("+08:00".into()));
    let struct_fields = Fields::from(vec![
        Field::new("type", DataType::Utf8, true),
        Field::new("at", at_type, true),
        Field::new("amount", DataType::Float64, true),
        Field::new("sku", DataType::Utf8View, true),
        Field::new("price", DataType::Float64, true),
        Field::new("category", DataType::LargeUtf8, true),
        Field::new("extra", DataType::Int64, true),
    ]);
    let n_events = ty.len();
    let structs = StructArray::new(
        struct_fields.clone(),
        vec![
            Arc::new(StringArray::from(ty)),
            Arc::new(TimestampNanosecondArray::from(at).with_timezone("+08:00")),
            Arc::new(Float64Array::from(amount)),
            Arc::new(StringViewArray::from(sku)),
            Arc::new(Float64Array::from(price)),
            Arc::new(LargeStringArray::from(category)),
            Arc::new(Int64Array::from(vec![7; n_events])),
        ],
        None,
    );
    let events = list(
        Field::new("item", DataType::Struct(struct_fields), true),
        &offsets,
        Arc::new(structs),
    );
    let ints = |key: &str| rows.iter().map(|p| p[key].as_i64()).collect::<Vec<_>>();
    vec![
        (
            "id",
            Arc::new(StringArray::from(strs(rows, "id"))) as ArrayRef,
        ),
        ("gender", Arc::new(gender.finish())),
        (
            "age",
            Arc::new(Int32Array::from(
                ints("age")
                    .into_iter()
                    .map(|x| x.map(|x| x as i32))
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "province",
            Arc::new(LargeStringArray::from(strs(rows, "province"))),
        ),
        (
            "phone",
            Arc::new(StringViewArray::from(strs(rows, "phone"))),
        ),
        (
            "vip_level",
            Arc::new(UInt8Array::from(
                ints("vip_level")
                    .into_iter()
                    .map(|x| x.map(|x| x as u8))
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "paid",
            Arc::new(BooleanArray::from(
                rows.iter().map(|p| p["paid"].as_bool()).collect::<Vec<_>>(),
            )),
        ),
        (
            "balance",
            Arc::new(Float64Array::from(
                rows.iter()
                    .map(|p| p["balance"].as_f64())
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "signup_at",
            Arc::new(TimestampMillisecondArray::from(
                strs(rows, "signup_at")
                    .into_iter()
                    .map(|t| micros(t).map(|m| m / 1000))
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "last_login_at",
            Arc::new(StringArray::from(strs(rows, "last_login_at"))),
        ),
        ("interests", Arc::new(interests.finish())),
        (
            "nickname",
            Arc::new(StringArray::from(strs(rows, "nickname"))),
        ),
        ("events", Arc::new(events)),
    ]
}

#[test]
fn generated_profiles_load_the_same_from_ndjson_and_parquet() {
    let rows = generate(2500); // more than one batch of 1024
    let text: String = rows.iter().map(|p| format!("{p}\n")).collect();
    let from_json = ndjson::load(text.as_bytes(), &schema(), &options("g.ndjson", false)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "g.parquet", to_arrow(&rows));
    let from_parquet = load_parquet(&path, false).unwrap();
    assert_eq!(from_parquet.profiles.len(), 2500);
    assert_eq!(
        profiles_as_json(&from_parquet.profiles, &schema()),
        profiles_as_json(&from_json.profiles, &schema())
    );
    same_columns(&from_json, &from_parquet);
    assert_eq!(from_parquet.undeclared_fields, from_json.undeclared_fields);
    assert_eq!(from_parquet.undeclared_events, from_json.undeclared_events);
    assert_eq!(
        from_parquet.undeclared_events.iter().collect::<Vec<_>>(),
        ["share"]
    );
}

/// A list array over `values` (`arrow-buffer` is not a dependency, so the offsets are
/// borrowed from a list of the same lengths).
pub(super) fn list(item: Field, offsets: &[i32], values: ArrayRef) -> ListArray {
    let lists = offsets
        .windows(2)
        .map(|w| Some(vec![Some(0); (w[1] - w[0]) as usize]));
    let shape = ListArray::from_iter_primitive::<Int32Type, _, _>(lists);
    ListArray::new(Arc::new(item), shape.offsets().clone(), values, None)
}

pub(super) fn events_column(
    ty: Vec<Option<&str>>,
    at: ArrayRef,
    price: ArrayRef,
    offsets: Vec<i32>,
) -> ArrayRef {
    let fields = Fields::from(vec![
        Field::new("type", DataType::Utf8, true),
        Field::new("at", at.data_type().clone(), true),
        Field::new("price", price.data_type().clone(), true),
    ]);
    let structs = StructArray::new(
        fields.clone(),
        vec![Arc::new(StringArray::from(ty)), at, price],
        None,
    );
    Arc::new(list(
        Field::new("item", DataType::Struct(fields), true),
        &offsets,
        Arc::new(structs),
    ))
}

#[test]
fn row_errors_name_the_row_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let ids: ArrayRef = Arc::new(StringArray::from(vec![
        Some("u1"),
        Some("u2"),
        None,
        Some("u4"),
    ]));
    let ages: ArrayRef = Arc::new(StringArray::from(vec![None, Some("abc"), None, None]));
    let path = write(&dir, "a.parquet", vec![("id", ids.clone()), ("age", ages)]);
    let err = load_parquet(&path, false).unwrap_err();
    assert_eq!(err.code_str(), "corral::data::bad_type");
    assert_eq!(
        err.to_string(),
        r#"x.parquet row 2: field `age`: expected int, found string "abc""#
    );
    let report = load_parquet(&path, true).unwrap();
    assert_eq!(report.bad_rows, 2);
    assert_eq!(report.profiles.ids, ["u1".into(), "u4".into()]);
    assert_eq!(
        report.first_errors[1].to_string(),
        "x.parquet row 3: missing `id`"
    );
    assert_eq!(
        report.first_errors[1].code_str(),
        "corral::data::missing_id"
    );

    let events = events_column(
        vec![
            Some("login"),
            Some("add_cart"),
            Some("add_cart"),
            Some("login"),
            Some("login"),
        ],
        Arc::new(StringArray::from(vec![
            "2026-01-01",
            "2026-01-01",
            "2026-01-02",
            "2026-01-01",
            "someday",
        ])),
        Arc::new(StringArray::from(vec![
            None,
            Some("3"),
            Some("x"),
            None,
            None,
        ])),
        vec![0, 1, 1, 4, 5],
    );
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["u1", "u2", "u3", "u4"]));
    let path = write(&dir, "e.parquet", vec![("id", ids), ("events", events)]);
    let report = load_parquet(&path, true).unwrap();
    let errors: Vec<String> = report.first_errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors,
        [
            r#"x.parquet row 3: field `events[0].price`: expected float, found string "3""#,
            r#"x.parquet row 4: field `events[0].at`: invalid time "someday" (expected RFC 3339 or a date)"#,
        ]
    );
    assert_eq!(report.first_errors[1].code_str(), "corral::data::bad_time");
    assert_eq!(report.profiles.ids, ["u1".into(), "u2".into()]);
}

#[test]
fn unsupported_column_types_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["u1"]));
    let ages: ArrayRef = Arc::new(BinaryArray::from(vec![b"1".as_slice()]));
    let path = write(&dir, "b.parquet", vec![("id", ids.clone()), ("age", ages)]);
    let err = load_parquet(&path, true).unwrap_err();
    assert_eq!(err.code_str(), "corral::data::parquet");
    assert_eq!(
        err.to_string(),
        "x.parquet: column `age` has unsupported type `Binary` (expected values of type int)"
    );
    let events: ArrayRef = Arc::new(Int64Array::from(vec![1]));
    let path = write(
        &dir,
        "c.parquet",
        vec![("id", ids.clone()), ("events", events)],
    );
    assert_eq!(
        load_parquet(&path, false).unwrap_err().to_string(),
        "x.parquet: column `events` has unsupported type `Int64` (expected a list of structs with `type` and `at`)"
    );
    // An undeclared column of any type is not read at all.
    let other: ArrayRef = Arc::new(BinaryArray::from(vec![b"1".as_slice()]));
    let path = write(&dir, "d.parquet", vec![("id", ids), ("blob", other)]);
    let report = load_parquet(&path, false).unwrap();
    assert_eq!(
        report.undeclared_fields.iter().collect::<Vec<_>>(),
        ["blob"]
    );
}

#[test]
fn not_parquet_is_an_error_and_loaders_are_picked_by_magic() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus.parquet");
    std::fs::write(&bogus, b"{\"id\":\"u1\"}\n").unwrap();
    let err = load_parquet(&bogus, false).unwrap_err();
    assert_eq!(err.code_str(), "corral::data::parquet");
    assert!(
        err.to_string()
            .starts_with("x.parquet: not a readable Parquet file")
    );

    let ids: ArrayRef = Arc::new(StringArray::from(vec!["u1", "u1"]));
    let path = write(&dir, "profiles.data", vec![("id", ids)]);
    let report = load_path(&path, &schema(), &LoadOptions::default()).unwrap();
    assert_eq!(report.profiles.ids, ["u1".into(), "u1".into()]);
}

/// By hand, for a DuckDB-written file from `gen_profiles.py`:
/// `CORRAL_NDJSON=p.ndjson CORRAL_PARQUET=p.parquet cargo test --lib duckdb_file -- --ignored`
#[test]
#[ignore = "needs files written by gen_profiles.py --parquet"]
fn duckdb_file_matches_its_ndjson() {
    let (Ok(json), Ok(parquet)) = (
        std::env::var("CORRAL_NDJSON"),
        std::env::var("CORRAL_PARQUET"),
    ) else {
        panic!("set CORRAL_NDJSON and CORRAL_PARQUET");
    };
    let schema = schema();
    let a = load_path(Path::new(&json), &schema, &LoadOptions::default()).unwrap();
    let b = load_path(Path::new(&parquet), &schema, &LoadOptions::default()).unwrap();
    assert_eq!(a.profiles.len(), b.profiles.len());
    same_columns(&a, &b);
    assert_eq!(
        profiles_as_json(&a.profiles, &schema),
        profiles_as_json(&b.profiles, &schema)
    );
    eprintln!("{} profiles match", a.profiles.len());
}
