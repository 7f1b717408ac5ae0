//! Arrow arrays read cell by cell as [`Cell`]s: each array is downcast once per batch,
//! whatever width, unit or string layout the writer chose.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, DurationMicrosecondType, DurationMillisecondType,
    DurationNanosecondType, DurationSecondType, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, BooleanArray, LargeStringArray, StringArray, StringViewArray};
use arrow_schema::{DataType, TimeUnit};

use super::cell::Cell;
use crate::time;

/// A readable column of one batch.
pub(crate) struct Col<'a> {
    pub(super) array: &'a dyn Array,
    pub(super) kind: Kind<'a>,
}

pub(super) enum Kind<'a> {
    Null,
    Bool(&'a BooleanArray),
    I8(&'a [i8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
    U64(&'a [u64]),
    F32(&'a [f32]),
    F64(&'a [f64]),
    Decimal {
        values: &'a [i128],
        scale: i8,
    },
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    Utf8View(&'a StringViewArray),
    /// Timestamps (any time zone: Arrow stores instants as UTC) and durations.
    Ticks {
        values: &'a [i64],
        unit: TimeUnit,
        duration: bool,
    },
    Date32(&'a [i32]),
    Date64(&'a [i64]),
    List {
        offsets: Offsets<'a>,
        values: Box<Col<'a>>,
    },
    Dict {
        /// An integer column: a key per row (read as is: arrow's `normalized_keys` would
        /// allocate a copy per batch, and panics on a dictionary with no values).
        keys: Box<Col<'a>>,
        values: Box<Col<'a>>,
    },
}

pub(super) enum Offsets<'a> {
    Small(&'a [i32]),
    Large(&'a [i64]),
}

impl<'a> Col<'a> {
    /// Wraps a scalar or list-of-strings array; `None` for types the loader cannot read
    /// as a profile value (structs, maps, binaries, intervals, ...).
    pub(crate) fn new(array: &'a dyn Array) -> Option<Col<'a>> {
        let kind = match array.data_type() {
            DataType::Null => Kind::Null,
            DataType::Boolean => Kind::Bool(array.as_boolean_opt()?),
            DataType::Int8 => Kind::I8(array.as_primitive_opt::<Int8Type>()?.values()),
            DataType::Int16 => Kind::I16(array.as_primitive_opt::<Int16Type>()?.values()),
            DataType::Int32 => Kind::I32(array.as_primitive_opt::<Int32Type>()?.values()),
            DataType::Int64 => Kind::I64(array.as_primitive_opt::<Int64Type>()?.values()),
            DataType::UInt8 => Kind::U8(array.as_primitive_opt::<UInt8Type>()?.values()),
            DataType::UInt16 => Kind::U16(array.as_primitive_opt::<UInt16Type>()?.values()),
            DataType::UInt32 => Kind::U32(array.as_primitive_opt::<UInt32Type>()?.values()),
            DataType::UInt64 => Kind::U64(array.as_primitive_opt::<UInt64Type>()?.values()),
            DataType::Float32 => Kind::F32(array.as_primitive_opt::<Float32Type>()?.values()),
            DataType::Float64 => Kind::F64(array.as_primitive_opt::<Float64Type>()?.values()),
            DataType::Decimal128(_, scale) => Kind::Decimal {
                values: array.as_primitive_opt::<Decimal128Type>()?.values(),
                scale: *scale,
            },
            DataType::Utf8 => Kind::Utf8(array.as_string_opt::<i32>()?),
            DataType::LargeUtf8 => Kind::LargeUtf8(array.as_string_opt::<i64>()?),
            DataType::Utf8View => Kind::Utf8View(array.as_string_view_opt()?),
            DataType::Timestamp(unit, _) => Kind::Ticks {
                values: match unit {
                    TimeUnit::Second => array.as_primitive_opt::<TimestampSecondType>()?.values(),
                    TimeUnit::Millisecond => array
                        .as_primitive_opt::<TimestampMillisecondType>()?
                        .values(),
                    TimeUnit::Microsecond => array
                        .as_primitive_opt::<TimestampMicrosecondType>()?
                        .values(),
                    TimeUnit::Nanosecond => array
                        .as_primitive_opt::<TimestampNanosecondType>()?
                        .values(),
                },
                unit: *unit,
                duration: false,
            },
            DataType::Duration(unit) => Kind::Ticks {
                values: match unit {
                    TimeUnit::Second => array.as_primitive_opt::<DurationSecondType>()?.values(),
                    TimeUnit::Millisecond => array
                        .as_primitive_opt::<DurationMillisecondType>()?
                        .values(),
                    TimeUnit::Microsecond => array
                        .as_primitive_opt::<DurationMicrosecondType>()?
                        .values(),
                    TimeUnit::Nanosecond => {
                        array.as_primitive_opt::<DurationNanosecondType>()?.values()
                    }
                },
                unit: *unit,
                duration: true,
            },
            DataType::Date32 => Kind::Date32(array.as_primitive_opt::<Date32Type>()?.values()),
            DataType::Date64 => Kind::Date64(array.as_primitive_opt::<Date64Type>()?.values()),
            DataType::List(_) => {
                let list = array.as_list_opt::<i32>()?;
                Kind::List {
                    offsets: Offsets::Small(list.value_offsets()),
                    values: Box::new(Col::strings(list.values().as_ref())?),
                }
            }
            DataType::LargeList(_) => {
                let list = array.as_list_opt::<i64>()?;
                Kind::List {
                    offsets: Offsets::Large(list.value_offsets()),
                    values: Box::new(Col::strings(list.values().as_ref())?),
                }
            }
            DataType::Dictionary(_, _) => {
                let dict = array.as_any_dictionary_opt()?;
                let values = Col::new(dict.values().as_ref())?;
                if matches!(values.kind, Kind::List { .. } | Kind::Dict { .. }) {
                    return None;
                }
                Kind::Dict {
                    keys: Box::new(Col::new(dict.keys())?),
                    values: Box::new(values),
                }
            }
            _ => return None,
        };
        Some(Col { array, kind })
    }

    /// Like [`Col::new`], for list elements: strings only (or all null).
    fn strings(array: &'a dyn Array) -> Option<Col<'a>> {
        let col = Col::new(array)?;
        match &col.kind {
            Kind::Null | Kind::Utf8(_) | Kind::LargeUtf8(_) | Kind::Utf8View(_) => Some(col),
            Kind::Dict { values, .. } if matches!(values.kind, Kind::Utf8(_)) => Some(col),
            _ => None,
        }
    }

    /// The value at `i` as a scalar; a list is only named.
    pub(crate) fn cell(&self, i: usize) -> Cell<'a> {
        if i >= self.array.len() || self.array.is_null(i) {
            return Cell::Missing;
        }
        let cell = match &self.kind {
            Kind::Null => Some(Cell::Missing),
            Kind::Bool(a) => Some(Cell::Bool(a.value(i))),
            Kind::I8(v) => get(v, i).map(|x: i8| Cell::Int(x.into())),
            Kind::I16(v) => get(v, i).map(|x: i16| Cell::Int(x.into())),
            Kind::I32(v) => get(v, i).map(|x: i32| Cell::Int(x.into())),
            Kind::I64(v) => get(v, i).map(Cell::Int),
            Kind::U8(v) => get(v, i).map(|x: u8| Cell::Int(x.into())),
            Kind::U16(v) => get(v, i).map(|x: u16| Cell::Int(x.into())),
            Kind::U32(v) => get(v, i).map(|x: u32| Cell::Int(x.into())),
            Kind::U64(v) => get(v, i).map(Cell::UInt),
            Kind::F32(v) => get(v, i).map(|x: f32| Cell::Float(x.into())),
            Kind::F64(v) => get(v, i).map(Cell::Float),
            Kind::Decimal { values, scale } => get(values, i).map(|x| decimal(x, *scale)),
            Kind::Utf8(a) => Some(Cell::Str(a.value(i))),
            Kind::LargeUtf8(a) => Some(Cell::Str(a.value(i))),
            Kind::Utf8View(a) => Some(Cell::Str(a.value(i))),
            Kind::Ticks {
                values,
                unit,
                duration,
            } => get(values, i).map(|x| match (micros(x, *unit), duration) {
                (Some(m), false) => Cell::Time(m),
                (Some(m), true) => Cell::Duration(m),
                (None, _) => Cell::Other("an out-of-range time"),
            }),
            Kind::Date32(v) => {
                get(v, i).map(|days: i32| match i64::from(days).checked_mul(time::DAY) {
                    Some(m) => Cell::Time(m),
                    None => Cell::Other("an out-of-range time"),
                })
            }
            Kind::Date64(v) => get(v, i).map(|ms| match ms.checked_mul(1000) {
                Some(m) => Cell::Time(m),
                None => Cell::Other("an out-of-range time"),
            }),
            Kind::List { .. } => Some(Cell::Other("list")),
            Kind::Dict { keys, values } => keys.index(i).map(|k| values.cell(k)),
        };
        cell.unwrap_or(Cell::Missing)
    }

    /// For a list column: the elements of row `i` (`None` if the row is null or the
    /// column is not a list).
    pub(crate) fn list(&self, i: usize) -> Option<ListCells<'_, 'a>> {
        let Kind::List { values, .. } = &self.kind else {
            return None;
        };
        Some(ListCells {
            values,
            range: self.list_range(i)?,
        })
    }

    /// For a list column: where row `i`'s elements are in the list's values (`None` if
    /// the row is null or the column is not a list).
    pub(crate) fn list_range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        let Kind::List { offsets, .. } = &self.kind else {
            return None;
        };
        if i >= self.array.len() || self.array.is_null(i) {
            return None;
        }
        let (start, end) = match offsets {
            Offsets::Small(o) => (
                usize::try_from(*o.get(i)?).ok()?,
                usize::try_from(*o.get(i + 1)?).ok()?,
            ),
            Offsets::Large(o) => (
                usize::try_from(*o.get(i)?).ok()?,
                usize::try_from(*o.get(i + 1)?).ok()?,
            ),
        };
        Some(start..end.max(start))
    }

    /// The value at `i` of an integer column as an index (`None` if missing, negative or
    /// not an integer column): a dictionary key.
    pub(super) fn index(&self, i: usize) -> Option<usize> {
        if self.array.is_null(i) {
            return None;
        }
        match &self.kind {
            Kind::I8(v) => usize::try_from(*v.get(i)?).ok(),
            Kind::I16(v) => usize::try_from(*v.get(i)?).ok(),
            Kind::I32(v) => usize::try_from(*v.get(i)?).ok(),
            Kind::I64(v) => usize::try_from(*v.get(i)?).ok(),
            Kind::U8(v) => Some(usize::from(*v.get(i)?)),
            Kind::U16(v) => Some(usize::from(*v.get(i)?)),
            Kind::U32(v) => usize::try_from(*v.get(i)?).ok(),
            Kind::U64(v) => usize::try_from(*v.get(i)?).ok(),
            _ => None,
        }
    }

    pub(crate) fn is_list(&self) -> bool {
        matches!(self.kind, Kind::List { .. })
    }
}

/// The elements of one list cell.
pub(crate) struct ListCells<'c, 'a> {
    values: &'c Col<'a>,
    range: std::ops::Range<usize>,
}

impl<'a> Iterator for ListCells<'_, 'a> {
    type Item = Cell<'a>;

    fn next(&mut self) -> Option<Cell<'a>> {
        self.range.next().map(|i| self.values.cell(i))
    }
}

fn get<T: Copy>(values: &[T], i: usize) -> Option<T> {
    values.get(i).copied()
}

pub(super) fn micros(ticks: i64, unit: TimeUnit) -> Option<i64> {
    match unit {
        TimeUnit::Second => ticks.checked_mul(time::SECOND),
        TimeUnit::Millisecond => ticks.checked_mul(1000),
        TimeUnit::Microsecond => Some(ticks),
        TimeUnit::Nanosecond => Some(ticks.div_euclid(1000)),
    }
}

/// A decimal as an integer when it has no fraction digits, else as a float.
fn decimal(value: i128, scale: i8) -> Cell<'static> {
    if scale <= 0 {
        let factor = 10i128.checked_pow(u32::from(scale.unsigned_abs()));
        if let Some(v) = factor.and_then(|f| value.checked_mul(f))
            && let Ok(v) = i64::try_from(v)
        {
            return Cell::Int(v);
        }
    }
    Cell::Float(value as f64 / 10f64.powi(i32::from(scale)))
}
