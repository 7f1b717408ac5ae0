//! Cross-check against independent reference implementations.
//!
//! `tests/reference/{retail,edge}.py` are hand-written Python implementations of
//! `examples/retail.corral` and `tests/reference/edge.corral`, written from the language
//! spec alone. For several reference times, `tests/reference/gen.py` generates edge-case
//! profiles, and corral's `eval --output members` must equal the reference's line by line
//! (compared as JSON values, so key order does not matter, but numbers are compared by
//! their exact text: `1` vs `1.0` and `1e16` vs `1e+16` differ), and
//! corral's `--output counts` must equal both the counts derived here from the reference's
//! members and the reference's own counts (whose keys carry its float formatting).
//!
//! Needs `python3` on the PATH.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// A JSON value that keeps every number's text, so `1` vs `1.0` and `1e+16` vs `1e16`
/// differ, and floats are compared exactly (serde_json's default float parsing can be
/// off by an ulp, which would hide differences in the last digit).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Raw {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Raw>),
    Obj(BTreeMap<String, Raw>),
}

impl std::fmt::Display for Raw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Raw::Null => write!(f, "null"),
            Raw::Bool(b) => write!(f, "{b}"),
            Raw::Num(n) => write!(f, "{n}"),
            Raw::Str(s) => write!(f, "{}", Value::String(s.clone())),
            Raw::Arr(a) => {
                write!(f, "[")?;
                for (i, v) in a.iter().enumerate() {
                    write!(f, "{}{v}", if i > 0 { "," } else { "" })?;
                }
                write!(f, "]")
            }
            Raw::Obj(o) => {
                write!(f, "{{")?;
                for (i, (k, v)) in o.iter().enumerate() {
                    write!(
                        f,
                        "{}{}:{v}",
                        if i > 0 { "," } else { "" },
                        Value::String(k.clone())
                    )?;
                }
                write!(f, "}}")
            }
        }
    }
}

struct RawParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl RawParser<'_> {
    fn parse(text: &str) -> Raw {
        let mut p = RawParser {
            s: text.as_bytes(),
            i: 0,
        };
        let v = p.value();
        p.ws();
        assert_eq!(p.i, p.s.len(), "trailing text in {text:?}");
        v
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) {
        self.ws();
        assert_eq!(
            self.s.get(self.i),
            Some(&b),
            "expected {:?} at {}",
            b as char,
            self.i
        );
        self.i += 1;
    }

    fn value(&mut self) -> Raw {
        self.ws();
        match self.s[self.i] {
            b'{' => {
                self.i += 1;
                let mut o = BTreeMap::new();
                self.ws();
                if self.s[self.i] == b'}' {
                    self.i += 1;
                    return Raw::Obj(o);
                }
                loop {
                    self.ws();
                    let k = self.string();
                    self.eat(b':');
                    let v = self.value();
                    assert!(o.insert(k.clone(), v).is_none(), "duplicate key {k:?}");
                    self.ws();
                    self.i += 1;
                    match self.s[self.i - 1] {
                        b',' => continue,
                        b'}' => return Raw::Obj(o),
                        c => panic!("unexpected {:?} in object", c as char),
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.s[self.i] == b']' {
                    self.i += 1;
                    return Raw::Arr(a);
                }
                loop {
                    a.push(self.value());
                    self.ws();
                    self.i += 1;
                    match self.s[self.i - 1] {
                        b',' => continue,
                        b']' => return Raw::Arr(a),
                        c => panic!("unexpected {:?} in array", c as char),
                    }
                }
            }
            b'"' => Raw::Str(self.string()),
            b't' => self.word("true", Raw::Bool(true)),
            b'f' => self.word("false", Raw::Bool(false)),
            b'n' => self.word("null", Raw::Null),
            _ => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                assert!(self.i > start, "bad JSON at {start}");
                Raw::Num(String::from_utf8(self.s[start..self.i].to_vec()).unwrap())
            }
        }
    }

    fn word(&mut self, w: &str, v: Raw) -> Raw {
        assert!(
            self.s[self.i..].starts_with(w.as_bytes()),
            "bad literal at {}",
            self.i
        );
        self.i += w.len();
        v
    }

    fn string(&mut self) -> String {
        let start = self.i;
        assert_eq!(self.s[self.i], b'"');
        self.i += 1;
        while self.s[self.i] != b'"' {
            self.i += if self.s[self.i] == b'\\' { 2 } else { 1 };
        }
        self.i += 1;
        // serde_json decodes the escapes exactly
        serde_json::from_slice(&self.s[start..self.i]).unwrap()
    }
}

/// Profiles per run: enough to hit every generator edge case, small enough for a debug
/// build (the 20,000-profile runs are done by hand with the release binary).
const PROFILES: usize = 2000;

struct Case {
    /// `--now` given to corral and the reference.
    now: &'static str,
    /// The instant gen.py anchors its boundary events to.
    anchor: &'static str,
    seed: u64,
}

const CASES: &[Case] = &[
    Case {
        now: "2026-11-22T00:00:00Z",
        anchor: "2026-11-22T00:00:00Z",
        seed: 1,
    },
    Case {
        now: "2026-08-01T12:00:00Z",
        anchor: "2026-08-01T12:00:00Z",
        seed: 2,
    },
    Case {
        now: "2027-01-01",
        anchor: "2027-01-01T00:00:00Z",
        seed: 3,
    },
    // Exactly on an event boundary: the data's `anchor - 7d` events sit at `now`, and
    // the `anchor - 30d`/`anchor - 90d` ones at `now - 23d`/`now - 83d`.
    Case {
        now: "2026-11-15T00:00:00Z",
        anchor: "2026-11-22T00:00:00Z",
        seed: 4,
    },
    // An offset and a microsecond in `--now`.
    Case {
        now: "2026-11-22T08:00:00.000001+08:00",
        anchor: "2026-11-22T00:00:00.000001Z",
        seed: 5,
    },
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn corral(rules: &Path, profiles: &Path, now: &str, output: &str) -> String {
    run(Command::new(env!("CARGO_BIN_EXE_corral"))
        .arg("eval")
        .arg(rules)
        .arg("--profiles")
        .arg(profiles)
        .args(["--now", now, "--output", output]))
}

fn reference(script: &Path, profiles: &Path, now: &str, output: &str) -> String {
    run(Command::new("python3")
        .arg(script)
        .arg("--profiles")
        .arg(profiles)
        .args(["--now", now, "--output", output]))
}

fn parse_lines(text: &str) -> Vec<Raw> {
    text.lines().map(RawParser::parse).collect()
}

fn bump(slot: &mut Value) {
    *slot = Value::from(slot.as_u64().unwrap() + 1);
}

/// The counts object of LANGUAGE.md section 3, from members lines: membership tags (value
/// `true`) count profiles, valued tags map the JSON text of each value (strings without
/// quotes) to a count.
fn counts_from_members(members: &[Raw]) -> Value {
    let mut tags = Map::new();
    let mut segments = Map::new();
    for m in members {
        let Raw::Obj(m) = m else {
            panic!("member line is not an object: {m}")
        };
        let Some(Raw::Obj(t)) = m.get("tags") else {
            panic!("no tags object")
        };
        for (name, v) in t {
            if *v == Raw::Bool(true) {
                bump(tags.entry(name.clone()).or_insert(Value::from(0u64)));
            } else {
                let key = match v {
                    Raw::Str(s) => s.clone(),
                    other => other.to_string(),
                };
                let by_value = tags
                    .entry(name.clone())
                    .or_insert(Value::Object(Map::new()));
                bump(
                    by_value
                        .as_object_mut()
                        .unwrap()
                        .entry(key)
                        .or_insert(Value::from(0u64)),
                );
            }
        }
        let Some(Raw::Arr(segs)) = m.get("segments") else {
            panic!("no segments array")
        };
        for s in segs {
            let Raw::Str(s) = s else {
                panic!("segment name {s} is not a string")
            };
            bump(segments.entry(s.clone()).or_insert(Value::from(0u64)));
        }
    }
    let mut out = Map::new();
    out.insert("profiles".into(), Value::from(members.len()));
    out.insert("tags".into(), Value::Object(tags));
    out.insert("segments".into(), Value::Object(segments));
    Value::Object(out)
}

/// Names that never occur in any member line are absent from the derived counts; corral
/// lists them with zero (`0` or `{}`). Fill those in from corral's counts, then compare.
fn assert_counts(corral_counts: &Value, derived: &Value, what: &str) {
    let mut derived = derived.clone();
    for section in ["tags", "segments"] {
        let ours = derived[section].as_object_mut().unwrap();
        for (name, v) in corral_counts[section].as_object().unwrap() {
            if !ours.contains_key(name) {
                let zero = v == &Value::from(0u64) || v == &Value::Object(Map::new());
                assert!(
                    zero,
                    "{what}: {section} {name}: corral counts {v}, reference members never show it"
                );
                ours.insert(name.clone(), v.clone());
            }
        }
    }
    for section in ["tags", "segments"] {
        for (name, v) in derived[section].as_object().unwrap() {
            assert_eq!(
                corral_counts[section].get(name),
                Some(v),
                "{what}: counts of {section} {name} differ (left corral, right reference)"
            );
        }
    }
    assert_eq!(
        corral_counts["profiles"], derived["profiles"],
        "{what}: profile count"
    );
}

fn check(rules: &str, script: &str) {
    let root = root();
    let rules = root.join(rules);
    let script = root.join(script);
    let dir = tempfile::tempdir().unwrap();
    for case in CASES {
        let what = format!("{} --now {}", rules.display(), case.now);
        let profiles = dir.path().join(format!("profiles-{}.ndjson", case.seed));
        run(Command::new("python3")
            .arg(root.join("tests/reference/gen.py"))
            .arg(PROFILES.to_string())
            .arg(case.seed.to_string())
            .arg(&profiles)
            .args(["--now", case.anchor]));

        let ours = parse_lines(&corral(&rules, &profiles, case.now, "members"));
        let theirs = parse_lines(&reference(&script, &profiles, case.now, "members"));
        assert_eq!(theirs.len(), PROFILES, "{what}: reference profile count");
        assert_eq!(ours.len(), theirs.len(), "{what}: member line count");
        for (i, (c, r)) in ours.iter().zip(&theirs).enumerate() {
            assert!(
                c == r,
                "{what}: profile {} (line {}) differs\n  corral:    {c}\n  reference: {r}\n  input: {}",
                match r {
                    Raw::Obj(o) => o.get("id").map(ToString::to_string).unwrap_or_default(),
                    _ => String::new(),
                },
                i + 1,
                std::fs::read_to_string(&profiles)
                    .unwrap()
                    .lines()
                    .nth(i)
                    .unwrap()
            );
        }

        let corral_counts: Value =
            serde_json::from_str(&corral(&rules, &profiles, case.now, "counts")).unwrap();
        assert_counts(&corral_counts, &counts_from_members(&theirs), &what);
        // The reference's own counts spell every valued-tag key with its own float
        // formatting, so this also checks corral's number text.
        let ref_counts: Value =
            serde_json::from_str(&reference(&script, &profiles, case.now, "counts")).unwrap();
        assert_eq!(
            corral_counts, ref_counts,
            "{what}: counts differ from the reference's (left corral)"
        );
    }
}

#[test]
fn retail_matches_reference() {
    check("examples/retail.corral", "tests/reference/retail.py");
}

#[test]
fn edge_matches_reference() {
    check("tests/reference/edge.corral", "tests/reference/edge.py");
}
