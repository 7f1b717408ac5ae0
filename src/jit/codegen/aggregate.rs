//! Event aggregates: one loop over the profile's events of the type, with the meaning
//! of `crate::eval::aggregate` (windows exact, streak the latest run, first/last ties,
//! sum of none 0, avg/min/max of none missing, NaN poisons min/max).

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, InstBuilder, types};
use cranelift_frontend::Variable;

use crate::ir::{AggFunc, AggTarget, Aggregate, ExprKind, Program, Window};
use crate::schema::Type;
use crate::value::Value;

use super::{Ev, Gen, V, clif_type};
use crate::jit::JitError;
use crate::jit::plan::{SetSource, Slot};

/// One aggregate's accumulators during its loop.
#[derive(Copy, Clone)]
pub(super) struct AggState<'x> {
    pub(super) agg: &'x Aggregate,
    pub(super) target_ty: Type,
    needs_target: bool,
    pub(super) always_missing: bool,
    /// `acc`'s Cranelift type.
    pub(super) acc_ty: ir::Type,
    pub(super) acc: Variable,
    pub(super) acc_ok: Variable,
    pub(super) have: Variable,
    pub(super) aux: Variable,
    pub(super) poison: Variable,
}

/// A loop over a range of indexes: event rows, or a set's elements (see
/// [`Gen::begin_loop`]).
pub(super) struct EventLoop {
    /// The index (`i64`).
    pub(super) i: Variable,
    body: ir::Block,
    hi: ir::Value,
    exit: ir::Block,
}

/// The in-window test, resolved before the loop.
#[derive(Copy, Clone)]
pub(super) enum Bounds {
    /// Every event up to `now`.
    All,
    /// No event: a constant `within` duration that is missing or not positive.
    Empty,
    /// The events with `now - span <= at <= now` (`span`, an unsigned word, at most
    /// `now - i64::MIN`), and only if `valid` (an `i8` flag; `None` when known to
    /// hold).
    Range {
        span: ir::Value,
        valid: Option<ir::Value>,
    },
}

/// `first(e).at` and `last(e).at`: the value is the best event's time, which the fold
/// keeps anyway (`aux`), so the value and its validity (`acc`, `acc_ok`) are unused.
pub(super) fn best_time_is_value(agg: &Aggregate) -> bool {
    matches!(agg.func, AggFunc::First | AggFunc::Last) && matches!(agg.target, AggTarget::At)
}

/// The type of what `agg` (of type `ty`) folds: an event's time, the event, or a
/// property.
pub(super) fn target_type(program: &Program, agg: &Aggregate, ty: Type) -> Type {
    match agg.target {
        AggTarget::At => Type::Time,
        AggTarget::Event => ty,
        AggTarget::Prop(p) => program
            .schema
            .events
            .get(agg.event.0 as usize)
            .and_then(|e| e.props.get(p.0 as usize))
            .map_or(ty, |f| f.ty),
    }
}

impl Gen<'_, '_> {
    fn var(&mut self, ty: ir::Type, init: ir::Value) -> Variable {
        let v = self.b.declare_var(ty);
        self.b.def_var(v, init);
        v
    }

    fn iconst8(&mut self, x: i64) -> ir::Value {
        self.b.ins().iconst(types::I8, x)
    }

    pub(super) fn aggregate(
        &mut self,
        agg: &Aggregate,
        ty: Type,
        ev: Option<Ev>,
    ) -> Result<V, JitError> {
        let bounds = self.bounds(agg.window, ev)?;
        let mut states = vec![self.agg_init(agg, ty)?];
        self.agg_loop(agg.event, bounds, &mut states)?;
        let Some(state) = states.pop() else {
            return Err(JitError::Codegen("lost an aggregate".into()));
        };
        Ok(self.agg_finish(&state))
    }

    pub(super) fn agg_init<'x>(
        &mut self,
        agg: &'x Aggregate,
        ty: Type,
    ) -> Result<AggState<'x>, JitError> {
        if self
            .program
            .schema
            .events
            .get(agg.event.0 as usize)
            .is_none()
        {
            return Err(JitError::Unsupported("an unknown event type".into()));
        }
        let target_ty = target_type(self.program, agg, ty);
        if target_ty == Type::StrSet && !matches!(agg.func, AggFunc::First | AggFunc::Last) {
            return Err(JitError::Unsupported("an aggregate over a set".into()));
        }
        let needs_target = !matches!(agg.func, AggFunc::Count | AggFunc::Exists | AggFunc::Streak);
        if needs_target && agg.func != AggFunc::Avg && clif_type(target_ty) != clif_type(ty) {
            return Err(JitError::Unsupported(
                "an aggregate of another type than its target".into(),
            ));
        }
        // The interpreter's average skips every type but int and float: always missing.
        let always_missing =
            agg.func == AggFunc::Avg && !matches!(target_ty, Type::Int | Type::Float);
        let zero64 = self.b.ins().iconst(types::I64, 0);
        let zero8 = self.iconst8(0);
        let one8 = self.iconst8(1);
        let tzero = self.zero_of(target_ty);
        // Accumulators: `acc` (count, sum, best value), `acc_ok`, `have`, `aux`
        // (streak run, first/last best `at`, avg count), `poison` (NaN seen by min/max).
        let acc_init = match agg.func {
            AggFunc::Count | AggFunc::Streak => zero64,
            AggFunc::Exists => zero8,
            AggFunc::Avg => self.b.ins().f64const(0.0),
            _ => tzero,
        };
        let acc_ty = self.b.func.dfg.value_type(acc_init);
        Ok(AggState {
            agg,
            target_ty,
            needs_target,
            always_missing,
            acc_ty,
            acc: self.var(acc_ty, acc_init),
            acc_ok: self.var(types::I8, one8),
            have: self.var(types::I8, zero8),
            aux: self.var(types::I64, zero64),
            poison: self.var(types::I8, zero8),
        })
    }

    /// One loop over the profile's events of `event`, stepping every state.
    fn agg_loop(
        &mut self,
        event: crate::schema::EventId,
        bounds: Bounds,
        states: &mut [AggState<'_>],
    ) -> Result<(), JitError> {
        let e = event.0;
        let offsets = self.addr(Slot::EventOffsets(e));
        let lo = self.load_u32(offsets, self.row);
        let next_row = self.b.ins().iadd_imm_s(self.row, 1);
        let hi = self.load_u32(offsets, next_row);
        let events = self.begin_loop(lo, hi);
        let i = self.b.use_var(events.i);
        let at_base = self.addr(Slot::EventAt(e));
        let at = self.load(types::I64, at_base, i);
        let inwin = self.in_window(bounds, at);
        for state in states.iter() {
            if !state.always_missing {
                self.agg_step(state, i, at, inwin)?;
            }
        }
        self.end_loop(events);
        Ok(())
    }

    /// Starts a loop over event rows `i` from `lo` while `i < hi`, leaving the builder
    /// in its body; [`Gen::end_loop`] closes it.
    ///
    /// The loop is tested at its bottom, behind a test on entry: its body is then the
    /// loop's header, out of which Cranelift hoists what does not change in the loop
    /// (the table's addresses). With the test at the top, it hoists nothing.
    pub(super) fn begin_loop(&mut self, lo: ir::Value, hi: ir::Value) -> EventLoop {
        let i = self.var(types::I64, lo);
        let body = self.b.create_block();
        let exit = self.b.create_block();
        let any = self.b.ins().icmp(IntCC::UnsignedLessThan, lo, hi);
        self.b.ins().brif(any, body, &[], exit, &[]);
        self.b.switch_to_block(body);
        EventLoop { i, body, hi, exit }
    }

    /// Ends the body of `events`: the next row, and on to the loop's exit.
    pub(super) fn end_loop(&mut self, events: EventLoop) {
        let i = self.b.use_var(events.i);
        let next = self.b.ins().iadd_imm_s(i, 1);
        self.b.def_var(events.i, next);
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, next, events.hi);
        self.b.ins().brif(more, events.body, &[], events.exit, &[]);
        self.b.switch_to_block(events.exit);
    }

    /// Folds event `i` (at `at`, in the window or not) into `state`.
    pub(super) fn agg_step(
        &mut self,
        state: &AggState<'_>,
        i: ir::Value,
        at: ir::Value,
        inwin: ir::Value,
    ) -> Result<(), JitError> {
        let AggState {
            agg,
            target_ty,
            needs_target,
            acc,
            acc_ok,
            have,
            aux,
            poison,
            ..
        } = *state;
        let zero64 = self.b.ins().iconst(types::I64, 0);
        let zero8 = self.iconst8(0);
        let pass = match agg.filter {
            Some(f) => {
                let t = self.test(
                    f,
                    Some(Ev {
                        event: agg.event,
                        row: i,
                    }),
                )?;
                self.and(t, inwin)
            }
            None => inwin,
        };
        let t = if needs_target {
            self.target(agg, target_ty, i, at)?
        } else {
            V {
                x: zero64,
                ok: zero8,
            }
        };
        let take = self.and(pass, t.ok);
        let cur = self.b.use_var(acc);
        match agg.func {
            AggFunc::Count => {
                let p = self.b.ins().uextend(types::I64, pass);
                let n = self.b.ins().iadd(cur, p);
                self.b.def_var(acc, n);
            }
            AggFunc::Exists => {
                let any = self.b.ins().bor(cur, pass);
                self.b.def_var(acc, any);
            }
            AggFunc::Streak => {
                let run = self.b.use_var(aux);
                let grown = self.b.ins().iadd_imm_s(run, 1);
                let run_next = self.pick(pass, grown, zero64);
                let run_next = self.pick(inwin, run_next, run);
                self.b.def_var(aux, run_next);
                let latest = self.pick(pass, grown, cur);
                self.b.def_var(acc, latest);
            }
            AggFunc::Sum => {
                let sum = if target_ty == Type::Float {
                    self.b.ins().fadd(cur, t.x)
                } else {
                    self.b.ins().iadd(cur, t.x)
                };
                let sum = self.pick(take, sum, cur);
                self.b.def_var(acc, sum);
            }
            AggFunc::Avg => {
                let f = if target_ty == Type::Float {
                    t.x
                } else {
                    self.b.ins().fcvt_from_sint(types::F64, t.x)
                };
                let sum = self.b.ins().fadd(cur, f);
                let sum = self.pick(take, sum, cur);
                self.b.def_var(acc, sum);
                let n = self.b.use_var(aux);
                let inc = self.b.ins().uextend(types::I64, take);
                let n = self.b.ins().iadd(n, inc);
                self.b.def_var(aux, n);
            }
            AggFunc::Min | AggFunc::Max => {
                let min = agg.func == AggFunc::Min;
                let had = self.b.use_var(have);
                let first = self.b.ins().bxor_imm_s(had, 1);
                let poisoned = self.b.use_var(poison);
                let (better, nan_take) = if target_ty == Type::Float {
                    let cc = if min {
                        FloatCC::LessThan
                    } else {
                        FloatCC::GreaterThan
                    };
                    let beats = self.b.ins().fcmp(cc, t.x, cur);
                    let is_nan = self.b.ins().fcmp(FloatCC::Unordered, t.x, t.x);
                    let clean = self.b.ins().bxor_imm_s(poisoned, 1);
                    let active = self.and(take, clean);
                    let nan_take = self.and(active, is_nan);
                    let not_nan = self.b.ins().bxor_imm_s(is_nan, 1);
                    let wins = self.b.ins().bor(first, beats);
                    let better = self.and(active, not_nan);
                    (self.and(better, wins), nan_take)
                } else {
                    let (a, b) = if target_ty == Type::Str {
                        (self.rank(t.x), self.rank(cur))
                    } else {
                        (t.x, cur)
                    };
                    let cc = if min {
                        IntCC::SignedLessThan
                    } else {
                        IntCC::SignedGreaterThan
                    };
                    let beats = self.b.ins().icmp(cc, a, b);
                    let wins = self.b.ins().bor(first, beats);
                    (self.and(take, wins), zero8)
                };
                let replace = self.b.ins().bor(better, nan_take);
                let best = self.pick(replace, t.x, cur);
                self.b.def_var(acc, best);
                let poisoned = self.b.ins().bor(poisoned, nan_take);
                self.b.def_var(poison, poisoned);
                let had = self.b.ins().bor(had, take);
                self.b.def_var(have, had);
            }
            AggFunc::First | AggFunc::Last => {
                let had = self.b.use_var(have);
                let first = self.b.ins().bxor_imm_s(had, 1);
                let best_at = self.b.use_var(aux);
                let cc = if agg.func == AggFunc::First {
                    IntCC::SignedLessThan
                } else {
                    IntCC::SignedGreaterThanOrEqual
                };
                let beats = self.b.ins().icmp(cc, at, best_at);
                let wins = self.b.ins().bor(first, beats);
                let better = self.and(pass, wins);
                let best_at = self.pick(better, at, best_at);
                self.b.def_var(aux, best_at);
                if !best_time_is_value(agg) {
                    let x = self.pick(better, t.x, cur);
                    self.b.def_var(acc, x);
                    let ok = self.b.use_var(acc_ok);
                    let ok = self.pick(better, t.ok, ok);
                    self.b.def_var(acc_ok, ok);
                }
                let had = self.b.ins().bor(had, pass);
                self.b.def_var(have, had);
            }
        }
        Ok(())
    }

    pub(super) fn agg_finish(&mut self, state: &AggState<'_>) -> V {
        let AggState {
            agg,
            target_ty,
            acc,
            acc_ok,
            have,
            aux,
            ..
        } = *state;
        if state.always_missing {
            return self.missing(Type::Float);
        }
        let x = self.b.use_var(acc);
        match agg.func {
            // A partial sum that is not finite makes the interpreter's sum missing
            // for good (`arith`), and in IEEE arithmetic every later partial sum is
            // then not finite either: the last one tells.
            AggFunc::Sum if target_ty == Type::Float => {
                let fin = self.finite(x);
                V { x, ok: fin }
            }
            AggFunc::Count | AggFunc::Exists | AggFunc::Streak | AggFunc::Sum => self.present(x),
            AggFunc::Avg => {
                let n = self.b.use_var(aux);
                let nf = self.b.ins().fcvt_from_sint(types::F64, n);
                let avg = self.b.ins().fdiv(x, nf);
                let some = self.b.ins().icmp_imm_s(IntCC::NotEqual, n, 0);
                let fin = self.finite(avg);
                V {
                    x: avg,
                    ok: self.and(some, fin),
                }
            }
            AggFunc::Min | AggFunc::Max => V {
                x,
                ok: self.b.use_var(have),
            },
            AggFunc::First | AggFunc::Last if best_time_is_value(agg) => V {
                x: self.b.use_var(aux),
                ok: self.b.use_var(have),
            },
            AggFunc::First | AggFunc::Last => {
                let had = self.b.use_var(have);
                let ok = self.b.use_var(acc_ok);
                V {
                    x,
                    ok: self.and(had, ok),
                }
            }
        }
    }

    /// The sum of the floats an average of floats folded (`fuse::Distinct::sums`): its
    /// running sum, finished as a sum is.
    pub(super) fn sum_of_avg(&mut self, state: &AggState<'_>) -> V {
        let x = self.b.use_var(state.acc);
        let fin = self.finite(x);
        V { x, ok: fin }
    }

    /// The bounds of each of `windows`, which read no event.
    pub(super) fn window_bounds(&mut self, windows: &[Window]) -> Result<Vec<Bounds>, JitError> {
        windows.iter().map(|&w| self.bounds(w, None)).collect()
    }

    /// The window as a range of times ending at `now`, computed once per loop: the
    /// interpreter's `[now - d + 1, now]` (`Within`) or `[t, now]` (`Since`), exact
    /// (clamped at `i64::MIN` rather than wrapping).
    pub(super) fn bounds(&mut self, window: Window, ev: Option<Ev>) -> Result<Bounds, JitError> {
        match window {
            Window::All => Ok(Bounds::All),
            Window::Within(d) => {
                if let ExprKind::Const(c) = &self.program.expr(d).kind {
                    // Known at compile time: no validity test per event.
                    return Ok(match c {
                        Value::Duration(d) if *d >= 1 => {
                            // A constant, which needs no register across a loop: the
                            // runner checks that `now` leaves room for it.
                            self.plan.fixed_window(*d);
                            Bounds::Range {
                                span: self.b.ins().iconst(types::I64, *d - 1),
                                valid: None,
                            }
                        }
                        _ => Bounds::Empty,
                    });
                }
                let d = self.eval(d, ev)?;
                let positive = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, d.x, 1);
                let valid = self.and(positive, d.ok);
                let below = self.b.ins().iadd_imm_s(d.x, -1);
                Ok(self.range_back(below, Some(valid)))
            }
            Window::Since(t) => {
                let t = self.eval(t, ev)?;
                let started = self
                    .b
                    .ins()
                    .icmp(IntCC::SignedLessThanOrEqual, t.x, self.now);
                let valid = self.and(started, t.ok);
                let span = self.b.ins().isub(self.now, t.x);
                Ok(Bounds::Range {
                    span,
                    valid: Some(valid),
                })
            }
        }
    }

    /// The value of `id` if it is a constant duration.
    pub(super) fn const_duration(&self, id: crate::ir::ExprId) -> Option<i64> {
        match self.program.expr(id).kind {
            ExprKind::Const(Value::Duration(d)) => Some(d),
            _ => None,
        }
    }

    /// Of windows that all end at `now` (so nested): the index of the widest, if every
    /// one is a constant `within` (a missing duration holds no event).
    pub(super) fn widest_window(&self, windows: &[Window]) -> Option<usize> {
        let lengths = windows
            .iter()
            .map(|w| match *w {
                Window::Within(d) => match self.program.expr(d).kind {
                    ExprKind::Const(Value::Duration(d)) => Some(d),
                    ExprKind::Const(Value::Missing) => Some(0),
                    _ => None,
                },
                _ => None,
            })
            .collect::<Option<Vec<i64>>>()?;
        (0..lengths.len()).max_by_key(|&k| lengths[k])
    }

    /// `[now - below, now]` for an unsigned `below`, clamped at `i64::MIN`.
    fn range_back(&mut self, below: ir::Value, valid: Option<ir::Value>) -> Bounds {
        // `now - i64::MIN`, exact as an unsigned word: the most `now` can reach back.
        let reach = self.b.ins().bxor_imm_s(self.now, i64::MIN);
        let span = self.b.ins().umin(below, reach);
        Bounds::Range { span, valid }
    }

    /// Whether `at` is in the window: for a range, one subtraction and one unsigned
    /// comparison (`now - at` wraps past `span` for every `at` after `now`, as `span`
    /// is at most `now - i64::MIN`). Every window ends at `now`, so its first time
    /// is not needed, and the subtraction is shared by all windows tested on `at`.
    pub(super) fn in_window(&mut self, bounds: Bounds, at: ir::Value) -> ir::Value {
        match bounds {
            Bounds::All => self
                .b
                .ins()
                .icmp(IntCC::SignedLessThanOrEqual, at, self.now),
            Bounds::Empty => self.b.ins().iconst(types::I8, 0),
            Bounds::Range { span, valid } => {
                let age = self.b.ins().isub(self.now, at);
                let inside = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, age, span);
                match valid {
                    Some(valid) => self.and(inside, valid),
                    None => inside,
                }
            }
        }
    }

    /// The aggregate's target for event row `i` (raw: possibly missing).
    fn target(
        &mut self,
        agg: &Aggregate,
        ty: Type,
        i: ir::Value,
        at: ir::Value,
    ) -> Result<V, JitError> {
        match agg.target {
            AggTarget::Event => Ok(self.missing(ty)),
            AggTarget::At => Ok(self.present(at)),
            AggTarget::Prop(p) => {
                let valid = self.addr(Slot::PropValid(agg.event.0, p.0));
                let values = self.addr(Slot::PropValues(agg.event.0, p.0));
                self.read_cell(ty, valid, values, i, SetSource::Prop(agg.event.0, p.0))
            }
        }
    }
}
