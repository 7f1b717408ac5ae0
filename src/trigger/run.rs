//! The engine's work inside one store transaction: firing timers, applying events and
//! receipts, starting and stepping instances, emitting actions.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::data::Profiles;
use crate::eval::Interpreter;
use crate::ir::{ChannelId, ExprId, Program, SegmentId, TriggerStart};
use crate::schema::EventId;
use crate::value::Value;

use super::clock::{in_quiet, next_local};
use super::plan::{Op, Plan, TimeSource};
use super::profile::{event_id, event_row, insert_event, prune, to_profiles};
use super::state::{ActionRecord, Instance, ProfileRecord, Status, StoredEvent, Timer};
use super::store::Tx;
use super::warm::Warm;
use super::{Action, Delivery, TriggerError};

/// Changed profile records kept decoded in a transaction before they are written.
const CACHE_LIMIT: usize = 4096;

/// Profiles listed per page when a pass visits all of them.
const PAGE: usize = 1024;

/// One profile loaded for a step of work: its record and the record as a one-row
/// [`Profiles`] for the interpreter (rebuilt when events are added).
pub(crate) struct Loaded {
    pub id: String,
    pub rec: ProfileRecord,
    pub profiles: Profiles,
}

pub(crate) struct Ctx<'e, 't> {
    pub program: &'e Program,
    pub plan: &'e Plan,
    pub interp: Interpreter<'e>,
    pub tx: Tx<'t>,
    pub out: Vec<Action>,
    /// Profiles changed in this transaction, decoded, written back by [`Ctx::flush`]
    /// before the commit: a profile met by several inputs of a batch is decoded and
    /// encoded once.
    pub cache: HashMap<String, ProfileRecord>,
    /// Records written by earlier transactions, kept decoded.
    pub warm: &'e mut Warm,
    /// The clock as of this transaction (read once when it begins), written back by
    /// [`Ctx::flush`].
    pub clock: Option<i64>,
}

impl<'e, 't> Ctx<'e, 't> {
    pub fn clock(&self) -> Result<Option<i64>, TriggerError> {
        Ok(self.clock)
    }

    fn set_clock(&mut self, t: i64) {
        self.clock = Some(t);
    }

    /// A profile's record as of this transaction (changes not yet flushed included).
    pub fn record(&self, id: &str) -> Result<Option<ProfileRecord>, TriggerError> {
        match self.cache.get(id).or_else(|| self.warm.get(id)) {
            Some(rec) => Ok(Some(rec.clone())),
            None => self.tx.profile(id),
        }
    }

    /// Like [`Ctx::record`], moving a cached record out instead of copying it: for
    /// work that puts it back with [`Ctx::put_record`] (or [`Ctx::save`]).
    fn take_record(&mut self, id: &str) -> Result<Option<ProfileRecord>, TriggerError> {
        match self.cache.remove(id).or_else(|| self.warm.take(id)) {
            Some(rec) => Ok(Some(rec)),
            None => self.tx.profile(id),
        }
    }

    /// Whether the profile is known; if so its record is in the cache afterwards, so
    /// the work that follows reads the store once.
    pub fn cache_profile(&mut self, id: &str) -> Result<bool, TriggerError> {
        if self.cache.contains_key(id) {
            return Ok(true);
        }
        match self
            .warm
            .take(id)
            .map_or_else(|| self.tx.profile(id), |r| Ok(Some(r)))?
        {
            Some(rec) => {
                self.put_record(id, rec)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Keeps a changed record for [`Ctx::flush`]; writes them all when they are many
    /// (a pass over every profile), so memory stays bounded.
    pub fn put_record(&mut self, id: &str, rec: ProfileRecord) -> Result<(), TriggerError> {
        self.cache.insert(id.to_string(), rec);
        if self.cache.len() >= CACHE_LIMIT {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the changed records and the clock to the store; called before the
    /// commit.
    pub fn flush(&mut self) -> Result<(), TriggerError> {
        // In key order: consecutive inserts land on the same B-tree pages.
        let mut records: Vec<(String, ProfileRecord)> = self.cache.drain().collect();
        records.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (id, rec) in records {
            self.tx.put_profile(&id, &rec)?;
            self.warm.keep(id, rec);
        }
        if let Some(t) = self.clock {
            self.tx.set_meta("clock", t)?;
        }
        Ok(())
    }

    /// The profile to read (a copy of a cached record): for work that does not save it.
    pub fn load(&self, id: &str) -> Result<Option<Loaded>, TriggerError> {
        Ok(self.record(id)?.map(|rec| self.loaded(id, rec)))
    }

    /// The profile to change and then [`Ctx::save`]: a cached record is moved out.
    fn load_mut(&mut self, id: &str) -> Result<Option<Loaded>, TriggerError> {
        Ok(self.take_record(id)?.map(|rec| self.loaded(id, rec)))
    }

    fn loaded(&self, id: &str, rec: ProfileRecord) -> Loaded {
        Loaded {
            id: id.to_string(),
            profiles: to_profiles(&self.program.schema, id, &rec),
            rec,
        }
    }

    fn save(&mut self, lp: Loaded) -> Result<(), TriggerError> {
        self.put_record(&lp.id, lp.rec)
    }

    fn value(&self, lp: &Loaded, t: i64, start: Option<i64>, expr: ExprId) -> Value {
        self.interp.eval_expr(&lp.profiles, 0, t, start, expr)
    }

    fn holds(&self, lp: &Loaded, t: i64, start: Option<i64>, expr: ExprId) -> bool {
        self.value(lp, t, start, expr).truthy()
    }

    /// Moves the clock to `t` (if later), firing every timer due by then in order.
    pub fn advance(&mut self, t: i64) -> Result<(), TriggerError> {
        if self.clock()?.is_none() {
            self.first_time(t)?;
        }
        while let Some(((due, _), timer)) = self.tx.pop_due(t)? {
            let now = self.clock()?.map_or(due, |c| c.max(due));
            self.set_clock(now);
            self.fire(timer, now)?;
        }
        let clock = self.clock()?.map_or(t, |c| c.max(t));
        self.set_clock(clock);
        Ok(())
    }

    /// The clock starts: schedule `every day at` and take every profile's baseline.
    fn first_time(&mut self, t: i64) -> Result<(), TriggerError> {
        self.set_clock(t);
        for (i, trigger) in self.program.triggers.iter().enumerate() {
            if let TriggerStart::EveryDay(minute) = trigger.start
                && let Some(at) = next_local(&self.plan.zone, minute, t - 1)
            {
                self.tx.add_timer(at, &Timer::Daily(i as u32))?;
            }
        }
        if !self.plan.watched.is_empty() {
            self.for_each_profile(|ctx, id| ctx.baseline(id, t))?;
        }
        Ok(())
    }

    fn for_each_profile(
        &mut self,
        mut f: impl FnMut(&mut Self, &str) -> Result<(), TriggerError>,
    ) -> Result<(), TriggerError> {
        let mut after: Option<String> = None;
        loop {
            let ids = self.tx.profile_ids(after.as_deref(), PAGE)?;
            for id in &ids {
                f(self, id)?;
            }
            match ids.last() {
                Some(last) if ids.len() == PAGE => after = Some(last.clone()),
                _ => return Ok(()),
            }
        }
    }

    /// Evaluates a profile's watched segments without firing `enter`/`exit` for
    /// memberships not yet known, and schedules its re-check.
    pub fn baseline(&mut self, id: &str, t: i64) -> Result<(), TriggerError> {
        if let Some(mut lp) = self.load_mut(id)? {
            self.refresh(&mut lp, 0..self.plan.watched.len(), t)?;
            self.save(lp)?;
        }
        Ok(())
    }

    fn fire(&mut self, timer: Timer, t: i64) -> Result<(), TriggerError> {
        match timer {
            Timer::Resume(id) => {
                let Some(mut inst) = self.tx.instance(id)? else {
                    return Ok(());
                };
                inst.timer = None;
                if let Some(mut lp) = self.load_mut(&inst.profile)? {
                    self.step(&mut lp, inst, t)?;
                    self.save(lp)?;
                } else {
                    self.tx.remove_instance(id)?;
                }
            }
            Timer::Check(id) => {
                if let Some(mut lp) = self.load_mut(&id)? {
                    lp.rec.check = None;
                    self.refresh(&mut lp, 0..self.plan.watched.len(), t)?;
                    self.save(lp)?;
                }
            }
            Timer::Fallback(id) => {
                if let Some(rec) = self.tx.action(&id)? {
                    self.fallback(&rec, t)?;
                }
            }
            Timer::Daily(i) => {
                let trigger = i as usize;
                if let Some(TriggerStart::EveryDay(minute)) =
                    self.program.triggers.get(trigger).map(|tr| &tr.start)
                    && let Some(next) = next_local(&self.plan.zone, *minute, t)
                {
                    self.tx.add_timer(next, &Timer::Daily(i))?;
                }
                self.for_each_profile(|ctx, id| {
                    if let Some(mut lp) = ctx.load_mut(id)? {
                        ctx.start(&mut lp, trigger, t)?;
                        ctx.save(lp)?;
                    }
                    Ok(())
                })?;
            }
        }
        Ok(())
    }

    /// Applies one validated event at processing time `t`.
    pub fn event(
        &mut self,
        profile: &str,
        stored: StoredEvent,
        t: i64,
    ) -> Result<(), TriggerError> {
        let Some(mut rec) = self.take_record(profile)? else {
            return Err(TriggerError::UnknownProfile(profile.to_string()));
        };
        let event = EventId(stored.event);
        let earliest_start = self.earliest_start(&rec)?;
        prune(&self.plan.retention, &mut rec, t, earliest_start);
        let index = insert_event(&mut rec, stored);
        let mut lp = self.loaded(profile, rec);
        let row = event_row(&lp.rec, index);

        // Goals first: the event may be the one an instance was waiting for.
        for id in lp.rec.instances.clone() {
            if let Some(inst) = self.tx.instance(id)?
                && self.goal_reached(&lp, &inst, t)
            {
                self.end(&mut lp, &inst)?;
            }
        }
        for (i, trigger) in self.program.triggers.iter().enumerate() {
            if let TriggerStart::Event { event: e, filter } = &trigger.start
                && *e == event
            {
                let pass = filter.is_none_or(|f| {
                    self.interp
                        .eval_expr_on_event(&lp.profiles, 0, t, (event, row), f)
                        .truthy()
                });
                if pass {
                    self.start(&mut lp, i, t)?;
                }
            }
        }
        let affected: Vec<usize> = self.plan.watched_by(event).collect();
        self.refresh(&mut lp, affected.into_iter(), t)?;
        self.save(lp)
    }

    /// The earliest start of the profile's running instances, when an aggregate
    /// `since start` needs it to know which events it can still read.
    fn earliest_start(&self, rec: &ProfileRecord) -> Result<Option<i64>, TriggerError> {
        if rec.instances.is_empty() || !self.plan.retention.iter().any(|r| r.since_start) {
            return Ok(None);
        }
        let mut earliest: Option<i64> = None;
        for &id in &rec.instances {
            if let Some(inst) = self.tx.instance(id)? {
                earliest = Some(earliest.map_or(inst.start, |e| e.min(inst.start)));
            }
        }
        Ok(earliest)
    }

    /// Re-evaluates the given watched segments at `t`, starts `on enter`/`on exit`
    /// triggers for memberships that changed, and reschedules the re-check.
    fn refresh(
        &mut self,
        lp: &mut Loaded,
        watched: impl Iterator<Item = usize>,
        t: i64,
    ) -> Result<(), TriggerError> {
        let n = self.plan.watched.len();
        if lp.rec.segments.len() != n {
            lp.rec.segments.resize(n, None);
        }
        for w in watched {
            let segment = self.plan.watched[w].segment;
            let Some(rule) = self.program.segments.get(segment.0 as usize) else {
                continue;
            };
            let member = self.holds(lp, t, None, rule.body);
            let before = lp.rec.segments[w].replace(member);
            if before == Some(!member) {
                self.membership_changed(lp, segment, member, t)?;
            }
        }
        self.schedule_check(lp, t)
    }

    fn membership_changed(
        &mut self,
        lp: &mut Loaded,
        segment: SegmentId,
        member: bool,
        t: i64,
    ) -> Result<(), TriggerError> {
        for (i, trigger) in self.program.triggers.iter().enumerate() {
            let fires = match trigger.start {
                TriggerStart::Enter(s) => s == segment && member,
                TriggerStart::Exit(s) => s == segment && !member,
                _ => false,
            };
            if fires {
                self.start(lp, i, t)?;
            }
        }
        Ok(())
    }

    /// The next instant after `t` at which a watched segment of the profile could
    /// change with no new event.
    fn next_change(&self, lp: &Loaded, t: i64) -> Option<i64> {
        let mut best: Option<i64> = None;
        let mut consider = |c: i64| {
            if c > t && best.is_none_or(|b| c < b) {
                best = Some(c);
            }
        };
        let times_of = |event: EventId| {
            lp.rec
                .events
                .iter()
                .filter(move |e| e.event == event.0)
                .map(|e| e.at)
        };
        for w in &self.plan.watched {
            for source in &w.time {
                match source {
                    TimeSource::Window { event, within } => {
                        for at in times_of(*event) {
                            consider(at);
                            consider(at.saturating_add(*within));
                        }
                    }
                    TimeSource::Entry { event } => times_of(*event).for_each(&mut consider),
                    TimeSource::Since { x, d } => {
                        if let Value::Time(x) = self.value(lp, t, None, *x) {
                            consider(x.saturating_add(*d));
                            consider(x.saturating_add(*d).saturating_add(1));
                        }
                    }
                    TimeSource::NowVs { x } => {
                        if let Value::Time(x) = self.value(lp, t, None, *x) {
                            consider(x);
                            consider(x.saturating_add(1));
                        }
                    }
                    TimeSource::Opaque => consider(t.saturating_add(super::FALLBACK_RECHECK)),
                }
            }
        }
        best
    }

    fn schedule_check(&mut self, lp: &mut Loaded, t: i64) -> Result<(), TriggerError> {
        let next = self.next_change(lp, t);
        if lp.rec.check.map(|(at, _)| at) == next {
            return Ok(());
        }
        if let Some(old) = lp.rec.check.take() {
            self.tx.remove_timer(old)?;
        }
        if let Some(at) = next {
            lp.rec.check = Some(self.tx.add_timer(at, &Timer::Check(lp.id.clone()))?);
        }
        Ok(())
    }

    fn goal_reached(&self, lp: &Loaded, inst: &Instance, t: i64) -> bool {
        let goal = self
            .program
            .triggers
            .get(inst.trigger as usize)
            .and_then(|tr| tr.goal);
        goal.is_some_and(|g| self.holds(lp, t, Some(inst.start), g))
    }

    /// Starts trigger `i` for the profile at `t` if its `when` holds and its `limit`
    /// allows, and runs the new instance as far as it goes.
    fn start(&mut self, lp: &mut Loaded, i: usize, t: i64) -> Result<(), TriggerError> {
        let Some(trigger) = self.program.triggers.get(i) else {
            return Ok(());
        };
        if let Some(when) = trigger.when
            && !self.holds(lp, t, Some(t), when)
        {
            return Ok(());
        }
        let n = self.program.triggers.len();
        lp.rec.starts.resize(n.max(lp.rec.starts.len()), Vec::new());
        lp.rec.started.resize(n.max(lp.rec.started.len()), 0);
        if let Some(cap) = trigger.limit {
            let starts = &mut lp.rec.starts[i];
            starts.retain(|&s| s > t.saturating_sub(cap.per));
            if starts.len() >= cap.count as usize {
                return Ok(());
            }
            starts.push(t);
        }
        lp.rec.started[i] += 1;
        let inst = Instance {
            id: self.tx.next_seq()?,
            trigger: i as u32,
            profile: lp.id.clone(),
            number: lp.rec.started[i],
            start: t,
            pc: 0,
            timer: None,
        };
        lp.rec.instances.push(inst.id);
        self.step(lp, inst, t)
    }

    /// Ends an instance: forgets it and its timer.
    fn end(&mut self, lp: &mut Loaded, inst: &Instance) -> Result<(), TriggerError> {
        if let Some(key) = inst.timer {
            self.tx.remove_timer(key)?;
        }
        self.tx.remove_instance(inst.id)?;
        lp.rec.instances.retain(|&i| i != inst.id);
        Ok(())
    }

    /// Runs an instance from its position at `t` until it waits, is held or ends.
    fn step(&mut self, lp: &mut Loaded, mut inst: Instance, t: i64) -> Result<(), TriggerError> {
        let trigger_index = inst.trigger as usize;
        let (Some(trigger), Some(ops)) = (
            self.program.triggers.get(trigger_index),
            self.plan.ops.get(trigger_index),
        ) else {
            return self.end(lp, &inst);
        };
        loop {
            let Some(op) = ops.get(inst.pc) else {
                return self.end(lp, &inst);
            };
            if self.goal_reached(lp, &inst, t) {
                return self.end(lp, &inst);
            }
            match op {
                Op::Branch { cond, otherwise } => {
                    inst.pc = if self.holds(lp, t, Some(inst.start), *cond) {
                        inst.pc + 1
                    } else {
                        *otherwise
                    };
                }
                Op::Jump(to) => inst.pc = *to,
                Op::Wait(d) => {
                    inst.pc += 1;
                    return self.suspend(inst, t.saturating_add(*d));
                }
                Op::Send { message, channels } => {
                    if let Some(quiet) = trigger.quiet
                        && in_quiet(&self.plan.zone, quiet, t)
                        && let Some(release) = next_local(&self.plan.zone, quiet.1, t)
                    {
                        return self.suspend(inst, release);
                    }
                    let send = Send {
                        trigger: trigger_index,
                        number: inst.number,
                        start: inst.start,
                        step: inst.pc,
                        attempt: 1,
                        message,
                    };
                    if self.under_cap(lp, t) {
                        let chosen = self.first_reachable(lp, channels, 0, t, inst.start);
                        self.emit(lp, &send, Outcome::Channel(chosen), t)?;
                        if chosen.is_some() {
                            lp.rec.sends.push(t);
                        }
                    } else {
                        self.emit(lp, &send, Outcome::SkippedByCap, t)?;
                    }
                    inst.pc += 1;
                }
            }
        }
    }

    /// Keeps a paused instance with a timer to resume it at `at`.
    fn suspend(&mut self, mut inst: Instance, at: i64) -> Result<(), TriggerError> {
        inst.timer = Some(self.tx.add_timer(at, &Timer::Resume(inst.id))?);
        self.tx.put_instance(&inst)
    }

    /// Whether the top-level `limit N per D` allows one more send at `t`.
    fn under_cap(&self, lp: &mut Loaded, t: i64) -> bool {
        let Some(cap) = self.program.send_cap else {
            return true;
        };
        lp.rec.sends.retain(|&s| s > t.saturating_sub(cap.per));
        lp.rec.sends.len() < cap.count as usize
    }

    /// The first channel, from index `from` on, whose `when` holds.
    fn first_reachable(
        &self,
        lp: &Loaded,
        channels: &[ChannelId],
        from: usize,
        t: i64,
        start: i64,
    ) -> Option<(usize, ChannelId)> {
        (from..channels.len())
            .map(|i| (i, channels[i]))
            .find(|(_, c)| {
                self.program
                    .channels
                    .get(c.0 as usize)
                    .is_some_and(|ch| self.holds(lp, t, Some(start), ch.when))
            })
    }

    fn emit(
        &mut self,
        lp: &Loaded,
        send: &Send<'_>,
        outcome: Outcome,
        t: i64,
    ) -> Result<(), TriggerError> {
        let channel = match outcome {
            Outcome::Channel(c) => c,
            Outcome::SkippedByCap => None,
        };
        let trigger = self
            .program
            .triggers
            .get(send.trigger)
            .map_or("", |tr| tr.name.as_str());
        let id = format!(
            "{trigger}:{}:{}:{}:{}",
            send.number, send.step, send.attempt, lp.id
        );
        if self.tx.has_action(&id)? {
            return Ok(());
        }
        let action = Action {
            id,
            at: t,
            profile: lp.id.clone(),
            trigger: trigger.to_string(),
            step: send.step,
            instance: send.number,
            attempt: send.attempt,
            message: send.message.to_string(),
            channel: channel.and_then(|(_, c)| {
                self.program
                    .channels
                    .get(c.0 as usize)
                    .map(|ch| ch.name.clone())
            }),
            skipped: matches!(outcome, Outcome::SkippedByCap).then(|| "cap".to_string()),
        };
        let seq = self.tx.log(&action.id)?;
        let rec = ActionRecord {
            status: match (outcome, channel) {
                (Outcome::SkippedByCap, _) => Status::Skipped,
                (_, Some(_)) => Status::Pending,
                (_, None) => Status::Undeliverable,
            },
            channel_index: channel.map_or(0, |(i, _)| i),
            seq,
            start: Some(send.start),
            action,
        };
        self.tx.put_action(&rec)?;
        self.out.push(rec.action);
        Ok(())
    }

    /// Applies a receipt at `t` to an emitted action.
    pub fn receipt(
        &mut self,
        mut rec: ActionRecord,
        outcome: Delivery,
        t: i64,
    ) -> Result<(), TriggerError> {
        if rec.status != Status::Pending {
            // A repeated (or late) receipt: the outcome is already settled.
            return Ok(());
        }
        rec.status = match outcome {
            Delivery::Delivered => Status::Delivered,
            Delivery::Failed => Status::Failed,
        };
        self.tx.put_action(&rec)?;
        if outcome == Delivery::Delivered {
            return Ok(());
        }
        self.fallback(&rec, t)
    }

    /// Emits the next attempt of a failed send at `t`, or, when `t` falls in its
    /// trigger's `quiet` window, schedules it for the window's end. No attempt is made
    /// once the instance's `goal` holds at `t` (the customer may have paid between the
    /// failed attempt and its receipt).
    fn fallback(&mut self, rec: &ActionRecord, t: i64) -> Result<(), TriggerError> {
        let a = &rec.action;
        let Some(trigger) = self
            .program
            .triggers
            .iter()
            .position(|tr| tr.name == a.trigger)
        else {
            return Ok(());
        };
        let Some(Op::Send { message, channels }) =
            self.plan.ops.get(trigger).and_then(|ops| ops.get(a.step))
        else {
            return Ok(());
        };
        let rules = self.program.triggers.get(trigger);
        if let Some(quiet) = rules.and_then(|tr| tr.quiet)
            && in_quiet(&self.plan.zone, quiet, t)
            && let Some(release) = next_local(&self.plan.zone, quiet.1, t)
        {
            self.tx.add_timer(release, &Timer::Fallback(a.id.clone()))?;
            return Ok(());
        }
        let Some(lp) = self.load(&a.profile)? else {
            return Ok(());
        };
        // A record from before instance starts were kept: its first attempt is the
        // closest known start.
        let start = rec.start.unwrap_or(a.at);
        if rules
            .and_then(|tr| tr.goal)
            .is_some_and(|g| self.holds(&lp, t, Some(start), g))
        {
            return Ok(());
        }
        let next = self.first_reachable(&lp, channels, rec.channel_index + 1, t, start);
        let send = Send {
            trigger,
            number: a.instance,
            start,
            step: a.step,
            attempt: a.attempt + 1,
            message,
        };
        self.emit(&lp, &send, Outcome::Channel(next), t)
    }
}

/// What became of a send: the channel chosen (`None`: undeliverable), or skipped.
#[derive(Copy, Clone)]
enum Outcome {
    Channel(Option<(usize, ChannelId)>),
    SkippedByCap,
}

/// Which send an action belongs to.
struct Send<'a> {
    trigger: usize,
    number: u32,
    /// The instance's start (`since start` in goals and channel conditions).
    start: i64,
    step: usize,
    attempt: u32,
    message: &'a str,
}

/// The event type of a parsed event object, by its `type`.
pub(crate) fn event_type(
    program: &Program,
    obj: &serde_json::Map<String, Json>,
) -> Result<EventId, TriggerError> {
    let name = match obj.get("type") {
        Some(Json::String(s)) => s,
        Some(other) => {
            return Err(TriggerError::BadEvent(format!(
                "`type` must be a string, found {other}"
            )));
        }
        None => return Err(TriggerError::BadEvent("no `type`".into())),
    };
    event_id(&program.schema, name).ok_or_else(|| TriggerError::UnknownEventType(name.clone()))
}
