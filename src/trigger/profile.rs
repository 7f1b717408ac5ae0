//! One profile between the store and the interpreter: a stored [`ProfileRecord`] as a
//! one-row [`Profiles`] to evaluate, and a row of loaded [`Profiles`] as a record.

use crate::data::{
    Column, ColumnValues, Dictionary, EventTable, Profiles, empty_column, sort_dedup_from,
};
use crate::schema::{EventId, Schema, Type};

use super::plan::Retention;
use super::state::{Datum, ProfileRecord, StoredEvent};

/// The record as a one-row [`Profiles`] (row 0) for the interpreter, built straight
/// from the typed values. A value whose kind does not fit its declared type reads as
/// missing.
pub(crate) fn to_profiles(schema: &Schema, id: &str, rec: &ProfileRecord) -> Profiles {
    let mut dict = Dictionary::default();
    let columns = schema
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| column(f.ty, std::iter::once(rec.fields.get(i)), &mut dict))
        .collect();
    let events = schema
        .events
        .iter()
        .enumerate()
        .map(|(e, def)| {
            let of_type = || rec.events.iter().filter(move |ev| ev.event as usize == e);
            let at: Vec<i64> = of_type().map(|ev| ev.at).collect();
            let props = def
                .props
                .iter()
                .enumerate()
                .map(|(p, prop)| column(prop.ty, of_type().map(|ev| ev.props.get(p)), &mut dict))
                .collect();
            EventTable::new(vec![0, at.len() as u32], at, props)
        })
        .collect();
    Profiles {
        ids: vec![id.into()],
        columns,
        events,
        dict,
    }
}

/// A column of type `ty` holding `cells` (`None` or a misfit: missing).
fn column<'d>(
    ty: Type,
    cells: impl Iterator<Item = Option<&'d Datum>>,
    dict: &mut Dictionary,
) -> Column {
    let Column {
        mut valid,
        mut values,
    } = empty_column(ty);
    for cell in cells {
        let d = cell.unwrap_or(&Datum::Missing);
        let ok = match (&mut values, d) {
            (ColumnValues::Bool(v), Datum::Bool(b)) => {
                v.push(*b);
                true
            }
            (ColumnValues::Int(v), Datum::Int(i)) => {
                v.push(*i);
                true
            }
            (ColumnValues::Float(v), Datum::Float(f)) => {
                v.push(*f);
                true
            }
            (ColumnValues::Time(v), Datum::Time(t)) => {
                v.push(*t);
                true
            }
            (ColumnValues::Duration(v), Datum::Duration(t)) => {
                v.push(*t);
                true
            }
            (ColumnValues::Str(v), Datum::Str(s)) => {
                v.push(dict.intern(s));
                true
            }
            (ColumnValues::Enum(v), Datum::Enum(i)) => {
                v.push(*i);
                true
            }
            (ColumnValues::StrSet { offsets, codes }, Datum::Set(items)) => {
                let start = codes.len();
                codes.extend(items.iter().map(|s| dict.intern(s)));
                sort_dedup_from(codes, start);
                offsets.push(codes.len() as u32);
                true
            }
            _ => false,
        };
        if !ok {
            values.push_placeholder();
        }
        valid.push(ok);
    }
    Column { valid, values }
}

/// Adds an event to the record in time order (after events at the same instant);
/// returns its index in `rec.events`.
pub(crate) fn insert_event(rec: &mut ProfileRecord, event: StoredEvent) -> usize {
    let i = rec.events.partition_point(|e| e.at <= event.at);
    rec.events.insert(i, event);
    i
}

/// Drops the stored events no expression can read any more at processing time `t`
/// (see [`Retention`]), so a profile's record stays as small as its rules allow.
pub(crate) fn prune(
    retention: &[Retention],
    rec: &mut ProfileRecord,
    t: i64,
    earliest_start: Option<i64>,
) {
    // An event of no known type is kept: nothing here can tell it is unread.
    rec.events.retain(|e| {
        retention
            .get(e.event as usize)
            .is_none_or(|r| r.keeps(e.at, t, earliest_start))
    });
}

/// The row, within its type's table of a one-row [`Profiles`], of the stored event at
/// index `i`: the number of events of the same type before it.
pub(crate) fn event_row(rec: &ProfileRecord, i: usize) -> usize {
    let Some(event) = rec.events.get(i).map(|e| e.event) else {
        return 0;
    };
    rec.events[..i].iter().filter(|e| e.event == event).count()
}

/// Row `row` of loaded profiles as (id, record): fields by schema position, events of
/// the declared types with their declared properties.
pub(crate) fn from_row(
    schema: &Schema,
    profiles: &Profiles,
    row: usize,
) -> (String, ProfileRecord) {
    let id = profiles
        .ids
        .get(row)
        .map(|s| s.to_string())
        .unwrap_or_default();
    let mut rec = ProfileRecord {
        fields: schema
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                profiles
                    .columns
                    .get(i)
                    .map_or(Datum::Missing, |col| datum(profiles, col, row, f.ty))
            })
            .collect(),
        ..ProfileRecord::default()
    };
    for (e, def) in schema.events.iter().enumerate() {
        let Some(table) = profiles.events.get(e) else {
            continue;
        };
        let (Some(&lo), Some(&hi)) = (table.offsets.get(row), table.offsets.get(row + 1)) else {
            continue;
        };
        for r in lo as usize..hi as usize {
            let Some(&at) = table.at.get(r) else { break };
            let props = def
                .props
                .iter()
                .enumerate()
                .map(|(p, prop)| {
                    table
                        .props
                        .get(p)
                        .map_or(Datum::Missing, |col| datum(profiles, col, r, prop.ty))
                })
                .collect();
            rec.events.push(StoredEvent {
                event: e as u32,
                at,
                props,
            });
        }
    }
    // Stable: events at one instant keep their type order.
    rec.events.sort_by_key(|e| e.at);
    (id, rec)
}

/// One cell of a loaded column as a [`Datum`].
fn datum(profiles: &Profiles, col: &Column, row: usize, ty: Type) -> Datum {
    if row >= col.valid.len() || !col.valid.get(row) {
        return Datum::Missing;
    }
    let dict = &profiles.dict;
    let string = |code: u32| -> Option<Box<str>> {
        ((code as usize) < dict.len()).then(|| dict.get(code).into())
    };
    match &col.values {
        ColumnValues::Bool(bits) if row < bits.len() => Datum::Bool(bits.get(row)),
        ColumnValues::Int(v) => v.get(row).map_or(Datum::Missing, |&i| Datum::Int(i)),
        ColumnValues::Float(v) => v.get(row).map_or(Datum::Missing, |&f| Datum::Float(f)),
        ColumnValues::Time(v) => v.get(row).map_or(Datum::Missing, |&t| Datum::Time(t)),
        ColumnValues::Duration(v) => v.get(row).map_or(Datum::Missing, |&d| Datum::Duration(d)),
        ColumnValues::Str(v) => v
            .get(row)
            .and_then(|&c| string(c))
            .map_or(Datum::Missing, Datum::Str),
        ColumnValues::Enum(v) => match (ty, v.get(row)) {
            (Type::Enum(_), Some(&i)) => Datum::Enum(i),
            _ => Datum::Missing,
        },
        ColumnValues::StrSet { offsets, codes } => {
            let (Some(&lo), Some(&hi)) = (offsets.get(row), offsets.get(row + 1)) else {
                return Datum::Missing;
            };
            codes
                .get(lo as usize..hi as usize)
                .and_then(|cs| cs.iter().map(|&c| string(c)).collect::<Option<Vec<_>>>())
                .map_or(Datum::Missing, Datum::Set)
        }
        ColumnValues::Bool(_) => Datum::Missing,
    }
}

/// The schema's id of an event type name.
pub(crate) fn event_id(schema: &Schema, name: &str) -> Option<EventId> {
    schema
        .events
        .iter()
        .position(|e| e.name == name)
        .map(|i| EventId(i as u32))
}
