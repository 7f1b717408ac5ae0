//! Parquet profiles: the NDJSON shape as columns, streamed batch by batch, row groups
//! in parallel (see [`load_path`]).
//!
//! Only `id`, `events` and the declared fields are read (a projection), so wide exports
//! cost what the rule set uses. Each field column may be any Arrow type that holds its
//! values (ints of any width, floats, strings in any layout, timestamps in any unit
//! with or without a zone, or time strings); `events` is a list of structs with `type`,
//! `at` and one field per property, null where an event lacks it. Values follow the
//! same rules as NDJSON, and errors name the 1-based row.
//!
//! A batch whose rows all load is appended column by column (`batch.rs`); a batch with
//! a bad row loads row by row, which names the row and field of each error. Strings
//! stored dictionary-encoded are read as dictionary arrays (`dict_hint.rs`).

use std::collections::BTreeSet;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch, StructArray};
use arrow_schema::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use parquet::errors::ParquetError;
use parquet::file::reader::ChunkReader;
use parquet::schema::types::SchemaDescriptor;
use rayon::prelude::*;

use super::arrow_col::Col;
use super::builder::{ProfileRow, ProfilesBuilder, Staged};
use super::cell::{self, Cell};
use super::error::{DataError, Location, RowError};
use super::load::{LoadOptions, LoadReport, source_name};
use super::names::Names;
use super::parts::{Assembly, Part};
use super::{batch, dict_hint};
use crate::schema::{EventId, FieldId, Schema, Type};

/// Rows decoded at a time: larger batches than the reader's default spread its fixed
/// cost per batch over more rows.
const BATCH_ROWS: usize = 8192;

/// Loads a Parquet file; errors name it by `options.source_name`, or by its path.
///
/// Row groups load in parallel, each from its own handle on the file, a few at a time
/// so that memory holds the loaded columns and only a few row groups besides.
pub fn load_path(
    path: &Path,
    schema: &Schema,
    options: &LoadOptions,
) -> Result<LoadReport, DataError> {
    let name = source_name(path, options);
    let open = || std::fs::File::open(path).map_err(|e| DataError::io(&name, e));
    let file = open()?;
    let metadata =
        ArrowReaderMetadata::load(&file, Default::default()).map_err(|e| unreadable(&name, e))?;
    let metadata = dict_hint::hinted(&metadata, schema);
    let (mask, undeclared_fields) =
        projection(metadata.schema(), metadata.parquet_schema(), schema);
    let groups = metadata.metadata().row_groups();
    let mut first_rows = Vec::with_capacity(groups.len());
    let mut rows = 0usize;
    for group in groups {
        first_rows.push(rows + 1);
        rows += usize::try_from(group.num_rows()).unwrap_or(0);
    }

    let mut assembly = Assembly::new(schema, options.skip_bad);
    let wave = rayon::current_num_threads().max(1);
    if wave == 1 {
        // One thread: all row groups into one part, which spares merging parts.
        let start = Location::row(&name, 1);
        let part = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata)
            .with_projection(mask)
            .with_batch_size(BATCH_ROWS)
            .build()
            .map(|batches| load_batches(batches, schema, &name, options.skip_bad, start, true))
            .map_err(|e| unreadable(&name, e))?;
        assembly.add(part)?;
        let mut report = assembly.finish();
        report.undeclared_fields = undeclared_fields;
        return Ok(report);
    }
    let indexes: Vec<usize> = (0..groups.len()).collect();
    for wave in indexes.chunks(wave) {
        let parts: Vec<Part> = wave
            .par_iter()
            .map(|&g| {
                let start = Location::row(&name, first_rows[g]);
                let batches = open().and_then(|file| {
                    ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone())
                        .with_projection(mask.clone())
                        .with_row_groups(vec![g])
                        .with_batch_size(BATCH_ROWS)
                        .build()
                        .map_err(|e| unreadable(&name, e))
                });
                match batches {
                    Ok(batches) => {
                        load_batches(batches, schema, &name, options.skip_bad, start, true)
                    }
                    Err(e) => {
                        let mut part = Part::new(schema, options.skip_bad, start);
                        part.stopped = Some(e);
                        part
                    }
                }
            })
            .collect();
        for part in parts {
            assembly.add(part)?;
        }
    }
    let mut report = assembly.finish();
    report.undeclared_fields = undeclared_fields;
    Ok(report)
}

/// Loads Parquet profiles from an open file (or any [`ChunkReader`]), on this thread.
pub fn load<R: ChunkReader + 'static>(
    reader: R,
    schema: &Schema,
    options: &LoadOptions,
) -> Result<LoadReport, DataError> {
    load_from(reader, schema, options, true)
}

/// [`load`], with every batch loaded row by row unless `by_columns`: the reference the
/// column path is tested against.
pub(crate) fn load_from<R: ChunkReader + 'static>(
    reader: R,
    schema: &Schema,
    options: &LoadOptions,
    by_columns: bool,
) -> Result<LoadReport, DataError> {
    let name = options.source_name.as_str();
    let metadata =
        ArrowReaderMetadata::load(&reader, Default::default()).map_err(|e| unreadable(name, e))?;
    let metadata = dict_hint::hinted(&metadata, schema);
    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(reader, metadata);
    let (mask, undeclared_fields) = projection(builder.schema(), builder.parquet_schema(), schema);
    let batches = builder
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| unreadable(name, e))?;
    let mut assembly = Assembly::new(schema, options.skip_bad);
    let start = Location::row(name, 1);
    assembly.add(load_batches(
        batches,
        schema,
        name,
        options.skip_bad,
        start,
        by_columns,
    ))?;
    let mut report = assembly.finish();
    report.undeclared_fields = undeclared_fields;
    Ok(report)
}

fn unreadable(name: &str, e: ParquetError) -> DataError {
    DataError::parquet(name, format!("not a readable Parquet file: {e}"))
}

/// Reads `id`, `events` and the declared fields; the other top-level columns are
/// returned by name, as undeclared.
fn projection(
    columns: &arrow_schema::Schema,
    parquet_schema: &SchemaDescriptor,
    schema: &Schema,
) -> (ProjectionMask, BTreeSet<String>) {
    let mut roots = Vec::new();
    let mut undeclared = BTreeSet::new();
    for (i, field) in columns.fields().iter().enumerate() {
        let name = field.name().as_str();
        if name == "id" || name == "events" || schema.field(name).is_some() {
            roots.push(i);
        } else {
            undeclared.insert(name.to_owned());
        }
    }
    let mask = ProjectionMask::roots(parquet_schema, roots);
    (mask, undeclared)
}

#[cfg(test)]
thread_local! {
    /// Batches this thread has loaded column by column: tests check the path is taken.
    pub(crate) static BATCHES_BY_COLUMNS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Loads the batches of one or more row groups whose first row is `start`: a batch
/// whose rows all load goes column by column (when `by_columns`), the others row by row.
fn load_batches(
    batches: ParquetRecordBatchReader,
    schema: &Schema,
    name: &str,
    skip_bad: bool,
    start: Location,
    by_columns: bool,
) -> Part {
    let first_row = start.number;
    let mut part = Part::new(schema, skip_bad, start);
    let mut loader = Loader {
        schema,
        name,
        events_by_name: Names::new(
            schema
                .events
                .iter()
                .enumerate()
                .map(|(i, e)| (e.name.as_str(), EventId(i as u32))),
        ),
        undeclared_events: BTreeSet::new(),
    };
    let mut profiles = ProfilesBuilder::new(schema);
    let mut rows_before = first_row - 1;
    'batches: for batch in batches {
        let batch = match batch {
            Ok(batch) => batch,
            Err(e) => {
                let detail = format!("cannot read a row group: {e}");
                part.stopped = Some(DataError::parquet(name, detail));
                break;
            }
        };
        let columns = match loader.columns(&batch) {
            Ok(columns) => columns,
            Err(e) => {
                part.stopped = Some(e);
                break;
            }
        };
        let rows = batch.num_rows();
        if by_columns {
            let checked = batch::plan(
                schema,
                &loader.events_by_name,
                &columns,
                rows,
                profiles.profiles(),
            );
            if let Some(plan) = checked {
                plan.apply(profiles.profiles_mut(), &mut loader.undeclared_events);
                #[cfg(test)]
                BATCHES_BY_COLUMNS.with(|n| n.set(n.get() + 1));
                rows_before += rows;
                continue;
            }
        }
        // Columns that cannot fail are copied whole once the rows are committed; a row
        // that fails is left out of them as it is left out of the others.
        profiles.set_bulk(&columns.bulk);
        let mut failed = Vec::new();
        let mut end = batch.num_rows();
        for r in 0..batch.num_rows() {
            if let Err(e) = loader.row(&columns, r, &mut profiles) {
                failed.push(r);
                let at = Location::row(name, rows_before + r + 1);
                if let Err(stop) = part.bad.handle(e.at(&at)) {
                    part.stopped = Some(stop);
                    end = r;
                    break;
                }
            }
        }
        append_bulk(&columns, &mut profiles, end, &failed);
        if part.stopped.is_some() {
            break 'batches;
        }
        rows_before += batch.num_rows();
    }
    part.profiles = profiles.finish();
    part.undeclared_events = loader.undeclared_events;
    part
}

struct Loader<'s> {
    schema: &'s Schema,
    name: &'s str,
    events_by_name: Names<'s, EventId>,
    undeclared_events: BTreeSet<String>,
}

/// The readable columns of one batch.
pub(super) struct Columns<'a> {
    pub(super) id: Option<Col<'a>>,
    pub(super) fields: Vec<(FieldId, Col<'a>)>,
    /// Per field of the schema: its column is copied whole, not cell by cell.
    bulk: Vec<bool>,
    pub(super) events: Option<Events<'a>>,
}

/// The `events` column: list offsets and the struct's fields.
pub(super) struct Events<'a> {
    pub(super) list: &'a dyn Array,
    pub(super) offsets: Vec<(usize, usize)>,
    pub(super) structs: &'a StructArray,
    pub(super) ty: Col<'a>,
    pub(super) at: Col<'a>,
    /// Per event type, per property: the struct field holding it, if any.
    pub(super) props: Vec<Vec<Option<Col<'a>>>>,
}

impl<'s> Loader<'s> {
    fn unsupported(&self, column: &str, ty: &DataType, expected: &str) -> DataError {
        DataError::parquet(
            self.name,
            format!("column `{column}` has unsupported type `{ty}` (expected {expected})"),
        )
    }

    fn columns<'a>(&self, batch: &'a RecordBatch) -> Result<Columns<'a>, DataError> {
        let mut columns = Columns {
            id: None,
            fields: Vec::new(),
            bulk: vec![false; self.schema.fields.len()],
            events: None,
        };
        let arrow_schema = batch.schema_ref();
        for (i, array) in batch.columns().iter().enumerate() {
            let name = arrow_schema.field(i).name().as_str();
            let array = array.as_ref();
            if name == "id" {
                let col = Col::new(array).filter(|c| !c.is_list()).ok_or_else(|| {
                    self.unsupported(name, array.data_type(), "a string or an integer")
                })?;
                columns.id = Some(col);
            } else if name == "events" {
                columns.events = Some(self.events(array)?);
            } else if let Some(field) = self.schema.field(name) {
                let ty = self.schema.field_def(field).ty;
                let expected = format!("values of type {}", self.schema.type_name(ty));
                let col = Col::new(array)
                    .ok_or_else(|| self.unsupported(name, array.data_type(), &expected))?;
                columns.fields.push((field, col));
            }
        }
        for (field, col) in &columns.fields {
            let once = columns.fields.iter().filter(|(f, _)| f == field).count() == 1;
            if let Some(slot) = columns.bulk.get_mut(field.0 as usize) {
                *slot = once && col.bulk(self.schema.field_def(*field).ty);
            }
        }
        Ok(columns)
    }

    fn events<'a>(&self, array: &'a dyn Array) -> Result<Events<'a>, DataError> {
        let expected = "a list of structs with `type` and `at`";
        let bad = || self.unsupported("events", array.data_type(), expected);
        let (offsets, values): (Vec<(usize, usize)>, &'a dyn Array) =
            if let Some(list) = array.as_list_opt::<i32>() {
                (pairs(list.value_offsets()), list.values().as_ref())
            } else if let Some(list) = array.as_list_opt::<i64>() {
                (pairs(list.value_offsets()), list.values().as_ref())
            } else {
                return Err(bad());
            };
        let structs = values.as_struct_opt().ok_or_else(bad)?;
        let child = |name: &str| -> Result<Option<Col<'a>>, DataError> {
            match structs.column_by_name(name) {
                None => Ok(None),
                Some(array) => Col::new(array.as_ref()).map(Some).ok_or_else(|| {
                    self.unsupported(&format!("events.{name}"), array.data_type(), "a value")
                }),
            }
        };
        let ty = child("type")?.ok_or_else(bad)?;
        let at = child("at")?.ok_or_else(bad)?;
        let mut props = Vec::with_capacity(self.schema.events.len());
        for event in &self.schema.events {
            let mut cols = Vec::with_capacity(event.props.len());
            for prop in &event.props {
                cols.push(child(&prop.name)?);
            }
            props.push(cols);
        }
        Ok(Events {
            list: array,
            offsets,
            structs,
            ty,
            at,
            props,
        })
    }

    fn row(
        &mut self,
        columns: &Columns<'_>,
        r: usize,
        profiles: &mut ProfilesBuilder<'_>,
    ) -> Result<(), RowError> {
        let id_text;
        let id = match columns.id.as_ref().map_or(Cell::Missing, |c| c.cell(r)) {
            Cell::Missing => return Err(RowError::MissingId),
            Cell::Str(s) => s,
            Cell::Int(i) => {
                id_text = i.to_string();
                &id_text
            }
            Cell::UInt(u) => {
                id_text = u.to_string();
                &id_text
            }
            other => {
                return Err(RowError::bad_type(
                    "id",
                    format!("expected string or integer, found {}", other.describe()),
                ));
            }
        };
        let schema = self.schema;
        let mut row = profiles.profile(id);
        for (field, col) in &columns.fields {
            if columns.bulk.get(field.0 as usize).copied().unwrap_or(false) {
                continue;
            }
            let def = schema.field_def(*field);
            let path = || def.name.clone();
            let staged = value(&mut row, schema, def.ty, col, r, &path)?;
            row.stage_field(*field, staged);
        }
        if let Some(events) = &columns.events {
            self.events_of(&mut row, events, r)?;
        }
        row.commit()
    }

    fn events_of(
        &mut self,
        row: &mut ProfileRow<'_, '_>,
        events: &Events<'_>,
        r: usize,
    ) -> Result<(), RowError> {
        if r >= events.list.len() || events.list.is_null(r) {
            return Ok(());
        }
        let Some(&(start, end)) = events.offsets.get(r) else {
            return Ok(());
        };
        let schema = self.schema;
        for (k, j) in (start..end).enumerate() {
            if j >= events.structs.len() || events.structs.is_null(j) {
                return Err(RowError::bad_type(
                    format!("events[{k}]"),
                    "expected an event, found null",
                ));
            }
            let name = match events.ty.cell(j) {
                Cell::Str(s) => s,
                other => {
                    return Err(RowError::bad_type(
                        format!("events[{k}].type"),
                        format!("expected string, found {}", other.describe()),
                    ));
                }
            };
            let Some(id) = self.events_by_name.get(name) else {
                if !self.undeclared_events.contains(name) {
                    self.undeclared_events.insert(name.to_owned());
                }
                continue;
            };
            let at_path = || format!("events[{k}].at");
            let at = match events.at.cell(j) {
                Cell::Time(t) => t,
                Cell::Str(s) => match crate::time::parse_instant(s) {
                    Some(t) => t,
                    None => return Err(cell::bad_time(at_path(), s)),
                },
                Cell::Missing => return Err(RowError::bad_time(at_path(), "missing time")),
                other => return Err(cell::mismatch(at_path(), Type::Time, schema, other)),
            };
            let slots = row.push_event(id, at);
            let def = schema.event_def(id);
            let cols = events.props.get(id.0 as usize).map_or(&[][..], |c| &c[..]);
            for (p, (prop, col)) in def.props.iter().zip(cols).enumerate() {
                let Some(col) = col else { continue };
                let path = || format!("events[{k}].{}", prop.name);
                let staged = value(row, schema, prop.ty, col, j, &path)?;
                row.set_prop(slots, crate::schema::PropId(p as u32), staged);
            }
        }
        Ok(())
    }
}

/// Appends the bulk field columns' rows `0..end`, but for the `failed` ones (ascending).
fn append_bulk(
    columns: &Columns<'_>,
    profiles: &mut ProfilesBuilder<'_>,
    end: usize,
    failed: &[usize],
) {
    for (field, col) in &columns.fields {
        if !columns.bulk.get(field.0 as usize).copied().unwrap_or(false) {
            continue;
        }
        let Some(column) = profiles.column_mut(*field) else {
            continue;
        };
        if failed.is_empty() {
            col.append(0..end, column);
        } else {
            let mut failed = failed.iter().peekable();
            let kept = (0..end).filter(|r| {
                if failed.peek() == Some(&r) {
                    failed.next();
                    false
                } else {
                    true
                }
            });
            col.append(kept, column);
        }
    }
}

/// The value of cell `r` of `col` for a field or property of type `ty`.
fn value(
    row: &mut ProfileRow<'_, '_>,
    schema: &Schema,
    ty: Type,
    col: &Col<'_>,
    r: usize,
    path: &dyn Fn() -> String,
) -> Result<Staged, RowError> {
    if ty == Type::StrSet && col.is_list() {
        let Some(items) = col.list(r) else {
            return Ok(Staged::Missing);
        };
        for (i, item) in items.enumerate() {
            match item {
                Cell::Str(s) => row.set_element(s),
                other => {
                    return Err(RowError::bad_type(
                        format!("{}[{i}]", path()),
                        format!("expected string, found {}", other.describe()),
                    ));
                }
            }
        }
        return Ok(row.end_set());
    }
    cell::stage(row, schema, ty, col.cell(r), path)
}

/// List offsets as `(start, end)` pairs; a negative or decreasing offset gives an empty
/// range.
fn pairs<O: Copy + TryInto<usize>>(offsets: &[O]) -> Vec<(usize, usize)> {
    offsets
        .windows(2)
        .map(|w| {
            let start = w[0].try_into().unwrap_or(0);
            let end = w[1].try_into().unwrap_or(0);
            (start, end.max(start))
        })
        .collect()
}
