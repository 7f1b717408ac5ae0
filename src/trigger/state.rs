//! The engine's durable records. Each is stored as JSON bytes in its store table, so a
//! state directory can be inspected with ordinary tools and records can gain fields
//! (`#[serde(default)]`) without a migration.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// One profile as the engine keeps it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProfileRecord {
    /// The profile's fields as loaded (JSON of the NDJSON shape, without `id` and
    /// `events`).
    pub fields: Map<String, Json>,
    /// Every stored event, `{"type", "at", ...properties}`, sorted by `at` (stable:
    /// events at the same instant keep arrival order).
    pub events: Vec<Json>,
    /// The `at` of each stored event, parallel to `events`.
    pub event_times: Vec<i64>,
    /// Last known membership of each watched segment (indexed like `Plan::watched`);
    /// `None` until the profile is first evaluated.
    #[serde(default)]
    pub segments: Vec<Option<bool>>,
    /// Running instances of this profile, by id.
    #[serde(default)]
    pub instances: Vec<u64>,
    /// Per trigger (by index): the start times still inside its `limit` period.
    #[serde(default)]
    pub starts: Vec<Vec<i64>>,
    /// Per trigger (by index): how many instances have started, ever.
    #[serde(default)]
    pub started: Vec<u32>,
    /// Times of sends inside the top-level cap's period.
    #[serde(default)]
    pub sends: Vec<i64>,
    /// The pending re-check timer for time-driven membership change.
    #[serde(default)]
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
