//! Parquet profiles.
use std::path::Path;

use super::error::DataError;
use super::load::{LoadOptions, LoadReport};
use crate::schema::Schema;

pub fn load_path(
    path: &Path,
    schema: &Schema,
    options: &LoadOptions,
) -> Result<LoadReport, DataError> {
    let _ = (path, schema, options);
    Err(DataError::parquet("", "todo"))
}
