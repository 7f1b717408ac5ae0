//! Appends profiles loaded separately (one part per chunk of input, possibly on another
//! thread) to the profiles loaded so far, as if they had been loaded one after the other.
//!
//! Each part has its own dictionary. Appending interns the part's strings in the order of
//! its codes, which is the order of their first appearance in the part, so parts appended
//! in input order give exactly the dictionary one sequential load would have built.

use super::{Column, ColumnValues, Dictionary, EventTable, Profiles};

/// Appends `part` (same schema) to `into`. Fails without changing `into` when an offset
/// would no longer fit in `u32`; the error names what overflowed.
pub(crate) fn append(into: &mut Profiles, part: Profiles) -> Result<(), String> {
    if into.ids.is_empty() && into.dict.is_empty() {
        // Nothing to append to (the first part): take the part as it is.
        *into = part;
        return Ok(());
    }
    check_capacity(into, &part)?;
    let remap = remap(&mut into.dict, part.dict);
    for (column, from) in into.columns.iter_mut().zip(part.columns) {
        append_column(column, from, &remap);
    }
    for (table, from) in into.events.iter_mut().zip(part.events) {
        append_events(table, from, &remap);
    }
    into.ids.extend(part.ids);
    Ok(())
}

fn check_capacity(into: &Profiles, part: &Profiles) -> Result<(), String> {
    let fits = |a: usize, b: usize| u32::try_from(a + b).is_ok();
    for (a, b) in into.events.iter().zip(&part.events) {
        if !fits(a.at.len(), b.at.len()) {
            return Err("too many events to load".into());
        }
        for (a, b) in a.props.iter().zip(&b.props) {
            if !fits(set_len(a), set_len(b)) {
                return Err("too many set elements to load".into());
            }
        }
    }
    for (a, b) in into.columns.iter().zip(&part.columns) {
        if !fits(set_len(a), set_len(b)) {
            return Err("too many set elements to load".into());
        }
    }
    Ok(())
}

fn set_len(column: &Column) -> usize {
    match &column.values {
        ColumnValues::StrSet { codes, .. } => codes.len(),
        _ => 0,
    }
}

/// The code in `dict` of each code of `part`, interning what is new.
fn remap(dict: &mut Dictionary, part: Dictionary) -> Vec<u32> {
    part.into_strings().map(|s| dict.intern_owned(s)).collect()
}

fn append_events(table: &mut EventTable, from: EventTable, remap: &[u32]) {
    // INVARIANT: fits in u32, checked by `check_capacity`.
    let base = table.at.len() as u32;
    table
        .offsets
        .extend(from.offsets.iter().skip(1).map(|o| o + base));
    table.at.extend_from_slice(&from.at);
    table.last_at.extend_from_slice(&from.last_at);
    for (column, from) in table.props.iter_mut().zip(from.props) {
        append_column(column, from, remap);
    }
}

pub(super) fn append_column(column: &mut Column, from: Column, remap: &[u32]) {
    let start = column.valid.len();
    column.valid.extend_from(&from.valid);
    let code = |c: u32| remap.get(c as usize).copied().unwrap_or(0);
    match (&mut column.values, from.values) {
        (ColumnValues::Bool(to), ColumnValues::Bool(from)) => to.extend_from(&from),
        (ColumnValues::Int(to), ColumnValues::Int(from))
        | (ColumnValues::Time(to), ColumnValues::Time(from))
        | (ColumnValues::Duration(to), ColumnValues::Duration(from)) => {
            to.extend_from_slice(&from);
        }
        (ColumnValues::Float(to), ColumnValues::Float(from)) => to.extend_from_slice(&from),
        (ColumnValues::Enum(to), ColumnValues::Enum(from)) => to.extend_from_slice(&from),
        (ColumnValues::Str(to), ColumnValues::Str(from)) => {
            // A missing row holds code 0, as the builder leaves it.
            let valid = &column.valid;
            to.extend(from.iter().enumerate().map(
                |(i, &c)| {
                    if valid.get(start + i) { code(c) } else { 0 }
                },
            ));
        }
        (
            ColumnValues::StrSet { offsets, codes },
            ColumnValues::StrSet {
                offsets: from_offsets,
                codes: from_codes,
            },
        ) => {
            // INVARIANT: fits in u32, checked by `check_capacity`.
            let base = codes.len() as u32;
            for w in from_offsets.windows(2) {
                let set_start = codes.len();
                let range = w[0] as usize..w[1] as usize;
                codes.extend(
                    from_codes
                        .get(range)
                        .unwrap_or(&[])
                        .iter()
                        .map(|&c| code(c)),
                );
                // Remapping keeps codes distinct but not ordered: sets stay sorted by code.
                if let Some(set) = codes.get_mut(set_start..) {
                    set.sort_unstable();
                }
            }
            offsets.extend(from_offsets.iter().skip(1).map(|o| o + base));
        }
        (to, _) => {
            // Parts come from the same schema; a mismatch cannot happen, but keep the
            // column's length right if it did.
            for _ in start..column.valid.len() {
                to.push_placeholder();
            }
        }
    }
}
