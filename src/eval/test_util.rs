//! Test-only builders: a typed expression arena and hand-filled columnar profiles.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use crate::data::{Bitmap, Column, ColumnValues, Dictionary, EventTable, Profiles};
use crate::ir::{
    AggFunc, AggTarget, Aggregate, ArithOp, CmpOp, Expr, ExprId, ExprKind, Program, RegexId, Rule,
    RuleRef, SegmentId, TagId, Window,
};
use crate::schema::{EnumType, EventType, Field, Schema, Type};
use crate::source::{SourceMap, Span};
use crate::time::DAY;
use crate::value::Value;

/// The schema most tests use.
///
/// profile: age int, paid bool, balance float, province string, signup_at time,
/// gender enum(F, M, U), interests set<string>, grace duration;
/// events: pay { amount: float, coupon: string, qty: int, ok: bool },
/// view { category: string }.
pub fn schema() -> Schema {
    let f = |name: &str, ty| Field {
        name: name.into(),
        ty,
    };
    Schema {
        fields: vec![
            f("age", Type::Int),
            f("paid", Type::Bool),
            f("balance", Type::Float),
            f("province", Type::Str),
            f("signup_at", Type::Time),
            f("gender", Type::Enum(crate::schema::EnumId(0))),
            f("interests", Type::StrSet),
            f("grace", Type::Duration),
        ],
        events: vec![
            EventType {
                name: "pay".into(),
                props: vec![
                    f("amount", Type::Float),
                    f("coupon", Type::Str),
                    f("qty", Type::Int),
                    f("ok", Type::Bool),
                ],
            },
            EventType {
                name: "view".into(),
                props: vec![f("category", Type::Str)],
            },
        ],
        enums: vec![EnumType {
            variants: vec!["F".into(), "M".into(), "U".into()],
        }],
    }
}

pub const NOW: i64 = 1_000 * DAY;

/// Builds a [`Program`] by pushing typed expressions into its arena.
pub struct Builder {
    pub program: Program,
}

impl Builder {
    pub fn new(schema: Schema) -> Builder {
        Builder {
            program: Program::empty(Arc::new(SourceMap::new()), schema),
        }
    }

    pub fn push(&mut self, kind: ExprKind, ty: Type) -> ExprId {
        self.program.exprs.push(Expr {
            kind,
            ty,
            span: Span::default(),
        });
        ExprId(self.program.exprs.len() as u32 - 1)
    }

    pub fn ty(&self, e: ExprId) -> Type {
        self.program.expr(e).ty
    }

    pub fn konst(&mut self, v: Value) -> ExprId {
        let ty = v.type_of().unwrap_or(Type::Int);
        self.push(ExprKind::Const(v), ty)
    }

    /// A missing constant of type `ty`.
    pub fn missing(&mut self, ty: Type) -> ExprId {
        self.push(ExprKind::Const(Value::Missing), ty)
    }

    pub fn int(&mut self, i: i64) -> ExprId {
        self.konst(Value::Int(i))
    }

    pub fn float(&mut self, f: f64) -> ExprId {
        self.konst(Value::Float(f))
    }

    pub fn str(&mut self, s: &str) -> ExprId {
        self.konst(Value::Str(s.into()))
    }

    pub fn bool(&mut self, b: bool) -> ExprId {
        self.konst(Value::Bool(b))
    }

    pub fn time(&mut self, t: i64) -> ExprId {
        self.konst(Value::Time(t))
    }

    pub fn dur(&mut self, d: i64) -> ExprId {
        self.konst(Value::Duration(d))
    }

    pub fn now(&mut self) -> ExprId {
        self.push(ExprKind::Now, Type::Time)
    }

    pub fn field(&mut self, name: &str) -> ExprId {
        let id = self.program.schema.field(name).unwrap();
        let ty = self.program.schema.field_def(id).ty;
        self.push(ExprKind::Field(id), ty)
    }

    pub fn prop(&mut self, event: &str, name: &str) -> ExprId {
        let (p, ty) = self.prop_id(event, name);
        self.push(ExprKind::EventProp(p), ty)
    }

    fn prop_id(&self, event: &str, name: &str) -> (crate::schema::PropId, Type) {
        let e = self.program.schema.event(event).unwrap();
        let def = self.program.schema.event_def(e);
        let p = def.prop(name).unwrap();
        (p, def.props[p.0 as usize].ty)
    }

    pub fn at(&mut self) -> ExprId {
        self.push(ExprKind::EventAt, Type::Time)
    }

    pub fn not(&mut self, e: ExprId) -> ExprId {
        self.push(ExprKind::Not(e), Type::Bool)
    }

    pub fn and(&mut self, es: &[ExprId]) -> ExprId {
        self.push(ExprKind::And(es.to_vec()), Type::Bool)
    }

    pub fn or(&mut self, es: &[ExprId]) -> ExprId {
        self.push(ExprKind::Or(es.to_vec()), Type::Bool)
    }

    pub fn cmp(&mut self, op: CmpOp, lhs: ExprId, rhs: ExprId) -> ExprId {
        self.push(ExprKind::Compare { op, lhs, rhs }, Type::Bool)
    }

    /// `lhs op rhs` with the result type the checker would give.
    pub fn arith(&mut self, op: ArithOp, lhs: ExprId, rhs: ExprId) -> ExprId {
        let ty = match (op, self.ty(lhs), self.ty(rhs)) {
            (ArithOp::Div, _, _) => Type::Float,
            (_, Type::Time, Type::Time) => Type::Duration,
            (_, Type::Time, _) | (_, _, Type::Time) => Type::Time,
            (_, Type::Duration, _) | (_, _, Type::Duration) => Type::Duration,
            (_, t, _) => t,
        };
        self.push(ExprKind::Arith { op, lhs, rhs }, ty)
    }

    pub fn is(&mut self, subject: ExprId, present: bool) -> ExprId {
        self.push(ExprKind::Is { subject, present }, Type::Bool)
    }

    pub fn regex(&mut self, pattern: &str) -> RegexId {
        self.program
            .regexes
            .push(regex::Regex::new(pattern).unwrap());
        RegexId(self.program.regexes.len() as u32 - 1)
    }

    /// An aggregate over event type `event`. `target`: `None` for the event itself,
    /// `Some("at")` or `Some(prop)`.
    pub fn agg(
        &mut self,
        func: AggFunc,
        event: &str,
        target: Option<&str>,
        filter: Option<ExprId>,
        window: Window,
    ) -> ExprId {
        let (target, target_ty) = match target {
            None => (AggTarget::Event, Type::Int),
            Some("at") => (AggTarget::At, Type::Time),
            Some(p) => {
                let (p, ty) = self.prop_id(event, p);
                (AggTarget::Prop(p), ty)
            }
        };
        let ty = match func {
            AggFunc::Count | AggFunc::Streak => Type::Int,
            AggFunc::Exists => Type::Bool,
            AggFunc::Avg => Type::Float,
            _ => target_ty,
        };
        let agg = Aggregate {
            func,
            event: self.program.schema.event(event).unwrap(),
            target,
            filter,
            window,
        };
        self.push(ExprKind::Aggregate(agg), ty)
    }

    pub fn tag(&mut self, name: &str, body: ExprId) -> TagId {
        let ty = self.ty(body);
        self.program.tags.push(Rule {
            name: name.into(),
            span: Span::default(),
            body,
            ty,
        });
        let id = TagId(self.program.tags.len() as u32 - 1);
        self.program.order.push(RuleRef::Tag(id));
        id
    }

    pub fn tag_ref(&mut self, id: TagId) -> ExprId {
        let ty = self.program.tag(id).ty;
        self.push(ExprKind::Tag(id), ty)
    }

    pub fn segment(&mut self, name: &str, body: ExprId) -> SegmentId {
        self.program.segments.push(Rule {
            name: name.into(),
            span: Span::default(),
            body,
            ty: Type::Bool,
        });
        let id = SegmentId(self.program.segments.len() as u32 - 1);
        self.program.order.push(RuleRef::Segment(id));
        id
    }

    pub fn segment_ref(&mut self, id: SegmentId) -> ExprId {
        self.push(ExprKind::Segment(id), Type::Bool)
    }

    pub fn build(self) -> Program {
        self.program
    }
}

/// One hand-written profile: field values by name (absent ones are missing) and
/// events `(type, at, props by name)` in any order.
#[derive(Default)]
pub struct Row {
    pub id: &'static str,
    pub fields: Props,
    pub events: Vec<(&'static str, i64, Props)>,
}

/// Values by field or property name.
pub type Props = Vec<(&'static str, Value)>;

impl Row {
    pub fn new(id: &'static str) -> Row {
        Row {
            id,
            ..Row::default()
        }
    }

    pub fn field(mut self, name: &'static str, v: Value) -> Row {
        self.fields.push((name, v));
        self
    }

    pub fn event(mut self, ty: &'static str, at: i64, props: Props) -> Row {
        self.events.push((ty, at, props));
        self
    }
}

/// Lays `rows` out in columns as a loader would (events sorted by `at`, stably).
pub fn profiles(schema: &Schema, rows: &[Row]) -> Profiles {
    let mut dict = Dictionary::default();
    let columns = schema
        .fields
        .iter()
        .map(|f| {
            let cells: Vec<Value> = rows
                .iter()
                .map(|r| {
                    r.fields
                        .iter()
                        .find(|(n, _)| *n == f.name)
                        .map_or(Value::Missing, |(_, v)| v.clone())
                })
                .collect();
            column(f.ty, &cells, &mut dict)
        })
        .collect();
    let events = schema
        .events
        .iter()
        .map(|et| {
            let mut offsets = vec![0u32];
            let mut at = Vec::new();
            let mut props: Vec<Vec<Value>> = vec![Vec::new(); et.props.len()];
            for r in rows {
                let mut mine: Vec<_> = r.events.iter().filter(|e| e.0 == et.name).collect();
                mine.sort_by_key(|e| e.1); // stable
                for (_, t, ps) in mine {
                    at.push(*t);
                    for (i, p) in et.props.iter().enumerate() {
                        let v = ps.iter().find(|(n, _)| *n == p.name);
                        props[i].push(v.map_or(Value::Missing, |(_, v)| v.clone()));
                    }
                }
                offsets.push(at.len() as u32);
            }
            let props = et
                .props
                .iter()
                .zip(&props)
                .map(|(p, cells)| column(p.ty, cells, &mut dict))
                .collect();
            EventTable::new(offsets, at, props)
        })
        .collect();
    Profiles {
        ids: rows.iter().map(|r| r.id.into()).collect(),
        columns,
        events,
        dict,
    }
}

fn column(ty: Type, cells: &[Value], dict: &mut Dictionary) -> Column {
    let mut valid = Bitmap::new();
    for c in cells {
        valid.push(!c.is_missing());
    }
    let values = match ty {
        Type::Bool => {
            let mut bits = Bitmap::new();
            for c in cells {
                bits.push(matches!(c, Value::Bool(true)));
            }
            ColumnValues::Bool(bits)
        }
        Type::Int => ColumnValues::Int(cells.iter().map(int_of).collect()),
        Type::Time => ColumnValues::Time(cells.iter().map(int_of).collect()),
        Type::Duration => ColumnValues::Duration(cells.iter().map(int_of).collect()),
        Type::Float => ColumnValues::Float(
            cells
                .iter()
                .map(|c| if let Value::Float(f) = c { *f } else { 0.0 })
                .collect(),
        ),
        Type::Str => ColumnValues::Str(
            cells
                .iter()
                .map(|c| {
                    if let Value::Str(s) = c {
                        dict.intern(s)
                    } else {
                        0
                    }
                })
                .collect(),
        ),
        Type::Enum(_) => ColumnValues::Enum(
            cells
                .iter()
                .map(|c| if let Value::Enum(_, v) = c { *v } else { 0 })
                .collect(),
        ),
        Type::StrSet => {
            let mut offsets = vec![0u32];
            let mut codes = Vec::new();
            for c in cells {
                if let Value::StrSet(items) = c {
                    let mut mine: Vec<u32> = items.iter().map(|s| dict.intern(s)).collect();
                    mine.sort();
                    mine.dedup();
                    codes.extend(mine);
                }
                offsets.push(codes.len() as u32);
            }
            ColumnValues::StrSet { offsets, codes }
        }
    };
    Column { valid, values }
}

fn int_of(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Time(i) | Value::Duration(i) => *i,
        _ => 0,
    }
}

pub fn str_set(items: &[&str]) -> Value {
    let mut v: Vec<Arc<str>> = items.iter().map(|s| Arc::from(*s)).collect();
    v.sort();
    v.dedup();
    Value::StrSet(v.into())
}

/// `Window::All` shorthand.
pub const ALL: Window = Window::All;

/// Lets tests build `CmpOp::Eq` etc. without importing ir everywhere.
pub use crate::ir::{AggFunc as F, ArithOp as A, CmpOp as C};
