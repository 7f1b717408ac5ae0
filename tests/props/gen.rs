//! Type-directed generators: a random schema, a well-typed rule set for it (as source
//! text), and profiles for it (as a model that renders to NDJSON and to Arrow).
//!
//! Every random choice is drawn from a [`Tape`] of `u32`s that proptest generates and
//! shrinks. A drawn `0` is always the simplest choice (a leaf, no optional clause), and
//! reading past the end of the tape draws `0`, so a shrunk tape gives a small program.

use std::fmt::Write as _;

use corral::time::{DAY, HOUR, MINUTE, SECOND, WEEK};

/// A stream of choices.
pub struct Tape {
    data: Vec<u32>,
    pos: usize,
}

impl Tape {
    pub fn new(data: Vec<u32>) -> Tape {
        Tape { data, pos: 0 }
    }

    pub fn draw(&mut self) -> u32 {
        let v = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        v
    }

    /// `0..n` (`0` if `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.draw() as usize % n }
    }

    /// `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `num/den`; a drawn `0` is false.
    pub fn chance(&mut self, num: u32, den: u32) -> bool {
        self.draw() % den >= den - num
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ----------------------------------------------------------------------------- schema

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Bool,
    Int,
    Float,
    Str,
    Time,
    Dur,
    /// Index into [`Schema::enums`] (equal to the checker's `EnumId`).
    Enum(usize),
    Set,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub ty: Ty,
}

#[derive(Clone, Debug)]
pub struct Event {
    pub name: String,
    pub props: Vec<Field>,
}

#[derive(Clone, Debug)]
pub struct Schema {
    pub fields: Vec<Field>,
    pub events: Vec<Event>,
    /// Distinct variant lists (enum types with the same variants are one type).
    pub enums: Vec<Vec<String>>,
}

const VARIANTS: &[&str] = &["Va", "Vb", "Vc", "Vd", "Ve", "变体一", "变体二", "V_x1"];

impl Schema {
    pub fn type_text(&self, ty: Ty) -> String {
        match ty {
            Ty::Bool => "bool".into(),
            Ty::Int => "int".into(),
            Ty::Float => "float".into(),
            Ty::Str => "string".into(),
            Ty::Time => "time".into(),
            Ty::Dur => "duration".into(),
            Ty::Enum(e) => format!("enum({})", self.enums[e].join(", ")),
            Ty::Set => "set<string>".into(),
        }
    }

    /// Profile fields whose enum type has variant `v`.
    fn fields_with_variant(&self, v: &str) -> usize {
        self.fields
            .iter()
            .filter(|f| matches!(f.ty, Ty::Enum(e) if self.enums[e].iter().any(|x| x == v)))
            .count()
    }

    /// Every (event, property name) with a property of type `ty`; `at` counts as a time.
    fn props_of(&self, ty: Ty) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (i, e) in self.events.iter().enumerate() {
            if ty == Ty::Time {
                out.push((i, "at".to_string()));
            }
            for p in &e.props {
                if p.ty == ty {
                    out.push((i, p.name.clone()));
                }
            }
        }
        out
    }
}

fn name(t: &mut Tape, ascii: &str, unicode: &str, i: usize) -> String {
    if t.chance(1, 4) {
        format!("{unicode}_{i}")
    } else {
        format!("{ascii}{i}")
    }
}

fn random_ty(t: &mut Tape, enums: usize) -> Ty {
    match t.below(8) {
        0 => Ty::Bool,
        1 => Ty::Int,
        2 => Ty::Float,
        3 => Ty::Str,
        4 => Ty::Time,
        5 => Ty::Dur,
        6 => Ty::Enum(t.below(enums)),
        _ => Ty::Set,
    }
}

pub fn gen_schema(t: &mut Tape) -> Schema {
    let mut enums: Vec<Vec<String>> = Vec::new();
    for _ in 0..t.range(1, 3) {
        let mut variants: Vec<String> = Vec::new();
        for _ in 0..t.range(1, 4) {
            let v = t.pick(VARIANTS).to_string();
            if !variants.contains(&v) {
                variants.push(v);
            }
        }
        if !enums.contains(&variants) {
            enums.push(variants);
        }
    }
    // One field of each enum first, so the checker numbers the enums in our order; then
    // one of every other type; then a few more.
    let mut tys: Vec<Ty> = (0..enums.len()).map(Ty::Enum).collect();
    tys.extend([
        Ty::Bool,
        Ty::Int,
        Ty::Float,
        Ty::Str,
        Ty::Time,
        Ty::Dur,
        Ty::Set,
    ]);
    for _ in 0..t.below(5) {
        tys.push(random_ty(t, enums.len()));
    }
    let fields = tys
        .into_iter()
        .enumerate()
        .map(|(i, ty)| Field {
            name: name(t, "f", "字段", i),
            ty,
        })
        .collect();
    let mut events = Vec::new();
    for i in 0..t.range(1, 4) {
        let ename = name(t, "e", "事件", i);
        let props = (0..t.below(5))
            .map(|j| Field {
                name: name(t, &format!("p{i}_"), &format!("属性{i}"), j),
                ty: random_ty(t, enums.len()),
            })
            .collect();
        events.push(Event { name: ename, props });
    }
    Schema {
        fields,
        events,
        enums,
    }
}

// ----------------------------------------------------------------------------- literals

pub const INTS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "7",
    "10",
    "100",
    "1000",
    "9223372036854775807",
];
pub const FLOATS: &[&str] = &[
    "0.0",
    "0.5",
    "1.0",
    "2.5",
    "99.99",
    "1000.0",
    "123456789.125",
    "10%",
    "0.5%",
    "100%",
];
pub const STRS: &[&str] = &["", "a", "abc", "SKU-1", "母婴", "上海", "x y", "Va"];
pub const DURS: &[&str] = &["1s", "45s", "30m", "12h", "1d", "7d", "2w", "0s", "100000w"];
pub const TIMES: &[&str] = &[
    "2026-11-22",
    "2026-11-21T00:00:00Z",
    "2026-11-15T00:00:00Z",
    "2026-11-22T08:00:00+08:00",
    "1970-01-01",
    "2026-11-21T23:59:59.5Z",
];
const REGEXES: &[&str] = &["^a", "c$", "[0-9]", "母", "^$", "S.U", "(a|b)+", "^V", "."];
const SALTS: &[&str] = &["s", "recall-2026", "盐"];
const FRACTIONS: &[&str] = &["0%", "10%", "50%", "100%", "0.25", "1", "0"];

// ----------------------------------------------------------------------------- rules

#[derive(Clone, Debug)]
pub struct Let {
    pub name: String,
    /// A scalar's type, or `None` for a list.
    pub scalar: Option<Ty>,
    /// For a list: the subject types it can be compared with by `in`.
    pub list_subjects: Vec<Ty>,
}

#[derive(Clone, Debug)]
pub struct RulePlan {
    pub name: String,
    pub segment: bool,
    pub ty: Ty,
    /// A rule refers only to rules of lower rank (so no cycles; forward references
    /// happen because ranks are independent of declaration order).
    pub rank: usize,
}

#[derive(Clone, Debug)]
pub struct RuleSet {
    pub schema: Schema,
    pub tags: Vec<RulePlan>,
    pub segments: Vec<RulePlan>,
    pub source: String,
}

/// Where an expression stands.
#[derive(Clone, Copy)]
struct Cx {
    /// Inside a `where` filter of this event: its properties and `at` are in scope, and
    /// aggregates are not allowed.
    event: Option<usize>,
    /// The checker knows the expected type here (`Want::Type`), so a string literal may
    /// be a time and a bare name or string an enum variant.
    lit: bool,
    /// The checker wants a condition here (`Want::Bool`): enum shorthand is allowed.
    wbool: bool,
    /// The checker expects some *other* type here (`d + t` lowers `t` wanting a duration).
    other: bool,
}

impl Cx {
    fn top() -> Cx {
        Cx {
            event: None,
            lit: false,
            wbool: false,
            other: false,
        }
    }
    fn with(self, lit: bool, wbool: bool) -> Cx {
        Cx {
            lit,
            wbool,
            other: false,
            ..self
        }
    }
}

struct G<'a> {
    t: &'a mut Tape,
    s: &'a Schema,
    lets: &'a [Let],
    rules: Vec<RulePlan>,
    rank: usize,
}

fn kw(t: &mut Tape, word: &str) -> String {
    match t.below(6) {
        4 => word.to_uppercase(),
        5 => {
            let mut c = word.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
        _ => word.to_string(),
    }
}

impl G<'_> {
    /// A constant literal of `ty` (valid where the checker expects `ty`).
    fn literal(&mut self, ty: Ty) -> String {
        match ty {
            Ty::Bool => if self.t.chance(1, 2) { "true" } else { "false" }.into(),
            Ty::Int => {
                let lit = self.t.pick(INTS).to_string();
                if self.t.chance(1, 5) {
                    format!("(-{lit})")
                } else {
                    lit
                }
            }
            Ty::Float => {
                let lit = self.t.pick(FLOATS).to_string();
                if self.t.chance(1, 5) {
                    format!("(-{lit})")
                } else {
                    lit
                }
            }
            Ty::Str => format!("\"{}\"", self.t.pick(STRS)),
            Ty::Dur => self.t.pick(DURS).to_string(),
            Ty::Time => format!("\"{}\"", self.t.pick(TIMES)),
            Ty::Enum(e) => {
                let v = self.t.pick(&self.s.enums[e]).clone();
                if self.t.chance(1, 3) {
                    format!("\"{v}\"")
                } else {
                    v
                }
            }
            Ty::Set => unreachable!("no set literals"),
        }
    }

    fn leaves(&mut self, ty: Ty, cx: Cx) -> Vec<String> {
        let mut out = Vec::new();
        let has_literal = match ty {
            Ty::Time | Ty::Enum(_) => cx.lit,
            Ty::Set => false,
            _ => true,
        };
        if has_literal {
            out.push(self.literal(ty));
        }
        if ty == Ty::Time {
            out.push("now".into());
        }
        for f in &self.s.fields {
            if f.ty == ty {
                out.push(f.name.clone());
            }
        }
        if let Some(e) = cx.event {
            if ty == Ty::Time {
                out.push("at".into());
            }
            for p in &self.s.events[e].props {
                if p.ty == ty {
                    out.push(p.name.clone());
                }
            }
        }
        for l in self.lets {
            if l.scalar == Some(ty) {
                out.push(l.name.clone());
            }
        }
        for r in &self.rules {
            if r.rank < self.rank && r.ty == ty {
                out.push(r.name.clone());
            }
        }
        if ty == Ty::Bool && cx.wbool {
            for e in &self.s.enums {
                for v in e {
                    if self.s.fields_with_variant(v) == 1 {
                        out.push(v.clone());
                    }
                }
            }
        }
        out
    }

    /// An expression of type `ty`.
    fn expr(&mut self, ty: Ty, depth: u32, cx: Cx) -> String {
        if depth == 0 || !self.t.chance(2, 3) {
            let leaves = self.leaves(ty, cx);
            if !leaves.is_empty() {
                return self.t.pick(&leaves).clone();
            }
        }
        let d = depth.saturating_sub(1);
        self.compound(ty, d, cx)
    }

    fn compound(&mut self, ty: Ty, d: u32, cx: Cx) -> String {
        let aggs = cx.event.is_none();
        // Aggregates of the type first (so a set or enum always has one), then case.
        let choice = self.t.below(12);
        match ty {
            Ty::Bool => self.bool_compound(d, cx, choice),
            Ty::Int => match choice {
                0..=3 => {
                    let op = *self.t.pick(&["+", "-", "*", "%"]);
                    let a = self.expr(Ty::Int, d, cx.with(false, false));
                    let b = self.expr(Ty::Int, d, cx.with(true, false));
                    format!("({a} {op} {b})")
                }
                4 => format!("(-{})", self.expr(Ty::Int, d, cx.with(false, false))),
                5 | 6 if aggs => {
                    let f = if choice == 5 { "count" } else { "streak" };
                    let e = self.t.below(self.s.events.len());
                    let sfx = self.agg_suffix(e, d);
                    format!("{f}({}{sfx})", self.s.events[e].name)
                }
                7..=9 if aggs => self
                    .prop_aggregate(Ty::Int, d)
                    .unwrap_or_else(|| self.case(Ty::Int, d, cx)),
                _ => self.case(Ty::Int, d, cx),
            },
            Ty::Float => match choice {
                0..=2 => {
                    let op = *self.t.pick(&["+", "-", "*", "%"]);
                    let (ta, tb) = *self.t.pick(&[
                        (Ty::Float, Ty::Float),
                        (Ty::Int, Ty::Float),
                        (Ty::Float, Ty::Int),
                    ]);
                    let a = self.expr(ta, d, cx.with(false, false));
                    let b = self.expr(tb, d, cx.with(true, false));
                    format!("({a} {op} {b})")
                }
                3 | 4 => {
                    let ta = *self.t.pick(&[Ty::Int, Ty::Float]);
                    let tb = *self.t.pick(&[Ty::Int, Ty::Float]);
                    let a = self.expr(ta, d, cx.with(false, false));
                    let b = self.expr(tb, d, cx.with(true, false));
                    format!("({a} / {b})")
                }
                5 => format!("(-{})", self.expr(Ty::Float, d, cx.with(false, false))),
                6 if aggs => {
                    let numeric: Vec<(usize, String)> = self
                        .s
                        .props_of(Ty::Int)
                        .into_iter()
                        .chain(self.s.props_of(Ty::Float))
                        .collect();
                    if numeric.is_empty() {
                        return self.case(Ty::Float, d, cx);
                    }
                    let (e, p) = self.t.pick(&numeric).clone();
                    let sfx = self.agg_suffix(e, d);
                    format!("avg({}.{p}{sfx})", self.s.events[e].name)
                }
                7..=9 if aggs => self
                    .prop_aggregate(Ty::Float, d)
                    .unwrap_or_else(|| self.case(Ty::Float, d, cx)),
                _ => self.case(Ty::Float, d, cx),
            },
            Ty::Time => match choice {
                0 | 1 => {
                    let a = self.expr(Ty::Time, d, cx.with(false, false));
                    let b = self.expr(Ty::Dur, d, cx.with(true, false));
                    let op = *self.t.pick(&["+", "-"]);
                    format!("({a} {op} {b})")
                }
                2 => {
                    let a = self.expr(Ty::Dur, d, cx.with(false, false));
                    let b_cx = Cx {
                        other: true,
                        ..cx.with(false, false)
                    };
                    let b = self.expr(Ty::Time, d, b_cx);
                    format!("({a} + {b})")
                }
                3..=8 if aggs => self
                    .prop_aggregate(Ty::Time, d)
                    .unwrap_or_else(|| self.case(Ty::Time, d, cx)),
                _ => self.case(Ty::Time, d, cx),
            },
            Ty::Dur => match choice {
                0 | 1 => format!("since({})", self.expr(Ty::Time, d, cx.with(true, false))),
                2 => {
                    let a = self.expr(Ty::Time, d, cx.with(false, false));
                    let b = self.expr(Ty::Time, d, cx.with(true, false));
                    format!("({a} - {b})")
                }
                3 | 4 => {
                    let op = *self.t.pick(&["+", "-", "%"]);
                    let a = self.expr(Ty::Dur, d, cx.with(false, false));
                    let b = self.expr(Ty::Dur, d, cx.with(true, false));
                    format!("({a} {op} {b})")
                }
                5 => {
                    let a = self.expr(Ty::Dur, d, cx.with(false, false));
                    let b = self.expr(Ty::Int, d, cx.with(true, false));
                    if self.t.chance(1, 2) {
                        format!("({b} * {a})")
                    } else {
                        format!("({a} * {b})")
                    }
                }
                6 => format!("(-{})", self.expr(Ty::Dur, d, cx.with(false, false))),
                7..=9 if aggs => self
                    .prop_aggregate(Ty::Dur, d)
                    .unwrap_or_else(|| self.case(Ty::Dur, d, cx)),
                _ => self.case(Ty::Dur, d, cx),
            },
            Ty::Str | Ty::Enum(_) | Ty::Set => match choice {
                0..=6 if aggs => self
                    .prop_aggregate(ty, d)
                    .unwrap_or_else(|| self.case(ty, d, cx)),
                _ => self.case(ty, d, cx),
            },
        }
    }

    fn bool_compound(&mut self, d: u32, cx: Cx, choice: usize) -> String {
        let aggs = cx.event.is_none();
        let sub = cx.with(false, false);
        match choice {
            0 => {
                // comparison
                let all = [Ty::Bool, Ty::Int, Ty::Float, Ty::Str, Ty::Time, Ty::Dur];
                let mut ty = *self.t.pick(&all);
                if self.t.chance(1, 4) {
                    ty = Ty::Enum(self.t.below(self.s.enums.len()));
                }
                let ops: &[&str] = match ty {
                    Ty::Bool | Ty::Enum(_) => &["==", "!="],
                    _ => &["==", "!=", "<", "<=", ">", ">="],
                };
                let op = *self.t.pick(ops);
                let other = if ty == Ty::Int && self.t.chance(1, 3) {
                    Ty::Float
                } else {
                    ty
                };
                let a = self.expr(ty, d, sub);
                // Only a literal (a string or a bare name) adapts to the other side when
                // it stands on the left; anything else there is lowered first, untyped.
                let literal_left = other != Ty::Set && self.t.chance(1, 4);
                if literal_left {
                    let b = self.literal(other);
                    format!("({b} {op} {a})")
                } else {
                    let b = self.expr(other, d, cx.with(true, false));
                    format!("({a} {op} {b})")
                }
            }
            1 => {
                // `in` / `not in` a literal list
                let all = [Ty::Bool, Ty::Int, Ty::Float, Ty::Str, Ty::Time, Ty::Dur];
                let mut ty = *self.t.pick(&all);
                if self.t.chance(1, 3) {
                    ty = Ty::Enum(self.t.below(self.s.enums.len()));
                }
                let subject = self.expr(ty, d, sub);
                let items: Vec<String> = (0..self.t.below(4))
                    .map(|_| {
                        if ty == Ty::Float && self.t.chance(1, 3) {
                            self.literal(Ty::Int)
                        } else {
                            self.literal(ty)
                        }
                    })
                    .collect();
                let op = self.in_op();
                format!("({subject} {op} [{}])", items.join(", "))
            }
            2 => {
                // `in` / `not in` a let list
                let options: Vec<(String, Ty)> = self
                    .lets
                    .iter()
                    .flat_map(|l| l.list_subjects.iter().map(|ty| (l.name.clone(), *ty)))
                    .collect();
                if options.is_empty() {
                    return self.expr(Ty::Bool, 0, cx);
                }
                let (name, ty) = self.t.pick(&options).clone();
                let subject = self.expr(ty, d, sub);
                let op = self.in_op();
                format!("({subject} {op} {name})")
            }
            3 => {
                // sets
                let set = self.expr(Ty::Set, d, sub);
                let elem = self.expr(Ty::Str, d, cx.with(true, false));
                match self.t.below(3) {
                    0 => format!("({set} contains {elem})"),
                    1 => format!("({elem} in {set})"),
                    _ => format!("({elem} not in {set})"),
                }
            }
            4 => {
                let a = self.expr(Ty::Str, d, sub);
                let b = self.expr(Ty::Str, d, cx.with(true, false));
                format!("({a} contains {b})")
            }
            5 => {
                let ty = if self.t.chance(1, 3) {
                    Ty::Enum(self.t.below(self.s.enums.len()))
                } else {
                    Ty::Str
                };
                let subject = self.expr(ty, d, sub);
                format!("({subject} matches \"{}\")", self.t.pick(REGEXES))
            }
            6 => {
                let all = [
                    Ty::Bool,
                    Ty::Int,
                    Ty::Float,
                    Ty::Str,
                    Ty::Time,
                    Ty::Dur,
                    Ty::Set,
                    Ty::Enum(0),
                ];
                let ty = *self.t.pick(&all);
                let subject = self.expr(ty, d, sub);
                let which = if self.t.chance(1, 2) {
                    "present"
                } else {
                    "missing"
                };
                format!("({subject} is {which})")
            }
            7 => {
                let not = kw(self.t, "not");
                format!("({not} {})", self.expr(Ty::Bool, d, cx.with(false, true)))
            }
            8 | 9 => {
                let op = if self.t.chance(1, 2) { "or" } else { "and" };
                let n = self.t.range(2, 3);
                let parts: Vec<String> = (0..n)
                    .map(|_| self.expr(Ty::Bool, d, cx.with(false, true)))
                    .collect();
                let op = kw(self.t, op);
                format!("({})", parts.join(&format!(" {op} ")))
            }
            10 if aggs => {
                if self.t.chance(1, 4) {
                    format!(
                        "sample({}, \"{}\")",
                        self.t.pick(FRACTIONS),
                        self.t.pick(SALTS)
                    )
                } else if self.t.chance(1, 4) {
                    self.prop_aggregate(Ty::Bool, d)
                        .unwrap_or_else(|| "true".into())
                } else {
                    let e = self.t.below(self.s.events.len());
                    let sfx = self.agg_suffix(e, d);
                    format!("exists({}{sfx})", self.s.events[e].name)
                }
            }
            _ => self.case(Ty::Bool, d, cx),
        }
    }

    fn in_op(&mut self) -> String {
        if self.t.chance(1, 3) {
            format!("{} in", kw(self.t, "not"))
        } else {
            "in".into()
        }
    }

    /// `case { c => v ... [else => v] }`
    fn case(&mut self, ty: Ty, d: u32, cx: Cx) -> String {
        let mut out = String::from("case { ");
        for i in 0..self.t.range(1, 3) {
            let c = self.expr(Ty::Bool, d, cx.with(false, true));
            // The first arm's value gets the case's expected type; later ones the first's.
            let v_cx = if i > 0 {
                cx.with(true, false)
            } else if cx.other {
                Cx {
                    other: true,
                    ..cx.with(false, false)
                }
            } else {
                cx.with(cx.lit, false)
            };
            let v = self.expr(ty, d, v_cx);
            let sep = if self.t.chance(1, 2) { "\n  " } else { ", " };
            let _ = write!(out, "{c} => {v}{sep}");
        }
        if self.t.chance(1, 2) {
            let v_cx = if cx.other {
                Cx {
                    other: true,
                    ..cx.with(false, false)
                }
            } else {
                cx.with(true, false)
            };
            let v = self.expr(ty, d, v_cx);
            let _ = write!(out, "else => {v} ");
        }
        out.push('}');
        out
    }

    /// `where c` and a window, each optional.
    fn agg_suffix(&mut self, e: usize, d: u32) -> String {
        let mut out = String::new();
        if self.t.chance(1, 2) {
            let filter = Cx {
                event: Some(e),
                lit: false,
                wbool: true,
                other: false,
            };
            let c = self.expr(Ty::Bool, d, filter);
            let _ = write!(out, " where {c}");
        }
        match self.t.below(4) {
            1 | 2 => {
                let b = self.expr(Ty::Dur, d, Cx::top().with(true, false));
                let _ = write!(out, " within {b}");
            }
            3 => {
                let b = self.expr(Ty::Time, d, Cx::top().with(true, false));
                let _ = write!(out, " since {b}");
            }
            _ => {}
        }
        out
    }

    /// `sum/min/max/first/last` of a property of type `ty`, if the schema has one.
    fn prop_aggregate(&mut self, ty: Ty, d: u32) -> Option<String> {
        let props = self.s.props_of(ty);
        if props.is_empty() {
            return None;
        }
        let (e, p) = self.t.pick(&props).clone();
        let mut funcs = vec!["first", "last"];
        if matches!(ty, Ty::Int | Ty::Float) {
            funcs.push("sum");
        }
        if matches!(ty, Ty::Int | Ty::Float | Ty::Time | Ty::Dur | Ty::Str) {
            funcs.extend(["min", "max"]);
        }
        let f = *self.t.pick(&funcs);
        let sfx = self.agg_suffix(e, d);
        let ev = &self.s.events[e].name;
        Some(if matches!(f, "first" | "last") && self.t.chance(1, 2) {
            format!("{f}({ev}{sfx}).{p}")
        } else {
            format!("{f}({ev}.{p}{sfx})")
        })
    }
}

fn gen_lets(t: &mut Tape, s: &Schema) -> (Vec<Let>, Vec<String>) {
    let mut lets: Vec<Let> = Vec::new();
    let mut decls = Vec::new();
    for i in 0..t.below(5) {
        let name = name(t, "l", "常量", i);
        let mut g = G {
            t,
            s,
            lets: &[],
            rules: Vec::new(),
            rank: 0,
        };
        let (value, scalar, subjects) = match g.t.below(10) {
            0 => (g.literal(Ty::Int), Some(Ty::Int), vec![]),
            1 => (g.literal(Ty::Float), Some(Ty::Float), vec![]),
            2 => (g.literal(Ty::Str), Some(Ty::Str), vec![]),
            3 => (g.literal(Ty::Dur), Some(Ty::Dur), vec![]),
            4 => (g.literal(Ty::Bool), Some(Ty::Bool), vec![]),
            5 => {
                let n = g.t.range(1, 4);
                let items: Vec<String> = (0..n).map(|_| g.literal(Ty::Int)).collect();
                (
                    format!("[{}]", items.join(", ")),
                    None,
                    vec![Ty::Int, Ty::Float],
                )
            }
            6 => {
                let n = g.t.range(1, 4);
                let mut items: Vec<String> = (0..n).map(|_| g.literal(Ty::Int)).collect();
                items.push(g.literal(Ty::Float));
                (format!("[{}]", items.join(", ")), None, vec![Ty::Float])
            }
            7 => {
                let n = g.t.range(1, 4);
                let items: Vec<String> = (0..n).map(|_| g.literal(Ty::Dur)).collect();
                (format!("[{}]", items.join(", ")), None, vec![Ty::Dur])
            }
            8 => {
                // strings: plain, or all variants of an enum, or all times
                let n = g.t.range(1, 4);
                match g.t.below(3) {
                    0 => {
                        let items: Vec<String> =
                            (0..n).map(|_| format!("\"{}\"", g.t.pick(STRS))).collect();
                        (format!("[{}]", items.join(", ")), None, vec![Ty::Str])
                    }
                    1 => {
                        let e = g.t.below(s.enums.len());
                        let vs: Vec<String> =
                            (0..n).map(|_| g.t.pick(&s.enums[e]).clone()).collect();
                        let subjects = std::iter::once(Ty::Str)
                            .chain(
                                (0..s.enums.len())
                                    .filter(|&k| vs.iter().all(|v| s.enums[k].contains(v)))
                                    .map(Ty::Enum),
                            )
                            .collect();
                        let items: Vec<String> = vs.iter().map(|v| format!("\"{v}\"")).collect();
                        (format!("[{}]", items.join(", ")), None, subjects)
                    }
                    _ => {
                        let items: Vec<String> =
                            (0..n).map(|_| format!("\"{}\"", g.t.pick(TIMES))).collect();
                        (
                            format!("[{}]", items.join(", ")),
                            None,
                            vec![Ty::Str, Ty::Time],
                        )
                    }
                }
            }
            _ => {
                // arithmetic on an earlier scalar let
                let earlier: Vec<&Let> = lets
                    .iter()
                    .filter(|l| matches!(l.scalar, Some(Ty::Int | Ty::Dur)))
                    .collect();
                match earlier.first() {
                    Some(l) => {
                        let ty = l.scalar.unwrap_or(Ty::Int);
                        (format!("{} * 2 + {}", l.name, l.name), Some(ty), vec![])
                    }
                    None => (g.literal(Ty::Int), Some(Ty::Int), vec![]),
                }
            }
        };
        decls.push(format!("let {name} = {value}"));
        lets.push(Let {
            name,
            scalar,
            list_subjects: subjects,
        });
    }
    (lets, decls)
}

/// A random schema and a well-typed rule set for it.
pub fn gen_rule_set(t: &mut Tape) -> RuleSet {
    let schema = gen_schema(t);
    let mut header = String::from("# generated\nprofile {\n  id: string\n");
    for f in &schema.fields {
        let _ = writeln!(header, "  {}: {}", f.name, schema.type_text(f.ty));
    }
    header.push_str("}\n");
    for e in &schema.events {
        let props: Vec<String> = e
            .props
            .iter()
            .map(|p| format!("{}: {}", p.name, schema.type_text(p.ty)))
            .collect();
        let _ = writeln!(header, "event {} {{ {} }}", e.name, props.join(", "));
    }
    let (lets, mut decls) = gen_lets(t, &schema);

    let n_tags = t.range(1, 6);
    let n_segs = t.below(4);
    let n = n_tags + n_segs;
    // Ranks: a random permutation.
    let mut ranks: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = t.below(i + 1);
        ranks.swap(i, j);
    }
    let mut rules = Vec::new();
    for (i, &rank) in ranks.iter().take(n_tags).enumerate() {
        let ty = if t.chance(1, 2) {
            match t.below(7) {
                0 => Ty::Int,
                1 => Ty::Float,
                2 => Ty::Str,
                3 => Ty::Time,
                4 => Ty::Dur,
                _ => Ty::Enum(t.below(schema.enums.len())),
            }
        } else {
            Ty::Bool
        };
        rules.push(RulePlan {
            name: name(t, "t", "标签", i),
            segment: false,
            ty,
            rank,
        });
    }
    for i in 0..n_segs {
        rules.push(RulePlan {
            name: name(t, "s", "分群", i),
            segment: true,
            ty: Ty::Bool,
            rank: ranks[n_tags + i],
        });
    }
    for r in &rules {
        let depth = t.below(5) as u32;
        let mut g = G {
            t,
            s: &schema,
            lets: &lets,
            rules: rules.clone(),
            rank: r.rank,
        };
        let body = if r.ty == Ty::Bool {
            // A tag or segment body is checked wanting a condition; commas join parts.
            let n = if g.t.chance(1, 3) { g.t.range(2, 3) } else { 1 };
            let parts: Vec<String> = (0..n)
                .map(|_| g.expr(Ty::Bool, depth, Cx::top().with(false, true)))
                .collect();
            parts.join(", ")
        } else {
            g.expr(r.ty, depth, Cx::top())
        };
        let what = if r.segment { "segment" } else { "tag" };
        decls.push(format!("{what} {} = {body}", r.name));
    }
    // Declarations in any order.
    for i in (1..decls.len()).rev() {
        let j = t.below(i + 1);
        decls.swap(i, j);
    }
    let source = format!("{header}{}\n", decls.join("\n"));
    let (tags, segments) = rules.into_iter().partition(|r| !r.segment);
    RuleSet {
        schema,
        tags,
        segments,
        source,
    }
}

// ----------------------------------------------------------------------------- mutations

const ALL_TYPES: &[Ty] = &[
    Ty::Bool,
    Ty::Int,
    Ty::Float,
    Ty::Str,
    Ty::Time,
    Ty::Dur,
    Ty::Enum(0),
    Ty::Set,
];

/// A declaration that is ill-typed (or otherwise wrong) for the rule set's schema.
pub fn gen_ill_typed(t: &mut Tape, rs: &RuleSet) -> String {
    let rules: Vec<RulePlan> = rs.tags.iter().chain(&rs.segments).cloned().collect();
    let mut g = G {
        t,
        s: &rs.schema,
        lets: &[],
        rules,
        rank: usize::MAX,
    };
    let d = g.t.below(3) as u32;
    let top = Cx::top();
    let a_ty = *g.t.pick(ALL_TYPES);
    let b_ty = *g.t.pick(ALL_TYPES);
    let a = g.expr(a_ty, d, top);
    let b = g.expr(b_ty, d, top);
    let op = *g.t.pick(&[
        "+", "-", "*", "/", "%", "<", "==", "and", "or", "contains", "in",
    ]);
    let ev = g.s.events[0].name.clone();
    let field = g.s.fields[g.t.below(g.s.fields.len())].name.clone();
    match g.t.below(14) {
        0 => format!("segment bad_0 = {a}"),
        1 => format!("tag bad_0 = {a} {op} {b}"),
        2 => format!("tag bad_0 = case {{ {a} => {b}, true => {a} }}"),
        3 => format!("tag bad_0 = {a} matches \"(\""),
        4 => format!("tag bad_0 = {a} < \"not a time\""),
        5 => format!("tag bad_0 = count({field})"),
        6 => format!("tag bad_0 = exists({ev} where count({ev}) > 1)"),
        7 => format!("tag bad_0 = sum({ev}.nope within {b})"),
        8 => "tag bad_0 = bad_1\ntag bad_1 = bad_0".to_string(),
        9 => format!("tag {field} = {a}"),
        10 => format!("let bad_0 = {a}"),
        11 => format!("tag bad_0 = {a} in [{b}]"),
        12 => format!("tag bad_0 = sample({a}, {b})"),
        _ => format!("tag bad_0 = {field}x, fo{field}, {ev}, now"),
    }
}

// ----------------------------------------------------------------------------- profiles

/// 2026-11-22T00:00:00Z: the reference time the data is built around.
pub const BASE: i64 = 1_795_305_600 * SECOND;

#[derive(Clone, Debug, PartialEq)]
pub enum PVal {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Time(i64),
    /// Microseconds.
    Dur(i64),
    Enum(String),
    Set(Vec<String>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Slot {
    Absent,
    Null,
    Val(PVal),
}

#[derive(Clone, Debug)]
pub struct Ev {
    pub ty: usize,
    pub at: i64,
    pub props: Vec<Slot>,
}

#[derive(Clone, Debug)]
pub struct Profile {
    pub id: String,
    pub fields: Vec<Slot>,
    /// `None`: no `events` key.
    pub events: Option<Vec<Ev>>,
    /// Undeclared extras (ignored by the loaders).
    pub extra: bool,
}

/// Offsets from [`BASE`] that sit on and next to window edges.
const OFFSETS: &[i64] = &[
    0,
    -1,
    1,
    -SECOND,
    -SECOND + 1,
    -30 * MINUTE,
    -12 * HOUR,
    -DAY,
    -DAY + 1,
    -DAY - 1,
    -7 * DAY,
    -7 * DAY + 1,
    -7 * DAY - 1,
    -2 * WEEK,
    -90 * DAY,
    DAY,
    -7 * DAY, // 2026-11-15, a `since` literal
    -21 * DAY,
];

const DATA_INTS: &[i64] = &[0, 1, -1, 2, 3, 7, 10, 100, 1000, i64::MAX, i64::MIN, -42];
const DATA_FLOATS: &[f64] = &[
    0.0, -0.0, 0.5, 1.0, 2.5, -3.75, 99.99, 1000.0, 1e300, 1e-300,
];
const DATA_DURS: &[i64] = &[0, SECOND, 45 * SECOND, HOUR, DAY, WEEK, -HOUR, 1_500_000];

fn value(t: &mut Tape, s: &Schema, ty: Ty) -> PVal {
    match ty {
        Ty::Bool => PVal::Bool(t.chance(1, 2)),
        Ty::Int => PVal::Int(*t.pick(DATA_INTS)),
        Ty::Float => PVal::Float(*t.pick(DATA_FLOATS)),
        Ty::Str => PVal::Str(t.pick(STRS).to_string()),
        Ty::Time => PVal::Time(BASE + *t.pick(OFFSETS)),
        Ty::Dur => PVal::Dur(*t.pick(DATA_DURS)),
        Ty::Enum(e) => PVal::Enum(t.pick(&s.enums[e]).clone()),
        Ty::Set => PVal::Set((0..t.below(4)).map(|_| t.pick(STRS).to_string()).collect()),
    }
}

fn slot(t: &mut Tape, s: &Schema, ty: Ty) -> Slot {
    match t.below(6) {
        0 => Slot::Absent,
        1 => Slot::Null,
        _ => Slot::Val(value(t, s, ty)),
    }
}

pub fn gen_profiles(t: &mut Tape, s: &Schema) -> Vec<Profile> {
    let n = t.below(9);
    (0..n)
        .map(|i| {
            let fields = s.fields.iter().map(|f| slot(t, s, f.ty)).collect();
            let events = match t.below(5) {
                0 => None,
                1 => Some(Vec::new()),
                _ => Some(
                    (0..t.below(8))
                        .map(|_| {
                            let ty = t.below(s.events.len());
                            let at = BASE + *t.pick(OFFSETS);
                            let props = s.events[ty]
                                .props
                                .iter()
                                .map(|p| slot(t, s, p.ty))
                                .collect();
                            Ev { ty, at, props }
                        })
                        .collect(),
                ),
            };
            Profile {
                // Duplicate ids are allowed.
                id: if t.chance(1, 8) {
                    "dup".into()
                } else {
                    format!("u{i}")
                },
                fields,
                events,
                extra: t.chance(1, 4),
            }
        })
        .collect()
}

/// Reference times to evaluate at: the data's own, edges, and extremes.
pub fn gen_nows(t: &mut Tape) -> Vec<i64> {
    let mut nows = vec![BASE];
    for _ in 0..t.below(3) {
        let now = match t.below(4) {
            0 => BASE + *t.pick(OFFSETS),
            1 => *t.pick(&[0, -1, i64::MIN, i64::MAX, i64::MAX - 1, i64::MIN + 1]),
            _ => BASE - *t.pick(OFFSETS),
        };
        nows.push(now);
    }
    nows
}

pub fn pval_json(v: &PVal) -> serde_json::Value {
    use serde_json::json;
    match v {
        PVal::Bool(b) => json!(b),
        PVal::Int(i) => json!(i),
        PVal::Float(f) => json!(f),
        PVal::Str(s) | PVal::Enum(s) => json!(s),
        PVal::Time(t) => json!(corral::time::format_rfc3339(*t)),
        PVal::Dur(d) if d % SECOND == 0 => json!(d / SECOND),
        PVal::Dur(d) => json!(*d as f64 / SECOND as f64),
        PVal::Set(items) => json!(items),
    }
}

fn put(obj: &mut serde_json::Map<String, serde_json::Value>, name: &str, slot: &Slot) {
    match slot {
        Slot::Absent => {}
        Slot::Null => {
            obj.insert(name.into(), serde_json::Value::Null);
        }
        Slot::Val(v) => {
            obj.insert(name.into(), pval_json(v));
        }
    }
}

/// The profiles as NDJSON text.
pub fn ndjson(s: &Schema, profiles: &[Profile]) -> String {
    let mut out = String::new();
    for p in profiles {
        let mut obj = serde_json::Map::new();
        obj.insert("id".into(), p.id.clone().into());
        for (f, slot) in s.fields.iter().zip(&p.fields) {
            put(&mut obj, &f.name, slot);
        }
        if p.extra {
            obj.insert("zz_undeclared".into(), 1.into());
        }
        if let Some(events) = &p.events {
            let mut list: Vec<serde_json::Value> = Vec::new();
            for e in events {
                let def = &s.events[e.ty];
                let mut ev = serde_json::Map::new();
                ev.insert("type".into(), def.name.clone().into());
                ev.insert("at".into(), corral::time::format_rfc3339(e.at).into());
                for (prop, slot) in def.props.iter().zip(&e.props) {
                    put(&mut ev, &prop.name, slot);
                }
                list.push(ev.into());
            }
            if p.extra {
                list.push(serde_json::json!({"type": "zz_event", "at": "2026-01-01"}));
            }
            obj.insert("events".into(), list.into());
        }
        out.push_str(&serde_json::Value::Object(obj).to_string());
        out.push('\n');
    }
    out
}
