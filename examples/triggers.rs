//! Embedding the trigger runtime: open an engine over a state directory, feed it events
//! and delivery receipts, and deliver the actions it emits.
//!
//!     cargo run --example triggers

use corral::RuleSet;
use corral::time::parse_instant;
use corral::trigger::{Delivery, Engine};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rules = match RuleSet::from_file("examples/triggers.corral") {
        Ok(rules) => rules,
        Err(e) => {
            if let Some(diagnostics) = e.diagnostics() {
                eprint!("{}", diagnostics.render_human(false));
            }
            return Err(e.into());
        }
    };
    // A fresh state directory; reopening the same one continues where it stopped.
    let state = std::env::temp_dir().join(format!("corral-triggers-{}", std::process::id()));
    let mut engine = Engine::open(&rules, &state)?;
    engine.load_profiles("examples/trigger_profiles.ndjson")?;

    let event = serde_json::json!({
        "profile": "u1", "type": "add_cart", "at": "2026-11-20T02:00:00Z",
        "sku": "SKU-1", "price": 59.0
    });
    for action in engine.ingest(&event)? {
        println!("send   {}", action.to_json());
        // Say the WeChat template message could not be delivered: the engine moves the
        // send to the next channel that can reach the customer.
        let at = parse_instant("2026-11-20T02:05:00Z").ok_or("bad time")?;
        for fallback in engine.report(&action.id, Delivery::Failed, at)? {
            println!("retry  {}", fallback.to_json());
            engine.report(&fallback.id, Delivery::Delivered, at)?;
        }
    }
    // Three days later the reminder is due (timers fire as the clock passes them).
    let later = parse_instant("2026-11-24T00:00:00Z").ok_or("bad time")?;
    for action in engine.advance_to(later)? {
        println!("later  {}", action.to_json());
    }
    drop(engine);
    std::fs::remove_dir_all(&state)?;
    Ok(())
}
