//! Two versions of a rule set compared: which tags and segments were added, removed or
//! changed in meaning, and on a sample of profiles, who enters and leaves each audience.
//!
//! A definition *changed in meaning* when its canonical form
//! ([`crate::explain::canon`]: spans stripped, names resolved, constants folded) differs;
//! a rule whose own definition is the same but which uses a changed one is reported as
//! such. On the sample, a rule that exists on one side only counts as false (a
//! membership) or missing (a value) on the other.

pub mod render;

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::data::Profiles;
use crate::eval::{Interpreter, ProfileValues};
use crate::explain::canon::canon;
use crate::explain::{all_rules, rule_def, rule_kind};
use crate::ir::{ExprId, ExprKind, Program, RuleRef, Window};
use crate::schema::Type;
use crate::value::Value;

/// How many example ids a change lists.
pub const EXAMPLES: usize = 5;

/// One version of the rules with the sample loaded for its schema.
#[derive(Copy, Clone)]
pub struct Side<'a> {
    pub program: &'a Program,
    pub profiles: &'a Profiles,
}

/// The comparison of two rule sets.
#[derive(Clone, Debug)]
pub struct Report {
    /// Profiles in the sample.
    pub profiles: usize,
    /// The reference time both versions were evaluated at.
    pub now: i64,
    /// Every tag, then every segment: the old version's in its order, then the added.
    pub rules: Vec<RuleDiff>,
}

#[derive(Clone, Debug)]
pub struct RuleDiff {
    /// `"tag"` or `"segment"`.
    pub kind: &'static str,
    pub name: String,
    pub status: Status,
    pub results: Results,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Added,
    Removed,
    /// The definition's meaning differs.
    Changed,
    /// The same definition, using these changed tags or segments (directly or not).
    UsesChanged(Vec<String>),
    Unchanged,
}

impl Status {
    /// The name used in JSON output.
    pub fn key(&self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Changed => "changed",
            Status::UsesChanged(_) => "uses_changed",
            Status::Unchanged => "unchanged",
        }
    }
}

/// What changed on the sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Results {
    /// A segment or a membership tag (bool on both sides, or on the one it exists on).
    Membership {
        before: usize,
        after: usize,
        entered: usize,
        left: usize,
        /// The first [`EXAMPLES`] ids, in input order.
        entered_examples: Vec<String>,
        left_examples: Vec<String>,
    },
    /// A valued tag.
    Valued {
        /// Profiles whose value changed.
        changed: usize,
        /// `(old, new, profiles)`, most profiles first, then by text.
        transitions: Vec<(String, String, usize)>,
        examples: Vec<String>,
    },
}

impl Results {
    /// Whether any profile's membership or value changed.
    pub fn differ(&self) -> bool {
        match self {
            Results::Membership { entered, left, .. } => entered + left > 0,
            Results::Valued { changed, .. } => *changed > 0,
        }
    }
}

impl RuleDiff {
    /// Guarded by `--fail-on-change`: removed, or changed on the sample.
    pub fn fails_guard(&self) -> bool {
        self.status == Status::Removed || self.results.differ()
    }
}

/// Compares `old` with `new` over the sample (loaded once per side, same rows) at `now`.
pub fn diff(old: Side<'_>, new: Side<'_>, now: i64) -> Report {
    let old_values = evaluate(old, now);
    let new_values = evaluate(new, now);
    // The same file loaded twice gives the same rows in the same order; pair by id
    // (the first row with it) only where that does not hold.
    let new_rows: HashMap<&str, usize> = new
        .profiles
        .ids
        .iter()
        .enumerate()
        .rev()
        .map(|(i, id)| (&**id, i))
        .collect();
    let pairs: Vec<(usize, Option<usize>)> = old
        .profiles
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| match new.profiles.ids.get(i) {
            Some(same) if same == id => (i, Some(i)),
            _ => (i, new_rows.get(&**id).copied()),
        })
        .collect();

    let mut keys: Vec<(RuleRef, Option<RuleRef>, Option<RuleRef>)> = Vec::new();
    let new_by_key: HashMap<(&str, &str), RuleRef> = all_rules(new.program)
        .into_iter()
        .map(|r| ((rule_kind(r), rule_def(new.program, r).name.as_str()), r))
        .collect();
    let mut paired = HashSet::new();
    for r in all_rules(old.program) {
        let key = (rule_kind(r), rule_def(old.program, r).name.as_str());
        let n = new_by_key.get(&key).copied();
        if let Some(n) = n {
            paired.insert(n);
        }
        keys.push((r, Some(r), n));
    }
    for r in all_rules(new.program) {
        if !paired.contains(&r) {
            keys.push((r, None, Some(r)));
        }
    }
    // Tags first, then segments, keeping each side's order.
    keys.sort_by_key(|&(r, o, _)| (matches!(r, RuleRef::Segment(_)), o.is_none()));

    let changed_own: HashSet<RuleRef> = keys
        .iter()
        .filter_map(|&(_, o, n)| match (o, n) {
            (Some(o), Some(n)) if own_changed(old.program, o, new.program, n) => Some(n),
            _ => None,
        })
        .collect();

    let rules = keys
        .into_iter()
        .map(|(r, o, n)| {
            let program = if o.is_some() {
                old.program
            } else {
                new.program
            };
            let status = match (o, n) {
                (Some(_), None) => Status::Removed,
                (None, _) => Status::Added,
                (Some(_), Some(n)) if changed_own.contains(&n) => Status::Changed,
                (Some(_), Some(n)) => {
                    let used: Vec<String> = uses(new.program, n)
                        .into_iter()
                        .filter(|u| changed_own.contains(u))
                        .map(|u| rule_def(new.program, u).name.clone())
                        .collect();
                    if used.is_empty() {
                        Status::Unchanged
                    } else {
                        Status::UsesChanged(used)
                    }
                }
            };
            let before = o.map(|o| (o, old.program, &old_values[..]));
            let after = n.map(|n| (n, new.program, &new_values[..]));
            RuleDiff {
                kind: rule_kind(r),
                name: rule_def(program, r).name.clone(),
                status,
                results: results(before, after, &pairs, old.profiles),
            }
        })
        .collect();
    Report {
        profiles: old.profiles.len(),
        now,
        rules,
    }
}

fn evaluate(side: Side<'_>, now: i64) -> Vec<ProfileValues> {
    let interpreter = Interpreter::new(side.program);
    (0..side.profiles.len())
        .map(|row| interpreter.eval_profile(side.profiles, row, now))
        .collect()
}

/// Whether a rule's own definition (type and canonical body) differs.
fn own_changed(old: &Program, o: RuleRef, new: &Program, n: RuleRef) -> bool {
    let (od, nd) = (rule_def(old, o), rule_def(new, n));
    canon(old, od.body) != canon(new, nd.body)
        || old.schema.type_name(od.ty) != new.schema.type_name(nd.ty)
}

/// The tags and segments `rule` uses, directly or through others, in first-use order.
fn uses(program: &Program, rule: RuleRef) -> Vec<RuleRef> {
    let mut found = Vec::new();
    let mut todo = vec![rule_def(program, rule).body];
    let mut seen_exprs = HashSet::new();
    while let Some(expr) = todo.pop() {
        if !seen_exprs.insert(expr) {
            continue;
        }
        for child in operands(program, expr) {
            todo.push(child);
        }
        let used = match program.expr(expr).kind {
            ExprKind::Tag(t) => Some(RuleRef::Tag(t)),
            ExprKind::Segment(s) => Some(RuleRef::Segment(s)),
            _ => None,
        };
        if let Some(used) = used
            && used != rule
            && !found.contains(&used)
        {
            found.push(used);
            todo.push(rule_def(program, used).body);
        }
    }
    found
}

/// Every expression `expr` reads directly, filters and windows included.
fn operands(program: &Program, expr: ExprId) -> Vec<ExprId> {
    match &program.expr(expr).kind {
        ExprKind::Aggregate(agg) => {
            let window = match agg.window {
                Window::All => None,
                Window::Within(x) | Window::Since(x) => Some(x),
            };
            agg.filter.into_iter().chain(window).collect()
        }
        kind => crate::explain::tree::parts(kind),
    }
}

type SideValues<'a> = Option<(RuleRef, &'a Program, &'a [ProfileValues])>;

/// The rule's value for one profile on one side: false or missing where it does not
/// exist.
fn value_of(side: SideValues<'_>, row: Option<usize>) -> Value {
    let Some((rule, _, values)) = side else {
        return Value::Missing;
    };
    let Some(values) = row.and_then(|r| values.get(r)) else {
        return Value::Missing;
    };
    match rule {
        RuleRef::Tag(t) => values
            .tags
            .get(t.0 as usize)
            .cloned()
            .unwrap_or(Value::Missing),
        RuleRef::Segment(s) => {
            Value::Bool(values.segments.get(s.0 as usize).copied().unwrap_or(false))
        }
    }
}

fn is_bool(side: SideValues<'_>) -> bool {
    side.is_none_or(|(rule, program, _)| rule_def(program, rule).ty == Type::Bool)
}

fn results(
    before: SideValues<'_>,
    after: SideValues<'_>,
    pairs: &[(usize, Option<usize>)],
    sample: &Profiles,
) -> Results {
    let id = |row: usize| {
        sample
            .ids
            .get(row)
            .map_or_else(String::new, |id| id.to_string())
    };
    if is_bool(before) && is_bool(after) {
        let (mut in_before, mut in_after) = (0, 0);
        let (mut entered, mut left) = (0, 0);
        let (mut entered_examples, mut left_examples) = (Vec::new(), Vec::new());
        for &(old_row, new_row) in pairs {
            let was = value_of(before, Some(old_row)).truthy();
            let is = value_of(after, new_row).truthy();
            in_before += usize::from(was);
            in_after += usize::from(is);
            if is && !was {
                entered += 1;
                if entered_examples.len() < EXAMPLES {
                    entered_examples.push(id(old_row));
                }
            } else if was && !is {
                left += 1;
                if left_examples.len() < EXAMPLES {
                    left_examples.push(id(old_row));
                }
            }
        }
        return Results::Membership {
            before: in_before,
            after: in_after,
            entered,
            left,
            entered_examples,
            left_examples,
        };
    }
    let key = |side: SideValues<'_>, value: &Value| match (side, value) {
        (_, Value::Missing) => "missing".to_string(),
        (Some((_, program, _)), v) => v.to_key(&program.schema),
        (None, v) => format!("{v:?}"),
    };
    let mut changed = 0;
    let mut transitions: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut examples = Vec::new();
    for &(old_row, new_row) in pairs {
        let was = key(before, &value_of(before, Some(old_row)));
        let is = key(after, &value_of(after, new_row));
        if was != is {
            changed += 1;
            *transitions.entry((was, is)).or_default() += 1;
            if examples.len() < EXAMPLES {
                examples.push(id(old_row));
            }
        }
    }
    let mut transitions: Vec<(String, String, usize)> = transitions
        .into_iter()
        .map(|((from, to), n)| (from, to, n))
        .collect();
    transitions.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| (&a.0, &a.1).cmp(&(&b.0, &b.1))));
    Results::Valued {
        changed,
        transitions,
        examples,
    }
}
