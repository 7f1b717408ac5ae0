//! Verdicts on small rule sets, and the bounds that keep the analysis short.

#![allow(clippy::panic)]

use super::{Verdict, verdict};
use crate::compile::compile_source;
use crate::ir::{Program, RuleRef, SegmentId};

const SCHEMA: &str = "profile { id: string, age: int, balance: float, paid: bool, \
    platform: enum(ios, android, web), province: string }\nevent pay { amount: float }\n";

fn program(body: &str) -> Program {
    let compiled = compile_source("t.corral", &format!("{SCHEMA}segment s = {body}\n"));
    match compiled.program {
        Some(p) => p,
        None => panic!("{}", compiled.diagnostics.render_human(false)),
    }
}

fn of(body: &str) -> Verdict {
    verdict(&program(body), RuleRef::Segment(SegmentId(0)))
}

#[test]
fn contradictions_never_match() {
    for body in [
        "paid and not paid",
        "age > 60 and age < 18",
        "age > 17 and age < 18",
        "age >= 17.5 and age <= 17.9",
        "balance > 2 and balance < 2.0",
        "platform == ios and platform == android",
        "province in [\"a\"] and province == \"b\"",
        "age is missing and age == 3",
        "not (age is present) and age != 3",
        "age in [1, 2] and age not in [1, 2]",
        "count(pay) < 0",
        "exists(pay) and count(pay) == 0",
        "sample(10%, \"a\") and not sample(30%, \"a\")",
        "sample(0%, \"a\")",
        "case { paid => age, else => 3 } > 5 and not paid",
    ] {
        assert_eq!(of(body), Verdict::Never, "{body}");
    }
}

#[test]
fn tautologies_always_match() {
    for body in [
        "paid or not paid",
        "age > 60 or not (age > 60)",
        "age is missing or age is present",
        "platform is missing or platform in [ios, android, web]",
        "count(pay) >= 0",
        "paid == false or paid == true",
        "sample(100%, \"a\")",
        "not (sample(10%, \"a\") and not sample(20%, \"a\"))",
    ] {
        assert_eq!(of(body), Verdict::Always, "{body}");
    }
}

#[test]
fn near_misses_are_sometimes() {
    for body in [
        "age > 60 or age <= 60",
        "platform == ios or platform != ios",
        "platform in [ios, android, web]",
        "age >= 18 and age <= 18",
        "balance > 17 and balance < 18",
        "age > 17.5 and age < 18.5",
        "province != \"a\" and province != \"b\"",
        "exists(pay within 7d) and not exists(pay within 30d)",
        "sum(pay.amount) > 0 or sum(pay.amount) <= 0",
        "paid is missing and not paid",
        "sample(20%, \"a\") and not sample(10%, \"a\")",
    ] {
        assert_eq!(of(body), Verdict::Sometimes, "{body}");
    }
}

#[test]
fn the_search_gives_up_rather_than_run_long() {
    // Parity of 80 independent conditions: too many atoms to decide.
    let atoms: Vec<String> = (0..80).map(|i| format!("(age == {i}) != paid")).collect();
    let body = atoms.join(" or ");
    assert_eq!(of(&body), Verdict::Unknown);
    // Many distinct atoms with a decided structure still end.
    let chain: Vec<String> = (0..200).map(|i| format!("age != {i}")).collect();
    let v = of(&chain.join(" and "));
    assert!(matches!(v, Verdict::Sometimes | Verdict::Unknown), "{v:?}");
}

#[test]
fn chains_of_valued_tags_do_not_take_exponential_time() {
    // Each tag compares the previous one twice: pushing comparisons into every `case`
    // would double the work per tag.
    let mut source = String::from(SCHEMA);
    source.push_str("tag t0 = age\n");
    for k in 1..60 {
        let p = k - 1;
        source.push_str(&format!(
            "tag t{k} = case {{ t{p} > 1 => 1, t{p} > 2 => 2, else => 3 }}\n"
        ));
    }
    source.push_str("segment s = t59 > 2 and t59 < 2\n");
    let compiled = compile_source("t.corral", &source);
    let program = compiled.program.unwrap_or_else(|| panic!("rejected"));
    // Past the bound the conditions are opaque, so the contradiction may go unseen;
    // what matters is that an answer comes, and that it is not "always".
    let v = verdict(&program, RuleRef::Segment(SegmentId(0)));
    assert_ne!(v, Verdict::Always);
}
