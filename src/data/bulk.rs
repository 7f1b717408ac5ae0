//! Field columns copied a batch at a time instead of cell by cell: the arrow array's
//! values go straight into the field's column, with the row path's results.
//!
//! Only pairings where no cell can fail are copied this way (see [`Col::bulk`]); the
//! others stay on the row path, which reports the errors.

use arrow_schema::TimeUnit;

use super::arrow_col::{Col, Kind, micros};
use super::{Bitmap, Column, ColumnValues};
use crate::schema::Type;

impl Col<'_> {
    /// Whether every cell of this column loads into a field of type `ty` without an
    /// error, so that [`Col::append`] gives what the row path would.
    pub(crate) fn bulk(&self, ty: Type) -> bool {
        match (ty, &self.kind) {
            (
                Type::Int,
                Kind::I8(_)
                | Kind::I16(_)
                | Kind::I32(_)
                | Kind::I64(_)
                | Kind::U8(_)
                | Kind::U16(_)
                | Kind::U32(_),
            ) => true,
            (
                Type::Float,
                Kind::I8(_)
                | Kind::I16(_)
                | Kind::I32(_)
                | Kind::I64(_)
                | Kind::U8(_)
                | Kind::U16(_)
                | Kind::U32(_)
                | Kind::U64(_)
                | Kind::F32(_)
                | Kind::F64(_),
            ) => true,
            (Type::Bool, Kind::Bool(_)) => true,
            (
                Type::Time,
                Kind::Ticks {
                    values,
                    unit,
                    duration: false,
                },
            )
            | (
                Type::Duration,
                Kind::Ticks {
                    values,
                    unit,
                    duration: true,
                },
            ) => self.ticks_fit(values, *unit),
            _ => false,
        }
    }

    /// Whether every present tick count converts to microseconds without overflow.
    fn ticks_fit(&self, values: &[i64], unit: TimeUnit) -> bool {
        if matches!(unit, TimeUnit::Microsecond | TimeUnit::Nanosecond) {
            return true;
        }
        values
            .iter()
            .enumerate()
            .all(|(i, &t)| self.array.is_null(i) || micros(t, unit).is_some())
    }

    /// Appends the cells `rows` to `column`, a column of a type for which
    /// [`Col::bulk`] holds. A missing cell appends a default with validity false, as
    /// committing a row does.
    pub(crate) fn append(&self, rows: impl Iterator<Item = usize>, column: &mut Column) {
        let Column { valid, values } = column;
        let array = self.array;
        let mut out = Out { array, valid, rows };
        match (values, &self.kind) {
            (ColumnValues::Int(v), Kind::I8(x)) => out.fill(v, x, |x| Some(i64::from(x))),
            (ColumnValues::Int(v), Kind::I16(x)) => out.fill(v, x, |x| Some(i64::from(x))),
            (ColumnValues::Int(v), Kind::I32(x)) => out.fill(v, x, |x| Some(i64::from(x))),
            (ColumnValues::Int(v), Kind::I64(x)) => out.fill(v, x, Some),
            (ColumnValues::Int(v), Kind::U8(x)) => out.fill(v, x, |x| Some(i64::from(x))),
            (ColumnValues::Int(v), Kind::U16(x)) => out.fill(v, x, |x| Some(i64::from(x))),
            (ColumnValues::Int(v), Kind::U32(x)) => out.fill(v, x, |x| Some(i64::from(x))),
            (ColumnValues::Float(v), Kind::I8(x)) => out.fill(v, x, |x| Some(f64::from(x))),
            (ColumnValues::Float(v), Kind::I16(x)) => out.fill(v, x, |x| Some(f64::from(x))),
            (ColumnValues::Float(v), Kind::I32(x)) => out.fill(v, x, |x| Some(f64::from(x))),
            (ColumnValues::Float(v), Kind::I64(x)) => out.fill(v, x, |x| Some(x as f64)),
            (ColumnValues::Float(v), Kind::U8(x)) => out.fill(v, x, |x| Some(f64::from(x))),
            (ColumnValues::Float(v), Kind::U16(x)) => out.fill(v, x, |x| Some(f64::from(x))),
            (ColumnValues::Float(v), Kind::U32(x)) => out.fill(v, x, |x| Some(f64::from(x))),
            (ColumnValues::Float(v), Kind::U64(x)) => out.fill(v, x, |x| Some(x as f64)),
            // corral has no NaN or infinity: such a value is missing.
            (ColumnValues::Float(v), Kind::F32(x)) => {
                out.fill(v, x, |x| Some(f64::from(x)).filter(|f| f.is_finite()))
            }
            (ColumnValues::Float(v), Kind::F64(x)) => {
                out.fill(v, x, |x| Some(x).filter(|f| f.is_finite()))
            }
            (
                ColumnValues::Time(v) | ColumnValues::Duration(v),
                Kind::Ticks { values, unit, .. },
            ) => {
                let unit = *unit;
                out.fill(v, values, |t| micros(t, unit))
            }
            (ColumnValues::Bool(v), Kind::Bool(x)) => {
                for i in out.rows {
                    let present = !array.is_null(i) && i < x.len();
                    v.push(present && x.value(i));
                    out.valid.push(present);
                }
            }
            // Not reached when `bulk` holds; every row is missing otherwise.
            (values, _) => {
                for _ in out.rows {
                    values.push_placeholder();
                    out.valid.push(false);
                }
            }
        }
    }
}

/// Where `append` writes: the validity bitmap and the rows to copy.
struct Out<'v, 'a, I> {
    array: &'a dyn arrow_array::Array,
    valid: &'v mut Bitmap,
    rows: I,
}

impl<I: Iterator<Item = usize>> Out<'_, '_, I> {
    /// Appends `convert(values[i])` for each row `i`; a null cell, or one `convert`
    /// turns down, appends the default and validity false.
    fn fill<T: Copy, V: Copy + Default>(
        &mut self,
        out: &mut Vec<V>,
        values: &[T],
        convert: impl Fn(T) -> Option<V>,
    ) {
        for i in &mut self.rows {
            let value = if self.array.is_null(i) {
                None
            } else {
                values.get(i).copied().and_then(&convert)
            };
            out.push(value.unwrap_or_default());
            self.valid.push(value.is_some());
        }
    }
}
