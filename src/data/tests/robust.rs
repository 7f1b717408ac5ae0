//! No input bytes make a loader panic.

use proptest::prelude::*;

use super::schema;
use crate::data::{LoadOptions, ndjson};

fn options() -> LoadOptions {
    LoadOptions {
        skip_bad: true,
        source_name: "fuzz.ndjson".into(),
    }
}

/// Lines that are nearly profiles: fragments of valid ones glued together.
fn near_json() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"id\"",
        "\"u1\"",
        "\"age\"",
        "3",
        "3.5",
        "-1",
        "1e400",
        "18446744073709551616",
        "null",
        "true",
        "\"events\"",
        "\"type\"",
        "\"pay\"",
        "\"at\"",
        "\"2026-01-01\"",
        "\"amount\"",
        "\"interests\"",
        "\"gender\"",
        "\"F\"",
        "\"signup_at\"",
        "\"\\ud800\"",
        "\n",
        " ",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn ndjson_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = ndjson::load(bytes.as_slice(), &schema(), &options());
    }

    #[test]
    fn ndjson_never_panics_on_near_json(text in near_json()) {
        let report = ndjson::load(text.as_bytes(), &schema(), &options());
        prop_assert!(report.is_ok());
    }
}

#[test]
fn parquet_never_panics_on_truncated_files() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/profiles50.parquet");
    let bytes = std::fs::read(path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for cut in [0, 4, 100, bytes.len() / 2, bytes.len() - 9, bytes.len() - 1] {
        let mut damaged = bytes.clone();
        damaged.truncate(cut);
        damaged.extend_from_slice(b"PAR1");
        let file = dir.path().join(format!("cut{cut}.parquet"));
        std::fs::write(&file, &damaged).unwrap();
        let _ = crate::data::load_path(&file, &schema(), &options());
    }
    // Flipped bytes in the middle of the data pages.
    for at in (8..bytes.len() - 8).step_by(997) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0xff;
        let file = dir.path().join(format!("flip{at}.parquet"));
        std::fs::write(&file, &damaged).unwrap();
        let _ = crate::data::load_path(&file, &schema(), &options());
    }
}
