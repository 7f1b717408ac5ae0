//! Asks the Parquet reader for dictionary arrays where the file's strings are
//! dictionary-encoded: the reader then hands over each row group's distinct values once
//! with a key per row, instead of copying every string, and the loader interns each
//! distinct value once.
//!
//! Only strings the loader interns are asked for (`string` and enum fields, `set<string>`
//! elements, event types and `string` properties), only in `Utf8` columns whose every
//! data page is dictionary-encoded, and only where the column loads without an error,
//! so that error messages naming a column's type stay the same.

use std::sync::Arc;

use arrow_schema::{DataType, Field, FieldRef, Fields};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::basic::Encoding;
use parquet::file::metadata::ParquetMetaData;

use crate::schema::{Schema, Type};

/// `metadata` with dictionary arrays asked for where they help; `metadata` itself when
/// none do or the reader turns the request down.
pub(super) fn hinted(metadata: &ArrowReaderMetadata, schema: &Schema) -> ArrowReaderMetadata {
    let file = metadata.metadata();
    let mut changed = false;
    let fields: Vec<FieldRef> = metadata
        .schema()
        .fields()
        .iter()
        .map(|field| match hint_field(file, schema, field) {
            Some(hinted) => {
                changed = true;
                Arc::new(hinted)
            }
            None => field.clone(),
        })
        .collect();
    if !changed {
        return metadata.clone();
    }
    let arrow_schema =
        arrow_schema::Schema::new_with_metadata(fields, metadata.schema().metadata().clone());
    let options = ArrowReaderOptions::new().with_schema(Arc::new(arrow_schema));
    ArrowReaderMetadata::try_new(file.clone(), options).unwrap_or_else(|_| metadata.clone())
}

/// The top-level `field` with dictionaries asked for, or `None` to read it as it is.
fn hint_field(file: &ParquetMetaData, schema: &Schema, field: &Field) -> Option<Field> {
    let name = field.name().as_str();
    if name == "events" {
        return hint_events(file, schema, field);
    }
    match schema.field(name).map(|id| schema.field_def(id).ty)? {
        Type::Str | Type::Enum(_) => {
            let leaf = [name];
            dictionary(file, &leaf, field.data_type()).map(|ty| field.clone().with_data_type(ty))
        }
        Type::StrSet => {
            let DataType::List(item) = field.data_type() else {
                return None;
            };
            let leaf = [name, "", item.name().as_str()];
            let ty = dictionary(file, &leaf, item.data_type())?;
            let item = Arc::new(item.as_ref().clone().with_data_type(ty));
            Some(field.clone().with_data_type(DataType::List(item)))
        }
        _ => None,
    }
}

/// `events` as the loader reads it (a list of structs with `type` and `at`) with its
/// event type and string properties as dictionaries.
fn hint_events(file: &ParquetMetaData, schema: &Schema, field: &Field) -> Option<Field> {
    let (item, large) = match field.data_type() {
        DataType::List(item) => (item, false),
        DataType::LargeList(item) => (item, true),
        _ => return None,
    };
    let DataType::Struct(children) = item.data_type() else {
        return None;
    };
    let has = |name: &str| children.iter().any(|c| c.name() == name);
    if !has("type") || !has("at") {
        return None;
    }
    let is_string_prop = |name: &str| {
        schema.events.iter().any(|event| {
            event
                .props
                .iter()
                .any(|p| p.name == name && p.ty == Type::Str)
        })
    };
    let mut changed = false;
    let children: Fields = children
        .iter()
        .map(|child| {
            let name = child.name().as_str();
            let leaf = ["events", "", item.name().as_str(), name];
            let wanted = name == "type" || is_string_prop(name);
            match dictionary(file, &leaf, child.data_type()).filter(|_| wanted) {
                Some(ty) => {
                    changed = true;
                    Arc::new(child.as_ref().clone().with_data_type(ty))
                }
                None => child.clone(),
            }
        })
        .collect();
    if !changed {
        return None;
    }
    let item = Arc::new(
        item.as_ref()
            .clone()
            .with_data_type(DataType::Struct(children)),
    );
    let ty = if large {
        DataType::LargeList(item)
    } else {
        DataType::List(item)
    };
    Some(field.clone().with_data_type(ty))
}

/// The dictionary type to read a `Utf8` leaf as, if every row group holds it
/// dictionary-encoded. `path` names the leaf by its parts; an empty part matches any
/// (the list's middle level, named differently by different writers).
fn dictionary(file: &ParquetMetaData, path: &[&str], ty: &DataType) -> Option<DataType> {
    if *ty != DataType::Utf8 {
        return None;
    }
    let descr = file.file_metadata().schema_descr();
    let leaf = descr.columns().iter().position(|c| {
        let parts = c.path().parts();
        parts.len() == path.len()
            && parts
                .iter()
                .zip(path)
                .all(|(part, want)| want.is_empty() || part == want)
    })?;
    let all_dictionary = file.row_groups().iter().all(|group| {
        group.columns().get(leaf).is_some_and(|column| {
            column.dictionary_page_offset().is_some()
                && column.page_encoding_stats_mask().is_none_or(|mask| {
                    mask.is_only(Encoding::PLAIN_DICTIONARY)
                        || mask.is_only(Encoding::RLE_DICTIONARY)
                })
        })
    });
    all_dictionary
        .then(|| DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)))
}
