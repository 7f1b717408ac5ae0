//! Decoded profile records kept between transactions. The engine is the store's only
//! writer, so a record it wrote is what the store holds once the transaction commits;
//! keeping it decoded saves the next event of that profile a read and a decode.

use std::collections::HashMap;

use super::state::ProfileRecord;

/// Records kept at most; past it the set is emptied and refills with what is used.
const LIMIT: usize = 65_536;

#[derive(Debug, Default)]
pub(crate) struct Warm {
    records: HashMap<String, ProfileRecord>,
}

impl Warm {
    /// Moves a record out (the caller writes it back, changed or not, before the
    /// transaction commits).
    pub(crate) fn take(&mut self, id: &str) -> Option<ProfileRecord> {
        self.records.remove(id)
    }

    pub(crate) fn get(&self, id: &str) -> Option<&ProfileRecord> {
        self.records.get(id)
    }

    /// Keeps a record as written in the transaction being committed.
    pub(crate) fn keep(&mut self, id: String, rec: ProfileRecord) {
        if self.records.len() >= LIMIT {
            self.records.clear();
        }
        self.records.insert(id, rec);
    }

    /// Forgets everything: a transaction failed, so what was kept may never have been
    /// committed.
    pub(crate) fn clear(&mut self) {
        self.records.clear();
    }
}
