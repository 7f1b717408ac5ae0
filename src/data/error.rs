//! Errors from loading profiles: each names its file, line or row, and field path.

use std::fmt;
use std::sync::Arc;

use miette::Diagnostic;
use thiserror::Error;

/// Where a row came from: `profiles.ndjson line 12`, `x.parquet row 3`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file name (may be empty for rows built in memory).
    pub source: String,
    pub unit: Unit,
    /// 1-based.
    pub number: usize,
}

/// How rows are counted in a source.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Physical lines of an NDJSON file, blank ones included.
    Line,
    /// Rows of a Parquet file or profiles given to a builder.
    Row,
}

impl Location {
    pub fn line(source: &str, number: usize) -> Location {
        Location {
            source: source.to_owned(),
            unit: Unit::Line,
            number,
        }
    }

    pub fn row(source: &str, number: usize) -> Location {
        Location {
            source: source.to_owned(),
            unit: Unit::Row,
            number,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            Unit::Line => "line",
            Unit::Row => "row",
        };
        if self.source.is_empty() {
            write!(f, "{unit} {}", self.number)
        } else {
            write!(f, "{} {unit} {}", self.source, self.number)
        }
    }
}

/// An error while loading profiles. Row errors (`malformed`, `missing_id`, `bad_type`,
/// `bad_time`) name their row; `io` and `parquet` are about the whole file.
#[derive(Clone, Debug, Error, Diagnostic)]
pub enum DataError {
    /// Not JSON, not an object, not UTF-8.
    #[error("{at}: {detail}")]
    #[diagnostic(code(corral::data::malformed))]
    Malformed { at: Location, detail: String },

    #[error("{at}: missing `id`")]
    #[diagnostic(
        code(corral::data::missing_id),
        help("every profile needs an `id`: a string or an integer")
    )]
    MissingId { at: Location },

    /// A value of the wrong type in a field or an event property.
    #[error("{at}: field `{path}`: {detail}")]
    #[diagnostic(code(corral::data::bad_type))]
    BadType {
        at: Location,
        path: String,
        detail: String,
    },

    /// A missing or unreadable time.
    #[error("{at}: field `{path}`: {detail}")]
    #[diagnostic(
        code(corral::data::bad_time),
        help("write times as RFC 3339 (`2026-11-01T08:00:00Z`) or as a date (`2026-11-01`)")
    )]
    BadTime {
        at: Location,
        path: String,
        detail: String,
    },

    #[error("cannot read `{source_name}`: {source}")]
    #[diagnostic(code(corral::data::io))]
    Io {
        source_name: String,
        #[source]
        source: Arc<std::io::Error>,
    },

    /// An unreadable Parquet file or a column of a type the loader cannot read.
    #[error("{source_name}: {detail}")]
    #[diagnostic(code(corral::data::parquet))]
    Parquet { source_name: String, detail: String },
}

impl DataError {
    pub(crate) fn io(source_name: &str, err: std::io::Error) -> DataError {
        DataError::Io {
            source_name: source_name.to_owned(),
            source: Arc::new(err),
        }
    }

    pub(crate) fn parquet(source_name: &str, detail: impl Into<String>) -> DataError {
        DataError::Parquet {
            source_name: source_name.to_owned(),
            detail: detail.into(),
        }
    }

    /// The row the error is about, if it is a row error.
    pub fn location(&self) -> Option<&Location> {
        match self {
            DataError::Malformed { at, .. }
            | DataError::MissingId { at }
            | DataError::BadType { at, .. }
            | DataError::BadTime { at, .. } => Some(at),
            DataError::Io { .. } | DataError::Parquet { .. } => None,
        }
    }

    /// The stable code, e.g. `corral::data::bad_type`.
    pub fn code_str(&self) -> &'static str {
        match self {
            DataError::Malformed { .. } => "corral::data::malformed",
            DataError::MissingId { .. } => "corral::data::missing_id",
            DataError::BadType { .. } => "corral::data::bad_type",
            DataError::BadTime { .. } => "corral::data::bad_time",
            DataError::Io { .. } => "corral::data::io",
            DataError::Parquet { .. } => "corral::data::parquet",
        }
    }
}

/// A row error before it knows its row: what went wrong, and at which field path.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RowError {
    Malformed(String),
    MissingId,
    BadType { path: String, detail: String },
    BadTime { path: String, detail: String },
}

impl RowError {
    pub(crate) fn bad_type(path: impl Into<String>, detail: impl Into<String>) -> RowError {
        RowError::BadType {
            path: path.into(),
            detail: detail.into(),
        }
    }

    pub(crate) fn bad_time(path: impl Into<String>, detail: impl Into<String>) -> RowError {
        RowError::BadTime {
            path: path.into(),
            detail: detail.into(),
        }
    }

    pub(crate) fn at(self, at: &Location) -> DataError {
        let at = at.clone();
        match self {
            RowError::Malformed(detail) => DataError::Malformed { at, detail },
            RowError::MissingId => DataError::MissingId { at },
            RowError::BadType { path, detail } => DataError::BadType { at, path, detail },
            RowError::BadTime { path, detail } => DataError::BadTime { at, path, detail },
        }
    }
}

/// `string "abc"` for error details: how a found value is shown, shortened if long.
pub(crate) fn quote(text: &str) -> String {
    const MAX: usize = 40;
    let mut out = String::with_capacity(text.len().min(MAX) + 2);
    out.push('"');
    for (i, c) in text.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
