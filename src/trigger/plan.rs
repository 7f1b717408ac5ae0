//! What the engine derives once from a checked program: each trigger's steps as a flat
//! list of operations, the segments `on enter`/`on exit` watch, which event types each
//! of them depends on, and where their values can change with time alone.

use std::collections::BTreeSet;

use crate::ir::{
    ArithOp, ChannelId, ExprId, ExprKind, Program, SegmentId, Step, TagId, TriggerStart, Window,
};
use crate::schema::EventId;
use crate::value::Value;

/// One operation of a trigger's flattened steps. An instance's position is an index
/// into these, and that index is the `step` of the actions it emits.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Send {
        message: String,
        channels: Vec<ChannelId>,
    },
    /// Microseconds.
    Wait(i64),
    /// Go on with the next op if `cond` holds, else jump to `otherwise`.
    Branch {
        cond: ExprId,
        otherwise: usize,
    },
    Jump(usize),
}

/// A source of time-driven change in a watched segment, found by walking its
/// expression (and the tags and segments it refers to).
#[derive(Clone, Debug, PartialEq)]
pub enum TimeSource {
    /// An aggregate over `event` with `within d`: a stored event at `a` enters the
    /// window at `a` and leaves it at `a + d`.
    Window { event: EventId, within: i64 },
    /// Any other aggregate over `event`: an event stored with a future `at` starts to
    /// count at `at`.
    Entry { event: EventId },
    /// `now - x <op> d` (`since(x) > d` and the like): flips at `x + d`.
    Since { x: ExprId, d: i64 },
    /// `now <op> x` or `x <op> now`: flips at `x`.
    NowVs { x: ExprId },
    /// A use of `now` of another shape: re-checked every [`FALLBACK_RECHECK`].
    Opaque,
}

/// How often a segment whose time dependence is [`TimeSource::Opaque`] is re-checked.
pub const FALLBACK_RECHECK: i64 = crate::time::HOUR;

/// A segment that `on enter` / `on exit` triggers watch.
#[derive(Clone, Debug)]
pub struct Watched {
    pub segment: SegmentId,
    /// Event types whose arrival can change its value.
    pub events: BTreeSet<EventId>,
    pub time: Vec<TimeSource>,
}

/// Everything the engine needs from the program beyond the program itself.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Flattened steps, indexed like `program.triggers`.
    pub ops: Vec<Vec<Op>>,
    pub watched: Vec<Watched>,
    /// Local clock zone for `quiet` and `every day at`.
    pub zone: jiff::tz::TimeZone,
    /// How long stored events of each type (indexed by `EventId`) stay readable.
    pub retention: Vec<Retention>,
}

/// Which stored events of one type some expression of the rule set can still read at
/// or after processing time `t` (the clock only moves forward).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Retention {
    /// An aggregate reads every event (no window, or `since` a time other than `start`).
    pub all: bool,
    /// The longest constant `within` window: events with `at > t - within` count.
    pub within: i64,
    /// An aggregate `since start`: events at or after a running instance's start count
    /// (a new instance starts at `t` or later).
    pub since_start: bool,
}

impl Retention {
    /// Whether an event at `at` may still be read, at processing time `t`, by a profile
    /// whose earliest running instance started at `earliest_start`.
    pub fn keeps(&self, at: i64, t: i64, earliest_start: Option<i64>) -> bool {
        if self.all || at > t.saturating_sub(self.within) {
            return true;
        }
        self.since_start && at >= earliest_start.map_or(t, |s| s.min(t))
    }
}

impl Plan {
    /// A fingerprint of what the store's records refer to by position or name: the
    /// triggers (names, start kinds and flattened steps), channels, watched segments
    /// and event types. A state directory records the fingerprint of the rules that
    /// built it; conditions can change without changing it.
    pub fn layout_hash(&self, program: &Program) -> i64 {
        use std::fmt::Write;
        let mut text = String::new();
        for (t, ops) in program.triggers.iter().zip(&self.ops) {
            let start = match t.start {
                TriggerStart::Event { event, .. } => format!("on {}", event.0),
                TriggerStart::Enter(s) => format!("enter {}", s.0),
                TriggerStart::Exit(s) => format!("exit {}", s.0),
                TriggerStart::EveryDay(m) => format!("daily {m}"),
            };
            let _ = write!(text, "trigger {} {start}:", t.name);
            for op in ops {
                let _ = match op {
                    Op::Send { message, channels } => {
                        write!(text, "send {message:?} {channels:?};")
                    }
                    Op::Wait(d) => write!(text, "wait {d};"),
                    Op::Branch { otherwise, .. } => write!(text, "if {otherwise};"),
                    Op::Jump(to) => write!(text, "jump {to};"),
                };
            }
            text.push('\n');
        }
        for c in &program.channels {
            let _ = writeln!(text, "channel {}", c.name);
        }
        for w in &self.watched {
            let _ = writeln!(text, "watch {}", w.segment.0);
        }
        for e in &program.schema.events {
            let _ = writeln!(text, "event {}", e.name);
        }
        // FNV-1a: stable across builds and platforms, unlike std's hasher.
        let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        hash as i64
    }
}

/// The retention of every event type, from every aggregate in the program (tags,
/// segments, triggers, channels and tests alike).
fn retention(program: &Program) -> Vec<Retention> {
    let mut out = vec![Retention::default(); program.schema.events.len()];
    let const_duration = |id: ExprId| match program.exprs.get(id.0 as usize).map(|e| &e.kind) {
        Some(ExprKind::Const(Value::Duration(d))) => Some(*d),
        _ => None,
    };
    for expr in &program.exprs {
        let ExprKind::Aggregate(agg) = &expr.kind else {
            continue;
        };
        let Some(r) = out.get_mut(agg.event.0 as usize) else {
            continue;
        };
        match agg.window {
            Window::All => r.all = true,
            Window::Within(d) => match const_duration(d) {
                Some(d) => r.within = r.within.max(d),
                None => r.all = true,
            },
            Window::Since(s) => match program.exprs.get(s.0 as usize).map(|e| &e.kind) {
                Some(ExprKind::Start) => r.since_start = true,
                _ => r.all = true,
            },
        }
    }
    out
}

impl Plan {
    pub fn new(program: &Program) -> Result<Plan, String> {
        let zone = jiff::tz::TimeZone::get(&program.timezone)
            .map_err(|e| format!("unknown time zone `{}`: {e}", program.timezone))?;
        let ops = program
            .triggers
            .iter()
            .map(|t| {
                let mut ops = Vec::new();
                flatten(program, &t.steps, &mut ops);
                ops
            })
            .collect();
        let mut segments: Vec<SegmentId> = program
            .triggers
            .iter()
            .filter_map(|t| match t.start {
                TriggerStart::Enter(s) | TriggerStart::Exit(s) => Some(s),
                _ => None,
            })
            .collect();
        segments.sort();
        segments.dedup();
        let watched = segments
            .into_iter()
            .map(|segment| {
                let mut walk = Walk {
                    program,
                    events: BTreeSet::new(),
                    time: Vec::new(),
                    seen_tags: BTreeSet::new(),
                    seen_segments: BTreeSet::new(),
                };
                walk.segment(segment);
                Watched {
                    segment,
                    events: walk.events,
                    time: walk.time,
                }
            })
            .collect();
        let retention = retention(program);
        Ok(Plan {
            ops,
            watched,
            zone,
            retention,
        })
    }

    /// Indexes into `watched` of the segments that an event of type `event` can change.
    pub fn watched_by(&self, event: EventId) -> impl Iterator<Item = usize> + '_ {
        (0..self.watched.len()).filter(move |&i| self.watched[i].events.contains(&event))
    }
}

fn flatten(program: &Program, steps: &[Step], ops: &mut Vec<Op>) {
    for step in steps {
        match step {
            Step::Send {
                message, channels, ..
            } => ops.push(Op::Send {
                message: message.clone(),
                channels: channels.clone(),
            }),
            Step::Wait(d) => {
                // The checker only accepts a positive constant duration.
                let micros = match &program.expr(*d).kind {
                    ExprKind::Const(Value::Duration(d)) => *d,
                    _ => 0,
                };
                ops.push(Op::Wait(micros));
            }
            Step::If {
                cond,
                then,
                otherwise,
            } => {
                let branch = ops.len();
                ops.push(Op::Branch {
                    cond: *cond,
                    otherwise: 0,
                });
                flatten(program, then, ops);
                let jump = ops.len();
                ops.push(Op::Jump(0));
                let else_at = ops.len();
                flatten(program, otherwise, ops);
                let end = ops.len();
                ops[branch] = Op::Branch {
                    cond: *cond,
                    otherwise: else_at,
                };
                ops[jump] = Op::Jump(end);
            }
        }
    }
}

/// Collects a segment's event dependencies and time sources, following tags and
/// segments once each.
struct Walk<'p> {
    program: &'p Program,
    events: BTreeSet<EventId>,
    time: Vec<TimeSource>,
    seen_tags: BTreeSet<TagId>,
    seen_segments: BTreeSet<SegmentId>,
}

impl Walk<'_> {
    fn segment(&mut self, s: SegmentId) {
        if self.seen_segments.insert(s)
            && let Some(rule) = self.program.segments.get(s.0 as usize)
        {
            self.expr(rule.body);
        }
    }

    fn tag(&mut self, t: TagId) {
        if self.seen_tags.insert(t)
            && let Some(rule) = self.program.tags.get(t.0 as usize)
        {
            self.expr(rule.body);
        }
    }

    fn note(&mut self, source: TimeSource) {
        if !self.time.contains(&source) {
            self.time.push(source);
        }
    }

    fn const_duration(&self, id: ExprId) -> Option<i64> {
        match &self.program.exprs.get(id.0 as usize)?.kind {
            ExprKind::Const(Value::Duration(d)) => Some(*d),
            _ => None,
        }
    }

    fn is_now(&self, id: ExprId) -> bool {
        matches!(
            self.program.exprs.get(id.0 as usize).map(|e| &e.kind),
            Some(ExprKind::Now)
        )
    }

    /// `now - x`: its `x`.
    fn since_of(&self, id: ExprId) -> Option<ExprId> {
        match &self.program.exprs.get(id.0 as usize)?.kind {
            ExprKind::Arith {
                op: ArithOp::Sub,
                lhs,
                rhs,
            } if self.is_now(*lhs) => Some(*rhs),
            _ => None,
        }
    }

    /// A comparison whose flip instant can be solved; `true` if it was recognised
    /// (its operands other than `now` are still walked).
    fn comparison(&mut self, lhs: ExprId, rhs: ExprId) -> bool {
        for (a, b) in [(lhs, rhs), (rhs, lhs)] {
            if let (Some(x), Some(d)) = (self.since_of(a), self.const_duration(b)) {
                self.note(TimeSource::Since { x, d });
                self.expr(x);
                return true;
            }
            if self.is_now(a) {
                self.note(TimeSource::NowVs { x: b });
                self.expr(b);
                return true;
            }
        }
        false
    }

    fn expr(&mut self, id: ExprId) {
        let Some(expr) = self.program.exprs.get(id.0 as usize) else {
            return;
        };
        match &expr.kind {
            ExprKind::Const(_)
            | ExprKind::Field(_)
            | ExprKind::Start
            | ExprKind::EventAt
            | ExprKind::EventProp(_)
            | ExprKind::Sample { .. } => {}
            ExprKind::Now => self.note(TimeSource::Opaque),
            ExprKind::Tag(t) => self.tag(*t),
            ExprKind::Segment(s) => self.segment(*s),
            ExprKind::Not(x) | ExprKind::Neg(x) | ExprKind::ToFloat(x) => self.expr(*x),
            ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter().for_each(|&x| self.expr(x)),
            ExprKind::Arith { lhs, rhs, .. } => {
                self.expr(*lhs);
                self.expr(*rhs);
            }
            ExprKind::Compare { lhs, rhs, .. } => {
                if !self.comparison(*lhs, *rhs) {
                    self.expr(*lhs);
                    self.expr(*rhs);
                }
            }
            ExprKind::InList { subject, .. } => self.expr(*subject),
            ExprKind::SetContains { set, elem } => {
                self.expr(*set);
                self.expr(*elem);
            }
            ExprKind::StrContains { text, part } => {
                self.expr(*text);
                self.expr(*part);
            }
            ExprKind::Matches { subject, .. } => self.expr(*subject),
            ExprKind::Is { subject, .. } => self.expr(*subject),
            ExprKind::Aggregate(agg) => {
                self.events.insert(agg.event);
                if let Some(f) = agg.filter {
                    self.expr(f);
                }
                match agg.window {
                    Window::All => self.note(TimeSource::Entry { event: agg.event }),
                    Window::Within(d) => match self.const_duration(d) {
                        Some(within) => self.note(TimeSource::Window {
                            event: agg.event,
                            within,
                        }),
                        None => {
                            self.note(TimeSource::Opaque);
                            self.expr(d);
                        }
                    },
                    Window::Since(t) => {
                        self.note(TimeSource::Entry { event: agg.event });
                        self.expr(t);
                    }
                }
            }
            ExprKind::Case { arms, default } => {
                for &(c, v) in arms {
                    self.expr(c);
                    self.expr(v);
                }
                if let Some(d) = default {
                    self.expr(*d);
                }
            }
        }
    }
}
