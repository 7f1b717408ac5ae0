//! Names of the schema (fields, event types, properties) looked up by the loaders.

use std::collections::HashMap;

/// Names to ids. Small schemas are searched in order: comparing a few short strings is
/// cheaper than hashing one.
#[derive(Debug)]
pub(crate) enum Names<'s, T> {
    Few(Vec<(&'s str, T)>),
    Many(HashMap<&'s str, T>),
}

impl<'s, T: Copy> Names<'s, T> {
    const FEW: usize = 16;

    pub(crate) fn new(names: impl Iterator<Item = (&'s str, T)>) -> Names<'s, T> {
        let names: Vec<(&'s str, T)> = names.collect();
        if names.len() <= Self::FEW {
            Names::Few(names)
        } else {
            Names::Many(names.into_iter().collect())
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<T> {
        match self {
            Names::Few(names) => names.iter().find(|(n, _)| *n == name).map(|(_, id)| *id),
            Names::Many(names) => names.get(name).copied(),
        }
    }
}
