//! The result formats of `corral eval` (LANGUAGE.md §3): counts and members.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::eval::ProfileValues;
use crate::ir::Program;
use crate::schema::Type;

/// `--output counts`: how many profiles have each tag and are in each segment
/// (`RuleSet::count`; the engines tally raw values and make the keys once).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    pub profiles: u64,
    /// Per tag: membership tags count `true`; valued tags count each value (as its key).
    pub tags: Vec<TagCount>,
    pub segments: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TagCount {
    Members(u64),
    Values(BTreeMap<String, u64>),
}

impl Counts {
    pub fn new(program: &Program) -> Counts {
        Counts {
            profiles: 0,
            tags: program
                .tags
                .iter()
                .map(|t| match t.ty {
                    Type::Bool => TagCount::Members(0),
                    _ => TagCount::Values(BTreeMap::new()),
                })
                .collect(),
            segments: vec![0; program.segments.len()],
        }
    }

    /// `{"profiles": N, "tags": {NAME: COUNT | {VALUE: COUNT}}, "segments": {NAME: COUNT}}`
    pub fn to_json(&self, program: &Program) -> Json {
        let tags: Map<String, Json> = program
            .tags
            .iter()
            .zip(&self.tags)
            .map(|(rule, count)| {
                let value = match count {
                    TagCount::Members(n) => Json::from(*n),
                    TagCount::Values(map) => Json::Object(
                        map.iter()
                            .map(|(k, v)| (k.clone(), Json::from(*v)))
                            .collect(),
                    ),
                };
                (rule.name.clone(), value)
            })
            .collect();
        let segments: Map<String, Json> = program
            .segments
            .iter()
            .zip(&self.segments)
            .map(|(rule, n)| (rule.name.clone(), Json::from(*n)))
            .collect();
        serde_json::json!({ "profiles": self.profiles, "tags": tags, "segments": segments })
    }
}

/// `--output members`: `{"id": ID, "tags": {NAME: VALUE}, "segments": [NAME...]}` with
/// false tags and missing values left out.
pub fn member_json(program: &Program, id: &str, values: &ProfileValues) -> Json {
    let tags: Map<String, Json> = program
        .tags
        .iter()
        .zip(&values.tags)
        .filter(|(_, v)| !v.is_missing() && **v != crate::value::Value::Bool(false))
        .map(|(rule, v)| (rule.name.clone(), v.to_json(&program.schema)))
        .collect();
    let segments: Vec<Json> = program
        .segments
        .iter()
        .zip(&values.segments)
        .filter(|(_, member)| **member)
        .map(|(rule, _)| Json::String(rule.name.clone()))
        .collect();
    serde_json::json!({ "id": id, "tags": tags, "segments": segments })
}
