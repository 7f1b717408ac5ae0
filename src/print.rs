//! An AST back to canonical corral source, and span stripping for comparing ASTs.
//!
//! The printer parenthesises by precedence, so parsing its output gives back the same
//! AST (modulo spans). Expressions a parser never produces (a `Conjunction` below the
//! top of a body, a negative literal) are printed as well as possible but need not
//! round-trip.

use std::fmt::Write as _;

use crate::ast::{
    AtStep, BinaryOp, Call, ClockTime, EventLit, Expr, ExprKind, FieldDecl, GivenValue, Item,
    ItemKind, Limit, Module, SendVia, TestItem, TestItemKind, TriggerItem, TriggerItemKind,
    TriggerStart, TypeExpr, TypeExprKind, UnaryOp, WindowKind,
};
use crate::source::Span;

/// The module as corral source: one declaration per paragraph.
pub fn print_module(module: &Module) -> String {
    let mut out = String::new();
    for (i, item) in module.items.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        print_item(&mut out, item);
        out.push('\n');
    }
    out
}

/// One expression as corral source.
pub fn print_expr(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr, Level::Or);
    out
}

/// Precedence levels, loosest first (LANGUAGE.md section 2).
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Conjunction,
    Or,
    And,
    Not,
    Comparison,
    Sum,
    Product,
    Neg,
    Postfix,
    Atom,
}

fn level(expr: &Expr) -> Level {
    match &expr.kind {
        ExprKind::Conjunction(_) => Level::Conjunction,
        ExprKind::Binary { op, .. } => binary_level(*op),
        ExprKind::Unary {
            op: UnaryOp::Not, ..
        } => Level::Not,
        ExprKind::Unary {
            op: UnaryOp::Neg, ..
        } => Level::Neg,
        ExprKind::Matches { .. } | ExprKind::Is { .. } => Level::Comparison,
        ExprKind::Member { .. } | ExprKind::Call(_) => Level::Postfix,
        _ => Level::Atom,
    }
}

fn binary_level(op: BinaryOp) -> Level {
    match op {
        BinaryOp::Or => Level::Or,
        BinaryOp::And => Level::And,
        BinaryOp::Add | BinaryOp::Sub => Level::Sum,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => Level::Product,
        _ => Level::Comparison,
    }
}

/// The level just tighter than `level`.
fn tighter(level: Level) -> Level {
    match level {
        Level::Conjunction => Level::Or,
        Level::Or => Level::And,
        Level::And => Level::Not,
        Level::Not => Level::Comparison,
        Level::Comparison => Level::Sum,
        Level::Sum => Level::Product,
        Level::Product => Level::Neg,
        Level::Neg => Level::Postfix,
        Level::Postfix | Level::Atom => Level::Atom,
    }
}

/// Writes `expr` where the grammar expects at least `min` (parenthesising if looser).
fn write_expr(out: &mut String, expr: &Expr, min: Level) {
    if level(expr) < min {
        out.push('(');
        write_expr(out, expr, Level::Or);
        out.push(')');
        return;
    }
    match &expr.kind {
        ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ExprKind::Int(i) => {
            let _ = write!(out, "{i}");
        }
        ExprKind::Float(f) => out.push_str(&float_text(*f)),
        ExprKind::Str(s) => write_string(out, s),
        ExprKind::Duration(micros) => out.push_str(&duration_text(*micros)),
        ExprKind::Percent(p) => {
            out.push_str(&percent_text(*p));
            out.push('%');
        }
        ExprKind::List(elements) => {
            out.push('[');
            write_list(out, elements);
            out.push(']');
        }
        ExprKind::Name(ident) => out.push_str(&ident.name),
        ExprKind::Unary { op, operand } => {
            let (symbol, operand_level) = match op {
                UnaryOp::Not => ("not ", Level::Not),
                UnaryOp::Neg => ("-", Level::Neg),
            };
            out.push_str(symbol);
            write_expr(out, operand, operand_level);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let own = binary_level(*op);
            // Left-associative chains; comparisons do not chain at all.
            let lhs_min = if own == Level::Comparison {
                Level::Sum
            } else {
                own
            };
            write_expr(out, lhs, lhs_min);
            let _ = write!(out, " {} ", op.symbol());
            write_expr(out, rhs, tighter(own));
        }
        ExprKind::Matches { subject, pattern } => {
            write_expr(out, subject, Level::Sum);
            out.push_str(" matches ");
            write_string(out, &pattern.value);
        }
        ExprKind::Is { subject, present } => {
            write_expr(out, subject, Level::Sum);
            out.push_str(if *present {
                " is present"
            } else {
                " is missing"
            });
        }
        ExprKind::Member { object, name } => {
            write_expr(out, object, Level::Postfix);
            out.push('.');
            out.push_str(&name.name);
        }
        ExprKind::Call(call) => write_call(out, call),
        ExprKind::Case { arms, default } => {
            out.push_str("case {");
            for arm in arms {
                out.push(' ');
                write_expr(out, &arm.cond, Level::Or);
                out.push_str(" => ");
                write_expr(out, &arm.value, Level::Or);
                out.push(',');
            }
            if let Some(default) = default {
                out.push_str(" else => ");
                write_expr(out, default, Level::Or);
            }
            out.push_str(" }");
        }
        ExprKind::Conjunction(parts) => {
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, part, Level::Or);
            }
        }
    }
}

fn write_list(out: &mut String, exprs: &[Expr]) {
    for (i, e) in exprs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(out, e, Level::Or);
    }
}

fn write_call(out: &mut String, call: &Call) {
    out.push_str(&call.callee.name);
    out.push('(');
    write_list(out, &call.args);
    let clause = |out: &mut String, keyword: &str, expr: &Expr| {
        if !out.ends_with('(') {
            out.push(' ');
        }
        out.push_str(keyword);
        out.push(' ');
        write_expr(out, expr, Level::Or);
    };
    if let Some(filter) = &call.filter {
        clause(out, "where", filter);
    }
    if let Some(window) = &call.window {
        let keyword = match window.kind {
            WindowKind::Within => "within",
            WindowKind::Since => "since",
        };
        clause(out, keyword, &window.bound);
    }
    out.push(')');
}

/// A body where a top-level `,` conjunction is allowed (tag, segment, `when`).
fn write_body(out: &mut String, expr: &Expr) {
    write_expr(out, expr, Level::Conjunction);
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A float as `digits.digits` (the grammar has no exponent form).
fn float_text(f: f64) -> String {
    // `Display` for f64 is the shortest text that reads back exactly, without exponent.
    let text = format!("{f}");
    if text.contains('.') || !f.is_finite() {
        text
    } else {
        format!("{text}.0")
    }
}

/// The number `n` such that `n%` reads back as exactly `fraction`: the shortest
/// digits of `fraction` with the decimal point moved two places right.
fn percent_text(fraction: f64) -> String {
    if fraction == 0.0 {
        return "0".to_string();
    }
    let scientific = format!("{fraction:e}");
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return scientific;
    };
    let Ok(exponent) = exponent.parse::<i64>() else {
        return scientific;
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // Digits before the point: one in `d.ddd`, plus the exponent, plus two for `%`.
    let whole_len = exponent + 3;
    if whole_len <= 0 {
        format!(
            "0.{}{digits}",
            "0".repeat(whole_len.unsigned_abs() as usize)
        )
    } else if whole_len as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(whole_len as usize - digits.len()))
    } else {
        let (whole, fraction) = digits.split_at(whole_len as usize);
        format!("{whole}.{fraction}")
    }
}

/// A duration in the largest unit that divides it exactly.
fn duration_text(micros: i64) -> String {
    const UNITS: [(char, i64); 5] = [
        ('w', 604_800_000_000),
        ('d', 86_400_000_000),
        ('h', 3_600_000_000),
        ('m', 60_000_000),
        ('s', 1_000_000),
    ];
    for (unit, size) in UNITS {
        if micros % size == 0 {
            return format!("{}{unit}", micros / size);
        }
    }
    // Not a whole number of seconds: no literal says this; keep the value visible.
    format!("{}s", micros as f64 / 1e6)
}

fn clock(t: &ClockTime) -> String {
    format!("{:02}:{:02}", t.hour, t.minute)
}

fn write_type(out: &mut String, ty: &TypeExpr) {
    match &ty.kind {
        TypeExprKind::Named(name) => out.push_str(&name.name),
        TypeExprKind::Enum(variants) => {
            out.push_str("enum(");
            let names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
            out.push_str(&names.join(", "));
            out.push(')');
        }
        TypeExprKind::Set(element) => {
            out.push_str("set<");
            write_type(out, element);
            out.push('>');
        }
    }
}

fn write_field(out: &mut String, field: &FieldDecl) {
    out.push_str(&field.name.name);
    out.push_str(": ");
    write_type(out, &field.ty);
}

fn write_limit(out: &mut String, limit: &Limit) {
    out.push_str("limit ");
    write_expr(out, &limit.count, Level::Or);
    out.push_str(" per ");
    write_expr(out, &limit.per, Level::Or);
}

fn print_item(out: &mut String, item: &Item) {
    match &item.kind {
        ItemKind::Profile(profile) => {
            out.push_str("profile {\n");
            for field in &profile.fields {
                out.push_str("  ");
                write_field(out, field);
                out.push('\n');
            }
            out.push('}');
        }
        ItemKind::Event(event) => {
            let _ = write!(out, "event {} {{", event.name.name);
            for (i, prop) in event.props.iter().enumerate() {
                out.push_str(if i > 0 { ", " } else { " " });
                write_field(out, prop);
            }
            out.push_str(" }");
        }
        ItemKind::Let(decl) => {
            let _ = write!(out, "let {} = ", decl.name.name);
            write_expr(out, &decl.value, Level::Or);
        }
        ItemKind::Tag(decl) | ItemKind::Segment(decl) => {
            let keyword = if matches!(item.kind, ItemKind::Tag(_)) {
                "tag"
            } else {
                "segment"
            };
            let _ = write!(out, "{keyword} {} = ", decl.name.name);
            write_body(out, &decl.body);
        }
        ItemKind::Channel(channel) => {
            let _ = write!(out, "channel {} when ", channel.name.name);
            write_expr(out, &channel.when, Level::Or);
        }
        ItemKind::Trigger(trigger) => {
            let _ = writeln!(out, "trigger {} {{", trigger.name.name);
            write_trigger_items(out, &trigger.items, 1);
            out.push('}');
        }
        ItemKind::Test(test) => {
            out.push_str("test ");
            write_string(out, &test.title.value);
            out.push_str(" {\n");
            for item in &test.items {
                write_test_item(out, item);
            }
            out.push('}');
        }
        ItemKind::Import(path) => {
            out.push_str("import ");
            write_string(out, &path.value);
        }
        ItemKind::Timezone(zone) => {
            out.push_str("timezone ");
            write_string(out, &zone.value);
        }
        ItemKind::Limit(limit) => write_limit(out, limit),
    }
}

fn write_trigger_items(out: &mut String, items: &[TriggerItem], indent: usize) {
    for item in items {
        out.push_str(&"  ".repeat(indent));
        write_trigger_item(out, item, indent);
        out.push('\n');
    }
}

fn write_trigger_item(out: &mut String, item: &TriggerItem, indent: usize) {
    match &item.kind {
        TriggerItemKind::On(TriggerStart::Event { event, filter }) => {
            let _ = write!(out, "on {}", event.name);
            if let Some(filter) = filter {
                out.push_str(" where ");
                write_expr(out, filter, Level::Or);
            }
        }
        TriggerItemKind::On(TriggerStart::Enter(segment)) => {
            let _ = write!(out, "on enter {}", segment.name);
        }
        TriggerItemKind::On(TriggerStart::Exit(segment)) => {
            let _ = write!(out, "on exit {}", segment.name);
        }
        TriggerItemKind::On(TriggerStart::EveryDay(at)) => {
            let _ = write!(out, "every day at {}", clock(at));
        }
        TriggerItemKind::When(cond) => {
            out.push_str("when ");
            write_body(out, cond);
        }
        TriggerItemKind::Goal(cond) => {
            out.push_str("goal ");
            write_expr(out, cond, Level::Or);
        }
        TriggerItemKind::Send { message, channels } => {
            out.push_str("send ");
            write_string(out, &message.value);
            out.push_str(" via ");
            let names: Vec<&str> = channels.iter().map(|c| c.name.as_str()).collect();
            out.push_str(&names.join(", "));
        }
        TriggerItemKind::Wait(duration) => {
            out.push_str("wait ");
            write_expr(out, duration, Level::Or);
        }
        TriggerItemKind::If {
            cond,
            then,
            otherwise,
        } => {
            out.push_str("if ");
            write_expr(out, cond, Level::Or);
            out.push_str(" {\n");
            write_trigger_items(out, then, indent + 1);
            out.push_str(&"  ".repeat(indent));
            out.push('}');
            match otherwise.as_slice() {
                [] => {}
                [
                    nested @ TriggerItem {
                        kind: TriggerItemKind::If { .. },
                        ..
                    },
                ] => {
                    out.push_str(" else ");
                    write_trigger_item(out, nested, indent);
                }
                items => {
                    out.push_str(" else {\n");
                    write_trigger_items(out, items, indent + 1);
                    out.push_str(&"  ".repeat(indent));
                    out.push('}');
                }
            }
        }
        TriggerItemKind::Limit(limit) => write_limit(out, limit),
        TriggerItemKind::Quiet { from, to } => {
            let _ = write!(out, "quiet {}..{}", clock(from), clock(to));
        }
    }
}

fn write_test_item(out: &mut String, item: &TestItem) {
    out.push_str("  ");
    match &item.kind {
        TestItemKind::Now(at) => {
            out.push_str("now ");
            write_expr(out, at, Level::Or);
        }
        TestItemKind::Expect(cond) => {
            out.push_str("expect ");
            write_expr(out, cond, Level::Or);
        }
        TestItemKind::At { at, step } => {
            out.push_str(if step.is_some() { "at " } else { "until " });
            write_expr(out, at, Level::Or);
            match step {
                None => {}
                Some(AtStep::Fail(message)) => {
                    out.push_str(": fail ");
                    write_string(out, &message.value);
                }
                Some(AtStep::Event(event)) => {
                    out.push_str(": ");
                    write_event_lit(out, event);
                }
            }
        }
        TestItemKind::ExpectSend(e) => {
            out.push_str(if e.negated {
                "expect no send "
            } else {
                "expect send "
            });
            write_string(out, &e.message.value);
            match &e.via {
                None => {}
                Some(SendVia::Channel(c)) => {
                    let _ = write!(out, " via {}", c.name);
                }
                Some(SendVia::Undeliverable) => out.push_str(" undeliverable"),
            }
            if let Some(at) = &e.at {
                out.push_str(" at ");
                write_expr(out, at, Level::Or);
            }
        }
        TestItemKind::Given(fields) => {
            out.push_str("given {");
            for (i, field) in fields.iter().enumerate() {
                out.push_str(if i > 0 { ", " } else { " " });
                let _ = write!(out, "{}: ", field.name.name);
                match &field.value {
                    GivenValue::Expr(value) => write_expr(out, value, Level::Or),
                    GivenValue::Events(events) => {
                        out.push('[');
                        for (j, event) in events.iter().enumerate() {
                            if j > 0 {
                                out.push_str(", ");
                            }
                            write_event_lit(out, event);
                        }
                        out.push(']');
                    }
                }
            }
            out.push_str(" }");
        }
    }
    out.push('\n');
}

/// `add_cart { sku: "SKU-1", at: now - 2d }`
fn write_event_lit(out: &mut String, event: &EventLit) {
    let _ = write!(out, "{} {{", event.event.name);
    for (k, (name, value)) in event.fields.iter().enumerate() {
        out.push_str(if k > 0 { ", " } else { " " });
        let _ = write!(out, "{}: ", name.name);
        write_expr(out, value, Level::Or);
    }
    out.push_str(" }");
}

// ------------------------------------------------------------------ spans ----

/// Sets every span in the module to the default, so ASTs compare modulo positions.
pub fn strip_spans(module: &mut Module) {
    for item in &mut module.items {
        strip_item(item);
    }
}

fn strip_item(item: &mut Item) {
    item.span = Span::default();
    match &mut item.kind {
        ItemKind::Profile(profile) => profile.fields.iter_mut().for_each(strip_field),
        ItemKind::Event(event) => {
            event.name.span = Span::default();
            event.props.iter_mut().for_each(strip_field);
        }
        ItemKind::Let(decl) => {
            decl.name.span = Span::default();
            strip_expr(&mut decl.value);
        }
        ItemKind::Tag(decl) | ItemKind::Segment(decl) => {
            decl.name.span = Span::default();
            strip_expr(&mut decl.body);
        }
        ItemKind::Channel(channel) => {
            channel.name.span = Span::default();
            strip_expr(&mut channel.when);
        }
        ItemKind::Trigger(trigger) => {
            trigger.name.span = Span::default();
            trigger.items.iter_mut().for_each(strip_trigger_item);
        }
        ItemKind::Test(test) => {
            test.title.span = Span::default();
            test.items.iter_mut().for_each(strip_test_item);
        }
        ItemKind::Import(s) | ItemKind::Timezone(s) => s.span = Span::default(),
        ItemKind::Limit(limit) => strip_limit(limit),
    }
}

fn strip_field(field: &mut FieldDecl) {
    field.name.span = Span::default();
    strip_type(&mut field.ty);
}

fn strip_type(ty: &mut TypeExpr) {
    ty.span = Span::default();
    match &mut ty.kind {
        TypeExprKind::Named(name) => name.span = Span::default(),
        TypeExprKind::Enum(variants) => variants.iter_mut().for_each(|v| v.span = Span::default()),
        TypeExprKind::Set(element) => strip_type(element),
    }
}

fn strip_limit(limit: &mut Limit) {
    strip_expr(&mut limit.count);
    strip_expr(&mut limit.per);
}

fn strip_trigger_item(item: &mut TriggerItem) {
    item.span = Span::default();
    match &mut item.kind {
        TriggerItemKind::On(start) => match start {
            TriggerStart::Event { event, filter } => {
                event.span = Span::default();
                if let Some(filter) = filter {
                    strip_expr(filter);
                }
            }
            TriggerStart::Enter(name) | TriggerStart::Exit(name) => name.span = Span::default(),
            TriggerStart::EveryDay(at) => at.span = Span::default(),
        },
        TriggerItemKind::When(e) | TriggerItemKind::Goal(e) | TriggerItemKind::Wait(e) => {
            strip_expr(e);
        }
        TriggerItemKind::Send { message, channels } => {
            message.span = Span::default();
            channels.iter_mut().for_each(|c| c.span = Span::default());
        }
        TriggerItemKind::If {
            cond,
            then,
            otherwise,
        } => {
            strip_expr(cond);
            then.iter_mut().for_each(strip_trigger_item);
            otherwise.iter_mut().for_each(strip_trigger_item);
        }
        TriggerItemKind::Limit(limit) => strip_limit(limit),
        TriggerItemKind::Quiet { from, to } => {
            from.span = Span::default();
            to.span = Span::default();
        }
    }
}

fn strip_test_item(item: &mut TestItem) {
    item.span = Span::default();
    match &mut item.kind {
        TestItemKind::Now(e) | TestItemKind::Expect(e) => strip_expr(e),
        TestItemKind::At { at, step } => {
            strip_expr(at);
            match step {
                None => {}
                Some(AtStep::Fail(message)) => message.span = Span::default(),
                Some(AtStep::Event(event)) => strip_event_lit(event),
            }
        }
        TestItemKind::ExpectSend(e) => {
            e.message.span = Span::default();
            if let Some(SendVia::Channel(c)) = &mut e.via {
                c.span = Span::default();
            }
            if let Some(at) = &mut e.at {
                strip_expr(at);
            }
        }
        TestItemKind::Given(fields) => {
            for field in fields {
                field.span = Span::default();
                field.name.span = Span::default();
                match &mut field.value {
                    GivenValue::Expr(e) => strip_expr(e),
                    GivenValue::Events(events) => events.iter_mut().for_each(strip_event_lit),
                }
            }
        }
    }
}

/// Strips an expression's spans.
pub fn strip_expr_spans(expr: &mut Expr) {
    strip_expr(expr);
}

fn strip_expr(expr: &mut Expr) {
    expr.span = Span::default();
    match &mut expr.kind {
        ExprKind::Bool(_)
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Str(_)
        | ExprKind::Duration(_)
        | ExprKind::Percent(_) => {}
        ExprKind::List(items) | ExprKind::Conjunction(items) => {
            items.iter_mut().for_each(strip_expr);
        }
        ExprKind::Name(name) => name.span = Span::default(),
        ExprKind::Unary { operand, .. } => strip_expr(operand),
        ExprKind::Binary { lhs, rhs, .. } => {
            strip_expr(lhs);
            strip_expr(rhs);
        }
        ExprKind::Matches { subject, pattern } => {
            strip_expr(subject);
            pattern.span = Span::default();
        }
        ExprKind::Is { subject, .. } => strip_expr(subject),
        ExprKind::Member { object, name } => {
            strip_expr(object);
            name.span = Span::default();
        }
        ExprKind::Call(call) => {
            call.callee.span = Span::default();
            call.args.iter_mut().for_each(strip_expr);
            if let Some(filter) = &mut call.filter {
                strip_expr(filter);
            }
            if let Some(window) = &mut call.window {
                window.span = Span::default();
                strip_expr(&mut window.bound);
            }
        }
        ExprKind::Case { arms, default } => {
            for arm in arms {
                arm.span = Span::default();
                strip_expr(&mut arm.cond);
                strip_expr(&mut arm.value);
            }
            if let Some(default) = default {
                strip_expr(default);
            }
        }
    }
}

fn strip_event_lit(event: &mut EventLit) {
    event.span = Span::default();
    event.event.span = Span::default();
    for (name, value) in &mut event.fields {
        name.span = Span::default();
        strip_expr(value);
    }
}
