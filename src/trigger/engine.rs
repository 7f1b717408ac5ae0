//! The host API: [`Engine`] and its one-transaction [`Batch`].

use std::collections::HashMap;
use std::path::Path;

use redb::Database;
use serde_json::Value as Json;

use crate::api::RuleSet;
use crate::data::{JsonReader, LoadOptions, Profiles, ProfilesBuilder};
use crate::eval::Interpreter;
use crate::ir::Program;
use crate::time::{format_rfc3339, parse_instant};

use super::input::typed_event;
use super::layout;
use super::plan::Plan;
use super::profile::from_row;
use super::run::{Ctx, event_type};
use super::state::Status;
use super::store::{self, Tx, store_err};
use super::warm::Warm;
use super::{Action, Delivery, EARLIEST, LATEST, MAX_AHEAD, TriggerError};

/// The meta key of the rules' layout fingerprint ([`Plan::layout_hash`]).
const RULES_KEY: &str = "rules_layout";

/// Profiles written per transaction when loading.
const LOAD_CHUNK: usize = 20_000;

/// The trigger runtime over one state directory. See the [module docs](super).
///
/// ```no_run
/// use corral::RuleSet;
/// use corral::trigger::{Delivery, Engine};
///
/// let rules = RuleSet::from_file("examples/triggers.corral").unwrap();
/// let mut engine = Engine::open(&rules, "state").unwrap();
/// engine.load_profiles("examples/trigger_profiles.ndjson").unwrap();
/// let event = serde_json::json!({"profile": "u1", "type": "add_cart",
///     "at": "2026-11-20T10:00:00Z", "sku": "SKU-1", "price": 59.0});
/// for action in engine.ingest(&event).unwrap() {
///     println!("{}", action.to_json());
///     // ... deliver, then tell the engine how it went:
///     let t = corral::time::parse_instant("2026-11-20T10:05:00Z").unwrap();
///     engine.report(&action.id, Delivery::Failed, t).unwrap();
/// }
/// ```
pub struct Engine {
    program: Program,
    plan: Plan,
    db: Database,
    warm: Warm,
}

impl Engine {
    /// Opens (or creates) the state in directory `dir` for these rules.
    ///
    /// The state belongs to the rules it was built with: steps are stored by position,
    /// so open it with the same rules (or ones that only add triggers at the end).
    pub fn open(rules: &RuleSet, dir: impl AsRef<Path>) -> Result<Engine, TriggerError> {
        Engine::open_program(rules.program().clone(), dir.as_ref())
    }

    /// [`Engine::open`] for a state directory built with rules of another layout
    /// (see [`TriggerError::RulesChanged`]): the host takes responsibility for the
    /// stored instances and memberships fitting the new rules, and the state is
    /// recorded as belonging to them from now on.
    pub fn open_migrating(rules: &RuleSet, dir: impl AsRef<Path>) -> Result<Engine, TriggerError> {
        Engine::open_program_with(rules.program().clone(), dir.as_ref(), true)
    }

    /// [`Engine::open`] for a checked program.
    pub(crate) fn open_program(program: Program, dir: &Path) -> Result<Engine, TriggerError> {
        Engine::open_program_with(program, dir, false)
    }

    pub(crate) fn open_program_with(
        program: Program,
        dir: &Path,
        migrate: bool,
    ) -> Result<Engine, TriggerError> {
        let plan = Plan::new(&program).map_err(TriggerError::Rules)?;
        let db = store::open(dir)?;
        let mut engine = Engine {
            program,
            plan,
            db,
            warm: Warm::default(),
        };
        let hash = engine.plan.layout_hash(&engine.program);
        match engine.read(|tx| tx.meta(RULES_KEY))? {
            Some(stored) if stored == hash => {}
            Some(_) if !migrate => {
                return Err(TriggerError::RulesChanged(dir.display().to_string()));
            }
            _ => {
                engine.batch(|b| b.ctx.tx.set_meta(RULES_KEY, hash))?;
            }
        }
        engine.adopt_records_layout()?;
        Ok(engine)
    }

    /// Records the schema layout of the profile records, re-indexing every stored
    /// record (in the same transaction) when it was written with another one.
    fn adopt_records_layout(&mut self) -> Result<(), TriggerError> {
        let text = layout::describe(&self.program.schema);
        let stored = self.read(|tx| tx.records_layout())?;
        if stored.as_deref() == Some(text.as_str()) {
            return Ok(());
        }
        self.batch(|b| {
            if let Some(old) = &stored {
                let remap = layout::Remap::new(old, &b.ctx.program.schema);
                let mut after: Option<String> = None;
                loop {
                    let ids = b.ctx.tx.profile_ids(after.as_deref(), LOAD_CHUNK)?;
                    for id in &ids {
                        if let Some(mut rec) = b.ctx.tx.profile(id)? {
                            remap.apply(&mut rec);
                            b.ctx.tx.put_profile(id, &rec)?;
                        }
                    }
                    match ids.last() {
                        Some(last) if ids.len() == LOAD_CHUNK => after = Some(last.clone()),
                        _ => break,
                    }
                }
            }
            b.ctx.tx.set_records_layout(&text)
        })?;
        Ok(())
    }

    /// An engine whose state is in memory only (lost when it is dropped).
    pub fn in_memory(rules: &RuleSet) -> Result<Engine, TriggerError> {
        Engine::in_memory_program(rules.program().clone())
    }

    pub(crate) fn in_memory_program(program: Program) -> Result<Engine, TriggerError> {
        let plan = Plan::new(&program).map_err(TriggerError::Rules)?;
        let db = store::open_in_memory()?;
        Ok(Engine {
            program,
            plan,
            db,
            warm: Warm::default(),
        })
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Runs `f` in one store transaction: everything it does, and every action it
    /// emits, is committed together or (on an error) not at all.
    pub fn batch<R>(
        &mut self,
        f: impl FnOnce(&mut Batch<'_, '_, '_>) -> Result<R, TriggerError>,
    ) -> Result<(R, Vec<Action>), TriggerError> {
        let done = self.transaction(f);
        if done.is_err() {
            // What the failed transaction wrote back may not be in the store.
            self.warm.clear();
        }
        done
    }

    fn transaction<R>(
        &mut self,
        f: impl FnOnce(&mut Batch<'_, '_, '_>) -> Result<R, TriggerError>,
    ) -> Result<(R, Vec<Action>), TriggerError> {
        let mut tx = self.db.begin_write().map_err(store_err)?;
        // Each commit saves the allocator state, so reopening after a crash needs no
        // scan of the file: the engine accepts events again at once.
        tx.set_quick_repair(true);
        let (result, out) = {
            let tables = Tx::open(&tx)?;
            let clock = tables.meta("clock")?;
            let mut ctx = Ctx {
                program: &self.program,
                plan: &self.plan,
                interp: Interpreter::new(&self.program),
                tx: tables,
                out: Vec::new(),
                cache: HashMap::new(),
                warm: &mut self.warm,
                clock,
            };
            let result = f(&mut Batch { ctx: &mut ctx })?;
            ctx.flush()?;
            (result, ctx.out)
        };
        tx.commit().map_err(store_err)?;
        Ok((result, out))
    }

    /// Applies one event `{"profile": ID, "type": E, "at": T, ...properties}` and
    /// returns the actions it caused (timers due by its time fire first).
    pub fn ingest(&mut self, event: &Json) -> Result<Vec<Action>, TriggerError> {
        self.batch(|b| b.ingest(event)).map(|(_, out)| out)
    }

    /// Moves the clock to `t`, firing every timer due by then.
    pub fn advance_to(&mut self, t: i64) -> Result<Vec<Action>, TriggerError> {
        self.batch(|b| b.advance_to(t)).map(|(_, out)| out)
    }

    /// Records a delivery outcome for action `id` at time `at`. A failure moves the send
    /// to its next reachable channel (an undeliverable record if none is left).
    pub fn report(
        &mut self,
        id: &str,
        outcome: Delivery,
        at: i64,
    ) -> Result<Vec<Action>, TriggerError> {
        self.batch(|b| b.report(id, outcome, at))
            .map(|(_, out)| out)
    }

    /// Loads profiles from NDJSON or Parquet (the `eval` formats). A profile already in
    /// the store gets the loaded fields; its stored events stay (the file's events are
    /// taken only for profiles new to the store). Returns how many profiles were read.
    pub fn load_profiles(&mut self, path: impl AsRef<Path>) -> Result<usize, TriggerError> {
        let report =
            crate::data::load_path(path.as_ref(), &self.program.schema, &LoadOptions::default())?;
        self.add_profiles(&report.profiles)
    }

    /// Adds profiles given as JSON objects of the NDJSON shape.
    pub fn add_profiles_json<'v>(
        &mut self,
        rows: impl IntoIterator<Item = &'v Json>,
    ) -> Result<usize, TriggerError> {
        let mut builder = ProfilesBuilder::new(&self.program.schema);
        let mut reader = JsonReader::new(&self.program.schema);
        for row in rows {
            reader.add(&mut builder, row)?;
        }
        self.add_profiles(&builder.finish())
    }

    fn add_profiles(&mut self, profiles: &Profiles) -> Result<usize, TriggerError> {
        let mut row = 0;
        if profiles.is_empty() {
            self.batch(|b| b.ctx.tx.set_meta("profiles_loaded", 1))?;
        }
        while row < profiles.len() {
            let end = (row + LOAD_CHUNK).min(profiles.len());
            self.batch(|b| {
                let schema = &b.ctx.program.schema;
                let clock = b.ctx.clock()?;
                for r in row..end {
                    let (id, rec) = from_row(schema, profiles, r);
                    let known = b.ctx.record(&id)?;
                    let is_new = known.is_none();
                    let rec = match known {
                        Some(mut old) => {
                            old.fields = rec.fields;
                            old
                        }
                        None => rec,
                    };
                    b.ctx.put_record(&id, rec)?;
                    if let (true, Some(t)) = (is_new, clock) {
                        b.ctx.baseline(&id, t)?;
                    }
                }
                if end == profiles.len() {
                    // Only a load that committed its last chunk counts as done.
                    b.ctx.tx.set_meta("profiles_loaded", 1)?;
                }
                Ok(())
            })?;
            row = end;
        }
        Ok(profiles.len())
    }

    /// The engine's clock: the latest time it has processed; `None` before any.
    pub fn clock(&self) -> Result<Option<i64>, TriggerError> {
        self.read(|tx| tx.meta("clock"))
    }

    /// A position the host stored with [`Batch::set_position`].
    pub fn position(&self, name: &str) -> Result<Option<i64>, TriggerError> {
        self.read(|tx| tx.meta(&position_key(name)))
    }

    /// The log position of the last action emitted (0 if none).
    pub fn log_position(&self) -> Result<u64, TriggerError> {
        self.read(|tx| Ok(tx.meta("log")?.unwrap_or(0) as u64))
    }

    /// Whether a profile load (of any size) has completed in this store.
    pub fn profiles_loaded(&self) -> Result<bool, TriggerError> {
        self.read(|tx| Ok(tx.meta("profiles_loaded")?.is_some()))
    }

    pub fn profile_count(&self) -> Result<u64, TriggerError> {
        self.read(|tx| tx.profile_count())
    }

    /// An emitted action and where it stands.
    pub fn action(&self, id: &str) -> Result<Option<(Action, Status)>, TriggerError> {
        self.read(|tx| Ok(tx.action(id)?.map(|r| (r.action, r.status))))
    }

    /// Every action emitted after log position `seq` (0: all), in emission order, with
    /// its position.
    pub fn actions_after(&self, seq: u64) -> Result<Vec<(u64, Action)>, TriggerError> {
        let ids = store::logged_after(&self.db, seq)?;
        self.read(|tx| {
            let mut out = Vec::with_capacity(ids.len());
            for id in &ids {
                if let Some(rec) = tx.action(id)? {
                    out.push((rec.seq, rec.action));
                }
            }
            Ok(out)
        })
    }

    /// How many events the store keeps for a profile (`None` if it is unknown).
    #[cfg(test)]
    pub(crate) fn stored_events(&self, id: &str) -> Result<Option<usize>, TriggerError> {
        self.read(|tx| Ok(tx.profile(id)?.map(|rec| rec.events.len())))
    }

    #[cfg(test)]
    pub(crate) fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Runs `f` over the tables and discards the transaction.
    fn read<R>(
        &self,
        f: impl FnOnce(&Tx<'_>) -> Result<R, TriggerError>,
    ) -> Result<R, TriggerError> {
        let tx = self.db.begin_write().map_err(store_err)?;
        let result = {
            let tables = Tx::open(&tx)?;
            f(&tables)?
        };
        tx.abort().map_err(store_err)?;
        Ok(result)
    }
}

fn position_key(name: &str) -> String {
    format!("position.{name}")
}

/// Work inside one transaction of [`Engine::batch`]. A refused input (see
/// [`TriggerError::is_bad_input`]) changes nothing, so the batch can go on.
pub struct Batch<'c, 'e, 't> {
    ctx: &'c mut Ctx<'e, 't>,
}

impl Batch<'_, '_, '_> {
    /// See [`Engine::ingest`].
    pub fn ingest(&mut self, event: &Json) -> Result<(), TriggerError> {
        let Json::Object(obj) = event else {
            return Err(TriggerError::BadEvent("expected a JSON object".into()));
        };
        let profile = match obj.get("profile") {
            Some(Json::String(s)) => s.clone(),
            Some(Json::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
            Some(other) => {
                return Err(TriggerError::BadEvent(format!(
                    "`profile` must be a string or an integer, found {other}"
                )));
            }
            None => return Err(TriggerError::BadEvent("no `profile`".into())),
        };
        let event_id = event_type(self.ctx.program, obj)?;
        let at = match obj.get("at") {
            Some(Json::String(s)) => parse_instant(s).ok_or_else(|| {
                TriggerError::BadEvent(format!("`at`: `{s}` is not an RFC 3339 time or a date"))
            })?,
            _ => return Err(TriggerError::BadEvent("`at` must be a time string".into())),
        };
        let clock = self.ctx.clock()?;
        check_time(at, clock)?;
        let stored = typed_event(&self.ctx.program.schema, event_id, obj, at)?;
        if !self.ctx.cache_profile(&profile)? {
            return Err(TriggerError::UnknownProfile(profile));
        }
        let t = clock.map_or(at, |c| c.max(at));
        self.ctx.advance(t)?;
        self.ctx.event(&profile, stored, t)
    }

    /// See [`Engine::advance_to`].
    pub fn advance_to(&mut self, t: i64) -> Result<(), TriggerError> {
        if !(EARLIEST..=LATEST).contains(&t) {
            return Err(TriggerError::TimeOutOfRange(
                format_rfc3339(t),
                "the engine accepts times from 2000 to 2200",
            ));
        }
        self.ctx.advance(t)
    }

    /// See [`Engine::report`].
    pub fn report(&mut self, id: &str, outcome: Delivery, at: i64) -> Result<(), TriggerError> {
        if self.ctx.tx.action(id)?.is_none() {
            return Err(TriggerError::UnknownAction(id.to_string()));
        }
        let clock = self.ctx.clock()?;
        check_time(at, clock)?;
        let t = clock.map_or(at, |c| c.max(at));
        self.ctx.advance(t)?;
        match self.ctx.tx.action(id)? {
            Some(rec) => self.ctx.receipt(rec, outcome, t),
            None => Err(TriggerError::UnknownAction(id.to_string())),
        }
    }

    /// Stores a named position (e.g. how far an input file was read) in this
    /// transaction, so it commits with the work done for that input.
    pub fn set_position(&mut self, name: &str, value: i64) -> Result<(), TriggerError> {
        self.ctx.tx.set_meta(&position_key(name), value)
    }

    pub fn position(&self, name: &str) -> Result<Option<i64>, TriggerError> {
        self.ctx.tx.meta(&position_key(name))
    }

    /// The clock as of this transaction.
    pub fn clock(&self) -> Result<Option<i64>, TriggerError> {
        self.ctx.clock()
    }
}

/// Refuses times outside the supported range and events far ahead of the clock.
fn check_time(at: i64, clock: Option<i64>) -> Result<(), TriggerError> {
    if !(EARLIEST..=LATEST).contains(&at) {
        return Err(TriggerError::TimeOutOfRange(
            format_rfc3339(at),
            "the engine accepts times from 2000 to 2200",
        ));
    }
    if let Some(c) = clock
        && at > c.saturating_add(MAX_AHEAD)
    {
        return Err(TriggerError::TimeOutOfRange(
            format_rfc3339(at),
            "more than 366 days after the engine's clock",
        ));
    }
    Ok(())
}
