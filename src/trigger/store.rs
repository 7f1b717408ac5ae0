//! The durable store: one redb database file holding every record of the engine.
//!
//! redb is an embedded key-value store in pure Rust (no C toolchain, unlike SQLite)
//! with ACID write transactions that survive a crash at any point (copy-on-write
//! B-trees with a checksummed commit slot). All the engine's progress from one input
//! (the profile, instances, timers, caps, the actions it emitted and the input
//! position) is written in one transaction, so after a crash the store is exactly as
//! it was after some input and never in between.
//!
//! Tables:
//! * `meta`: counters and positions (`clock`, `seq`, `log`, input positions);
//! * `profiles`: profile id → [`ProfileRecord`] in its binary form ([`super::codec`]);
//! * `instances`: instance id → [`Instance`];
//! * `timers`: (due time, seq) → [`Timer`], so the next due timer is the first key;
//! * `actions`: action id → [`ActionRecord`];
//! * `log`: sequence number → action id, the order actions were emitted in;
//! * `layout`: the schema layout profile records are indexed by ([`super::layout`]).
//!
//! Instances and timers are binary too; actions are JSON. The `meta` key `format` says which format
//! the records are in; a store without it (or with another) is refused when opened.

use std::path::Path;

use redb::{
    Database, ReadableTable, ReadableTableMetadata, Table, TableDefinition, WriteTransaction,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::TriggerError;
use super::codec::{
    decode_instance, decode_profile, decode_timer, encode_instance, encode_profile, encode_timer,
};
use super::state::{ActionRecord, Instance, ProfileRecord, Timer, TimerKey};

const META: TableDefinition<&str, i64> = TableDefinition::new("meta");
const PROFILES: TableDefinition<&str, &[u8]> = TableDefinition::new("profiles");
const INSTANCES: TableDefinition<u64, &[u8]> = TableDefinition::new("instances");
const TIMERS: TableDefinition<(i64, u64), &[u8]> = TableDefinition::new("timers");
const ACTIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("actions");
const LOG: TableDefinition<u64, &str> = TableDefinition::new("log");
const LAYOUT: TableDefinition<&str, &str> = TableDefinition::new("layout");

/// The `layout` key of the schema layout profile records are indexed by.
const RECORDS_LAYOUT: &str = "records";

/// The name of the database file inside a state directory.
pub const FILE_NAME: &str = "corral-state.redb";

/// The `meta` key of the store's record format.
const FORMAT_KEY: &str = "format";
/// The record format this version reads and writes: 2, binary profile records (1, the
/// first, had JSON profile records and no `format` key).
const FORMAT: i64 = 2;

pub(crate) fn store_err(e: impl std::fmt::Display) -> TriggerError {
    TriggerError::Store(e.to_string())
}

/// Opens (creating if needed) the database in `dir`.
pub(crate) fn open(dir: &Path) -> Result<Database, TriggerError> {
    std::fs::create_dir_all(dir).map_err(|e| TriggerError::Io {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    let path = dir.join(FILE_NAME);
    if !path.exists() {
        // A new database is made under another name and renamed into place, so a crash
        // while it is being created never leaves a half-written file to open.
        let fresh = dir.join(format!("{FILE_NAME}.new"));
        let io = |e: std::io::Error| TriggerError::Io {
            path: fresh.display().to_string(),
            message: e.to_string(),
        };
        if fresh.exists() {
            std::fs::remove_file(&fresh).map_err(io)?;
        }
        let db = Database::create(&fresh).map_err(store_err)?;
        // Create every table so read transactions never meet a missing one.
        init(&db)?;
        drop(db);
        std::fs::rename(&fresh, &path).map_err(io)?;
    }
    let db = Database::create(&path).map_err(store_err)?;
    let tx = db.begin_write().map_err(store_err)?;
    let format = Tx::open(&tx)?.meta(FORMAT_KEY)?;
    tx.abort().map_err(store_err)?;
    if format != Some(FORMAT) {
        return Err(TriggerError::StateFormat {
            path: dir.display().to_string(),
            found: format.unwrap_or(1),
            supported: FORMAT,
        });
    }
    Ok(db)
}

/// Creates every table, so read transactions never meet a missing one, and records
/// the format.
fn init(db: &Database) -> Result<(), TriggerError> {
    let tx = db.begin_write().map_err(store_err)?;
    Tx::open(&tx)?.set_meta(FORMAT_KEY, FORMAT)?;
    tx.commit().map_err(store_err)
}

/// A database in memory (for rule tests: nothing to clean up, nothing durable).
pub(crate) fn open_in_memory() -> Result<Database, TriggerError> {
    let db = redb::Builder::new()
        .create_with_backend(redb::backends::InMemoryBackend::new())
        .map_err(store_err)?;
    init(&db)?;
    Ok(db)
}

fn encode(value: &impl Serialize) -> Result<Vec<u8>, TriggerError> {
    serde_json::to_vec(value).map_err(store_err)
}

fn corrupt(e: String) -> TriggerError {
    TriggerError::Store(format!("corrupt record: {e}"))
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, TriggerError> {
    serde_json::from_slice(bytes).map_err(|e| TriggerError::Store(format!("corrupt record: {e}")))
}

/// The tables of one write transaction.
pub(crate) struct Tx<'t> {
    meta: Table<'t, &'static str, i64>,
    profiles: Table<'t, &'static str, &'static [u8]>,
    instances: Table<'t, u64, &'static [u8]>,
    timers: Table<'t, (i64, u64), &'static [u8]>,
    actions: Table<'t, &'static str, &'static [u8]>,
    log: Table<'t, u64, &'static str>,
    layout: Table<'t, &'static str, &'static str>,
    /// Reused for encoding profile records.
    buf: Vec<u8>,
    /// The due time of the first timer, when known (`Some(None)`: no timer), so most
    /// events need not look at the timers table.
    first_due: Option<Option<i64>>,
}

impl<'t> Tx<'t> {
    pub(crate) fn open(tx: &'t WriteTransaction) -> Result<Tx<'t>, TriggerError> {
        Ok(Tx {
            meta: tx.open_table(META).map_err(store_err)?,
            profiles: tx.open_table(PROFILES).map_err(store_err)?,
            instances: tx.open_table(INSTANCES).map_err(store_err)?,
            timers: tx.open_table(TIMERS).map_err(store_err)?,
            actions: tx.open_table(ACTIONS).map_err(store_err)?,
            log: tx.open_table(LOG).map_err(store_err)?,
            layout: tx.open_table(LAYOUT).map_err(store_err)?,
            buf: Vec::new(),
            first_due: None,
        })
    }

    pub(crate) fn meta(&self, key: &str) -> Result<Option<i64>, TriggerError> {
        Ok(self.meta.get(key).map_err(store_err)?.map(|v| v.value()))
    }

    pub(crate) fn set_meta(&mut self, key: &str, value: i64) -> Result<(), TriggerError> {
        self.meta.insert(key, value).map_err(store_err)?;
        Ok(())
    }

    /// The next number of the sequence shared by instances and timers.
    pub(crate) fn next_seq(&mut self) -> Result<u64, TriggerError> {
        let next = self.meta("seq")?.unwrap_or(0) + 1;
        self.set_meta("seq", next)?;
        Ok(next as u64)
    }

    pub(crate) fn profile(&self, id: &str) -> Result<Option<ProfileRecord>, TriggerError> {
        match self.profiles.get(id).map_err(store_err)? {
            Some(bytes) => decode_profile(bytes.value())
                .map(Some)
                .map_err(|e| TriggerError::Store(format!("corrupt record of profile `{id}`: {e}"))),
            None => Ok(None),
        }
    }

    pub(crate) fn put_profile(
        &mut self,
        id: &str,
        rec: &ProfileRecord,
    ) -> Result<(), TriggerError> {
        self.buf.clear();
        encode_profile(rec, &mut self.buf);
        self.profiles
            .insert(id, self.buf.as_slice())
            .map_err(store_err)?;
        Ok(())
    }

    /// The schema layout the profile records are indexed by (`None` in a new store).
    pub(crate) fn records_layout(&self) -> Result<Option<String>, TriggerError> {
        Ok(self
            .layout
            .get(RECORDS_LAYOUT)
            .map_err(store_err)?
            .map(|v| v.value().to_string()))
    }

    pub(crate) fn set_records_layout(&mut self, text: &str) -> Result<(), TriggerError> {
        self.layout
            .insert(RECORDS_LAYOUT, text)
            .map_err(store_err)?;
        Ok(())
    }

    pub(crate) fn profile_count(&self) -> Result<u64, TriggerError> {
        self.profiles.len().map_err(store_err)
    }

    /// Up to `limit` profile ids after `after` (from the first if `None`), in key order.
    pub(crate) fn profile_ids(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, TriggerError> {
        let mut out = Vec::new();
        let range = match after {
            Some(a) => self
                .profiles
                .range::<&str>((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded)),
            None => self.profiles.range::<&str>(..),
        }
        .map_err(store_err)?;
        for entry in range {
            let (k, _) = entry.map_err(store_err)?;
            out.push(k.value().to_string());
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    pub(crate) fn instance(&self, id: u64) -> Result<Option<Instance>, TriggerError> {
        match self.instances.get(id).map_err(store_err)? {
            Some(bytes) => decode_instance(bytes.value()).map(Some).map_err(corrupt),
            None => Ok(None),
        }
    }

    pub(crate) fn put_instance(&mut self, inst: &Instance) -> Result<(), TriggerError> {
        self.buf.clear();
        encode_instance(inst, &mut self.buf);
        self.instances
            .insert(inst.id, self.buf.as_slice())
            .map_err(store_err)?;
        Ok(())
    }

    pub(crate) fn remove_instance(&mut self, id: u64) -> Result<(), TriggerError> {
        self.instances.remove(id).map_err(store_err)?;
        Ok(())
    }

    pub(crate) fn add_timer(&mut self, at: i64, timer: &Timer) -> Result<TimerKey, TriggerError> {
        let key = (at, self.next_seq()?);
        self.buf.clear();
        encode_timer(timer, &mut self.buf);
        self.timers
            .insert(key, self.buf.as_slice())
            .map_err(store_err)?;
        if let Some(first) = self.first_due {
            self.first_due = Some(Some(first.map_or(at, |f| f.min(at))));
        }
        Ok(key)
    }

    pub(crate) fn remove_timer(&mut self, key: TimerKey) -> Result<(), TriggerError> {
        self.timers.remove(key).map_err(store_err)?;
        if self.first_due == Some(Some(key.0)) {
            self.first_due = None;
        }
        Ok(())
    }

    /// Removes and returns the first timer due at or before `t`.
    pub(crate) fn pop_due(&mut self, t: i64) -> Result<Option<(TimerKey, Timer)>, TriggerError> {
        if let Some(first) = self.first_due
            && first.is_none_or(|due| due > t)
        {
            return Ok(None);
        }
        let first = match self.timers.first().map_err(store_err)? {
            Some((k, v)) if k.value().0 <= t => {
                Some((k.value(), decode_timer(v.value()).map_err(corrupt)?))
            }
            Some((k, _)) => {
                self.first_due = Some(Some(k.value().0));
                None
            }
            None => {
                self.first_due = Some(None);
                None
            }
        };
        if let Some((key, _)) = &first {
            self.timers.remove(*key).map_err(store_err)?;
            self.first_due = None;
        }
        Ok(first)
    }

    pub(crate) fn action(&self, id: &str) -> Result<Option<ActionRecord>, TriggerError> {
        match self.actions.get(id).map_err(store_err)? {
            Some(bytes) => decode(bytes.value()).map(Some),
            None => Ok(None),
        }
    }

    pub(crate) fn has_action(&self, id: &str) -> Result<bool, TriggerError> {
        Ok(self.actions.get(id).map_err(store_err)?.is_some())
    }

    pub(crate) fn put_action(&mut self, rec: &ActionRecord) -> Result<(), TriggerError> {
        let bytes = encode(rec)?;
        self.actions
            .insert(rec.action.id.as_str(), bytes.as_slice())
            .map_err(store_err)?;
        Ok(())
    }

    /// Appends an action id to the log; returns its sequence number.
    pub(crate) fn log(&mut self, id: &str) -> Result<u64, TriggerError> {
        let seq = self.meta("log")?.unwrap_or(0) + 1;
        self.set_meta("log", seq)?;
        self.log.insert(seq as u64, id).map_err(store_err)?;
        Ok(seq as u64)
    }
}

/// Action ids logged after sequence number `after`, in order.
pub(crate) fn logged_after(db: &Database, after: u64) -> Result<Vec<String>, TriggerError> {
    let tx = db.begin_write().map_err(store_err)?;
    let ids = {
        let t = Tx::open(&tx)?;
        let mut ids = Vec::new();
        for entry in t.log.range((after + 1)..).map_err(store_err)? {
            let (_, v) = entry.map_err(store_err)?;
            ids.push(v.value().to_string());
        }
        ids
    };
    tx.abort().map_err(store_err)?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    /// A store as the first format left it: the tables, JSON profile records, no
    /// `format` key.
    fn old_store(dir: &Path) {
        let db = Database::create(dir.join(FILE_NAME)).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let mut t = Tx::open(&tx).unwrap();
            t.set_meta("clock", 1).unwrap();
            t.profiles
                .insert(
                    "u1",
                    br#"{"fields":{},"events":[],"event_times":[]}"#.as_slice(),
                )
                .unwrap();
        }
        tx.commit().unwrap();
    }

    #[test]
    fn a_store_of_the_json_format_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        old_store(dir.path());
        let err = open(dir.path()).unwrap_err();
        assert!(
            matches!(
                err,
                TriggerError::StateFormat {
                    found: 1,
                    supported: FORMAT,
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string().contains("use a new state directory"),
            "{err}"
        );
    }

    #[test]
    fn a_new_store_records_its_format_and_opens_again() {
        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path()).unwrap());
        let db = open(dir.path()).unwrap();
        let tx = db.begin_write().unwrap();
        assert_eq!(
            Tx::open(&tx).unwrap().meta(FORMAT_KEY).unwrap(),
            Some(FORMAT)
        );
    }

    #[test]
    fn a_json_profile_record_is_an_error_not_a_misread() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(dir.path()).unwrap();
        let tx = db.begin_write().unwrap();
        let mut t = Tx::open(&tx).unwrap();
        t.profiles
            .insert("u1", br#"{"fields":{}}"#.as_slice())
            .unwrap();
        let err = t.profile("u1").unwrap_err();
        assert!(err.to_string().contains("older state format"), "{err}");
    }
}
