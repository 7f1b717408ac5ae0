//! Dictionary arrays asked of the reader only where the file's strings are
//! dictionary-encoded, and only for strings the loader interns.

use std::sync::Arc;

use ::parquet::arrow::ArrowWriter;
use ::parquet::arrow::arrow_reader::ArrowReaderMetadata;
use ::parquet::file::properties::WriterProperties;
use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::DataType;

use super::parquet::{generate, to_arrow};
use super::schema;
use crate::data::dict_hint::hinted;
use crate::data::{LoadOptions, parquet};

fn write(columns: Vec<(&str, ArrayRef)>, props: WriterProperties) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut writer =
        ArrowWriter::try_new(file.reopen().unwrap(), batch.schema(), Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    file
}

/// The type the hinted reader gives each top-level column.
fn hinted_types(file: &tempfile::NamedTempFile) -> Vec<(String, DataType)> {
    let metadata = ArrowReaderMetadata::load(&file.reopen().unwrap(), Default::default()).unwrap();
    let hinted = hinted(&metadata, &schema());
    hinted
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect()
}

fn dictionary() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

#[test]
fn dictionary_encoded_strings_the_loader_interns_are_read_as_dictionaries() {
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["u1", "u2", "u3"]));
    let province: ArrayRef = Arc::new(StringArray::from(vec!["上海", "上海", "江苏"]));
    let nickname: ArrayRef = Arc::new(StringArray::from(vec!["a", "a", "a"]));
    let columns = vec![("id", ids), ("province", province), ("nickname", nickname)];
    let encoded = write(columns.clone(), WriterProperties::builder().build());
    let types = hinted_types(&encoded);
    assert_eq!(types[0], ("id".into(), DataType::Utf8));
    assert_eq!(types[1], ("province".into(), dictionary()));
    assert_eq!(types[2], ("nickname".into(), DataType::Utf8), "undeclared");
    let plain = write(
        columns,
        WriterProperties::builder()
            .set_dictionary_enabled(false)
            .build(),
    );
    assert!(
        hinted_types(&plain)
            .iter()
            .all(|(_, ty)| *ty == DataType::Utf8)
    );
}

/// Set elements, event types and string properties, inside lists and structs.
#[test]
fn nested_strings_are_read_as_dictionaries() {
    let file = write(to_arrow(&generate(50)), WriterProperties::builder().build());
    let types = hinted_types(&file);
    let of = |name: &str| types.iter().find(|(n, _)| n == name).unwrap().1.to_string();
    assert!(!of("interests").contains("Dictionary"), "a large list");
    let events = of("events");
    assert!(
        events.contains("\"type\": Dictionary(Int32, Utf8)"),
        "{events}"
    );
    // `sku` is a view, `category` a large string: read as written.
    assert!(events.contains("\"sku\": Utf8View"), "{events}");
}

/// An all-null column written as an Arrow dictionary has no values: every cell is
/// missing (arrow's key normalisation would panic on it).
#[test]
fn an_empty_dictionary_loads_as_missing() {
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["u1", "u2"]));
    let mut province = StringDictionaryBuilder::<Int32Type>::new();
    province.append_null();
    province.append_null();
    let columns = vec![
        ("id", ids),
        ("province", Arc::new(province.finish()) as ArrayRef),
    ];
    let file = write(columns, WriterProperties::builder().build());
    let options = LoadOptions::default();
    let report = parquet::load(file.reopen().unwrap(), &schema(), &options).unwrap();
    assert_eq!(report.profiles.len(), 2);
    assert_eq!(report.profiles.columns[2].valid.count_ones(), 0);
}
