//! Loading in parts: NDJSON blocks and Parquet row groups, on any number of threads,
//! give the profiles (dictionary codes included), errors and line numbers of one
//! sequential load through the JSON tree reader.

use std::path::Path;
use std::sync::Arc;

use ::parquet::arrow::ArrowWriter;
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use proptest::prelude::*;

use super::schema;
use crate::data::builder::ProfilesBuilder;
use crate::data::error::Location;
use crate::data::json::JsonReader;
use crate::data::load::BadRows;
use crate::data::{Bitmap, DataError, LoadOptions, LoadReport, Profiles, ndjson, parquet};
use crate::schema::Schema;

fn options(skip_bad: bool) -> LoadOptions {
    LoadOptions {
        skip_bad,
        source_name: "p.ndjson".into(),
    }
}

/// The reference: every line parsed to a JSON tree and added in order, on one thread.
fn tree_load(text: &[u8], schema: &Schema, skip_bad: bool) -> Result<LoadReport, DataError> {
    let mut builder = ProfilesBuilder::new(schema);
    let mut json = JsonReader::new(schema);
    let mut bad = BadRows::new(skip_bad);
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        let result = match std::str::from_utf8(line) {
            Err(e) => Err(crate::data::error::RowError::Malformed(format!(
                "invalid UTF-8 at byte {}",
                e.valid_up_to() + 1
            ))),
            Ok(text) => match serde_json::from_str::<serde_json::Value>(text) {
                Err(e) => {
                    let message = e.to_string();
                    let what = message
                        .rfind(" at line ")
                        .map_or(message.as_str(), |i| &message[..i]);
                    Err(crate::data::error::RowError::Malformed(format!(
                        "not JSON: {what} at column {}",
                        e.column()
                    )))
                }
                Ok(value) => json.add_row(&mut builder, &value),
            },
        };
        if let Err(e) = result {
            bad.handle(e.at(&Location::line("p.ndjson", i + 1)))?;
        }
    }
    let (undeclared_fields, undeclared_events) = json.into_undeclared();
    Ok(LoadReport {
        profiles: builder.finish(),
        bad_rows: bad.count,
        first_errors: bad.first,
        undeclared_fields,
        undeclared_events,
    })
}

/// Everything a load gives, comparable: the dictionary in code order, columns and
/// events as debug text.
pub(super) fn summary(result: &Result<LoadReport, DataError>) -> String {
    match result {
        Err(e) => format!("error {}: {e}", e.code_str()),
        Ok(r) => format!(
            "{}\n{:?}\n{:?}\n{:?}\n{}\n{:?}\n{:?}\n{:?}",
            profiles_summary(&r.profiles),
            r.undeclared_fields,
            r.undeclared_events,
            r.first_errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>(),
            r.bad_rows,
            r.profiles.ids,
            r.profiles.len(),
            r.profiles.events.len(),
        ),
    }
}

fn profiles_summary(p: &Profiles) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}",
        p.ids,
        p.dict.iter().collect::<Vec<_>>(),
        p.columns,
        p.events
    )
}

pub(super) fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// Loads `text` in blocks of `block` bytes on `threads` threads.
fn blocks(text: &[u8], block: usize, threads: usize, skip_bad: bool) -> String {
    in_pool(threads, || {
        summary(&ndjson::load_in_blocks(
            text,
            &schema(),
            &options(skip_bad),
            block,
        ))
    })
}

const LINES: &[&str] = &[
    r#"{"id":"u1","gender":"F","age":30,"province":"上海","interests":["美妆","母婴","美妆"],"nickname":"a"}"#,
    r#"{"province":"江苏","id":2,"events":[{"amount":5,"type":"pay","at":"2026-11-01","coupon":"NEW20"},{"type":"share","at":"x"}]}"#,
    "",
    r#"{"id":"u3","age":"thirty"}"#,
    "  \r",
    r#"{"id":"u4","province":"\u6d59\u6c5f","phone":"138","events":[{"type":"add_cart","at":"2026-10-01T00:00:00Z","sku":"SKU-1","price":9.5},{"at":"2026-09-01","type":"add_cart","sku":"SKU-2"}]}"#,
    r#"{"id":"u5","age":3,"age":4,"province":"浙江"}"#,
    r#"not json"#,
    r#"{"id":"u6","events":[{"type":"pay","at":"2026-11-01","amount":"much"}],"province":"广东"}"#,
    r#"{"id":"u7","interests":["数码"],"events":[{"type":"article_view","at":"2026-11-02","category":"母婴","extra":[1,{"a":[]}]}]}"#,
    r#"{"id":"u8","province":"北京"} trailing"#,
    r#"{"id":"u9","signup_at":"2026-01-02","balance":1e3,"vip_level":18446744073709551615}"#,
    r#"{"id":"u10","balance":7,"follows_oa":true,"platform":"web","events":null}"#,
];

fn sample(copies: usize) -> String {
    let mut text = String::new();
    for c in 0..copies {
        for line in LINES {
            text.push_str(&line.replace("\"u", &format!("\"c{c}u")));
            text.push('\n');
        }
    }
    text
}

#[test]
fn block_sizes_and_threads_give_the_tree_readers_load() {
    let text = sample(5);
    for skip_bad in [true, false] {
        let tree = tree_load(text.as_bytes(), &schema(), skip_bad);
        if let Ok(report) = &tree {
            super::assert_last_at_in_step(&report.profiles);
        }
        let expected = summary(&tree);
        for block in [1, 7, 100, 1000, 1 << 20] {
            for threads in [1, 3] {
                assert_eq!(
                    blocks(text.as_bytes(), block, threads, skip_bad),
                    expected,
                    "block {block}, {threads} threads, skip {skip_bad}"
                );
            }
        }
    }
}

#[test]
fn skipped_rows_name_their_lines_across_blocks() {
    let text = sample(3);
    let report = in_pool(2, || {
        ndjson::load_in_blocks(text.as_bytes(), &schema(), &options(true), 50).unwrap()
    });
    let lines: Vec<usize> = report
        .first_errors
        .iter()
        .map(|e| e.location().unwrap().number)
        .collect();
    // Per copy of 13 lines: 4 (bad type), 7 (repeated key: loads), 8, 9, 11, 12.
    assert_eq!(lines, [4, 8, 9, 11, 12, 17, 21, 22, 24, 25]);
    assert_eq!(report.bad_rows, 15);
    assert!(report.undeclared_fields.contains("nickname"));
    assert!(report.undeclared_events.contains("share"));
}

#[test]
fn the_first_bad_line_stops_the_load_whatever_the_blocks() {
    let mut text = String::new();
    for i in 0..500 {
        text.push_str(&format!("{{\"id\":\"u{i}\",\"age\":{i}}}\n"));
    }
    text.push_str("{\"id\":\"bad\",\"age\":true}\n");
    text.push_str("{\"age\":1}\n");
    for block in [16, 4096] {
        let err = in_pool(4, || {
            ndjson::load_in_blocks(text.as_bytes(), &schema(), &options(false), block)
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "p.ndjson line 501: field `age`: expected int, found bool true"
        );
    }
}

#[test]
fn a_line_longer_than_a_block_is_read_whole() {
    let long = format!("{{\"id\":\"{}\",\"age\":1}}", "x".repeat(10_000));
    let text = format!("{long}\n{long}\r\n\n{long}");
    let report = ndjson::load_in_blocks(text.as_bytes(), &schema(), &options(false), 64).unwrap();
    assert_eq!(report.profiles.len(), 3);
    assert_eq!(
        profiles_summary(&report.profiles),
        profiles_summary(
            &tree_load(text.as_bytes(), &schema(), false)
                .unwrap()
                .profiles
        )
    );
}

#[test]
fn bitmaps_append_at_any_offset() {
    for a in [0, 1, 63, 64, 65, 130] {
        for b in [0, 1, 63, 64, 65, 130] {
            let bits = |n: usize, k: usize| (0..n).map(move |i| (i * 7 + k).is_multiple_of(3));
            let mut joined = Bitmap::new();
            bits(a, 1).chain(bits(b, 2)).for_each(|x| joined.push(x));
            let mut left = Bitmap::new();
            bits(a, 1).for_each(|x| left.push(x));
            let mut right = Bitmap::new();
            bits(b, 2).for_each(|x| right.push(x));
            left.extend_from(&right);
            assert_eq!(left, joined, "{a} + {b}");
        }
    }
}

/// Values a line's entries take, good and bad.
fn entry() -> impl Strategy<Value = String> {
    let keys = prop::sample::select(vec![
        "id",
        "age",
        "province",
        "gender",
        "interests",
        "balance",
        "signup_at",
        "events",
        "nick",
    ]);
    let values = prop::sample::select(vec![
        "1",
        "-3",
        "2.5",
        "1e3",
        "18446744073709551615",
        "null",
        "true",
        "\"F\"",
        "\"上海\"",
        "\"\\u6c5f\"",
        "\"2026-11-01\"",
        "[\"a\",\"b\",\"a\"]",
        "[\"a\",1]",
        "[]",
        "{}",
        "[{\"type\":\"pay\",\"at\":\"2026-11-01\",\"amount\":3,\"coupon\":\"c\"}]",
        "[{\"coupon\":\"d\",\"at\":\"2026-10-01\",\"type\":\"pay\"},{\"type\":\"login\",\"at\":\"2026-10-02\"}]",
        "[{\"type\":\"nope\",\"at\":[1]},{\"type\":\"pay\",\"at\":\"2026-01-01\",\"coupon\":\"e\",\"coupon\":\"f\"}]",
        "[{\"type\":\"pay\"}]",
        "[{\"type\":\"article_view\",\"at\":\"2026-01-01\",\"category\":[\"x\"]}]",
        "[1]",
    ]);
    (keys, values).prop_map(|(k, v)| format!("\"{k}\":{v}"))
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::collection::vec(entry(), 0..8).prop_map(|e| format!("{{{}}}", e.join(","))),
        1 => Just(String::new()),
        1 => Just("{\"id\":1,".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The line decoder and its fall-back give exactly the tree reader's load.
    #[test]
    fn decoding_in_blocks_matches_the_tree_reader(
        lines in prop::collection::vec(line(), 0..30),
        block in 1usize..400,
        skip_bad: bool,
    ) {
        let text = lines.join("\n");
        let tree = tree_load(text.as_bytes(), &schema(), skip_bad);
        if let Ok(report) = &tree {
            super::assert_last_at_in_step(&report.profiles);
        }
        let expected = summary(&tree);
        let got = summary(&ndjson::load_in_blocks(text.as_bytes(), &schema(), &options(skip_bad), block));
        prop_assert_eq!(got, expected);
    }
}

/// A Parquet file of `n` profiles in row groups of 3 rows; rows 5 and 11 are bad.
fn parquet_file(dir: &Path, n: usize) -> std::path::PathBuf {
    let ids: Vec<String> = (0..n).map(|i| format!("u{i}")).collect();
    let provinces: Vec<Option<&str>> = (0..n)
        .map(|i| ["上海", "江苏", "浙江"].get(i % 4).copied())
        .collect();
    let signup: Vec<String> = (0..n)
        .map(|i| match i {
            4 | 10 => "later".to_owned(),
            _ => format!("2026-01-{:02}", i % 28 + 1),
        })
        .collect();
    let balance: Vec<f64> = (0..n).map(|i| i as f64 / 4.0).collect();
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(StringArray::from(ids))),
        ("province", Arc::new(StringArray::from(provinces))),
        ("signup_at", Arc::new(StringArray::from(signup))),
        ("balance", Arc::new(Float64Array::from(balance))),
        ("nickname", Arc::new(StringArray::from(vec!["n"; n]))),
    ];
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let path = dir.join("groups.parquet");
    let out = std::fs::File::create(&path).unwrap();
    let props = ::parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(3))
        .build();
    let mut writer = ArrowWriter::try_new(out, batch.schema(), Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    path
}

#[test]
fn parquet_row_groups_load_alike_on_any_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = parquet_file(dir.path(), 20);
    let opts = LoadOptions {
        skip_bad: true,
        source_name: "g.parquet".into(),
    };
    let one_part = summary(&parquet::load(
        std::fs::File::open(&path).unwrap(),
        &schema(),
        &opts,
    ));
    for threads in [1, 2, 5] {
        let got = in_pool(threads, || {
            summary(&parquet::load_path(&path, &schema(), &opts))
        });
        assert_eq!(got, one_part, "{threads} threads");
    }
    let report = parquet::load_path(&path, &schema(), &opts).unwrap();
    assert_eq!(report.profiles.len(), 18);
    let rows: Vec<String> = report.first_errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        rows,
        [
            "g.parquet row 5: field `signup_at`: invalid time \"later\" (expected RFC 3339 or a date)",
            "g.parquet row 11: field `signup_at`: invalid time \"later\" (expected RFC 3339 or a date)",
        ]
    );
    let strict = LoadOptions {
        skip_bad: false,
        ..opts
    };
    let err = in_pool(4, || parquet::load_path(&path, &schema(), &strict)).unwrap_err();
    assert!(err.to_string().starts_with("g.parquet row 5:"), "{err}");
}

#[test]
fn the_decoder_takes_well_formed_lines_and_leaves_the_rest() {
    let schema = schema();
    let mut builder = ProfilesBuilder::new(&schema);
    let mut decoder = crate::data::ndjson_row::LineDecoder::new(&schema);
    for line in [LINES[0], LINES[1], LINES[5], LINES[9], LINES[12]] {
        assert!(decoder.decode(&mut builder, line), "{line}");
    }
    for line in [
        LINES[3], LINES[6], LINES[8], LINES[10], LINES[11], "[]", "{}",
    ] {
        assert!(!decoder.decode(&mut builder, line), "{line}");
    }
    assert_eq!(builder.len(), 5);
    assert_eq!(
        decoder.undeclared_fields.iter().collect::<Vec<_>>(),
        ["nickname"]
    );
    assert_eq!(
        decoder.undeclared_events.iter().collect::<Vec<_>>(),
        ["share"]
    );
}

#[test]
fn interning_gives_the_same_codes_with_its_cache_and_after_a_rollback() {
    let mut dict = crate::data::Dictionary::default();
    assert_eq!((dict.intern("a"), dict.intern("b")), (0, 1));
    dict.truncate(1);
    assert_eq!(dict.intern("c"), 1);
    assert_eq!(dict.intern("b"), 2);
    assert_eq!(dict.intern("a"), 0);
    for i in 0..2000 {
        let s = format!("s{}", i % 700);
        let code = dict.intern(&s);
        assert_eq!(dict.get(code), s);
        assert_eq!(dict.code(&s), Some(code));
    }
    assert_eq!(dict.len(), 703);
}
