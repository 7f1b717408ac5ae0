//! Splitting the rule set into chunks, each compiled into its own morsel function.
//!
//! Cranelift's passes (register allocation above all) grow faster than linearly with
//! a function's size, so one function for a large rule set takes far longer to
//! compile than the same rules cut into functions of bounded size. The chunks keep
//! `order`, so a rule reads the rules of earlier chunks from the morsel's result
//! buffers, already written when its chunk's function runs.

use crate::ir::{ExprId, Program, RuleRef};

use super::fuse::each_node;

/// Expression nodes per chunk, roughly: a few dozen typical rules. Large enough that
/// the per-function cost (prologue, hoisted table loads, the row loop) stays small
/// against the rules, small enough that compile time stays linear.
pub(crate) const CHUNK_NODES: usize = 400;

/// `order` cut into consecutive chunks of about `budget` expression nodes each (a
/// rule larger than the budget gets a chunk of its own). The segments that follow the
/// tags start a chunk of their own: in the tags' function, every tag a segment reads
/// would stay live to the end of the row, and the row functions already spill
/// heavily; from an earlier chunk it is one load from its result bytes where used.
pub(crate) fn chunks(program: &Program, order: &[RuleRef], budget: usize) -> Vec<Vec<RuleRef>> {
    let mut out: Vec<Vec<RuleRef>> = Vec::new();
    let mut current = Vec::new();
    let mut size = 0;
    for &rule in order {
        let body = match rule {
            RuleRef::Tag(t) => program.tag(t).body,
            RuleRef::Segment(s) => program.segment(s).body,
        };
        let n = nodes(program, body);
        let after_tags =
            matches!(rule, RuleRef::Segment(_)) && matches!(current.last(), Some(RuleRef::Tag(_)));
        if !current.is_empty() && (size + n > budget || after_tags) {
            out.push(std::mem::take(&mut current));
            size = 0;
        }
        current.push(rule);
        size += n;
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Distinct expression nodes under `id`, aggregates' filters and windows included
/// (a rule read counts as one node: its value is computed elsewhere).
fn nodes(program: &Program, id: ExprId) -> usize {
    let mut n = 0;
    each_node(program, id, &mut |_, _| n += 1);
    n
}
