//! `corral run RULES --profiles P --events E.ndjson --state DIR`: run the triggers over
//! an event stream with durable state, printing actions as NDJSON.
//!
//! Resumable: the store records how many lines of the events and receipts files were
//! applied (in the same transaction as their effects), and which actions were printed.
//! A rerun with the same state skips the applied lines and first prints the actions
//! committed but perhaps not printed before a crash, so every action is printed at
//! least once; a consumer deduplicates by `id`.

use std::fs::File;
use std::io::{BufRead, BufReader, Lines, Write};
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::{Failure, Format, Outcome, parse_now, report};
use crate::trigger::{Action, Batch, Delivery, Engine, TriggerError};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The rule file
    rules: PathBuf,
    /// Profiles (NDJSON or Parquet), loaded until one load into the state has completed
    #[arg(long, value_name = "FILE")]
    profiles: PathBuf,
    /// Events, NDJSON: {"profile": ID, "type": E, "at": T, ...properties}
    #[arg(long, value_name = "FILE")]
    events: PathBuf,
    /// State directory (created if missing); a rerun continues where the last stopped
    #[arg(long, value_name = "DIR")]
    state: PathBuf,
    /// After the input, fire the timers due up to this time (RFC 3339 or a date)
    #[arg(long, value_name = "T", value_parser = parse_now)]
    until: Option<i64>,
    /// Delivery receipts, NDJSON: {"id": ACTION_ID, "outcome": "delivered"|"failed", "at": T}
    #[arg(long, value_name = "FILE")]
    receipts: Option<PathBuf>,
    /// Input lines applied per store transaction: larger batches amortise the commit's
    /// fsyncs (throughput), smaller ones commit and print sooner (latency)
    #[arg(long, value_name = "N", default_value_t = 4096,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    batch: u32,
    /// Accept a state directory built with rules of another layout (other triggers,
    /// steps or channels) and record it as belonging to these rules
    #[arg(long)]
    migrate: bool,
    /// How to print rule diagnostics (on stderr)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// One line of an input file, with its 1-based number.
struct Line {
    number: i64,
    text: String,
    /// Its `at`, for merging the two inputs in time order (`i64::MIN` if unreadable,
    /// so the error is reported at once).
    at: i64,
}

/// An NDJSON input read from a recorded position.
struct Input {
    name: String,
    position_key: &'static str,
    lines: Option<Lines<BufReader<File>>>,
    read: i64,
    next: Option<Line>,
}

impl Input {
    fn open(path: Option<&Path>, key: &'static str, skip: i64) -> Result<Input, String> {
        let mut input = Input {
            name: path.map(|p| p.display().to_string()).unwrap_or_default(),
            position_key: key,
            lines: None,
            read: 0,
            next: None,
        };
        if let Some(path) = path {
            let file =
                File::open(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            input.lines = Some(BufReader::new(file).lines());
        }
        for _ in 0..skip {
            if input.advance()?.is_none() {
                break;
            }
        }
        input.fill()?;
        Ok(input)
    }

    /// Reads the next line (or `None` at the end).
    fn advance(&mut self) -> Result<Option<String>, String> {
        let Some(lines) = self.lines.as_mut() else {
            return Ok(None);
        };
        match lines.next() {
            None => Ok(None),
            Some(Ok(text)) => {
                self.read += 1;
                Ok(Some(text))
            }
            Some(Err(e)) => Err(format!("cannot read `{}`: {e}", self.name)),
        }
    }

    fn fill(&mut self) -> Result<(), String> {
        self.next = match self.advance()? {
            Some(text) => {
                let at = serde_json::from_str::<Json>(&text)
                    .ok()
                    .and_then(|j| {
                        j.get("at")
                            .and_then(Json::as_str)
                            .and_then(crate::time::parse_instant)
                    })
                    .unwrap_or(i64::MIN);
                Some(Line {
                    number: self.read,
                    text,
                    at,
                })
            }
            None => None,
        };
        Ok(())
    }

    fn take(&mut self) -> Result<Option<Line>, String> {
        let line = self.next.take();
        if line.is_some() {
            self.fill()?;
        }
        Ok(line)
    }
}

pub fn run(args: Args) -> Outcome {
    let program = report::compile_or_report(&args.rules, args.format)?;
    let mut engine =
        Engine::open_program_with(program, &args.state, args.migrate).map_err(|e| {
            eprintln!("error: {e}");
            Failure::Usage
        })?;
    let usage = |e: String| {
        eprintln!("error: {e}");
        Failure::Usage
    };
    let fatal = |e: TriggerError| {
        eprintln!("error: {e}");
        match e {
            TriggerError::Data(_) => Failure::Rules,
            _ => Failure::Usage,
        }
    };
    if !engine.profiles_loaded().map_err(fatal)? {
        engine.load_profiles(&args.profiles).map_err(|e| {
            eprintln!("error: `{}`: {e}", args.profiles.display());
            match e {
                TriggerError::Data(_) => Failure::Rules,
                _ => Failure::Usage,
            }
        })?;
    }
    let mut stdout = std::io::stdout().lock();
    // Actions committed before a crash but perhaps not printed.
    let mut printed = engine.position("printed").map_err(fatal)?.unwrap_or(0) as u64;
    let unprinted = engine.actions_after(printed).map_err(fatal)?;
    if let Some((seq, _)) = unprinted.last() {
        printed = *seq;
    }
    print_actions(&mut stdout, unprinted.iter().map(|(_, a)| a)).map_err(usage)?;

    let skip_events = engine.position("events").map_err(fatal)?.unwrap_or(0);
    let skip_receipts = engine.position("receipts").map_err(fatal)?.unwrap_or(0);
    let mut events = Input::open(Some(&args.events), "events", skip_events).map_err(usage)?;
    let mut receipts =
        Input::open(args.receipts.as_deref(), "receipts", skip_receipts).map_err(usage)?;
    let mut bad = 0usize;
    loop {
        let mut errors: Vec<String> = Vec::new();
        let mut read_error: Option<String> = None;
        let mut done = false;
        let (_, actions) = engine
            .batch(|b| {
                b.set_position("printed", printed as i64)?;
                for _ in 0..args.batch {
                    // Receipts strictly earlier than the next event go first.
                    let input = match (&events.next, &receipts.next) {
                        (Some(e), Some(r)) if r.at < e.at => &mut receipts,
                        (Some(_), _) => &mut events,
                        (None, Some(_)) => &mut receipts,
                        (None, None) => {
                            done = true;
                            break;
                        }
                    };
                    let line = match input.take() {
                        Ok(Some(line)) => line,
                        Ok(None) => continue,
                        Err(e) => {
                            read_error = Some(e);
                            done = true;
                            break;
                        }
                    };
                    let result = if input.position_key == "events" {
                        apply_event(b, &line.text)
                    } else {
                        apply_receipt(b, &line.text)
                    };
                    match result {
                        Ok(()) => {}
                        Err(e) if e.is_bad_input() => {
                            errors.push(format!("{} line {}: {e}", input.name, line.number));
                        }
                        Err(e) => return Err(e),
                    }
                    b.set_position(input.position_key, line.number)?;
                }
                if done && let Some(until) = args.until {
                    b.advance_to(until)?;
                }
                Ok(())
            })
            .map_err(fatal)?;
        for e in &errors {
            eprintln!("error: {e}");
        }
        bad += errors.len();
        print_actions(&mut stdout, actions.iter()).map_err(usage)?;
        if let Some(e) = read_error {
            return Err(usage(e));
        }
        printed = engine.log_position().map_err(fatal)?;
        if done {
            break;
        }
    }
    // Record that everything was printed.
    engine
        .batch(|b| b.set_position("printed", printed as i64))
        .map_err(fatal)?;
    if bad > 0 {
        eprintln!("{bad} input line(s) refused");
        return Err(Failure::Rules);
    }
    Ok(())
}

fn apply_event(b: &mut Batch<'_, '_, '_>, text: &str) -> Result<(), TriggerError> {
    let event: Json = serde_json::from_str(text)
        .map_err(|e| TriggerError::BadEvent(format!("malformed JSON: {e}")))?;
    b.ingest(&event)
}

fn apply_receipt(b: &mut Batch<'_, '_, '_>, text: &str) -> Result<(), TriggerError> {
    let receipt: Json = serde_json::from_str(text)
        .map_err(|e| TriggerError::BadReceipt(format!("malformed JSON: {e}")))?;
    let id = receipt
        .get("id")
        .and_then(Json::as_str)
        .ok_or_else(|| TriggerError::BadReceipt("no string `id`".into()))?;
    let outcome = match receipt.get("outcome").and_then(Json::as_str) {
        Some("delivered") => Delivery::Delivered,
        Some("failed") => Delivery::Failed,
        _ => {
            return Err(TriggerError::BadReceipt(
                "`outcome` must be \"delivered\" or \"failed\"".into(),
            ));
        }
    };
    let at = receipt
        .get("at")
        .and_then(Json::as_str)
        .and_then(crate::time::parse_instant)
        .ok_or_else(|| TriggerError::BadReceipt("`at` must be an RFC 3339 time".into()))?;
    b.report(id, outcome, at)
}

fn print_actions<'a>(
    out: &mut impl Write,
    actions: impl Iterator<Item = &'a Action>,
) -> Result<(), String> {
    let mut text = String::new();
    for a in actions {
        text.push_str(&a.to_json().to_string());
        text.push('\n');
    }
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write the actions: {e}"))
}
