//! What the loaders share: options, the report, bad-row bookkeeping, and picking a
//! loader for a path.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use super::Profiles;
use super::error::DataError;
use crate::schema::Schema;

/// How many row errors a [`LoadReport`] keeps when bad rows are skipped.
pub const KEPT_ERRORS: usize = 10;

#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Count and skip bad rows instead of failing on the first.
    pub skip_bad: bool,
    /// Names the input in errors; the path helpers use the path when it is empty.
    pub source_name: String,
}

/// Loaded profiles and what was skipped or ignored on the way.
#[derive(Debug)]
pub struct LoadReport {
    pub profiles: Profiles,
    /// Rows skipped because of an error (always 0 without `skip_bad`).
    pub bad_rows: usize,
    /// The first [`KEPT_ERRORS`] errors of skipped rows, in input order.
    pub first_errors: Vec<DataError>,
    /// Distinct names of fields present in the data but not in the schema.
    pub undeclared_fields: BTreeSet<String>,
    /// Distinct names of event types present in the data but not in the schema.
    pub undeclared_events: BTreeSet<String>,
}

/// Fails on the first bad row, or counts bad rows and keeps the first few errors.
#[derive(Debug)]
pub(crate) struct BadRows {
    skip: bool,
    pub(crate) count: usize,
    pub(crate) first: Vec<DataError>,
}

impl BadRows {
    pub(crate) fn new(skip: bool) -> BadRows {
        BadRows {
            skip,
            count: 0,
            first: Vec::new(),
        }
    }

    /// `Err` when the load must stop.
    pub(crate) fn handle(&mut self, err: DataError) -> Result<(), DataError> {
        if !self.skip {
            return Err(err);
        }
        self.count += 1;
        if self.first.len() < KEPT_ERRORS {
            self.first.push(err);
        }
        Ok(())
    }

    /// Takes in the bad rows of a later part of the input.
    pub(crate) fn absorb(&mut self, later: BadRows) {
        self.count += later.count;
        let room = KEPT_ERRORS.saturating_sub(self.first.len());
        self.first.extend(later.first.into_iter().take(room));
    }
}

/// The name errors use for a file: the option if given, else the path.
pub(crate) fn source_name(path: &Path, options: &LoadOptions) -> String {
    if options.source_name.is_empty() {
        path.display().to_string()
    } else {
        options.source_name.clone()
    }
}

/// Loads profiles from a file: Parquet if it starts with `PAR1` or is named `*.parquet`,
/// NDJSON otherwise.
pub fn load_path(
    path: &Path,
    schema: &Schema,
    options: &LoadOptions,
) -> Result<LoadReport, DataError> {
    let name = source_name(path, options);
    let mut magic = [0u8; 4];
    let mut file = std::fs::File::open(path).map_err(|e| DataError::io(&name, e))?;
    let read = file.read(&mut magic).map_err(|e| DataError::io(&name, e))?;
    let by_ext = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if (read == 4 && &magic == b"PAR1") || by_ext {
        super::parquet::load_path(path, schema, options)
    } else {
        super::ndjson::load_path(path, schema, options)
    }
}
