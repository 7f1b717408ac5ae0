//! Why one profile is or is not in a segment, or has a tag's value: every
//! sub-expression with its value, the events each aggregate counted or left out, and,
//! for a bool rule that does not hold, the smallest set of conditions that would have to
//! change for it to hold.
//!
//! Everything here is computed by the interpreter ([`crate::eval`]), which defines the
//! meaning: a node's value is exactly what the interpreter gives that expression.
//!
//! * [`tree`]: the expression tree with values, following tag and segment references
//!   into their definitions;
//! * [`events`]: the events an aggregate saw, each counted, outside the window or
//!   filtered out;
//! * [`needs`]: the smallest failing set ("needs `paid` = false; has true");
//! * [`canon`]: an expression's meaning as text, free of spans and names of constants
//!   (shared with `corral diff`);
//! * [`render`]: the human and JSON forms of an explanation.

pub mod canon;
pub mod events;
pub mod needs;
pub mod render;
pub mod tree;

use crate::data::Profiles;
use crate::eval::Interpreter;
use crate::ir::{Program, RuleRef, SegmentId, TagId};
use crate::value::Value;

pub use needs::Need;
pub use tree::Node;

/// The explanation of one tag or segment for one profile.
#[derive(Clone, Debug)]
pub struct RuleExplanation {
    pub rule: RuleRef,
    pub name: String,
    /// The rule's value: a bool for segments and membership tags.
    pub value: Value,
    /// The definition, with the value of every part.
    pub tree: Node,
    /// For a bool rule that is false: the smallest failing set, or `None` when no set of
    /// conditions flipped independently makes it true (`paid and not paid`). Empty for a
    /// rule that holds or is not bool.
    pub needs: Option<Vec<Need>>,
}

/// Explains `rules` (every tag, then every segment, if empty) for profile `row`.
pub fn explain(
    program: &Program,
    profiles: &Profiles,
    row: usize,
    now: i64,
    rules: &[RuleRef],
) -> Vec<RuleExplanation> {
    let interpreter = Interpreter::new(program);
    let all: Vec<RuleRef>;
    let rules = if rules.is_empty() {
        all = all_rules(program);
        &all
    } else {
        rules
    };
    let at = tree::At {
        interpreter: &interpreter,
        profiles,
        row,
        now,
    };
    rules.iter().map(|&rule| explain_rule(&at, rule)).collect()
}

fn explain_rule(at: &tree::At<'_, '_>, rule: RuleRef) -> RuleExplanation {
    let program = at.interpreter.program();
    let def = rule_def(program, rule);
    let value = at.value(def.body);
    let tree = tree::Builder::for_explain(at).rule_tree(rule);
    let needs = if def.ty == crate::schema::Type::Bool && !value.truthy() {
        needs::smallest_failing_set(at, def.body)
    } else {
        Some(Vec::new())
    };
    let value = match (value, def.ty) {
        (Value::Missing, crate::schema::Type::Bool) => Value::Bool(false),
        (v, _) => v,
    };
    RuleExplanation {
        rule,
        name: def.name.clone(),
        value,
        tree,
        needs,
    }
}

/// Every tag in declaration order, then every segment.
pub fn all_rules(program: &Program) -> Vec<RuleRef> {
    let tags = (0..program.tags.len()).map(|i| RuleRef::Tag(TagId(i as u32)));
    let segments = (0..program.segments.len()).map(|i| RuleRef::Segment(SegmentId(i as u32)));
    tags.chain(segments).collect()
}

/// A tag's or segment's definition.
pub fn rule_def(program: &Program, rule: RuleRef) -> &crate::ir::Rule {
    match rule {
        RuleRef::Tag(t) => program.tag(t),
        RuleRef::Segment(s) => program.segment(s),
    }
}

/// `"tag"` or `"segment"`.
pub fn rule_kind(rule: RuleRef) -> &'static str {
    match rule {
        RuleRef::Tag(_) => "tag",
        RuleRef::Segment(_) => "segment",
    }
}

/// The tag or segment called `name` (a tag first, if both exist).
pub fn find_rule(program: &Program, name: &str) -> Option<RuleRef> {
    all_rules(program)
        .into_iter()
        .find(|&r| rule_def(program, r).name == name)
}
