//! One input value as both loaders see it, and the type rules that turn it into a staged
//! value: the same rules for NDJSON and Parquet.

use super::builder::{ProfileRow, Staged};
use super::error::{RowError, quote};
use crate::schema::{Schema, Type};
use crate::time;

/// A scalar read from a JSON value or an Arrow array. Lists and objects are handled by
/// the loaders and only named here.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Cell<'a> {
    /// `null` or absent.
    Missing,
    Bool(bool),
    Int(i64),
    /// A JSON integer above `i64::MAX`, or a Parquet `u64`.
    UInt(u64),
    Float(f64),
    Str(&'a str),
    /// A Parquet timestamp or date, microseconds since the epoch.
    Time(i64),
    /// A Parquet duration, microseconds.
    Duration(i64),
    /// Named only, for errors: `array`, `object`, `list`, `struct`.
    Other(&'static str),
}

impl Cell<'_> {
    /// `string "abc"`, `number 3`, `bool true`: the found value in an error.
    pub(crate) fn describe(&self) -> String {
        match self {
            Cell::Missing => "null".into(),
            Cell::Bool(b) => format!("bool {b}"),
            Cell::Int(i) => format!("number {i}"),
            Cell::UInt(u) => format!("number {u}"),
            Cell::Float(f) => format!("number {f}"),
            Cell::Str(s) => format!("string {}", quote(s)),
            Cell::Time(t) => format!("time {}", time::format_rfc3339(*t)),
            Cell::Duration(d) => format!("duration of {} seconds", *d as f64 / 1e6),
            Cell::Other(what) => (*what).into(),
        }
    }
}

/// Where [`stage`] puts a string value: the row's dictionary, or, when only the type
/// rules are wanted, nowhere.
pub(crate) trait Intern {
    fn intern(&mut self, s: &str) -> u32;
}

impl Intern for ProfileRow<'_, '_> {
    fn intern(&mut self, s: &str) -> u32 {
        ProfileRow::intern(self, s)
    }
}

/// Checks strings without interning them: every string stages as code 0.
pub(crate) struct NoIntern;

impl Intern for NoIntern {
    fn intern(&mut self, _: &str) -> u32 {
        0
    }
}

/// Applies the input type rules for a scalar `ty` (not `set<string>`, which is a list).
/// `path` names the field for the error.
pub(crate) fn stage(
    row: &mut impl Intern,
    schema: &Schema,
    ty: Type,
    cell: Cell<'_>,
    path: &dyn Fn() -> String,
) -> Result<Staged, RowError> {
    let staged = match (ty, cell) {
        (_, Cell::Missing) => Staged::Missing,
        (Type::Bool, Cell::Bool(b)) => Staged::Bool(b),
        (Type::Int, Cell::Int(i)) => Staged::Int(i),
        (Type::Int, Cell::UInt(u)) if i64::try_from(u).is_ok() => Staged::Int(u as i64),
        // Beyond 2^53 a float no longer says which integer was written.
        (Type::Int, Cell::Float(f)) if is_integral(f) && f.abs() <= EXACT_FLOAT_INT => {
            Staged::Int(f as i64)
        }
        (Type::Int, Cell::Float(f)) if is_integral(f) => {
            return Err(out_of_range(path(), ty, schema, cell));
        }
        (Type::Float, Cell::Int(i)) => Staged::Float(i as f64),
        (Type::Float, Cell::UInt(u)) => Staged::Float(u as f64),
        // corral has no NaN or infinity: such a value (Parquet can hold one) is missing.
        (Type::Float, Cell::Float(f)) if !f.is_finite() => Staged::Missing,
        (Type::Float, Cell::Float(f)) => Staged::Float(f),
        (Type::Str, Cell::Str(s)) => Staged::Str(row.intern(s)),
        (Type::Enum(e), Cell::Str(s)) => {
            let def = schema.enum_def(e);
            match def.variant(s) {
                Some(v) => Staged::Enum(v),
                None => {
                    let variants: Vec<String> =
                        def.variants.iter().map(|v| format!("`{v}`")).collect();
                    return Err(RowError::bad_type(
                        path(),
                        format!(
                            "expected one of {}, found string {}",
                            variants.join(", "),
                            quote(s)
                        ),
                    ));
                }
            }
        }
        (Type::Time, Cell::Str(s)) => match time::parse_instant(s) {
            Some(t) => Staged::Time(t),
            None => return Err(bad_time(path(), s)),
        },
        (Type::Time, Cell::Time(t)) => Staged::Time(t),
        (Type::Duration, Cell::Int(secs)) => match secs.checked_mul(time::SECOND) {
            Some(d) => Staged::Duration(d),
            None => return Err(out_of_range(path(), ty, schema, cell)),
        },
        (Type::Duration, Cell::Float(secs)) => match seconds_to_micros(secs) {
            Some(d) => Staged::Duration(d),
            None => return Err(out_of_range(path(), ty, schema, cell)),
        },
        (Type::Duration, Cell::Duration(d)) => Staged::Duration(d),
        (Type::Int, Cell::UInt(_)) | (Type::Duration, Cell::UInt(_)) => {
            return Err(out_of_range(path(), ty, schema, cell));
        }
        _ => return Err(mismatch(path(), ty, schema, cell)),
    };
    Ok(staged)
}

/// `expected int, found string "abc"`.
pub(crate) fn mismatch(path: String, ty: Type, schema: &Schema, cell: Cell<'_>) -> RowError {
    RowError::bad_type(
        path,
        format!(
            "expected {}, found {}",
            schema.type_name(ty),
            cell.describe()
        ),
    )
}

fn out_of_range(path: String, ty: Type, schema: &Schema, cell: Cell<'_>) -> RowError {
    RowError::bad_type(
        path,
        format!(
            "expected {}, found {} (out of range)",
            schema.type_name(ty),
            cell.describe()
        ),
    )
}

/// `invalid time "x" (expected RFC 3339 or a date)`.
pub(crate) fn bad_time(path: String, text: &str) -> RowError {
    RowError::bad_time(
        path,
        format!("invalid time {} (expected RFC 3339 or a date)", quote(text)),
    )
}

/// 2^53: every integer up to this magnitude is exactly a float.
const EXACT_FLOAT_INT: f64 = 9_007_199_254_740_992.0;

/// A float with an integral value that fits an `i64`.
fn is_integral(f: f64) -> bool {
    // 2^63 is exactly representable; `i64::MAX as f64` rounds up to it.
    f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f)
}

fn seconds_to_micros(secs: f64) -> Option<i64> {
    let micros = (secs * time::SECOND as f64).round();
    is_integral(micros).then_some(micros as i64)
}
