//! The engine's durable records. A profile's record is typed (fields and event
//! properties as schema-indexed values); it, instances and timers are stored in a
//! compact binary form (see [`super::codec`]), actions as JSON.

use serde::{Deserialize, Serialize};

/// One field or event property value, of its declared type.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Datum {
    #[default]
    Missing,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Microseconds since the epoch.
    Time(i64),
    /// Microseconds.
    Duration(i64),
    Str(Box<str>),
    /// Variant index.
    Enum(u32),
    /// Sorted, without duplicates.
    Set(Vec<Box<str>>),
}

/// A stored event: its type (the schema's `EventId`), time and declared properties
/// (indexed like the type's properties; missing ones trail off or are
/// [`Datum::Missing`]).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub event: u32,
    pub at: i64,
    pub props: Vec<Datum>,
}

/// One profile as the engine keeps it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProfileRecord {
    /// The profile's fields as loaded, indexed like the schema's fields (missing ones
    /// trail off or are [`Datum::Missing`]).
    pub fields: Vec<Datum>,
    /// Every stored event, sorted by `at` (stable: events at the same instant keep
    /// arrival order).
    pub events: Vec<StoredEvent>,
    /// Last known membership of each watched segment (indexed like `Plan::watched`);
    /// `None` until the profile is first evaluated.
    pub segments: Vec<Option<bool>>,
    /// Running instances of this profile, by id.
    pub instances: Vec<u64>,
    /// Per trigger (by index): the start times still inside its `limit` period.
    pub starts: Vec<Vec<i64>>,
    /// Per trigger (by index): how many instances have started, ever.
    pub started: Vec<u32>,
    /// Times of sends inside the top-level cap's period.
    pub sends: Vec<i64>,
    /// The pending re-check timer for time-driven membership change.
    pub check: Option<TimerKey>,
}

/// A timer's key: due time, then a sequence number that orders timers due together.
pub type TimerKey = (i64, u64);

/// What a timer does when the clock reaches it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Timer {
    /// Resume a waiting (or held) instance.
    Resume(u64),
    /// Re-evaluate a profile's watched segments.
    Check(String),
    /// Run an `every day at` trigger (by index) over all profiles.
    Daily(u32),
    /// Send the fallback of a failed action (by id), held by its trigger's `quiet`.
    Fallback(String),
}

/// A running trigger instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub id: u64,
    /// Index into `program.triggers`.
    pub trigger: u32,
    pub profile: String,
    /// 1 for the profile's first instance of this trigger, and so on.
    pub number: u32,
    pub start: i64,
    /// Index of the next op.
    pub pc: usize,
    pub timer: Option<TimerKey>,
}

/// Where an emitted send stands.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Emitted; no receipt yet.
    Pending,
    Delivered,
    /// The host reported a failure; a later attempt (or an undeliverable record) follows.
    Failed,
    /// No channel could reach the profile.
    Undeliverable,
    /// Not sent: the top-level cap was reached.
    Skipped,
}

/// An action as emitted, with what the engine needs to fall back on failure.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ActionRecord {
    pub action: super::Action,
    pub status: Status,
    /// Index into the send's channel list of the channel this attempt used.
    pub channel_index: usize,
    /// Sequence number in the action log.
    pub seq: u64,
    /// The start of the instance that made the send: a fallback checks the goal and
    /// the channels' conditions as of that instance, which may have ended since.
    #[serde(default)]
    pub start: Option<i64>,
}
