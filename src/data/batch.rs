//! A whole Parquet batch loaded column by column, when no row of it can fail.
//!
//! [`plan`] checks every cell with the row path's type rules and converts what does not
//! depend on the dictionary (ids, scalar fields, event times, non-string properties);
//! a cell the row path would reject gives `None`, and the caller loads that batch row
//! by row, which reports the errors. [`Plan::apply`] then appends the batch. Strings are
//! interned in the row path's order (row by row; in a row, fields in file order, then
//! events in input order, each one's properties in declaration order), so the dictionary
//! gets the same codes, and each value of a dictionary-encoded column is looked up once.

use std::collections::BTreeSet;
use std::ops::Range;

use arrow_array::Array;

use super::arrow_col::{Col, Kind};
use super::builder::{Staged, empty_column, push};
use super::cell::{self, Cell, NoIntern};
use super::merge::append_column;
use super::names::Names;
use super::parquet::{Columns, Events};
use super::{ColumnValues, Dictionary, Profiles};
use crate::schema::{EventId, FieldId, Schema, Type};

/// A checked batch, ready to append.
pub(super) struct Plan<'c, 'a> {
    rows: usize,
    ids: Vec<Box<str>>,
    /// Field columns in file order.
    fields: Vec<(FieldId, FieldPlan<'c, 'a>)>,
    events: Option<EventsPlan<'c, 'a>>,
    undeclared_events: BTreeSet<String>,
}

enum FieldPlan<'c, 'a> {
    /// Converted already: no strings in it.
    Done(super::Column),
    Str(Strings<'c, 'a>),
    Set {
        list: &'c Col<'a>,
        elements: Strings<'c, 'a>,
    },
}

/// The declared events of a batch, per event type `t`, numbered `q` in input order.
struct EventsPlan<'c, 'a> {
    /// Per type: the struct index of event `q`.
    source: Vec<Vec<usize>>,
    /// Per type: the time of event `q`.
    at: Vec<Vec<i64>>,
    /// Per type: events `q` in table order (per profile, by time, ties in input order).
    order: Vec<Vec<u32>>,
    /// Per type: each row's number of events.
    counts: Vec<Vec<u32>>,
    /// Per row, the declared events `(t, q)` in input order: the order strings are met.
    walk: Vec<(EventId, u32)>,
    walk_rows: Vec<usize>,
    /// Per type, per property.
    props: Vec<Vec<PropPlan<'c, 'a>>>,
}

enum PropPlan<'c, 'a> {
    /// No such struct field: missing.
    Absent,
    /// Staged values of events `q`.
    Values(Vec<Staged>),
    /// Strings, coded while walking the rows: the code of event `q`, or [`UNSET`].
    Str {
        strings: Strings<'c, 'a>,
        codes: Vec<u32>,
    },
}

/// A code not yet known (a dictionary value not yet met, a missing string).
const UNSET: u32 = u32::MAX;

/// A column of strings read as dictionary codes.
struct Strings<'c, 'a> {
    col: &'c Col<'a>,
    /// For a dictionary array: the code of each of its values, [`UNSET`] until met.
    known: Vec<u32>,
}

impl<'c, 'a> Strings<'c, 'a> {
    /// `None` unless every cell of `col` is a string or missing.
    fn new(col: &'c Col<'a>) -> Option<Strings<'c, 'a>> {
        let known = match &col.kind {
            Kind::Null | Kind::Utf8(_) | Kind::LargeUtf8(_) | Kind::Utf8View(_) => Vec::new(),
            Kind::Dict { values, .. } => match values.kind {
                Kind::Null | Kind::Utf8(_) | Kind::LargeUtf8(_) | Kind::Utf8View(_) => {
                    vec![UNSET; values.array.len()]
                }
                _ => return None,
            },
            _ => return None,
        };
        Some(Strings { col, known })
    }

    /// Whether no cell is missing (a set element must not be).
    fn all_present(&self) -> bool {
        let values_present = match &self.col.kind {
            Kind::Null => self.col.array.is_empty(),
            Kind::Dict { values, .. } => {
                !matches!(values.kind, Kind::Null) && values.array.null_count() == 0
            }
            _ => true,
        };
        values_present && self.col.array.null_count() == 0
    }

    /// The code of cell `i`, interning it if new; `None` if missing.
    fn code(&mut self, i: usize, dict: &mut Dictionary) -> Option<u32> {
        if let Kind::Dict { keys, values } = &self.col.kind {
            if self.col.array.is_null(i) {
                return None;
            }
            let k = keys.index(i)?;
            if let Some(&code) = self.known.get(k)
                && code != UNSET
            {
                return Some(code);
            }
            let Cell::Str(s) = values.cell(k) else {
                return None;
            };
            let code = dict.intern(s);
            if let Some(slot) = self.known.get_mut(k) {
                *slot = code;
            }
            return Some(code);
        }
        match self.col.cell(i) {
            Cell::Str(s) => Some(dict.intern(s)),
            _ => None,
        }
    }
}

/// Checks a batch of `rows` rows and converts what it can ahead of [`Plan::apply`];
/// `None` if any row would fail (or could, as far as a whole-column check tells).
pub(super) fn plan<'c, 'a>(
    schema: &Schema,
    events_by_name: &Names<'_, EventId>,
    columns: &'c Columns<'a>,
    rows: usize,
    profiles: &Profiles,
) -> Option<Plan<'c, 'a>> {
    let id = columns.id.as_ref()?;
    let mut ids = Vec::with_capacity(rows);
    for r in 0..rows {
        ids.push(match id.cell(r) {
            Cell::Str(s) => s.into(),
            Cell::Int(i) => i.to_string().into_boxed_str(),
            Cell::UInt(u) => u.to_string().into_boxed_str(),
            _ => return None,
        });
    }
    let mut seen = vec![false; schema.fields.len()];
    let mut fields = Vec::with_capacity(columns.fields.len());
    for (field, col) in &columns.fields {
        // A field given twice takes its last column on the row path.
        let once = seen.get_mut(field.0 as usize)?;
        if std::mem::replace(once, true) {
            return None;
        }
        let ty = schema.field_def(*field).ty;
        fields.push((*field, field_plan(schema, ty, col, rows)?));
    }
    // Room for every set element, before duplicates are dropped.
    let elements: usize = fields
        .iter()
        .map(|(_, plan)| match plan {
            FieldPlan::Set { elements, .. } => elements.col.array.len(),
            _ => 0,
        })
        .sum();
    if elements > 0 {
        let existing = profiles.columns.iter().map(|c| match &c.values {
            ColumnValues::StrSet { codes, .. } => codes.len(),
            _ => 0,
        });
        u32::try_from(existing.max().unwrap_or(0) + elements).ok()?;
    }
    let mut undeclared_events = BTreeSet::new();
    let events = match &columns.events {
        Some(events) => Some(events_plan(
            schema,
            events_by_name,
            events,
            rows,
            profiles,
            &mut undeclared_events,
        )?),
        None => None,
    };
    Some(Plan {
        rows,
        ids,
        fields,
        events,
        undeclared_events,
    })
}

fn field_plan<'c, 'a>(
    schema: &Schema,
    ty: Type,
    col: &'c Col<'a>,
    rows: usize,
) -> Option<FieldPlan<'c, 'a>> {
    match ty {
        Type::Str => Strings::new(col).map(FieldPlan::Str),
        Type::StrSet if col.is_list() => {
            let Kind::List { values, .. } = &col.kind else {
                return None;
            };
            let elements = Strings::new(values)?;
            if !elements.all_present() {
                return None;
            }
            Some(FieldPlan::Set {
                list: col,
                elements,
            })
        }
        _ => {
            let mut column = empty_column(ty);
            if col.bulk(ty) {
                col.append(0..rows, &mut column);
            } else if let Kind::Dict { keys, values } = &col.kind {
                // Each value of the dictionary converted once.
                let mut by_key: Vec<Option<Staged>> = vec![None; values.array.len()];
                for r in 0..rows {
                    let staged = match keys.index(r) {
                        Some(k) if !col.array.is_null(r) => match by_key.get(k) {
                            Some(Some(staged)) => *staged,
                            _ => {
                                let staged = stage_scalar(schema, ty, values.cell(k))?;
                                if let Some(slot) = by_key.get_mut(k) {
                                    *slot = Some(staged);
                                }
                                staged
                            }
                        },
                        _ => stage_scalar(schema, ty, Cell::Missing)?,
                    };
                    push(&mut column, staged, &[]);
                }
            } else {
                for r in 0..rows {
                    push(&mut column, stage_scalar(schema, ty, col.cell(r))?, &[]);
                }
            }
            Some(FieldPlan::Done(column))
        }
    }
}

/// Event types by struct index; a dictionary array's values are looked up once.
struct TypeOf<'c, 'a> {
    col: &'c Col<'a>,
    /// Per dictionary value: its event type, once looked up.
    known: Vec<Option<Option<EventId>>>,
}

impl<'c, 'a> TypeOf<'c, 'a> {
    fn new(col: &'c Col<'a>) -> TypeOf<'c, 'a> {
        let known = match &col.kind {
            Kind::Dict { values, .. } => vec![None; values.array.len()],
            _ => Vec::new(),
        };
        TypeOf { col, known }
    }

    /// The declared type of event `j`: `Some(None)` for a type the schema lacks (noted in
    /// `undeclared`), `None` for a type that is not a string.
    fn get(
        &mut self,
        j: usize,
        names: &Names<'_, EventId>,
        undeclared: &mut BTreeSet<String>,
    ) -> Option<Option<EventId>> {
        let key = match &self.col.kind {
            Kind::Dict { keys, .. } => keys.index(j),
            _ => None,
        };
        if let Some(k) = key
            && let Some(Some(known)) = self.known.get(k)
        {
            return Some(*known);
        }
        let Cell::Str(name) = self.col.cell(j) else {
            return None;
        };
        let t = names.get(name);
        if t.is_none() && !undeclared.contains(name) {
            undeclared.insert(name.to_owned());
        }
        if let Some(k) = key
            && let Some(slot) = self.known.get_mut(k)
        {
            *slot = Some(t);
        }
        Some(t)
    }
}

/// A field's value by the row path's rules; `None` where the row path fails. Strings
/// are only checked, not interned.
fn stage_scalar(schema: &Schema, ty: Type, cell: Cell<'_>) -> Option<Staged> {
    match (ty, cell) {
        // A set from a column that is not a list: only missing values load.
        (Type::StrSet, Cell::Missing) => Some(Staged::Missing),
        (Type::StrSet, _) => None,
        (ty, cell) => cell::stage(&mut NoIntern, schema, ty, cell, &String::new).ok(),
    }
}

/// Where row `r`'s events are in the struct array; empty for a null list.
fn event_range(events: &Events<'_>, r: usize) -> Range<usize> {
    if r >= events.list.len() || events.list.is_null(r) {
        return 0..0;
    }
    events
        .offsets
        .get(r)
        .map_or(0..0, |&(start, end)| start..end)
}

fn events_plan<'c, 'a>(
    schema: &Schema,
    names: &Names<'_, EventId>,
    events: &'c Events<'a>,
    rows: usize,
    profiles: &Profiles,
    undeclared: &mut BTreeSet<String>,
) -> Option<EventsPlan<'c, 'a>> {
    let types = schema.events.len();
    let mut plan = EventsPlan {
        source: vec![Vec::new(); types],
        at: vec![Vec::new(); types],
        order: vec![Vec::new(); types],
        counts: vec![Vec::with_capacity(rows); types],
        walk: Vec::new(),
        walk_rows: Vec::with_capacity(rows + 1),
        props: Vec::with_capacity(types),
    };
    plan.walk_rows.push(0);
    let mut types = TypeOf::new(&events.ty);
    // One row's events: (type, time, q), sorted as the row path sorts them.
    let mut row_events: Vec<(EventId, i64, u32)> = Vec::new();
    for r in 0..rows {
        row_events.clear();
        for j in event_range(events, r) {
            if j >= events.structs.len() || events.structs.is_null(j) {
                return None;
            }
            let Some(t) = types.get(j, names, undeclared)? else {
                continue;
            };
            let at = match events.at.cell(j) {
                Cell::Time(at) => at,
                Cell::Str(s) => crate::time::parse_instant(s)?,
                _ => return None,
            };
            let source = plan.source.get_mut(t.0 as usize)?;
            let q = u32::try_from(source.len()).ok()?;
            source.push(j);
            plan.at.get_mut(t.0 as usize)?.push(at);
            plan.walk.push((t, q));
            row_events.push((t, at, q));
        }
        plan.walk_rows.push(plan.walk.len());
        // Events of one type at the same instant keep their input order (`q` ascends),
        // as the row path's stable sort keeps them.
        row_events.sort_unstable();
        for counts in &mut plan.counts {
            counts.push(0);
        }
        for &(t, _, q) in &row_events {
            plan.order.get_mut(t.0 as usize)?.push(q);
            if let Some(count) = plan.counts.get_mut(t.0 as usize)?.last_mut() {
                *count += 1;
            }
        }
    }
    for (t, (def, cols)) in schema.events.iter().zip(&events.props).enumerate() {
        let table = profiles.events.get(t)?;
        let source = plan.source.get(t)?;
        u32::try_from(table.at.len() + source.len()).ok()?;
        let mut props = Vec::with_capacity(def.props.len());
        for (prop, col) in def.props.iter().zip(cols) {
            let Some(col) = col else {
                props.push(PropPlan::Absent);
                continue;
            };
            props.push(match prop.ty {
                Type::Str => PropPlan::Str {
                    strings: Strings::new(col)?,
                    codes: vec![UNSET; source.len()],
                },
                // Rare enough to leave to the row path.
                Type::StrSet => return None,
                ty => {
                    let mut values = Vec::with_capacity(source.len());
                    for &j in source {
                        let c = col.cell(j);
                        values.push(cell::stage(&mut NoIntern, schema, ty, c, &String::new).ok()?);
                    }
                    PropPlan::Values(values)
                }
            });
        }
        plan.props.push(props);
    }
    Some(plan)
}

impl Plan<'_, '_> {
    /// Appends the batch to `profiles`, which [`plan`] was checked against.
    pub(super) fn apply(self, profiles: &mut Profiles, undeclared: &mut BTreeSet<String>) {
        let Plan {
            rows,
            ids,
            mut fields,
            mut events,
            undeclared_events,
        } = self;
        undeclared.extend(undeclared_events);
        let Profiles {
            ids: all_ids,
            columns,
            events: tables,
            dict,
        } = profiles;
        all_ids.extend(ids);

        let mut given = vec![false; columns.len()];
        for (field, plan) in &mut fields {
            if let Some(slot) = given.get_mut(field.0 as usize) {
                *slot = true;
            }
            if let FieldPlan::Done(column) = plan
                && let Some(to) = columns.get_mut(field.0 as usize)
            {
                append_column(to, std::mem::replace(column, empty_column(Type::Bool)), &[]);
            }
        }
        for (column, given) in columns.iter_mut().zip(given) {
            if !given {
                for _ in 0..rows {
                    push(column, Staged::Missing, &[]);
                }
            }
        }

        // The strings, row by row in the row path's order.
        for r in 0..rows {
            for (field, plan) in &mut fields {
                let Some(column) = columns.get_mut(field.0 as usize) else {
                    continue;
                };
                match plan {
                    FieldPlan::Done(_) => {}
                    FieldPlan::Str(strings) => {
                        let staged = strings.code(r, dict).map_or(Staged::Missing, Staged::Str);
                        push(column, staged, &[]);
                    }
                    FieldPlan::Set { list, elements } => {
                        append_set(column, list.list_range(r), elements, dict);
                    }
                }
            }
            if let Some(events) = &mut events {
                let walk = events.walk_rows.get(r..r + 2).unwrap_or(&[0, 0]);
                let (from, to) = (walk[0], walk[1]);
                for &(t, q) in events.walk.get(from..to).unwrap_or(&[]) {
                    let t = t.0 as usize;
                    let Some(&j) = events.source.get(t).and_then(|s| s.get(q as usize)) else {
                        continue;
                    };
                    for prop in events.props.get_mut(t).map_or(&mut [][..], |p| &mut p[..]) {
                        if let PropPlan::Str { strings, codes } = prop
                            && let Some(slot) = codes.get_mut(q as usize)
                        {
                            *slot = strings.code(j, dict).unwrap_or(UNSET);
                        }
                    }
                }
            }
        }

        match events {
            Some(events) => {
                for (t, table) in tables.iter_mut().enumerate() {
                    append_table(table, &events, t);
                }
            }
            None => {
                for table in tables.iter_mut() {
                    let end = table.offsets.last().copied().unwrap_or(0);
                    table.offsets.extend(std::iter::repeat_n(end, rows));
                }
            }
        }
        for table in tables.iter_mut() {
            table.sync_last_at();
        }
    }
}

/// Appends one row's set: the elements at `range` coded, sorted and deduplicated.
fn append_set(
    column: &mut super::Column,
    range: Option<Range<usize>>,
    elements: &mut Strings<'_, '_>,
    dict: &mut Dictionary,
) {
    let Some(range) = range else {
        push(column, Staged::Missing, &[]);
        return;
    };
    let ColumnValues::StrSet { offsets, codes } = &mut column.values else {
        push(column, Staged::Missing, &[]);
        return;
    };
    let start = codes.len();
    codes.extend(range.filter_map(|i| elements.code(i, dict)));
    super::sort_dedup_from(codes, start);
    // INVARIANT: fits, checked by `plan`.
    offsets.push(codes.len() as u32);
    column.valid.push(true);
}

/// Appends the batch's events of type `t`, in table order.
fn append_table(table: &mut super::EventTable, events: &EventsPlan<'_, '_>, t: usize) {
    let order = events.order.get(t).map_or(&[][..], |o| &o[..]);
    let at = events.at.get(t).map_or(&[][..], |a| &a[..]);
    let mut end = table.at.len() as u32;
    for &count in events.counts.get(t).map_or(&[][..], |c| &c[..]) {
        // INVARIANT: fits, checked by `plan`.
        end += count;
        table.offsets.push(end);
    }
    table.at.extend(
        order
            .iter()
            .map(|&q| at.get(q as usize).copied().unwrap_or(0)),
    );
    let props = events.props.get(t).map_or(&[][..], |p| &p[..]);
    for (i, column) in table.props.iter_mut().enumerate() {
        match props.get(i) {
            Some(PropPlan::Values(values)) => {
                for &q in order {
                    let staged = values.get(q as usize).copied();
                    push(column, staged.unwrap_or(Staged::Missing), &[]);
                }
            }
            Some(PropPlan::Str { codes, .. }) => {
                for &q in order {
                    let code = codes.get(q as usize).copied().unwrap_or(UNSET);
                    let staged = if code == UNSET {
                        Staged::Missing
                    } else {
                        Staged::Str(code)
                    };
                    push(column, staged, &[]);
                }
            }
            Some(PropPlan::Absent) | None => {
                for _ in order {
                    push(column, Staged::Missing, &[]);
                }
            }
        }
    }
}
