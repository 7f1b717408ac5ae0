//! The generated profiles as a Parquet file, written with the arrow writer.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, DurationMicrosecondArray, Float64Array, Int64Array, ListArray,
    RecordBatch, StringArray, StructArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Fields};
use parquet::arrow::ArrowWriter;

use crate::r#gen::{PVal, Profile, Schema, Slot, Ty};

fn val(slot: &Slot) -> Option<&PVal> {
    match slot {
        Slot::Val(v) => Some(v),
        _ => None,
    }
}

/// One column of `ty` from `cells` (`None` is null).
fn column(ty: Ty, cells: &[Option<&PVal>]) -> ArrayRef {
    match ty {
        Ty::Bool => Arc::new(BooleanArray::from(
            cells
                .iter()
                .map(|c| match c {
                    Some(PVal::Bool(b)) => Some(*b),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        Ty::Int => Arc::new(Int64Array::from(
            cells
                .iter()
                .map(|c| match c {
                    Some(PVal::Int(i)) => Some(*i),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        Ty::Float => Arc::new(Float64Array::from(
            cells
                .iter()
                .map(|c| match c {
                    Some(PVal::Float(f)) => Some(*f),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        Ty::Str | Ty::Enum(_) => Arc::new(StringArray::from(
            cells
                .iter()
                .map(|c| match c {
                    Some(PVal::Str(s) | PVal::Enum(s)) => Some(s.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        Ty::Time => Arc::new(
            TimestampMicrosecondArray::from(
                cells
                    .iter()
                    .map(|c| match c {
                        Some(PVal::Time(t)) => Some(*t),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        ),
        Ty::Dur => Arc::new(DurationMicrosecondArray::from(
            cells
                .iter()
                .map(|c| match c {
                    Some(PVal::Dur(d)) => Some(*d),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        Ty::Set => {
            let mut b = ListBuilder::new(StringBuilder::new());
            for c in cells {
                match c {
                    Some(PVal::Set(items)) => {
                        for s in items {
                            b.values().append_value(s);
                        }
                        b.append(true);
                    }
                    _ => b.append(false),
                }
            }
            Arc::new(b.finish())
        }
    }
}

/// The profiles as one Parquet file's bytes, written to `path`.
pub fn write(path: &std::path::Path, s: &Schema, profiles: &[Profile]) {
    let mut columns: Vec<(String, ArrayRef)> = vec![(
        "id".into(),
        Arc::new(StringArray::from(
            profiles.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
        )),
    )];
    for (i, f) in s.fields.iter().enumerate() {
        let cells: Vec<Option<&PVal>> = profiles.iter().map(|p| val(&p.fields[i])).collect();
        columns.push((f.name.clone(), column(f.ty, &cells)));
    }

    // Events: a list of structs with `type`, `at` and every property of every type.
    let events: Vec<&crate::r#gen::Ev> = profiles
        .iter()
        .flat_map(|p| p.events.iter().flatten())
        .collect();
    let mut fields = vec![
        Field::new("type", DataType::Utf8, true),
        Field::new(
            "at",
            DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
    ];
    let mut children: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(
            events
                .iter()
                .map(|e| s.events[e.ty].name.clone())
                .collect::<Vec<_>>(),
        )),
        Arc::new(
            TimestampMicrosecondArray::from(events.iter().map(|e| e.at).collect::<Vec<_>>())
                .with_timezone("UTC"),
        ),
    ];
    for (k, def) in s.events.iter().enumerate() {
        for (j, prop) in def.props.iter().enumerate() {
            let cells: Vec<Option<&PVal>> = events
                .iter()
                .map(|e| if e.ty == k { val(&e.props[j]) } else { None })
                .collect();
            let array = column(prop.ty, &cells);
            fields.push(Field::new(&prop.name, array.data_type().clone(), true));
            children.push(array);
        }
    }
    let fields = Fields::from(fields);
    let structs = StructArray::new(fields.clone(), children, None);
    // `arrow-buffer` is not a dependency: borrow the offsets of a list of the same shape.
    let shape = ListArray::from_iter_primitive::<Int32Type, _, _>(
        profiles
            .iter()
            .map(|p| Some(vec![Some(0); p.events.as_ref().map_or(0, Vec::len)])),
    );
    let list = ListArray::new(
        Arc::new(Field::new("item", DataType::Struct(fields), true)),
        shape.offsets().clone(),
        Arc::new(structs),
        None,
    );
    columns.push(("events".into(), Arc::new(list)));

    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let out = std::fs::File::create(path).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(3))
        .build();
    let mut writer = ArrowWriter::try_new(out, batch.schema(), Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}
