//! The trigger runtime: executes a rule set's `trigger` and `channel` declarations
//! over a stream of events, with its state in a durable store.
//!
//! [`Engine`] is the host API: open it with a checked rule set and a state directory,
//! load profiles, then [`Engine::ingest`] events, [`Engine::advance_to`] a time and
//! [`Engine::report`] delivery outcomes; each call returns the [`Action`]s (sends) it
//! caused. docs/triggers.md states the semantics in full; in short:
//!
//! * **Time.** Event time drives the engine. The clock is the latest time it has
//!   seen; timers (waits, held sends, membership re-checks, `every day at`) fire, in
//!   (time, creation) order, when the clock reaches them. An event is processed at
//!   `max(at, clock)`: timers due by then fire first.
//! * **Late events** (older than the clock) are stored with their own time, so
//!   aggregates count them, and are processed at the clock: they may start triggers
//!   and end instances now, but never undo or redo what was already emitted.
//! * **Values.** Tags, segments, `when`, `goal`, `if` and channel conditions are
//!   evaluated by the interpreter over the profile's fields and stored events, with
//!   `now` the processing time (and `start` the instance's start).
//! * **Incremental.** An event re-evaluates only the watched segments (those of
//!   `on enter`/`on exit`) whose expressions read its event type; each profile has at
//!   most one re-check timer at the next instant a watched segment could change with
//!   time alone (see [`plan::TimeSource`]).
//! * **Exactly once.** Every action has an idempotency key, its `id`:
//!   `trigger:instance:step:attempt:profile`. Each call commits the engine's progress
//!   and the actions it emitted in one store transaction.

mod clock;
mod codec;
mod engine;
mod input;
mod layout;
mod plan;
mod profile;
mod run;
mod state;
mod store;
pub(crate) mod timeline;
mod warm;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use engine::{Batch, Engine};
pub use plan::FALLBACK_RECHECK;
pub use state::Status;
pub use store::FILE_NAME;

/// A send the engine asks the host to deliver (or records as undeliverable).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// The idempotency key: `trigger:instance:step:attempt:profile`.
    pub id: String,
    /// When it was emitted (microseconds since the epoch).
    pub at: i64,
    pub profile: String,
    pub trigger: String,
    /// The instance's position in the trigger's steps (sends, waits and `if`s counted
    /// in source order, the `then` branch before the `else` branch).
    pub step: usize,
    /// The profile's 1-based instance number of this trigger.
    pub instance: u32,
    /// 1 for the first channel tried, one more for each fallback after a failure.
    pub attempt: u32,
    pub message: String,
    /// `None` when no channel can reach the profile (the step is undeliverable) or
    /// when the send was skipped.
    pub channel: Option<String>,
    /// Why the send was not made, when it was skipped: `"cap"` for the top-level
    /// `limit N per D`.
    pub skipped: Option<String>,
}

impl Action {
    /// The NDJSON form `corral run` prints:
    /// `{"id", "at", "profile", "trigger", "step", "message", "channel"}`, plus
    /// `"skipped": "cap"` for a send the top-level cap skipped.
    pub fn to_json(&self) -> serde_json::Value {
        let mut json = serde_json::json!({
            "id": self.id,
            "at": crate::time::format_rfc3339(self.at),
            "profile": self.profile,
            "trigger": self.trigger,
            "step": self.step,
            "message": self.message,
            "channel": self.channel,
        });
        if let (Some(why), Some(obj)) = (&self.skipped, json.as_object_mut()) {
            obj.insert("skipped".into(), why.clone().into());
        }
        json
    }
}

/// A delivery outcome the host reports for an action.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    Delivered,
    Failed,
}

/// Why the engine refused an input or could not go on.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    #[error("cannot use `{path}`: {message}")]
    Io { path: String, message: String },
    /// The store failed (I/O, corruption): the call's transaction was not committed.
    #[error("state store: {0}")]
    Store(String),
    /// The rule set cannot run (e.g. an unknown time zone).
    #[error("{0}")]
    Rules(String),
    /// The state directory was built with rules of another layout (triggers, steps,
    /// channels, watched segments or event types differ).
    #[error(
        "the state in `{0}` was built with different rules (its triggers, steps, channels, watched segments or event types differ); use a new state directory, or migrate it explicitly (`corral run --migrate`, `Engine::open_migrating`)"
    )]
    RulesChanged(String),
    /// The state directory was written in a record format this version cannot read.
    #[error(
        "the state in `{path}` is in record format {found}, and this version of corral reads format {supported}; use a new state directory (and feed it the profiles and events again)"
    )]
    StateFormat {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error("bad event: {0}")]
    BadEvent(String),
    #[error("bad receipt: {0}")]
    BadReceipt(String),
    #[error("unknown profile `{0}`: load it before its events")]
    UnknownProfile(String),
    #[error("unknown event type `{0}`: the rules declare no such event")]
    UnknownEventType(String),
    #[error("unknown action `{0}`: no action with this id was emitted")]
    UnknownAction(String),
    #[error("time {0} is out of range: {1}")]
    TimeOutOfRange(String, &'static str),
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
}

impl TriggerError {
    /// Whether the input was refused (and nothing changed), as opposed to the engine
    /// failing.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            TriggerError::BadEvent(_)
                | TriggerError::BadReceipt(_)
                | TriggerError::UnknownProfile(_)
                | TriggerError::UnknownEventType(_)
                | TriggerError::UnknownAction(_)
                | TriggerError::TimeOutOfRange(..)
        )
    }
}

/// Earliest accepted event or clock time: 2000-01-01T00:00:00Z.
pub const EARLIEST: i64 = 946_684_800 * crate::time::SECOND;
/// Latest accepted event or clock time: 2200-01-01T00:00:00Z.
pub const LATEST: i64 = 7_258_118_400 * crate::time::SECOND;
/// How far past the clock an event may be: further is refused as far future, since
/// it would fire every timer on the way.
pub const MAX_AHEAD: i64 = 366 * crate::time::DAY;
