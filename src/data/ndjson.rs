//! NDJSON profiles: one JSON object per line, streamed.
//!
//! Memory grows with the loaded columns, not with the file: one line is held at a time,
//! in a buffer reused from line to line. Blank lines are skipped (but counted, so errors
//! name physical lines). Duplicate ids are allowed: each line is its own profile.

use std::io::BufRead;
use std::path::Path;

use super::builder::ProfilesBuilder;
use super::error::{DataError, Location, RowError};
use super::json::JsonReader;
use super::load::{BadRows, LoadOptions, LoadReport, source_name};
use crate::schema::Schema;

/// Loads NDJSON profiles from `reader`.
pub fn load<R: BufRead>(
    mut reader: R,
    schema: &Schema,
    options: &LoadOptions,
) -> Result<LoadReport, DataError> {
    let name = &options.source_name;
    let mut builder = ProfilesBuilder::new(schema);
    let mut json = JsonReader::new(schema);
    let mut bad = BadRows::new(options.skip_bad);
    let mut buf = Vec::with_capacity(4096);
    let mut line_no = 0usize;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| DataError::io(name, e))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let line = buf.trim_ascii();
        if line.is_empty() {
            continue;
        }
        if let Err(e) = load_line(&mut json, &mut builder, line) {
            bad.handle(e.at(&Location::line(name, line_no)))?;
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

/// Loads an NDJSON file; errors name it by `options.source_name`, or by its path.
pub fn load_path(
    path: &Path,
    schema: &Schema,
    options: &LoadOptions,
) -> Result<LoadReport, DataError> {
    let name = source_name(path, options);
    let file = std::fs::File::open(path).map_err(|e| DataError::io(&name, e))?;
    let reader = std::io::BufReader::with_capacity(1 << 18, file);
    let options = LoadOptions {
        source_name: name,
        ..options.clone()
    };
    load(reader, schema, &options)
}

fn load_line(
    json: &mut JsonReader<'_>,
    builder: &mut ProfilesBuilder<'_>,
    line: &[u8],
) -> Result<(), RowError> {
    let text = std::str::from_utf8(line).map_err(|e| {
        RowError::Malformed(format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1))
    })?;
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        // serde_json says "... at line 1 column 7"; the line is ours to name.
        let message = e.to_string();
        let what = message
            .rfind(" at line ")
            .map_or(message.as_str(), |i| &message[..i]);
        RowError::Malformed(format!("not JSON: {what} at column {}", e.column()))
    })?;
    json.add_row(builder, &value)
}
