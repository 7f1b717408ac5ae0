//! The typed, resolved program: what the checker produces and every evaluator consumes.
//!
//! Expressions live in one arena ([`Program::exprs`]) and refer to each other by
//! [`ExprId`]. Names are resolved to ids (fields, tags, segments, event properties),
//! `let`s and constant sub-expressions are folded, string literals in `time` positions
//! are parsed, regexes are compiled, and enum shorthand is expanded to comparisons.
//!
//! INVARIANT: every expression has the type in [`Expr::ty`], and the operands of every
//! node have the types that node requires (the checker inserts [`ExprKind::ToFloat`]
//! where an int meets a float). An evaluator never needs to check types at run time.

use std::sync::Arc;

use crate::schema::{EventId, FieldId, PropId, Schema, Type};
use crate::source::{SourceMap, Span};
use crate::value::Value;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExprId(pub u32);

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TagId(pub u32);

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SegmentId(pub u32);

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(pub u32);

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegexId(pub u32);

/// A checked rule set.
#[derive(Clone, Debug)]
pub struct Program {
    pub sources: Arc<SourceMap>,
    pub schema: Schema,
    pub exprs: Vec<Expr>,
    /// Tags in declaration order (imported files' first, in import order).
    pub tags: Vec<Rule>,
    /// Segments in declaration order.
    pub segments: Vec<Rule>,
    /// Every tag and segment, each after everything it refers to.
    pub order: Vec<RuleRef>,
    pub regexes: Vec<regex::Regex>,
    pub channels: Vec<Channel>,
    pub triggers: Vec<Trigger>,
    pub tests: Vec<Test>,
    /// IANA zone for clock times (`quiet`, `every day at`); UTC if not declared.
    pub timezone: String,
    /// Top-level `limit N per D`: sends per profile across all triggers.
    pub send_cap: Option<Cap>,
}

impl Program {
    /// A program with a schema and nothing else yet.
    pub fn empty(sources: Arc<SourceMap>, schema: Schema) -> Program {
        Program {
            sources,
            schema,
            exprs: Vec::new(),
            tags: Vec::new(),
            segments: Vec::new(),
            order: Vec::new(),
            regexes: Vec::new(),
            channels: Vec::new(),
            triggers: Vec::new(),
            tests: Vec::new(),
            timezone: "UTC".into(),
            send_cap: None,
        }
    }

    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.0 as usize]
    }

    pub fn tag(&self, id: TagId) -> &Rule {
        &self.tags[id.0 as usize]
    }

    pub fn segment(&self, id: SegmentId) -> &Rule {
        &self.segments[id.0 as usize]
    }

    pub fn regex(&self, id: RegexId) -> &regex::Regex {
        &self.regexes[id.0 as usize]
    }
}

/// A tag or a segment.
#[derive(Clone, Debug)]
pub struct Rule {
    pub name: String,
    /// The declared name.
    pub span: Span,
    pub body: ExprId,
    /// `Bool` for membership tags and every segment.
    pub ty: Type,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum RuleRef {
    Tag(TagId),
    Segment(SegmentId),
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A folded constant (never `Missing` unless the constant is missing, e.g. `1 / 0`).
    Const(Value),
    /// A profile field. A missing `bool` field reads as `false` everywhere but `is`.
    Field(FieldId),
    Tag(TagId),
    Segment(SegmentId),
    /// The evaluation's reference time.
    Now,
    /// The start time of the trigger instance (only in triggers).
    Start,
    /// The current event's `at`, inside an aggregate's `where` filter.
    EventAt,
    /// A property of the current event, inside an aggregate's `where` filter.
    EventProp(PropId),
    Not(ExprId),
    /// Unary minus on int, float or duration.
    Neg(ExprId),
    /// Conjunction of bools (short-circuit is not observable: no side effects).
    And(Vec<ExprId>),
    Or(Vec<ExprId>),
    /// Int to float (inserted by the checker where an int meets a float).
    ToFloat(ExprId),
    Arith {
        op: ArithOp,
        lhs: ExprId,
        rhs: ExprId,
    },
    /// Both operands have the same type (bool, int, float, string, time, duration,
    /// enum). Any missing operand makes the comparison `false`.
    Compare {
        op: CmpOp,
        lhs: ExprId,
        rhs: ExprId,
    },
    /// `subject in [constants]` / `not in`. `false` if the subject is missing, also for
    /// `not in`.
    InList {
        subject: ExprId,
        list: Vec<Value>,
        negated: bool,
    },
    /// `set contains elem` / `elem in set` for a `set<string>`. `false` if either is missing.
    SetContains {
        set: ExprId,
        elem: ExprId,
    },
    /// `text contains part` on strings (substring). `false` if either is missing.
    StrContains {
        text: ExprId,
        part: ExprId,
    },
    /// `subject matches "regex"` (unanchored search, like `regex::Regex::is_match`).
    Matches {
        subject: ExprId,
        regex: RegexId,
    },
    /// `is present` (`present`) / `is missing`. Looks at the raw value: a missing bool
    /// field is missing here.
    Is {
        subject: ExprId,
        present: bool,
    },
    /// `sample(fraction, "salt")`: see `crate::eval::sample`.
    Sample {
        fraction: f64,
        salt: Arc<str>,
    },
    Aggregate(Aggregate),
    /// Arms tried in order; the first true condition wins; missing without a default.
    Case {
        arms: Vec<(ExprId, ExprId)>,
        default: Option<ExprId>,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ArithOp {
    /// int+int, float+float, time+duration, duration+time, duration+duration
    Add,
    /// also time-time (a duration) and time-duration
    Sub,
    /// int*int, float*float, duration*int, int*duration
    Mul,
    /// Always yields float (int operands are converted); division by zero is missing.
    Div,
    /// int%int, float%float, duration%duration; by zero is missing.
    Rem,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// Whether the comparison holds for operands ordered `ord`; `None` (unordered, as
    /// with NaN) satisfies only `!=`.
    pub fn holds(self, ord: Option<std::cmp::Ordering>) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            CmpOp::Eq => ord == Some(Equal),
            CmpOp::Ne => ord != Some(Equal),
            CmpOp::Lt => ord == Some(Less),
            CmpOp::Le => matches!(ord, Some(Less | Equal)),
            CmpOp::Gt => ord == Some(Greater),
            CmpOp::Ge => matches!(ord, Some(Greater | Equal)),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Aggregate {
    pub func: AggFunc,
    pub event: EventId,
    /// What the aggregate reads of each matching event.
    pub target: AggTarget,
    /// A bool expression over the event (`EventAt`, `EventProp`) and the profile.
    pub filter: Option<ExprId>,
    pub window: Window,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum AggFunc {
    /// int: matching events
    Count,
    /// bool: any matching event
    Exists,
    /// target's type (int or float); 0 if none; missing values skipped
    Sum,
    /// float; missing if no value
    Avg,
    /// target's type; missing if no value
    Min,
    Max,
    /// the earliest matching event's target (ties: the first in input order)
    First,
    /// the latest matching event's target (ties: the last in input order)
    Last,
    /// int: length of the latest run of consecutive events of the type (in the window)
    /// that all satisfy the filter
    Streak,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum AggTarget {
    /// count, exists, streak
    Event,
    At,
    Prop(PropId),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Window {
    /// Every event at or before `now`.
    All,
    /// `now - d < at <= now`; no event matches if `d` is missing.
    Within(ExprId),
    /// `t <= at <= now`; no event matches if `t` is missing.
    Since(ExprId),
}

#[derive(Clone, Debug)]
pub struct Channel {
    pub name: String,
    pub span: Span,
    /// Which profiles it can reach.
    pub when: ExprId,
}

#[derive(Clone, Debug)]
pub struct Trigger {
    pub name: String,
    pub span: Span,
    pub start: TriggerStart,
    pub when: Option<ExprId>,
    pub goal: Option<ExprId>,
    pub steps: Vec<Step>,
    pub limit: Option<Cap>,
    /// Local clock window in minutes of the day, `from..to` (may wrap past midnight).
    pub quiet: Option<(u16, u16)>,
}

#[derive(Clone, Debug)]
pub enum TriggerStart {
    Event {
        event: EventId,
        filter: Option<ExprId>,
    },
    Enter(SegmentId),
    Exit(SegmentId),
    /// Minutes after local midnight.
    EveryDay(u16),
}

#[derive(Clone, Debug)]
pub enum Step {
    Send {
        message: String,
        channels: Vec<ChannelId>,
        span: Span,
    },
    /// A duration expression.
    Wait(ExprId),
    If {
        cond: ExprId,
        then: Vec<Step>,
        otherwise: Vec<Step>,
    },
}

/// `limit N per D`
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Cap {
    pub count: u32,
    /// Microseconds.
    pub per: i64,
}

#[derive(Clone, Debug)]
pub struct Test {
    pub title: String,
    pub span: Span,
    /// A time expression (may use `now`) fixing the test's reference time.
    pub now: Option<ExprId>,
    pub given: Given,
    pub expects: Vec<ExprId>,
    /// A trigger timeline, in written order (empty for a test of tags and segments).
    pub timeline: Vec<TimelineStep>,
}

/// A step of a test's trigger timeline. Times are constant expressions that may use
/// `now`.
#[derive(Clone, Debug)]
pub enum TimelineStep {
    /// `until T`: the clock moves to `T` (timers due by then fire).
    Advance { at: ExprId, span: Span },
    /// `at T: E { ... }`: an event at `T` (its `at` is set).
    Event(GivenEvent),
    /// `at T: fail "message"`: the latest send of that message failed, reported at `T`.
    Fail {
        at: ExprId,
        message: String,
        span: Span,
    },
    /// `expect [no] send "message" [via ch | undeliverable] [at T]`: whether the
    /// timeline so far emitted such a send.
    ExpectSend(ExpectSend),
}

#[derive(Clone, Debug)]
pub struct ExpectSend {
    pub negated: bool,
    pub message: String,
    /// `Some(Some(ch))` for `via ch`, `Some(None)` for `undeliverable`.
    pub via: Option<Option<ChannelId>>,
    pub at: Option<ExprId>,
    /// The whole `expect` item.
    pub span: Span,
}

/// The profile a test describes. Values are constant expressions that may use `now`.
#[derive(Clone, Debug, Default)]
pub struct Given {
    /// The profile key (a string, or an int if `id` is declared `int`); `"test"` if
    /// not given.
    pub id: Option<ExprId>,
    pub fields: Vec<(FieldId, ExprId)>,
    pub events: Vec<GivenEvent>,
}

#[derive(Clone, Debug)]
pub struct GivenEvent {
    pub event: EventId,
    pub span: Span,
    /// `at`; if absent the event happens at `now`.
    pub at: Option<ExprId>,
    pub props: Vec<(PropId, ExprId)>,
}

/// Where the names of a rule set point, for editors (go to definition, hover).
///
/// The checker fills it as it resolves names, also when checking fails: it then holds
/// what was resolved before each error. Evaluators never read it.
#[derive(Clone, Debug, Default)]
pub struct NameIndex {
    /// Each use of a declared name (a tag, segment, let, field, event, event property,
    /// channel): the span of the use and the span of the name in its declaration. `at`
    /// points at its event's name.
    pub references: Vec<(Span, Span)>,
    /// The checked type of each tag, segment and `let`, by the span of its declared name,
    /// written as in rule files (`bool`, `enum(F, M)`, `list of string`).
    pub types: Vec<(Span, String)>,
}
