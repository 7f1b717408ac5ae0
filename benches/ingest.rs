//! The trigger runtime with durable state: sustained ingest (events per second, batches
//! of 256 events per transaction, of 4096 as `corral run` commits them by default, and one
//! transaction per event as `Engine::ingest` does), p50/p99 latency per event at each
//! of those sizes (printed on stderr), and the time to reopen a store with many
//! profiles and accept the next event.
//!
//! The rule set is `examples/triggers.corral` plus two more event triggers: five
//! triggers (event, enter-segment, daily, and two more on events).
//!
//! ```sh
//! cargo bench --bench ingest -- --warm-up-time 1 --measurement-time 3
//! # the engine alone, with the store in memory-backed files (fsync costs nothing):
//! CORRAL_BENCH_DIR=/dev/shm cargo bench --bench ingest -- --warm-up-time 1 --measurement-time 3
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

use corral::RuleSet;
use corral::trigger::Engine;

const PROFILES: usize = 10_000;
const BATCH: usize = 256;
const BIG_BATCH: usize = 4096;
/// Profiles in the store for the recovery measurement, unless
/// `CORRAL_RECOVERY_PROFILES` says otherwise (e.g. 300000 or 1000000: building the
/// store takes a while).
const RECOVERY_PROFILES: usize = 100_000;

fn recovery_profiles() -> usize {
    std::env::var("CORRAL_RECOVERY_PROFILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(RECOVERY_PROFILES)
}

fn rules() -> RuleSet {
    let mut text = std::fs::read_to_string("examples/triggers.corral").unwrap();
    text.push_str(
        r#"
trigger big_cart {
  on add_cart where price >= 500
  send "big_cart_gift" via wecom, sms
  limit 1 per 30d
}
trigger thanks {
  on pay where amount >= 100
  send "thanks" via wechat_template, sms
}
"#,
    );
    RuleSet::from_source("bench.corral", &text).unwrap()
}

fn profile(i: usize) -> Value {
    json!({
        "id": format!("u{i}"), "follows_oa": i.is_multiple_of(2), "wecom_friend": i.is_multiple_of(3),
        "phone": format!("138{i:08}"), "paid": i.is_multiple_of(4), "vip_level": i % 6,
        "last_login_at": "2026-11-01T00:00:00Z"
    })
}

/// The `k`-th event of a retail-like stream: carts, payments and logins, 50 ms apart.
fn event(k: usize) -> Value {
    let p = format!("u{}", (k * 7919) % PROFILES);
    let at = corral::time::format_rfc3339(
        corral::time::parse_instant("2026-11-20T00:00:00Z").unwrap() + k as i64 * 50_000,
    );
    match k % 4 {
        0 | 1 => json!({"profile": p, "type": "add_cart", "at": at,
                        "sku": format!("SKU-{}", 1 + k % 5), "price": (k % 700) as f64}),
        2 => json!({"profile": p, "type": "pay", "at": at, "amount": (k % 300) as f64}),
        _ => json!({"profile": p, "type": "login", "at": at}),
    }
}

/// The store goes in a temporary directory under `CORRAL_BENCH_DIR` if set (e.g.
/// `/dev/shm`, to measure the engine without the disk's `fsync`), else under the
/// system's temporary directory.
fn engine_with_profiles(n: usize) -> (Engine, tempfile::TempDir) {
    let dir = match std::env::var_os("CORRAL_BENCH_DIR") {
        Some(base) => tempfile::tempdir_in(base).unwrap(),
        None => tempfile::tempdir().unwrap(),
    };
    let mut engine = Engine::open(&rules(), dir.path()).unwrap();
    let rows: Vec<Value> = (0..n).map(profile).collect();
    engine.add_profiles_json(&rows).unwrap();
    (engine, dir)
}

fn ingest(c: &mut Criterion) {
    let (mut engine, _dir) = engine_with_profiles(PROFILES);
    let mut k = 0usize;
    let mut group = c.benchmark_group("ingest/retail5");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("batch_of_256", |b| {
        b.iter(|| {
            let (_, actions) = engine
                .batch(|batch| {
                    for _ in 0..BATCH {
                        batch.ingest(&event(k)).unwrap();
                        k += 1;
                    }
                    Ok(())
                })
                .unwrap();
            black_box(actions.len())
        })
    });
    // Larger transactions amortise the commit (two fsyncs with quick repair) and write
    // each dirty page once for more events.
    group.throughput(Throughput::Elements(BIG_BATCH as u64));
    group.bench_function("batch_of_4096", |b| {
        b.iter(|| {
            let (_, actions) = engine
                .batch(|batch| {
                    for _ in 0..BIG_BATCH {
                        batch.ingest(&event(k)).unwrap();
                        k += 1;
                    }
                    Ok(())
                })
                .unwrap();
            black_box(actions.len())
        })
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("one_transaction_per_event", |b| {
        b.iter(|| {
            let actions = engine.ingest(&event(k)).unwrap();
            k += 1;
            black_box(actions.len())
        })
    });
    group.finish();

    // Latency per event at each batch size, printed beside criterion's figures: the
    // time of the `ingest` call, and the time from the batch's start to its commit (an
    // event's actions are durable, and so can be sent, only then; the first event of a
    // batch waits this long).
    for (size, batches) in [(BATCH, 40), (BIG_BATCH, 4), (1, 2_000)] {
        let mut calls = Vec::with_capacity(size * batches);
        let mut commits = Vec::with_capacity(batches);
        let (wall, cpu) = (Instant::now(), cpu_time());
        for _ in 0..batches {
            let started = Instant::now();
            engine
                .batch(|batch| {
                    for _ in 0..size {
                        let call = Instant::now();
                        batch.ingest(&event(k)).unwrap();
                        calls.push(call.elapsed());
                        k += 1;
                    }
                    Ok(())
                })
                .unwrap();
            commits.push(started.elapsed());
        }
        let events = (size * batches) as f64;
        let per_cpu_second = match (cpu, cpu_time()) {
            (Some(a), Some(b)) if b > a => format!("{:.0}", events / (b - a).as_secs_f64()),
            _ => "?".into(),
        };
        eprintln!(
            "ingest/retail5 {size} event(s) per transaction: {:.0} events/s, {per_cpu_second} events per CPU second; ingest call p50 {:?} p99 {:?}; event to commit p50 {:?} p99 {:?}",
            events / wall.elapsed().as_secs_f64(),
            quantile(&mut calls, 0.50),
            quantile(&mut calls, 0.99),
            quantile(&mut commits, 0.50),
            quantile(&mut commits, 0.99),
        );
    }
}

/// CPU time this thread has run (Linux), so a figure on a shared machine can be read
/// as "on one core": waiting for the disk or for another process is not counted.
fn cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn quantile(samples: &mut [Duration], q: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)]
}

fn recovery(c: &mut Criterion) {
    let profiles = recovery_profiles();
    let built = Instant::now();
    let (mut engine, dir) = engine_with_profiles(profiles);
    // The first event starts the clock (and takes every profile's baseline): the state
    // a crashed engine leaves behind.
    engine.ingest(&event(0)).unwrap();
    drop(engine);
    eprintln!(
        "recovery: built a store of {profiles} profiles in {:?}",
        built.elapsed()
    );
    let mut k = 1_000_000usize;
    let mut group = c.benchmark_group(format!("recovery/{profiles}_profiles"));
    group.sample_size(10);
    group.bench_function("open_and_accept_an_event", |b| {
        b.iter(|| {
            let mut engine = Engine::open(&rules(), dir.path()).unwrap();
            k += 1;
            black_box(engine.ingest(&event(k)).unwrap().len())
        })
    });
    group.finish();
}

criterion_group!(benches, ingest, recovery);
criterion_main!(benches);
