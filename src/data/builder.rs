//! Builds [`Profiles`] row by row: a typed API for hosts and tests, and the staging
//! area the loaders write into.
//!
//! A profile's fields and events are staged first and only copied into the columns when
//! the profile is finished, so a row that fails leaves nothing behind: not in the
//! columns, not in the event tables, not in the dictionary.

use super::error::{DataError, Location, RowError};
use super::{Bitmap, Column, ColumnValues, EventTable, Profiles};
use crate::schema::{EventId, FieldId, PropId, Schema, Type};
use crate::value::Value;

/// One staged field or property value, already checked against its declared type.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) enum Staged {
    Missing,
    Bool(bool),
    Int(i64),
    Float(f64),
    Time(i64),
    Duration(i64),
    Str(u32),
    Enum(u32),
    /// Dictionary codes `set_codes[start..end]` of the staging area, sorted, deduplicated.
    Set {
        start: u32,
        end: u32,
    },
}

/// An event of the profile being built, before sorting.
#[derive(Copy, Clone, Debug)]
struct PendingEvent {
    event: EventId,
    at: i64,
    /// Its properties are `props[props_start..props_start + n]`, `n` its type's count.
    props_start: usize,
}

/// The profile being built. Buffers are reused from row to row.
#[derive(Debug, Default)]
struct Staging {
    fields: Vec<Staged>,
    set_codes: Vec<u32>,
    events: Vec<PendingEvent>,
    props: Vec<Staged>,
    /// Where the elements of the set being staged start in `set_codes`.
    set_open: usize,
    /// Dictionary length when the row started: rolled back to on failure.
    dict_mark: usize,
}

/// Builds a [`Profiles`] for one schema, one profile at a time.
///
/// ```
/// # use corral::data::ProfilesBuilder;
/// # use corral::schema::{Schema, Field, Type, FieldId};
/// # use corral::value::Value;
/// let schema = Schema {
///     fields: vec![Field { name: "age".into(), ty: Type::Int }],
///     ..Schema::default()
/// };
/// let mut builder = ProfilesBuilder::new(&schema);
/// let mut row = builder.profile("u1");
/// row.set(FieldId(0), &Value::Int(30)).unwrap();
/// row.finish().unwrap();
/// assert_eq!(builder.finish().len(), 1);
/// ```
#[derive(Debug)]
pub struct ProfilesBuilder<'s> {
    schema: &'s Schema,
    profiles: Profiles,
    stage: Staging,
    /// Per field: filled by the loader a batch at a time, so committing a row skips it.
    bulk: Vec<bool>,
}

impl<'s> ProfilesBuilder<'s> {
    pub fn new(schema: &'s Schema) -> ProfilesBuilder<'s> {
        let columns = schema.fields.iter().map(|f| empty_column(f.ty)).collect();
        let events = schema
            .events
            .iter()
            .map(|e| {
                let props = e.props.iter().map(|p| empty_column(p.ty)).collect();
                EventTable::new(vec![0], Vec::new(), props)
            })
            .collect();
        ProfilesBuilder {
            schema,
            profiles: Profiles {
                columns,
                events,
                ..Profiles::default()
            },
            stage: Staging::default(),
            bulk: vec![false; schema.fields.len()],
        }
    }

    /// Marks the fields whose columns the loader appends to itself (through
    /// [`ProfilesBuilder::column_mut`]) once the batch's rows are committed.
    pub(crate) fn set_bulk(&mut self, bulk: &[bool]) {
        for (slot, &b) in self.bulk.iter_mut().zip(bulk) {
            *slot = b;
        }
    }

    pub(crate) fn column_mut(&mut self, field: FieldId) -> Option<&mut Column> {
        self.profiles.columns.get_mut(field.0 as usize)
    }

    pub(crate) fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    /// The profiles so far, for a loader that appends whole batches it has checked.
    pub(crate) fn profiles_mut(&mut self) -> &mut Profiles {
        &mut self.profiles
    }

    pub fn schema(&self) -> &'s Schema {
        self.schema
    }

    /// Profiles finished so far.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// Starts a profile. It is added by [`ProfileRow::finish`]; dropping the row without
    /// finishing it (or finishing it after an error) leaves the builder as it was.
    pub fn profile(&mut self, id: &str) -> ProfileRow<'_, 's> {
        self.stage.fields.clear();
        self.stage
            .fields
            .resize(self.schema.fields.len(), Staged::Missing);
        self.stage.set_codes.clear();
        self.stage.set_open = 0;
        self.stage.events.clear();
        self.stage.props.clear();
        self.stage.dict_mark = self.profiles.dict.len();
        ProfileRow {
            builder: self,
            id: id.into(),
            error: None,
            done: false,
        }
    }

    pub fn finish(self) -> Profiles {
        self.profiles
    }

    /// Where an error in the profile being built is: the row it will become.
    fn location(&self) -> Location {
        Location::row("", self.profiles.len() + 1)
    }

    fn commit(&mut self, id: Box<str>) -> Result<(), RowError> {
        let stage = &mut self.stage;
        // Stable: events of one type at the same instant keep their input order.
        stage.events.sort_by_key(|e| (e.event, e.at));
        // Check capacity before touching anything, so a failure leaves no partial row.
        // Counting per type is only needed when all the row's events might not fit.
        let all = stage.events.len();
        for (i, table) in self.profiles.events.iter().enumerate() {
            if u32::try_from(table.at.len() + all).is_ok() {
                continue;
            }
            let added = stage
                .events
                .iter()
                .filter(|e| e.event.0 as usize == i)
                .count();
            if u32::try_from(table.at.len() + added).is_err() {
                return Err(RowError::Malformed(format!(
                    "too many `{}` events to load",
                    self.schema.events[i].name
                )));
            }
        }
        let set_total: usize = stage
            .fields
            .iter()
            .map(|s| match s {
                Staged::Set { start, end } => (end - start) as usize,
                _ => 0,
            })
            .sum();
        for column in &self.profiles.columns {
            if let ColumnValues::StrSet { codes, .. } = &column.values
                && u32::try_from(codes.len() + set_total).is_err()
            {
                return Err(RowError::Malformed("too many set elements to load".into()));
            }
        }

        let fields = self.profiles.columns.iter_mut().zip(&stage.fields);
        for ((column, staged), &bulk) in fields.zip(&self.bulk) {
            if !bulk {
                push(column, *staged, &stage.set_codes);
            }
        }
        for pending in &stage.events {
            let Some(table) = self.profiles.events.get_mut(pending.event.0 as usize) else {
                continue;
            };
            table.at.push(pending.at);
            let n = table.props.len();
            let props = stage
                .props
                .get(pending.props_start..pending.props_start + n)
                .unwrap_or(&[]);
            for (i, column) in table.props.iter_mut().enumerate() {
                let staged = props.get(i).copied().unwrap_or(Staged::Missing);
                push(column, staged, &stage.set_codes);
            }
        }
        for table in &mut self.profiles.events {
            // INVARIANT: fits, checked above.
            table.offsets.push(table.at.len() as u32);
            table.sync_last_at();
        }
        self.profiles.ids.push(id);
        Ok(())
    }

    fn rollback(&mut self) {
        self.profiles.dict.truncate(self.stage.dict_mark);
    }
}

/// A profile being built. Values are checked as they are set; the first error poisons
/// the row, which is then rolled back.
#[derive(Debug)]
pub struct ProfileRow<'b, 's> {
    builder: &'b mut ProfilesBuilder<'s>,
    id: Box<str>,
    error: Option<DataError>,
    done: bool,
}

impl ProfileRow<'_, '_> {
    /// Sets a field; [`Value::Missing`] leaves it missing. Sets are sorted and
    /// deduplicated. A value of another type than the field's is an error.
    pub fn set(&mut self, field: FieldId, value: &Value) -> Result<(), DataError> {
        let schema = self.builder.schema;
        let result = match schema.fields.get(field.0 as usize) {
            None => Err(RowError::bad_type(
                format!("#{}", field.0),
                "not a field of the schema",
            )),
            Some(def) => self
                .stage_value(def.ty, value)
                .map_err(|detail| RowError::bad_type(def.name.clone(), detail))
                .map(|staged| self.stage_field(field, staged)),
        };
        self.check(result)
    }

    /// Adds an event at `at` (microseconds since the epoch). Properties not given are
    /// missing; each given one must have its declared type.
    pub fn event(
        &mut self,
        event: EventId,
        at: i64,
        props: &[(PropId, Value)],
    ) -> Result<(), DataError> {
        let schema = self.builder.schema;
        let index = self.builder.stage.events.len();
        let result = match schema.events.get(event.0 as usize) {
            None => Err(RowError::bad_type(
                format!("events[{index}]"),
                format!("event type #{} is not in the schema", event.0),
            )),
            Some(def) => {
                let slots = self.push_event(event, at);
                let mut result = Ok(());
                for (prop, value) in props {
                    let path = || match def.props.get(prop.0 as usize) {
                        Some(p) => format!("events[{index}].{}", p.name),
                        None => format!("events[{index}].#{}", prop.0),
                    };
                    let Some(p) = def.props.get(prop.0 as usize) else {
                        result = Err(RowError::bad_type(path(), "not a property of the event"));
                        break;
                    };
                    match self.stage_value(p.ty, value) {
                        Ok(staged) => self.set_prop(slots, *prop, staged),
                        Err(detail) => {
                            result = Err(RowError::bad_type(path(), detail));
                            break;
                        }
                    }
                }
                result
            }
        };
        self.check(result)
    }

    /// Adds the profile, or returns the first error of the row (and adds nothing).
    pub fn finish(mut self) -> Result<(), DataError> {
        self.done = true;
        if let Some(err) = self.error.take() {
            self.builder.rollback();
            return Err(err);
        }
        let id = std::mem::take(&mut self.id);
        let at = self.builder.location();
        self.builder.commit(id).map_err(|e| {
            self.builder.rollback();
            e.at(&at)
        })
    }

    /// Adds the profile staged by a loader (which checks values itself).
    pub(crate) fn commit(mut self) -> Result<(), RowError> {
        self.done = true;
        let id = std::mem::take(&mut self.id);
        self.builder
            .commit(id)
            .inspect_err(|_| self.builder.rollback())
    }

    fn check(&mut self, result: Result<(), RowError>) -> Result<(), DataError> {
        result.map_err(|e| {
            let err = e.at(&self.builder.location());
            if self.error.is_none() {
                self.error = Some(err.clone());
            }
            err
        })
    }

    /// Checks a host value against a declared type; the error is the detail text.
    fn stage_value(&mut self, ty: Type, value: &Value) -> Result<Staged, String> {
        let schema = self.builder.schema;
        let staged = match (ty, value) {
            (_, Value::Missing) => Staged::Missing,
            (Type::Bool, Value::Bool(b)) => Staged::Bool(*b),
            (Type::Int, Value::Int(i)) => Staged::Int(*i),
            (Type::Float, Value::Float(f)) => Staged::Float(*f),
            (Type::Time, Value::Time(t)) => Staged::Time(*t),
            (Type::Duration, Value::Duration(d)) => Staged::Duration(*d),
            (Type::Str, Value::Str(s)) => Staged::Str(self.intern(s)),
            (Type::Enum(e), Value::Enum(ve, v))
                if e == *ve && (*v as usize) < schema.enum_def(e).variants.len() =>
            {
                Staged::Enum(*v)
            }
            (Type::StrSet, Value::StrSet(items)) => {
                for item in items.iter() {
                    self.set_element(item);
                }
                self.end_set()
            }
            _ => {
                return Err(format!(
                    "expected {}, found {}",
                    schema.type_name(ty),
                    describe_value(schema, value)
                ));
            }
        };
        Ok(staged)
    }

    // The loaders' staging API: values already checked against the schema.

    /// Names the profile (a loader may meet the id after other fields).
    pub(crate) fn set_id(&mut self, id: Box<str>) {
        self.id = id;
    }

    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        self.builder.profiles.dict.intern(s)
    }

    pub(crate) fn stage_field(&mut self, field: FieldId, staged: Staged) {
        if let Some(slot) = self.builder.stage.fields.get_mut(field.0 as usize) {
            *slot = staged;
        }
    }

    /// Adds an element to the set being staged (elements since the last `end_set`).
    pub(crate) fn set_element(&mut self, s: &str) {
        let code = self.intern(s);
        self.builder.stage.set_codes.push(code);
    }

    /// Closes the set whose elements were added since the previous set: sorts and
    /// deduplicates its codes.
    pub(crate) fn end_set(&mut self) -> Staged {
        let stage = &mut self.builder.stage;
        let start = stage.set_open.min(stage.set_codes.len());
        super::sort_dedup_from(&mut stage.set_codes, start);
        stage.set_open = stage.set_codes.len();
        Staged::Set {
            start: start as u32,
            end: stage.set_open as u32,
        }
    }

    /// Adds an event with all properties missing; returns where its property slots start.
    pub(crate) fn push_event(&mut self, event: EventId, at: i64) -> usize {
        let schema = self.builder.schema;
        let n = schema
            .events
            .get(event.0 as usize)
            .map_or(0, |e| e.props.len());
        let stage = &mut self.builder.stage;
        let props_start = stage.props.len();
        stage.props.resize(props_start + n, Staged::Missing);
        stage.events.push(PendingEvent {
            event,
            at,
            props_start,
        });
        props_start
    }

    pub(crate) fn set_prop(&mut self, slots: usize, prop: PropId, staged: Staged) {
        if let Some(slot) = self.builder.stage.props.get_mut(slots + prop.0 as usize) {
            *slot = staged;
        }
    }
}

impl Drop for ProfileRow<'_, '_> {
    fn drop(&mut self) {
        if !self.done {
            self.builder.rollback();
        }
    }
}

/// An empty column of type `ty`.
pub(crate) fn empty_column(ty: Type) -> Column {
    let values = match ty {
        Type::Bool => ColumnValues::Bool(Bitmap::new()),
        Type::Int => ColumnValues::Int(Vec::new()),
        Type::Float => ColumnValues::Float(Vec::new()),
        Type::Str => ColumnValues::Str(Vec::new()),
        Type::Time => ColumnValues::Time(Vec::new()),
        Type::Duration => ColumnValues::Duration(Vec::new()),
        Type::Enum(_) => ColumnValues::Enum(Vec::new()),
        Type::StrSet => ColumnValues::StrSet {
            offsets: vec![0],
            codes: Vec::new(),
        },
    };
    Column {
        valid: Bitmap::new(),
        values,
    }
}

/// Appends one staged value. A missing value (or, defensively, one of another type)
/// appends a default with validity false.
pub(super) fn push(column: &mut Column, staged: Staged, set_codes: &[u32]) {
    let valid = match (&mut column.values, staged) {
        (ColumnValues::Bool(v), Staged::Bool(b)) => {
            v.push(b);
            true
        }
        (ColumnValues::Int(v), Staged::Int(x))
        | (ColumnValues::Time(v), Staged::Time(x))
        | (ColumnValues::Duration(v), Staged::Duration(x)) => {
            v.push(x);
            true
        }
        (ColumnValues::Float(v), Staged::Float(x)) => {
            v.push(x);
            true
        }
        (ColumnValues::Str(v), Staged::Str(x)) | (ColumnValues::Enum(v), Staged::Enum(x)) => {
            v.push(x);
            true
        }
        (ColumnValues::StrSet { offsets, codes }, Staged::Set { start, end }) => {
            codes.extend_from_slice(set_codes.get(start as usize..end as usize).unwrap_or(&[]));
            // INVARIANT: fits, checked by `commit`.
            offsets.push(codes.len() as u32);
            true
        }
        (values, _) => {
            values.push_placeholder();
            false
        }
    };
    column.valid.push(valid);
}

/// `string "abc"`, `int 3`: a host value named for an error.
fn describe_value(schema: &Schema, value: &Value) -> String {
    let ty = value.type_of().map_or("missing".into(), |t| match t {
        Type::Enum(_) => "enum variant".into(),
        t => schema.type_name(t),
    });
    match value {
        Value::Str(s) => format!("{ty} {}", super::error::quote(s)),
        Value::StrSet(_) | Value::Missing => ty,
        Value::Enum(e, v) => match schema.enums.get(e.0 as usize) {
            Some(def) => match def.variants.get(*v as usize) {
                Some(name) => format!("{ty} `{name}`"),
                None => format!("{ty} #{v}"),
            },
            None => format!("enum #{} variant #{v}", e.0),
        },
        other => format!("{ty} {}", other.to_key(schema)),
    }
}
