//! The trigger engine as a host uses it, over the shipped retail rules: profiles loaded
//! from NDJSON and from Parquet give the same actions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use corral::RuleSet;
use corral::time::parse_instant;
use corral::trigger::{Action, Engine};

fn run(profiles: &str) -> Vec<Action> {
    let rules = RuleSet::from_file("examples/retail.corral").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::open(&rules, dir.path()).unwrap();
    assert_eq!(engine.load_profiles(profiles).unwrap(), 50);
    let mut actions = Vec::new();
    for i in 0..50 {
        let event = serde_json::json!({
            "profile": format!("u{i}"), "type": "add_cart",
            "at": format!("2026-11-22T{:02}:00:00Z", i % 24), "sku": "SKU-1", "price": 10.0
        });
        actions.extend(engine.ingest(&event).unwrap());
    }
    let until = parse_instant("2026-12-31T00:00:00Z").unwrap();
    actions.extend(engine.advance_to(until).unwrap());
    actions
}

#[test]
fn ndjson_and_parquet_profiles_give_the_same_actions() {
    let from_ndjson = run("tests/data/profiles50.ndjson");
    let from_parquet = run("tests/data/profiles50.parquet");
    assert!(
        from_ndjson.iter().any(|a| a.message == "cart_coupon"),
        "{from_ndjson:?}"
    );
    assert!(
        from_ndjson.iter().any(|a| a.message == "winback_gift"),
        "{from_ndjson:?}"
    );
    assert_eq!(from_ndjson, from_parquet);
}
