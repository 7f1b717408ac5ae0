//! The Cranelift module that owns the generated code, and the calls into it.

use cranelift_codegen::ir::{AbiParam, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module};

use std::collections::{HashMap, HashSet};

use crate::ir::{Program, RuleRef};

use super::JitError;
use super::bind::{Helpers, Texts};
use super::codegen;
use super::plan::{Plan, Slot};

/// `fn(table, start, end, now, skip)`: see [`codegen`].
type MorselFn = extern "C" fn(*const usize, i64, i64, i64, i64);
/// `fn(table, first_word, words)`: see [`codegen::words`].
type WordsFn = extern "C" fn(*const usize, i64, i64);

/// The module and its functions.
///
/// INVARIANT: `funcs` are the finalized morsel functions of `module` (per chunk, its
/// passes' and its row function; none before finalization), `words` its finalized
/// early word function (null before finalization, and when it has no rules) and
/// `late_words` its late ones; they are only called while `module` is alive, and
/// `module` is freed only in `drop`.
pub(crate) struct Native {
    module: Option<JITModule>,
    /// Per chunk of rules, its passes' functions and then its row function, all called
    /// in order.
    funcs: Vec<*const u8>,
    /// By function of `funcs`: every rule of its chunk is the word function's, so with
    /// the word function run it has nothing to do.
    word_only: Vec<bool>,
    words: *const u8,
    /// The late word functions, each for up to [`LATE_RULES_PER_FN`] late rules, called
    /// in order (a later one reads an earlier one's rules from their bits).
    pub(crate) late_words: Vec<*const u8>,
    /// By table index: a word function writes every word of this result bitset.
    writes_whole: Vec<bool>,
    /// A word function reads columns' values for whole words of 64 rows
    /// (`codegen::scan`), not only bitmaps.
    reads_values: bool,
}

// SAFETY: after `build` the module is never mutated until `drop` (which has `&mut
// self`, so no call is running), and the generated function only reads its address
// table and writes the buffers it is handed: calling it from several threads at once,
// each with its own buffers, is sound.
unsafe impl Send for Native {}
// SAFETY: as for `Send`.
unsafe impl Sync for Native {}

impl Drop for Native {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: `self` owns the only pointers into the code (`funcs`, `words`), and it dies
            // with `self`; no call can be running because we have `&mut self`.
            unsafe { module.free_memory() };
        }
    }
}

/// Late rules per late word function, to keep each function small for the register
/// allocator, whose work grows faster than linearly with a function's size. (Most of
/// the late functions' compile time was their unrolled loop, which they no longer
/// have: see `words::build`.)
const LATE_RULES_PER_FN: usize = 64;

/// Rule sets of more rules than this are register-allocated in a single pass.
const SINGLE_PASS_RULES: usize = 5_000;

/// The register allocator for a rule set of `rules` rules. The backtracking allocator
/// makes code that evaluates about a fifth faster but takes most of codegen's time; at
/// ten thousand rules that is seconds, so past [`SINGLE_PASS_RULES`] the single-pass
/// allocator (about twice as fast to compile) is used.
fn regalloc_algorithm(rules: usize) -> &'static str {
    if rules > SINGLE_PASS_RULES {
        "single_pass"
    } else {
        "backtracking"
    }
}

/// What defining a function needs: the module, and contexts reused from one function
/// to the next.
struct Functions<'m> {
    module: &'m mut JITModule,
    ctx: cranelift_codegen::Context,
    fbc: FunctionBuilderContext,
}

/// Defines the function `name` of `params` `i64` parameters and no result in the
/// module, its body emitted by `body`.
fn define(
    fns: &mut Functions<'_>,
    name: &str,
    params: usize,
    body: impl FnOnce(&mut FunctionBuilder<'_>) -> Result<(), JitError>,
) -> Result<FuncId, JitError> {
    let signature = &mut fns.ctx.func.signature;
    signature
        .params
        .extend(std::iter::repeat_n(AbiParam::new(types::I64), params));
    let mut b = FunctionBuilder::new(&mut fns.ctx.func, &mut fns.fbc);
    body(&mut b)?;
    b.finalize(fns.module.target_config());
    let id = fns
        .module
        .declare_function(name, Linkage::Local, &fns.ctx.func.signature)
        .map_err(codegen_error)?;
    fns.module
        .define_function(id, &mut fns.ctx)
        .map_err(codegen_error)?;
    fns.module.clear_context(&mut fns.ctx);
    Ok(id)
}

fn codegen_error(e: impl std::fmt::Display) -> JitError {
    JitError::Codegen(e.to_string())
}

impl Native {
    pub(crate) fn build(
        program: &Program,
        order: &[RuleRef],
        plan: &mut Plan,
    ) -> Result<Native, JitError> {
        let isa_builder = cranelift_native::builder().map_err(|e| JitError::Target(e.into()))?;
        let mut flags = settings::builder();
        for (name, value) in [
            ("opt_level", "speed"),
            ("use_colocated_libcalls", "false"),
            ("is_pic", "false"),
            // Cranelift verifies every function by default: a tenth of codegen time.
            // The generated code is covered by the differential tests instead.
            ("enable_verifier", "false"),
            ("regalloc_algorithm", regalloc_algorithm(order.len())),
        ] {
            flags.set(name, value).map_err(codegen_error)?;
        }
        let isa = isa_builder
            .finish(settings::Flags::new(flags))
            .map_err(|e| JitError::Target(e.to_string()))?;
        if isa.pointer_type() != types::I64 {
            return Err(JitError::Target("not a 64-bit target".into()));
        }
        let module = JITModule::new(JITBuilder::with_isa(
            isa,
            cranelift_module::default_libcall_names(),
        ));
        // Owned from here on, so every error path below frees what was allocated.
        let mut native = Native {
            module: Some(module),
            funcs: Vec::new(),
            word_only: Vec::new(),
            words: std::ptr::null(),
            late_words: Vec::new(),
            writes_whole: Vec::new(),
            reads_values: false,
        };
        let Some(module) = native.module.as_mut() else {
            return Err(codegen_error("no module"));
        };

        let ctx = module.make_context();
        let fns = &mut Functions {
            module,
            ctx,
            fbc: FunctionBuilderContext::new(),
        };

        let bitwise = codegen::words::bitwise_rules(program, order);
        let early: HashSet<RuleRef> = bitwise.iter().copied().collect();
        let cut = codegen::chunk::chunks(program, order, codegen::chunk::CHUNK_NODES);
        let late = codegen::late::late_rules(program, &cut, &early);
        let bitwise_set: HashSet<RuleRef> = early.iter().chain(&late.rules).copied().collect();
        native.reads_values = codegen::words::reads_values(program, &bitwise)
            || codegen::words::reads_values(program, &late.rules);
        let mut earlier: HashSet<RuleRef> = HashSet::new();
        let mut chunks = Vec::new();
        for (i, chunk) in cut.iter().enumerate() {
            let leaves: Vec<_> = late
                .leaves
                .iter()
                .enumerate()
                .filter(|&(_, &(_, c))| c == i)
                .map(|(k, &(leaf, _))| (leaf, k as u32))
                .collect();
            let mut passes = Vec::new();
            let row_fn = define(fns, &format!("corral_morsel_{i}"), 5, |b| {
                passes = codegen::build(program, chunk, &bitwise_set, &leaves, &earlier, plan, b)?;
                Ok(())
            })?;
            // With every rule of the chunk the word functions', the row function is not
            // called, and neither are its passes.
            let word_only = leaves.is_empty() && chunk.iter().all(|r| bitwise_set.contains(r));
            for (k, pass) in passes.iter().enumerate() {
                let id = define(fns, &format!("corral_pass_{i}_{k}"), 5, |b| {
                    codegen::pass::build(program, pass, plan, b)
                })?;
                chunks.push(id);
                native.word_only.push(word_only);
            }
            chunks.push(row_fn);
            native.word_only.push(word_only);
            earlier.extend(chunk.iter().copied());
        }

        let mut word_fn = |name: &str, rules: &[RuleRef], late: Option<&HashMap<_, u32>>| {
            if rules.is_empty() {
                return Ok(None);
            }
            let id = define(fns, name, 3, |b| {
                codegen::words::build(program, rules, late, plan, b);
                Ok(())
            })?;
            for rule in rules {
                let i = match *rule {
                    RuleRef::Tag(t) => plan.slot(Slot::TagBits(t.0)),
                    RuleRef::Segment(s) => plan.slot(Slot::SegBits(s.0)),
                } as usize;
                if native.writes_whole.len() <= i {
                    native.writes_whole.resize(i + 1, false);
                }
                native.writes_whole[i] = true;
            }
            Ok::<_, JitError>(Some(id))
        };
        let words = word_fn("corral_words", &bitwise, None)?;
        let mut late_words = Vec::new();
        for (n, rules) in late.rules.chunks(LATE_RULES_PER_FN).enumerate() {
            let name = format!("corral_late_words_{n}");
            late_words.extend(word_fn(&name, rules, Some(&late.leaf_of))?);
        }

        let module = &mut *fns.module;
        module.finalize_definitions().map_err(codegen_error)?;
        native.funcs = chunks
            .into_iter()
            .map(|id| module.get_finalized_function(id))
            .collect();
        if let Some(id) = words {
            native.words = module.get_finalized_function(id);
        }
        native.late_words = late_words
            .into_iter()
            .map(|id| module.get_finalized_function(id))
            .collect();
        Ok(native)
    }

    /// Whether a word function exists, so a word-aligned morsel can use it.
    pub(crate) fn has_words(&self) -> bool {
        !self.words.is_null() || !self.late_words.is_empty()
    }

    /// Whether [`Native::call`] on rows `start..end` of `rows` profiles runs the word
    /// functions: the morsel starts on a word boundary, and if they read columns'
    /// values, its last word's 64 rows are all profiles.
    pub(crate) fn uses_words(&self, start: usize, end: usize, rows: usize) -> bool {
        self.has_words()
            && start.is_multiple_of(64)
            && (!self.reads_values || end.next_multiple_of(64) <= rows)
    }

    /// Whether the word function writes every word of the buffer at table index `i`:
    /// when it runs, that buffer need not start zeroed.
    pub(crate) fn writes_whole(&self, i: usize) -> bool {
        self.writes_whole.get(i).copied().unwrap_or(false)
    }

    /// Runs the morsel functions (the word function first, when it applies) over rows
    /// `start..end`.
    ///
    /// # Safety
    ///
    /// `table` must be a complete address table for this function's plan (a bound
    /// table with every per-morsel slot pointing at a zeroed buffer covering
    /// `end - start` rows; when [`Native::uses_words`], the buffers it
    /// [`Native::writes_whole`] need only the right size), and `start..end` must be rows
    /// of the bound profiles, of which there are `rows`.
    ///
    /// When [`Native::uses_words`], the word function writes the bool-logic rules'
    /// words, whole: bits past `end` in the last word may be set and must be cleared
    /// by the caller (`run::clear_tails`).
    pub(crate) unsafe fn call(
        &self,
        table: &[usize],
        start: usize,
        end: usize,
        rows: usize,
        now: i64,
    ) {
        if start >= end {
            return;
        }
        let by_words = self.uses_words(start, end, rows);
        if by_words && !self.words.is_null() {
            // SAFETY: `words` is the finalized function with signature `WordsFn`, kept
            // alive by `self.module`. Words `start / 64 ..` of `(end - start)`
            // rows' worth are within the bound bitmaps (they cover every row, and a
            // bitmap of `n` rows has `n.div_ceil(64)` words), their rows within the
            // bound columns when it reads their values (`uses_words`), and the output
            // buffers have a word per 64 rows of the morsel. It runs first: the morsel
            // functions of later chunks read the rules it writes.
            let w: WordsFn = unsafe { std::mem::transmute::<*const u8, WordsFn>(self.words) };
            let words = (end - start).div_ceil(64);
            w(table.as_ptr(), (start / 64) as i64, words as i64);
        }
        for (&func, &word_only) in self.funcs.iter().zip(&self.word_only) {
            if by_words && word_only {
                continue;
            }
            // SAFETY: `func` is a finalized function with signature `MorselFn` (five
            // i64 parameters in the platform's C convention, no result), and
            // `self.module` keeps its code alive for the duration of the call.
            let f: MorselFn = unsafe { std::mem::transmute::<*const u8, MorselFn>(func) };
            f(
                table.as_ptr(),
                start as i64,
                end as i64,
                now,
                i64::from(by_words),
            );
        }
    }
}

impl Native {
    /// Runs the late word functions over rows `start..end`, after [`Native::call`]
    /// when [`Native::uses_words`]: they read the bits of bool rules and leaves that
    /// the runner has packed from the row functions' bytes, and the values and
    /// validity of valued tags that the row functions wrote.
    ///
    /// # Safety
    ///
    /// As for [`Native::call`], with every `TagBits`, `SegBits` and `LeafBits` buffer
    /// holding the morsel's bits, every `TagVals` and `TagOk` buffer the morsel's
    /// values and validity (with room for its last word's 64 rows), and `start` a
    /// multiple of 64.
    pub(crate) unsafe fn call_late(&self, table: &[usize], start: usize, end: usize) {
        if start >= end || !start.is_multiple_of(64) {
            return;
        }
        let words = (end - start).div_ceil(64);
        for &func in &self.late_words {
            // SAFETY: each of `late_words` is a finalized function with signature
            // `WordsFn`, kept alive by `self.module`. As for the early word function in
            // `call`, the bitmaps' words from `start / 64` and the morsel's buffers cover
            // the words it reads and writes (a valued tag's buffers, in the arena, have
            // room for `MORSEL_ROWS` rows, a multiple of 64, and the morsel is no
            // longer); an earlier late function has written the bits of the late rules
            // this one reads.
            let w: WordsFn = unsafe { std::mem::transmute::<*const u8, WordsFn>(func) };
            w(table.as_ptr(), (start / 64) as i64, words as i64);
        }
    }
}

/// `%` on floats (IEEE `fmod`, as Rust's `%`), called by the generated code.
extern "C" fn fmod(a: f64, b: f64) -> f64 {
    a % b
}

/// `text contains part` on two codes (`1` or `0`), called by the generated code.
///
/// `texts` is the address a bound table holds in its `Slot::Texts` entry.
extern "C" fn contains(texts: *const Texts<'_>, text: u64, part: u64) -> u8 {
    // SAFETY: the generated code passes the `Slot::Texts` address of the table it
    // runs with, which points at the boxed `Texts` of a `Bound` alive for the call.
    let texts = unsafe { &*texts };
    match (texts.get(text), texts.get(part)) {
        (Some(t), Some(p)) => u8::from(t.contains(p)),
        _ => 0,
    }
}

/// Whether set value `set` holds string code `code` (`1` or `0`).
extern "C" fn set_contains(texts: *const Texts<'_>, set: u64, code: u64) -> u8 {
    // SAFETY: as for `contains`.
    let texts = unsafe { &*texts };
    let found = texts
        .set(set)
        .is_some_and(|codes| codes.iter().any(|&c| u64::from(c) == code));
    u8::from(found)
}

pub(crate) fn helpers() -> Helpers {
    Helpers {
        fmod: fmod as extern "C" fn(f64, f64) -> f64 as usize,
        contains: contains as extern "C" fn(*const Texts<'_>, u64, u64) -> u8 as usize,
        set_contains: set_contains as extern "C" fn(*const Texts<'_>, u64, u64) -> u8 as usize,
    }
}
