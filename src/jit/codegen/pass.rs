//! The passes over a morsel's events that fold the fused aggregates (`columns`,
//! `recent`), each compiled into a function of its own, which the runner calls before
//! the row function of its chunk.
//!
//! In the row function, a pass's loop shared the registers with everything live
//! across the whole function (the parameters above all): the register allocator kept
//! them spilled, and the loop reloaded the table's address before most of its loads.
//! On its own, a pass has its registers to itself.
//!
//! `fn(table, start, end, now, skip)`, as the row function (`skip` is not read): the
//! pass writes its accumulators for rows `start..end` to the buffers whose table
//! indexes the row function chose ([`Pass::slots`]), where the row function reads them.

use std::collections::HashSet;

use cranelift_codegen::ir::InstBuilder;
use cranelift_frontend::FunctionBuilder;

use crate::ir::Program;
use crate::jit::JitError;
use crate::jit::plan::Plan;

use super::Gen;
use super::fuse::Member;

/// Which loop folds a group's events.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum PassKind {
    /// Every event of the morsel (`Gen::column_loop`).
    Columns,
    /// The last events of the rows with any in the group's short windows
    /// (`Gen::recent_loop`).
    Recent,
}

/// One group of fused aggregates over an event type, and the buffers of its columns'
/// accumulators (by column, by field).
pub(crate) struct Pass<'p> {
    pub(crate) kind: PassKind,
    pub(crate) group: Vec<Member<'p>>,
    pub(crate) slots: Vec<Vec<u32>>,
}

/// Emits the function of `pass` into `b` (whose signature is set).
pub(crate) fn build(
    program: &Program,
    pass: &Pass<'_>,
    plan: &mut Plan,
    b: &mut FunctionBuilder<'_>,
) -> Result<(), JitError> {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let &[table, start, end, now, _skip] = params.as_slice() else {
        return Err(JitError::Codegen("a pass's signature".into()));
    };
    let Some(&(_, first, _)) = pass.group.first() else {
        return Err(JitError::Codegen("an empty pass".into()));
    };
    let none = HashSet::new();
    let mut g = Gen::new(program, plan, b, [table, start, now], &none, &none);
    let (columns, windows) = g.columns_of(&pass.group, Some(&pass.slots))?;
    match pass.kind {
        PassKind::Columns => g.column_loop(first.event, &windows, &columns, end)?,
        PassKind::Recent => g.recent_loop(first.event, &windows, &columns, end)?,
    }
    g.b.ins().return_(&[]);
    g.b.seal_all_blocks();
    Ok(())
}
