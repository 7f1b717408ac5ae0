//! Boolean logic 64 rows at a time: tags and segments built only from bool fields,
//! other such rules, `not`, `and`, `or` and bool constants are also compiled into a
//! second function that computes them a word of result bits at a time, straight from
//! the fields' value and validity bitmaps.
//!
//! `fn(table: *const usize, first_word: i64, words: i64)`: word `first_word + w` of
//! the profiles' bitmaps gives word `w` of the morsel's result bits. The morsel runner
//! uses it when a morsel starts on a word boundary (every morsel of a batch does), and
//! then tells the row function not to write these rules (`skip` in `super::build`).
//! Bits past the morsel's last row are cleared by the runner.

use std::collections::HashMap;

use cranelift_codegen::ir::{self, InstBuilder, types};
use cranelift_frontend::{FunctionBuilder, Variable};

use crate::ir::{ExprId, ExprKind, Program, RuleRef};
use crate::schema::Type;
use crate::value::Value;

use super::Gen;
use crate::jit::plan::{Plan, Slot};

/// The rules of `order` that the word function computes, in order.
pub(crate) fn bitwise_rules(program: &Program, order: &[RuleRef]) -> Vec<RuleRef> {
    let mut found: Vec<RuleRef> = Vec::new();
    for &rule in order {
        let (body, ty) = match rule {
            RuleRef::Tag(t) => (program.tag(t).body, program.tag(t).ty),
            RuleRef::Segment(s) => (program.segment(s).body, Type::Bool),
        };
        if ty == Type::Bool && is_bitwise(program, body, &found) {
            found.push(rule);
        }
    }
    found
}

/// Whether `id` is bool logic over bool fields and the rules in `rules`.
fn is_bitwise(program: &Program, id: ExprId, rules: &[RuleRef]) -> bool {
    let expr = program.expr(id);
    if expr.ty != Type::Bool {
        return false;
    }
    match &expr.kind {
        ExprKind::Const(Value::Bool(_) | Value::Missing) | ExprKind::Field(_) => true,
        ExprKind::Tag(t) => rules.contains(&RuleRef::Tag(*t)),
        ExprKind::Segment(s) => rules.contains(&RuleRef::Segment(*s)),
        ExprKind::Not(x) => is_bitwise(program, *x, rules),
        ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter().all(|&x| is_bitwise(program, x, rules)),
        _ => false,
    }
}

/// Emits the word function's body into `b` (whose signature is set).
pub(crate) fn build(
    program: &Program,
    rules: &[RuleRef],
    plan: &mut Plan,
    b: &mut FunctionBuilder<'_>,
) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let (table, first, words) = (params[0], params[1], params[2]);
    let w_var = b.declare_var(types::I64);
    let zero = b.ins().iconst(types::I64, 0);
    b.def_var(w_var, zero);
    let header = b.create_block();
    let body = b.create_block();
    let exit = b.create_block();
    b.ins().jump(header, &[]);

    b.switch_to_block(header);
    let w = b.use_var(w_var);
    let more = b.ins().icmp(ir::condcodes::IntCC::SignedLessThan, w, words);
    b.ins().brif(more, body, &[], exit, &[]);

    b.switch_to_block(body);
    let global = b.ins().iadd(first, w);
    let mut g = Words {
        program,
        plan,
        b,
        table,
        global,
        rules: HashMap::new(),
    };
    for &rule in rules {
        let (body, slot) = match rule {
            RuleRef::Tag(t) => (program.tag(t).body, Slot::TagBits(t.0)),
            RuleRef::Segment(s) => (program.segment(s).body, Slot::SegBits(s.0)),
        };
        let word = g.word(body);
        let var = g.b.declare_var(types::I64);
        g.b.def_var(var, word);
        g.rules.insert(rule, var);
        let out = g.addr(slot);
        let off = g.b.ins().imul_imm_s(w, 8);
        let at = g.b.ins().iadd(out, off);
        g.b.ins().store(Gen::out_flags(), word, at, 0);
    }
    let next = g.b.ins().iadd_imm_s(w, 1);
    g.b.def_var(w_var, next);
    g.b.ins().jump(header, &[]);

    g.b.switch_to_block(exit);
    g.b.ins().return_(&[]);
    g.b.seal_all_blocks();
}

struct Words<'a, 'b> {
    program: &'a Program,
    plan: &'a mut Plan,
    b: &'a mut FunctionBuilder<'b>,
    table: ir::Value,
    /// Index of the current word in the profiles' bitmaps.
    global: ir::Value,
    rules: HashMap<RuleRef, Variable>,
}

impl Words<'_, '_> {
    fn addr(&mut self, slot: Slot) -> ir::Value {
        let i = self.plan.slot(slot);
        self.b
            .ins()
            .load(types::I64, Gen::flags(), self.table, (i * 8) as i32)
    }

    fn load_word(&mut self, slot: Slot) -> ir::Value {
        let base = self.addr(slot);
        let off = self.b.ins().imul_imm_s(self.global, 8);
        let at = self.b.ins().iadd(base, off);
        self.b.ins().load(types::I64, Gen::flags(), at, 0)
    }

    /// The rows' truth values (a missing bool is false), as in `Gen::test`.
    fn word(&mut self, id: ExprId) -> ir::Value {
        stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || {
            self.word_on_stack(id)
        })
    }

    fn word_on_stack(&mut self, id: ExprId) -> ir::Value {
        let program = self.program;
        match &program.expr(id).kind {
            ExprKind::Const(Value::Bool(true)) => self.b.ins().iconst(types::I64, -1),
            ExprKind::Field(f) => {
                let valid = self.load_word(Slot::FieldValid(f.0));
                let values = self.load_word(Slot::FieldValues(f.0));
                self.b.ins().band(valid, values)
            }
            ExprKind::Tag(t) => self.rule(RuleRef::Tag(*t)),
            ExprKind::Segment(s) => self.rule(RuleRef::Segment(*s)),
            ExprKind::Not(x) => {
                let x = self.word(*x);
                self.b.ins().bnot(x)
            }
            ExprKind::And(xs) | ExprKind::Or(xs) => {
                let is_and = matches!(program.expr(id).kind, ExprKind::And(_));
                let mut acc = self.b.ins().iconst(types::I64, if is_and { -1 } else { 0 });
                for &x in xs {
                    let x = self.word(x);
                    acc = if is_and {
                        self.b.ins().band(acc, x)
                    } else {
                        self.b.ins().bor(acc, x)
                    };
                }
                acc
            }
            // `false`, missing, and (unreachable: see `is_bitwise`) anything else.
            _ => self.b.ins().iconst(types::I64, 0),
        }
    }

    fn rule(&mut self, rule: RuleRef) -> ir::Value {
        match self.rules.get(&rule) {
            Some(&var) => self.b.use_var(var),
            // Unreachable: `bitwise_rules` only takes rules whose references come first.
            None => self.b.ins().iconst(types::I64, 0),
        }
    }
}
