//! The abstract syntax tree: what a rule file says, before names are resolved.
//!
//! Every node carries the [`Span`] of the text it came from. The parser
//! (`crate::parse`) builds it; the checker (`crate::check`) turns it into the typed IR.

use crate::source::{FileId, Span};

/// One parsed rule file.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub file: FileId,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal as written (escapes already decoded).
#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    /// The whole declaration.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    Profile(ProfileDecl),
    Event(EventDecl),
    Let(LetDecl),
    Tag(RuleDecl),
    Segment(RuleDecl),
    Channel(ChannelDecl),
    Trigger(TriggerDecl),
    Test(TestDecl),
    Import(StrLit),
    Timezone(StrLit),
    /// Top-level `limit N per D`: a cap on sends per profile across all triggers.
    Limit(Limit),
}

/// `profile { field: type ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileDecl {
    pub fields: Vec<FieldDecl>,
}

/// `event name { prop: type ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct EventDecl {
    pub name: Ident,
    pub props: Vec<FieldDecl>,
}

/// `name: type`
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeExprKind {
    /// `bool`, `int`, `float`, `string`, `time`, `duration`, or an unknown name
    /// (reported by the checker).
    Named(Ident),
    /// `enum(A, B, C)`
    Enum(Vec<Ident>),
    /// `set<T>`
    Set(Box<TypeExpr>),
}

/// `let name = expr`
#[derive(Clone, Debug, PartialEq)]
pub struct LetDecl {
    pub name: Ident,
    pub value: Expr,
}

/// `tag name = expr` or `segment name = expr`
#[derive(Clone, Debug, PartialEq)]
pub struct RuleDecl {
    pub name: Ident,
    pub body: Expr,
}

/// `channel name when expr`
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelDecl {
    pub name: Ident,
    pub when: Expr,
}

/// `trigger name { item ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct TriggerDecl {
    pub name: Ident,
    pub items: Vec<TriggerItem>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TriggerItem {
    pub kind: TriggerItemKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TriggerItemKind {
    /// `on E [where c]`, `on enter S`, `on exit S`, `every day at HH:MM`
    On(TriggerStart),
    /// `when c`
    When(Expr),
    /// `goal c`
    Goal(Expr),
    /// `send "message" via ch1, ch2, ...`
    Send {
        message: StrLit,
        channels: Vec<Ident>,
    },
    /// `wait D`
    Wait(Expr),
    /// `if c { ... } else { ... }` (`else if` nests an `If` in `otherwise`)
    If {
        cond: Expr,
        then: Vec<TriggerItem>,
        otherwise: Vec<TriggerItem>,
    },
    /// `limit N per D`
    Limit(Limit),
    /// `quiet 22:00..08:00`
    Quiet { from: ClockTime, to: ClockTime },
}

#[derive(Clone, Debug, PartialEq)]
pub enum TriggerStart {
    Event { event: Ident, filter: Option<Expr> },
    Enter(Ident),
    Exit(Ident),
    EveryDay(ClockTime),
}

/// `limit N per D`
#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    pub count: Expr,
    pub per: Expr,
}

/// A local clock time `HH:MM`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClockTime {
    pub hour: u8,
    pub minute: u8,
    pub span: Span,
}

/// `test "title" { given {...} expect c ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct TestDecl {
    pub title: StrLit,
    pub items: Vec<TestItem>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TestItem {
    pub kind: TestItemKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TestItemKind {
    /// `now "2026-11-22T00:00:00Z"`: the test's reference time.
    Now(Expr),
    /// `given { field: value, ..., events: [E { prop: value, at: t }, ...] }`
    Given(Vec<GivenField>),
    /// `expect c`
    Expect(Expr),
    /// A step of a trigger timeline: `at T: E { ... }` or `at T: fail "message"`, or
    /// with no step `until T` (the clock moves to `T`).
    At { at: Expr, step: Option<AtStep> },
    /// `expect [no] send "m" [via ch | undeliverable] [at T]`
    ExpectSend(ExpectSend),
}

/// What happens at a timeline's `at T:`.
#[derive(Clone, Debug, PartialEq)]
pub enum AtStep {
    /// An event (its time is the `at`).
    Event(EventLit),
    /// The latest send of this message failed.
    Fail(StrLit),
}

/// `expect [no] send "m" [via ch | undeliverable] [at T]`
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectSend {
    /// `expect no send`: no such send was emitted.
    pub negated: bool,
    pub message: StrLit,
    pub via: Option<SendVia>,
    pub at: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SendVia {
    Channel(Ident),
    /// `channel: null`: no channel could reach the profile.
    Undeliverable,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GivenField {
    pub name: Ident,
    pub value: GivenValue,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum GivenValue {
    Expr(Expr),
    /// `events: [E { ... }, ...]`
    Events(Vec<EventLit>),
}

/// `add_cart { sku: "SKU-1", at: now - 2d }`
#[derive(Clone, Debug, PartialEq)]
pub struct EventLit {
    pub event: Ident,
    pub fields: Vec<(Ident, Expr)>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A duration literal, in microseconds (`7d`, `30m`, `45s`).
    Duration(i64),
    /// `10%`, as a fraction (0.10).
    Percent(f64),
    /// `[a, b, c]`
    List(Vec<Expr>),
    /// A name: field, tag, segment, let, enum variant, event type, `now` or `start`.
    Name(Ident),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `subject matches "regex"`
    Matches {
        subject: Box<Expr>,
        pattern: StrLit,
    },
    /// `subject is missing` (`present == false`) / `subject is present`
    Is {
        subject: Box<Expr>,
        present: bool,
    },
    /// `object.name`
    Member {
        object: Box<Expr>,
        name: Ident,
    },
    /// `f(args [where c] [within D | since t])`
    Call(Call),
    /// `case { cond => value ... else => value }`
    Case {
        arms: Vec<CaseArm>,
        default: Option<Box<Expr>>,
    },
    /// `a, b, c` at the top of a tag, segment or `when` body: conjunction.
    Conjunction(Vec<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub callee: Ident,
    pub args: Vec<Expr>,
    pub filter: Option<Box<Expr>>,
    pub window: Option<Window>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub kind: WindowKind,
    pub bound: Box<Expr>,
    /// From the keyword to the end of the bound.
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowKind {
    /// `within D`: `now - D < at <= now`
    Within,
    /// `since t`: `t <= at <= now`
    Since,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CaseArm {
    pub cond: Expr,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Contains,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    /// The operator as written in source.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Contains => "contains",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        )
    }
}
