//! Boolean logic 64 rows at a time. Tags and segments built only from bool fields,
//! tests of fields against constants (`scan`), other such rules, `not`, `and`, `or`
//! and bool constants are also compiled into a word function that computes them a word
//! of result bits at a time, straight from the fields' value and validity bitmaps (and
//! the tested columns), before the row functions run. The late
//! rules (`late`) get a second word function, run after the row functions, that also
//! reads the bits of every bool rule and of the leaves the row functions wrote, and
//! tests valued tags' values against constants (`scan`).
//!
//! `fn(table: *const usize, first_word: i64, words: i64)`: word `first_word + w` of
//! the profiles' bitmaps gives word `w` of the morsel's result bits, a few words per
//! loop iteration. The morsel runner uses them when a morsel starts on a word boundary
//! (every morsel of a batch does), and then tells the row function not to write these
//! rules (`skip` in `super::build`). Bits past the morsel's last row are cleared by
//! the runner.

use std::collections::HashMap;

use cranelift_codegen::ir::{self, InstBuilder, types};
use cranelift_frontend::{FunctionBuilder, Variable};

use crate::ir::{ExprId, ExprKind, Program, RuleRef};
use crate::schema::Type;
use crate::value::Value;

use super::Gen;
use super::scan::{ConstTest, field_test, tag_test};
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

/// Whether `id` is bool logic over bool fields, field tests and the rules in `rules`.
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
        _ => field_test(program, id).is_some(),
    }
}

/// Whether a word function of `rules` reads profile columns' values, not only bitmaps
/// (`scan`): it then runs only on whole words of rows (`Native::uses_words`).
pub(crate) fn reads_values(program: &Program, rules: &[RuleRef]) -> bool {
    rules.iter().any(|&rule| {
        let body = match rule {
            RuleRef::Tag(t) => program.tag(t).body,
            RuleRef::Segment(s) => program.segment(s).body,
        };
        let mut found = false;
        super::fuse::each_node(program, body, &mut |id, _| {
            found |= field_test(program, id).is_some();
        });
        found
    })
}

/// Words computed per iteration of the main loop. Each rule's words are computed
/// together, so the addresses it reads and writes are loaded once for all of them
/// (there are too many to stay in registers across rules).
const LANES: i64 = 2;

/// Up to this many rules the word function has the unrolled loop: its code is
/// [`LANES`] + 1 copies of the rules, and the function is not split into chunks.
const UNROLL_RULES: usize = 512;

/// Emits the word function's body into `b` (whose signature is set): a loop over
/// [`LANES`] words at a time (for at most [`UNROLL_RULES`] rules and no field test),
/// then one over the words left. The late function has the second loop only: its run
/// time is a small part of a morsel's, and the unrolled copies tripled its compile
/// time. For the late word function, `late` holds its leaves, by their index in
/// `Slot::LeafBits`; `None` builds the early one.
pub(crate) fn build(
    program: &Program,
    rules: &[RuleRef],
    late: Option<&HashMap<ExprId, u32>>,
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
    let mut g = Words {
        program,
        plan,
        b,
        table,
        global: zero,
        local: zero,
        late,
        rules: HashMap::new(),
        tests: Vec::new(),
    };
    let exit = g.b.create_block();
    let tail = g.b.create_block();
    // Field tests loop over their words' rows: unrolled copies of them would add more
    // compile time than the unrolled loop saves.
    if late.is_none() && rules.len() <= UNROLL_RULES && !reads_values(program, rules) {
        g.word_loop(rules, w_var, first, words, LANES, tail);
    } else {
        g.b.ins().jump(tail, &[]);
    }
    g.b.switch_to_block(tail);
    g.word_loop(rules, w_var, first, words, 1, exit);
    g.b.switch_to_block(exit);
    g.b.ins().return_(&[]);
    g.b.seal_all_blocks();
}

pub(super) struct Words<'a, 'b> {
    program: &'a Program,
    pub(super) plan: &'a mut Plan,
    pub(super) b: &'a mut FunctionBuilder<'b>,
    table: ir::Value,
    /// Index of the current word in the profiles' bitmaps.
    pub(super) global: ir::Value,
    /// Index of the current word in the morsel's result bits.
    local: ir::Value,
    /// The late function's leaves (`None` in the early function).
    late: Option<&'a HashMap<ExprId, u32>>,
    /// The rules of this function computed so far (for the current words).
    rules: HashMap<RuleRef, Variable>,
    /// The field tests computed so far (for the current words): rules share them.
    tests: Vec<(ConstTest<'a>, Variable)>,
}

/// What one word's computation has computed so far.
#[derive(Default)]
struct Known<'p> {
    rules: HashMap<RuleRef, Variable>,
    tests: Vec<(ConstTest<'p>, Variable)>,
}

impl<'a> Words<'a, '_> {
    /// From the current block: a loop computing `lanes` words of every rule per
    /// iteration while that many are left, then a jump to `done`.
    fn word_loop(
        &mut self,
        rules: &[RuleRef],
        w_var: Variable,
        first: ir::Value,
        words: ir::Value,
        lanes: i64,
        done: ir::Block,
    ) {
        let header = self.b.create_block();
        let body = self.b.create_block();
        self.b.ins().jump(header, &[]);

        self.b.switch_to_block(header);
        let w = self.b.use_var(w_var);
        let last = self.b.ins().iadd_imm_s(w, lanes);
        let more = self
            .b
            .ins()
            .icmp(ir::condcodes::IntCC::SignedLessThanOrEqual, last, words);
        self.b.ins().brif(more, body, &[], done, &[]);

        self.b.switch_to_block(body);
        let mut by_lane: Vec<Known<'_>> = (0..lanes).map(|_| Known::default()).collect();
        for &rule in rules {
            let (expr, slot) = match rule {
                RuleRef::Tag(t) => (self.program.tag(t).body, Slot::TagBits(t.0)),
                RuleRef::Segment(s) => (self.program.segment(s).body, Slot::SegBits(s.0)),
            };
            for (lane, known) in by_lane.iter_mut().enumerate() {
                let at_w = self.b.ins().iadd_imm_s(w, lane as i64);
                self.global = self.b.ins().iadd(first, at_w);
                self.local = at_w;
                self.rules = std::mem::take(&mut known.rules);
                self.tests = std::mem::take(&mut known.tests);
                let word = self.word(expr);
                let var = self.b.declare_var(types::I64);
                self.b.def_var(var, word);
                self.rules.insert(rule, var);
                known.rules = std::mem::take(&mut self.rules);
                known.tests = std::mem::take(&mut self.tests);
                let out = self.addr(slot);
                let off = self.b.ins().imul_imm_s(at_w, 8);
                let at = self.b.ins().iadd(out, off);
                self.b.ins().store(Gen::out_flags(), word, at, 0);
            }
        }
        let next = self.b.ins().iadd_imm_s(w, lanes);
        self.b.def_var(w_var, next);
        self.b.ins().jump(header, &[]);
    }

    pub(super) fn addr(&mut self, slot: Slot) -> ir::Value {
        let i = self.plan.slot(slot);
        self.b
            .ins()
            .load(types::I64, Gen::flags(), self.table, (i * 8) as i32)
    }

    /// The current word of a profile bitmap (`global`) or a morsel's bits.
    pub(super) fn load_word(&mut self, slot: Slot) -> ir::Value {
        let index = match slot {
            Slot::FieldValid(_) | Slot::FieldValues(_) => self.global,
            _ => self.local,
        };
        let base = self.addr(slot);
        let off = self.b.ins().imul_imm_s(index, 8);
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
        if let Some(&k) = self.late.and_then(|leaves| leaves.get(&id)) {
            return self.load_word(Slot::LeafBits(k));
        }
        if let Some(test) = field_test(program, id) {
            return self.test(test);
        }
        // The row functions have written every valued tag when the late one runs.
        if let Some(test) = self.late.and_then(|_| tag_test(program, id)) {
            return self.test(test);
        }
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

    /// The current word of a field test, computed once per word.
    fn test(&mut self, test: ConstTest<'a>) -> ir::Value {
        if let Some((_, var)) = self.tests.iter().find(|(t, _)| *t == test) {
            return self.b.use_var(*var);
        }
        let word = self.test_word(&test);
        let var = self.b.declare_var(types::I64);
        self.b.def_var(var, word);
        self.tests.push((test, var));
        word
    }

    /// A rule of this function, or (in the late one) the bits another wrote.
    fn rule(&mut self, rule: RuleRef) -> ir::Value {
        match (self.rules.get(&rule), rule) {
            (Some(&var), _) => self.b.use_var(var),
            // The early function's rules only read rules it computes before them.
            _ if self.late.is_none() => self.b.ins().iconst(types::I64, 0),
            (None, RuleRef::Tag(t)) => self.load_word(Slot::TagBits(t.0)),
            (None, RuleRef::Segment(s)) => self.load_word(Slot::SegBits(s.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use serde_json::json;

    use crate::api::RuleSet;
    use crate::eval::Interpreter;
    use crate::jit::Compiled;

    /// Morsels of an odd number of words run the unrolled loop and then the one for
    /// the word left; every row agrees with the interpreter.
    #[test]
    fn unrolled_and_leftover_words_agree_with_the_interpreter() {
        let rules = RuleSet::from_source(
            "logic.corral",
            "profile { id: string, a: bool, b: bool }\n\
             tag ta = a\nsegment s = not ta or b\nsegment t = s and a\n",
        )
        .unwrap();
        let program = rules.program();
        let native = Compiled::compile(program).unwrap();
        let interp = Interpreter::new(program);
        for len in [1, 64, 65, 129, 3 * 64 + 5, 5 * 64] {
            let rows: Vec<serde_json::Value> = (0..len)
                .map(|i| match i * 7 % 5 {
                    0 => json!({"id": "x", "a": true}),
                    1 => json!({"id": "x", "a": false, "b": true}),
                    2 => json!({"id": "x", "a": true, "b": true}),
                    3 => json!({"id": "x", "b": false}),
                    _ => json!({"id": "x"}),
                })
                .collect();
            let data = rules.profiles_from_json(rows.iter()).unwrap();
            let mut seen = 0;
            native.eval_batch(&data, 0..data.len(), 0, &mut |row, v| {
                assert_eq!(
                    v,
                    &interp.eval_profile(&data, row, 0),
                    "{len} rows, row {row}"
                );
                seen += 1;
            });
            assert_eq!(seen, len);
        }
    }
}
