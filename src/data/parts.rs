//! Loading in parts: each chunk of input (a block of NDJSON lines, a Parquet row group)
//! loads on its own, possibly on another thread, and the parts are assembled in input
//! order into one [`LoadReport`], the same whatever the number of threads.

use std::collections::BTreeSet;

use super::builder::ProfilesBuilder;
use super::error::{DataError, Location};
use super::load::{BadRows, LoadReport};
use super::{Profiles, merge};
use crate::schema::Schema;

/// What loading one chunk gave.
#[derive(Debug)]
pub(crate) struct Part {
    pub(crate) profiles: Profiles,
    pub(crate) bad: BadRows,
    pub(crate) undeclared_fields: BTreeSet<String>,
    pub(crate) undeclared_events: BTreeSet<String>,
    /// The error that stopped the chunk (bad rows not skipped, or an unreadable chunk).
    pub(crate) stopped: Option<DataError>,
    /// The chunk's first line or row, named if appending it overflows.
    pub(crate) start: Location,
}

impl Part {
    pub(crate) fn new(schema: &Schema, skip_bad: bool, start: Location) -> Part {
        Part {
            profiles: ProfilesBuilder::new(schema).finish(),
            bad: BadRows::new(skip_bad),
            undeclared_fields: BTreeSet::new(),
            undeclared_events: BTreeSet::new(),
            stopped: None,
            start,
        }
    }
}

/// The parts so far, in input order.
#[derive(Debug)]
pub(crate) struct Assembly {
    report: LoadReport,
    bad: BadRows,
}

impl Assembly {
    pub(crate) fn new(schema: &Schema, skip_bad: bool) -> Assembly {
        Assembly {
            report: LoadReport {
                profiles: ProfilesBuilder::new(schema).finish(),
                bad_rows: 0,
                first_errors: Vec::new(),
                undeclared_fields: BTreeSet::new(),
                undeclared_events: BTreeSet::new(),
            },
            bad: BadRows::new(skip_bad),
        }
    }

    /// Appends the next part; `Err` when the load must stop.
    pub(crate) fn add(&mut self, part: Part) -> Result<(), DataError> {
        if let Some(err) = part.stopped {
            return Err(err);
        }
        merge::append(&mut self.report.profiles, part.profiles).map_err(|detail| {
            DataError::Malformed {
                at: part.start,
                detail,
            }
        })?;
        self.bad.absorb(part.bad);
        self.report.undeclared_fields.extend(part.undeclared_fields);
        self.report.undeclared_events.extend(part.undeclared_events);
        Ok(())
    }

    pub(crate) fn finish(self) -> LoadReport {
        LoadReport {
            bad_rows: self.bad.count,
            first_errors: self.bad.first,
            ..self.report
        }
    }
}
