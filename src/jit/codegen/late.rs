//! Rules computed a word at a time *after* the row functions: bool logic (`not`,
//! `and`, `or`) over bool fields, bool rules and other bool expressions, the
//! "leaves". Segments are mostly this: `wechat_login and follows_oa and not paid,
//! ios` is logic over three fields and one leaf (`platform == ios`). The row function
//! writes each leaf's truth as a byte per row (the runner packs them into bits), and
//! the late word function (`words::build` with leaves) combines fields, rule bits and
//! leaf bits 64 rows at a time, where the row function spent a load, a test and a
//! store per operand and row. Tests of valued tags against constants (`lifecycle ==
//! "lost"`, `recency >= 4`) are no leaves: the late word function reads the values
//! the row functions wrote (`scan`), so `segment winback = big_spender and lifecycle
//! == "lost"` needs nothing from a row function, and neither does a rule that is one
//! such test.
//!
//! A late rule is written after every row function has run, so no row function may
//! read it from its result: a rule that a later chunk's row function reads (or a leaf
//! does, or a rule of that chunk evaluated in line) is computed by the row function
//! after all.

use std::collections::{HashMap, HashSet};

use crate::ir::{ExprId, ExprKind, Program, RuleRef};
use crate::schema::Type;
use crate::value::Value;

use super::fuse::{children, each_node};
use super::scan::{field_test, tag_test};

/// The late rules, in rule order, and their leaves: each distinct leaf with the chunk
/// whose row function writes it (the chunk of the first late rule using it), and the
/// index in `leaves` of every leaf expression (the same test written in two rules,
/// such as the `platform == ios` of `segment s = ..., ios`, is one leaf).
#[derive(Debug, Default)]
pub(crate) struct Late {
    pub(crate) rules: Vec<RuleRef>,
    pub(crate) leaves: Vec<(ExprId, usize)>,
    pub(crate) leaf_of: HashMap<ExprId, u32>,
}

/// A rule is late when its body is logic that brings in at most this many leaves not
/// already written for an earlier late rule: each leaf costs the row function a byte
/// per row, about what writing the rule itself costs.
const NEW_LEAVES: usize = 1;

/// The late rules of `chunks` (the rule order cut into row functions), none of them
/// in `early` (the rules the word function computes before the row functions).
pub(crate) fn late_rules(
    program: &Program,
    chunks: &[Vec<RuleRef>],
    early: &HashSet<RuleRef>,
) -> Late {
    let chunk_of: HashMap<RuleRef, usize> = chunks
        .iter()
        .enumerate()
        .flat_map(|(c, rules)| rules.iter().map(move |&r| (r, c)))
        .collect();
    let mut keys = Keys::default();
    let mut late: HashSet<RuleRef> = HashSet::new();
    let mut seen: HashSet<String> = HashSet::new();
    for &rule in chunks.iter().flatten() {
        if early.contains(&rule) {
            continue;
        }
        let Some(body) = bool_body(program, rule) else {
            continue;
        };
        if !is_logic(program, body) && tag_test(program, body).is_none() {
            continue;
        }
        let mut mine = Vec::new();
        leaves(program, body, &mut mine);
        let new: HashSet<String> = mine
            .into_iter()
            .map(|l| keys.key(program, l))
            .filter(|k| !seen.contains(k))
            .collect();
        if new.len() <= NEW_LEAVES {
            seen.extend(new);
            late.insert(rule);
        }
    }
    // A row function reading a late rule of an earlier chunk would find nothing
    // written yet: that rule is computed by its row function instead. One of its own
    // chunk it evaluates in line, reading what that rule's body reads in turn.
    loop {
        let mut drop = Vec::new();
        for (c, chunk) in chunks.iter().enumerate() {
            for &rule in chunk {
                let Some(body) = body(program, rule) else {
                    continue;
                };
                let mut row_read = Vec::new();
                if late.contains(&rule) {
                    leaves(program, body, &mut row_read);
                } else {
                    row_read.push(body);
                }
                let mut in_line = HashSet::new();
                while let Some(id) = row_read.pop() {
                    references(program, id, &mut |r| {
                        if !late.contains(&r) {
                            return;
                        }
                        match chunk_of.get(&r) {
                            Some(&rc) if rc < c => drop.push(r),
                            Some(_) if in_line.insert(r) => {
                                row_read.extend(self::body(program, r));
                            }
                            _ => {}
                        }
                    });
                }
            }
        }
        if drop.is_empty() {
            break;
        }
        for r in drop {
            late.remove(&r);
        }
    }
    let mut out = Late::default();
    let mut written: HashMap<String, u32> = HashMap::new();
    for &rule in chunks.iter().flatten() {
        if !late.contains(&rule) {
            continue;
        }
        out.rules.push(rule);
        let (Some(body), Some(&c)) = (body(program, rule), chunk_of.get(&rule)) else {
            continue;
        };
        let mut mine = Vec::new();
        leaves(program, body, &mut mine);
        for leaf in mine {
            let k = *written.entry(keys.key(program, leaf)).or_insert_with(|| {
                out.leaves.push((leaf, c));
                (out.leaves.len() - 1) as u32
            });
            out.leaf_of.insert(leaf, k);
        }
    }
    out
}

/// Structural keys of expressions: equal for the same operations on the same
/// operands, whatever their ids.
#[derive(Default)]
struct Keys(HashMap<ExprId, String>);

impl Keys {
    fn key(&mut self, program: &Program, id: ExprId) -> String {
        stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || {
            if let Some(k) = self.0.get(&id) {
                return k.clone();
            }
            let expr = program.expr(id);
            // The node as printed, each operand's id replaced by the operand's key.
            let node = format!("{:?}:{:?}", expr.kind, expr.ty);
            let mut key = String::with_capacity(node.len());
            let mut rest = node.as_str();
            while let Some(at) = rest.find("ExprId(") {
                key.push_str(&rest[..at]);
                let after = &rest[at + "ExprId(".len()..];
                let digits = after.find(')').unwrap_or(after.len());
                match after[..digits].parse::<u32>() {
                    Ok(child) => {
                        key.push('(');
                        key.push_str(&self.key(program, ExprId(child)));
                        key.push(')');
                    }
                    Err(_) => key.push_str(&rest[at..at + "ExprId(".len() + digits]),
                }
                rest = after.get(digits..).unwrap_or("");
            }
            key.push_str(rest);
            self.0.insert(id, key.clone());
            key
        })
    }
}

fn body(program: &Program, rule: RuleRef) -> Option<ExprId> {
    match rule {
        RuleRef::Tag(t) => Some(program.tag(t).body),
        RuleRef::Segment(s) => Some(program.segment(s).body),
    }
}

/// The body of a bool rule.
fn bool_body(program: &Program, rule: RuleRef) -> Option<ExprId> {
    match rule {
        RuleRef::Tag(t) if program.tag(t).ty != Type::Bool => None,
        _ => body(program, rule),
    }
}

fn is_logic(program: &Program, id: ExprId) -> bool {
    matches!(
        program.expr(id).kind,
        ExprKind::Not(_) | ExprKind::And(_) | ExprKind::Or(_)
    )
}

/// Whether the late word function reads `id` as it is (a bool field or rule, a
/// constant) or computes it itself (a test of a field or of a valued tag against
/// constants, `scan`), with no leaf for a row function to write.
pub(crate) fn is_operand(program: &Program, id: ExprId) -> bool {
    let expr = program.expr(id);
    expr.ty == Type::Bool
        && (matches!(
            expr.kind,
            ExprKind::Const(Value::Bool(_) | Value::Missing)
                | ExprKind::Field(_)
                | ExprKind::Tag(_)
                | ExprKind::Segment(_)
        ) || field_test(program, id).is_some()
            || tag_test(program, id).is_some())
}

/// The leaves of the logic at `id`, in order, each once.
fn leaves(program: &Program, id: ExprId, out: &mut Vec<ExprId>) {
    stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || {
        if is_logic(program, id) {
            children(&program.expr(id).kind, &mut |c| leaves(program, c, out));
        } else if !is_operand(program, id) && !out.contains(&id) {
            out.push(id);
        }
    });
}

/// Every rule read under `id`, aggregates' filters and windows included.
fn references(program: &Program, id: ExprId, f: &mut impl FnMut(RuleRef)) {
    each_node(program, id, &mut |_, kind| match kind {
        ExprKind::Tag(t) => f(RuleRef::Tag(*t)),
        ExprKind::Segment(s) => f(RuleRef::Segment(*s)),
        _ => {}
    });
}
