//! Embedding corral in a host application: compile rules once, evaluate profiles as they
//! come (one JSON object each) or in batches.
//!
//!     cargo run --example embed

use corral::{EvalOptions, LoadOptions, RuleSet};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Compile: a rule set with errors comes back as diagnostics, rendered for a person.
    let rules = match RuleSet::from_file("examples/retail.corral") {
        Ok(rules) => rules,
        Err(e) => {
            if let Some(diagnostics) = e.diagnostics() {
                eprint!("{}", diagnostics.render_human(false));
            }
            return Err(e.into());
        }
    };
    let now = corral::time::parse_instant("2026-11-22T00:00:00Z").ok_or("bad time")?;

    // One profile, as the host has it.
    let profile = serde_json::json!({
        "id": "u42",
        "platform": "ios",
        "wechat_login": true,
        "follows_oa": true,
        "paid": false,
        "last_login_at": "2026-11-20T09:30:00Z",
        "events": [{ "type": "add_cart", "at": "2026-11-21T10:00:00Z", "sku": "SKU-2", "price": 59.0 }]
    });
    let outcome = rules.evaluate_json(&profile, now)?;
    println!("u42 is in: {:?}", outcome.segments().collect::<Vec<_>>());
    println!("u42 lifecycle: {:?}", outcome.tag("lifecycle"));
    assert!(outcome.in_segment("ios_follow_unpaid"));

    // A batch from a file, counted in parallel.
    let loaded = rules.load_profiles("examples/profiles.ndjson", &LoadOptions::default())?;
    let counts = rules.count(&loaded.profiles, &EvalOptions::at(now));
    println!("{}", counts.to_json(rules.program()));
    Ok(())
}
