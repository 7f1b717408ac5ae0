//! Tags and segments that never or always hold, and ones equivalent to an earlier one.

use std::collections::HashMap;

use super::formula::F;
use super::solve::Answer;
use super::{Analysis, Verdict};
use crate::check::codes;
use crate::diagnostic::Diagnostic;
use crate::ir::{ExprId, ExprKind as K, RuleRef, SegmentId, TagId};
use crate::schema::Type;
use crate::source::Span;

/// A tag or segment, as the analysis sees it.
struct Rule {
    rule: RuleRef,
    name: String,
    span: Span,
    condition: bool,
    /// Where a chain of plain references (`segment a = b`) ends.
    alias_of: RuleRef,
}

impl Rule {
    fn what(&self) -> &'static str {
        match self.rule {
            RuleRef::Tag(_) => "tag",
            RuleRef::Segment(_) => "segment",
        }
    }
}

pub(super) fn check(a: &mut Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let program = a.program;
    let mut rules: Vec<Rule> = Vec::new();
    let tags = program.tags.iter().enumerate();
    for (i, r) in tags {
        let rule = RuleRef::Tag(TagId(i as u32));
        rules.push(Rule {
            rule,
            name: r.name.clone(),
            span: r.span,
            condition: r.ty == Type::Bool,
            alias_of: alias_of(a, rule),
        });
    }
    for (i, r) in program.segments.iter().enumerate() {
        let rule = RuleRef::Segment(SegmentId(i as u32));
        rules.push(Rule {
            rule,
            name: r.name.clone(),
            span: r.span,
            condition: true,
            alias_of: alias_of(a, rule),
        });
    }
    rules.sort_by_key(|r| (r.span.file, r.span.start));

    // Conditions whose verdict is "sometimes", with their formulas, for equivalence,
    // by what they read.
    let mut open: HashMap<Vec<Support>, Vec<(usize, F)>> = HashMap::new();
    // Valued tags by their canonical text.
    let mut valued: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, rule) in rules.iter().enumerate() {
        let body = body(a, rule.rule);
        if matches!(program.expr(body).kind, K::Const(_)) {
            // The checker already reports constant conditions; constant values are
            // not worth comparing.
            continue;
        }
        if !rule.condition {
            let same = valued.entry(a.builder.key(body)).or_default();
            if let Some(&j) = same.iter().find(|&&j| rules[j].alias_of != rule.alias_of) {
                out.push(equivalent(rule, &rules[j]));
            }
            same.push(i);
            continue;
        }
        let f = a.builder.rule(rule.rule);
        match a.verdict(&f) {
            Verdict::Never => {
                let mut d = constant(rule, false);
                for span in conflicting(a, body) {
                    d = d.with_note(span, "excludes the other marked conditions");
                }
                out.push(d);
            }
            Verdict::Always => out.push(constant(rule, true)),
            Verdict::Unknown => {}
            Verdict::Sometimes => {
                // Two conditions that read different terms could be equivalent only
                // if one ignores some of what it reads; those are not compared.
                let same = open.entry(support(a, &f)).or_default();
                for (j, g) in same.iter() {
                    if rules[*j].alias_of == rule.alias_of {
                        continue;
                    }
                    let differ = F::or(vec![
                        F::and(vec![f.clone(), F::not(g.clone())]),
                        F::and(vec![F::not(f.clone()), g.clone()]),
                    ]);
                    if a.satisfiable(&differ) == Answer::Unsat {
                        out.push(equivalent(rule, &rules[*j]));
                        break;
                    }
                }
                same.push((i, f));
            }
        }
    }
}

/// For a body that is a conjunction with no profile, a smallest set of its parts that
/// already has none (each part needed), if it is not all of them.
fn conflicting(a: &mut Analysis<'_>, body: ExprId) -> Vec<Span> {
    let mut parts = Vec::new();
    conjuncts(a, body, &mut parts);
    if parts.len() < 3 {
        // Two parts, or one: the body itself is the contradiction.
        return Vec::new();
    }
    let formulas: Vec<F> = parts.iter().map(|p| a.builder.cond(*p)).collect();
    let mut keep = vec![true; parts.len()];
    for i in 0..parts.len() {
        keep[i] = false;
        let rest = formulas
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(f, _)| f.clone())
            .collect();
        if a.satisfiable(&F::and(rest)) != Answer::Unsat {
            keep[i] = true;
        }
    }
    if keep.iter().all(|k| *k) {
        return Vec::new();
    }
    parts
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(p, _)| a.program.expr(*p).span)
        .collect()
}

/// The parts of a conjunction (`and` and `,`), nested ones flattened.
fn conjuncts(a: &Analysis<'_>, id: ExprId, out: &mut Vec<ExprId>) {
    match &a.program.expr(id).kind {
        K::And(xs) => xs.iter().for_each(|x| conjuncts(a, *x, out)),
        _ => out.push(id),
    }
}

/// What a condition reads: a term, or an opaque atom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Support {
    Term(u32),
    Opaque(u32),
}

fn support(a: &Analysis<'_>, f: &F) -> Vec<Support> {
    let mut atoms = Vec::new();
    f.atoms(&mut atoms);
    let mut out: Vec<Support> = atoms
        .into_iter()
        .map(
            |id| match a.builder.atoms.get(id as usize).and_then(|x| x.term()) {
                Some(t) => Support::Term(t),
                None => Support::Opaque(id),
            },
        )
        .collect();
    out.sort();
    out.dedup();
    out
}

fn body(a: &Analysis<'_>, rule: RuleRef) -> crate::ir::ExprId {
    match rule {
        RuleRef::Tag(t) => a.program.tag(t).body,
        RuleRef::Segment(s) => a.program.segment(s).body,
    }
}

/// The rule a chain of plain references ends at (`segment a = b`, `tag b = c`: `c`).
fn alias_of(a: &Analysis<'_>, mut rule: RuleRef) -> RuleRef {
    // Cycles were rejected by the checker; the bound is a second guard.
    for _ in 0..=a.program.tags.len() + a.program.segments.len() {
        rule = match a.program.expr(body(a, rule)).kind {
            K::Tag(t) => RuleRef::Tag(t),
            K::Segment(s) => RuleRef::Segment(s),
            _ => return rule,
        };
    }
    rule
}

fn constant(rule: &Rule, always: bool) -> Diagnostic {
    let (what, name) = (rule.what(), &rule.name);
    let (code, message, label) = match (rule.rule, always) {
        (RuleRef::Segment(_), false) => (
            codes::NEVER_MATCHES,
            format!("segment `{name}` never matches"),
            "no profile satisfies this condition",
        ),
        (RuleRef::Tag(_), false) => (
            codes::NEVER_MATCHES,
            format!("tag `{name}` is never true"),
            "no profile satisfies this condition",
        ),
        (RuleRef::Segment(_), true) => (
            codes::ALWAYS_MATCHES,
            format!("segment `{name}` matches every profile"),
            "every profile satisfies this condition, also one with missing values",
        ),
        (RuleRef::Tag(_), true) => (
            codes::ALWAYS_MATCHES,
            format!("tag `{name}` is always true"),
            "every profile satisfies this condition, also one with missing values",
        ),
    };
    let help = if always {
        format!("the {what} selects everyone: check for a condition that undoes another")
    } else {
        "look for conditions that exclude each other, here or in the rules it uses".to_string()
    };
    Diagnostic::warning(code, rule.span, message)
        .with_label(label)
        .with_help(help)
}

fn equivalent(rule: &Rule, earlier: &Rule) -> Diagnostic {
    Diagnostic::warning(
        codes::EQUIVALENT_RULE,
        rule.span,
        format!(
            "{} `{}` means the same as {} `{}`",
            rule.what(),
            rule.name,
            earlier.what(),
            earlier.name
        ),
    )
    .with_label("equivalent for every profile")
    .with_note(earlier.span, format!("`{}` is declared here", earlier.name))
    .with_help(format!(
        "keep one: remove `{}` or define it as `{}`",
        rule.name, earlier.name
    ))
}
