//! `corral test FILE...`: run the `test` blocks of rule files.

use std::path::PathBuf;

use super::{Failure, Format, Outcome, parse_now, report};
use crate::rule_test::run_all;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Rule files whose `test` blocks to run
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Reference time for tests that set no `now` (RFC 3339 or a date); default: the clock
    #[arg(long, value_name = "T", value_parser = parse_now)]
    now: Option<i64>,
    /// How to print diagnostics (on stderr)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

pub fn run(args: Args) -> Outcome {
    let now = args.now.unwrap_or_else(crate::time::now);
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut outcome: Outcome = Ok(());
    for file in &args.files {
        let program = match report::compile_or_report(file, args.format) {
            Ok(program) => program,
            Err(failure) => {
                outcome = Err(if outcome == Err(Failure::Usage) {
                    Failure::Usage
                } else {
                    failure
                });
                continue;
            }
        };
        for result in run_all(&program, now) {
            if result.passed() {
                passed += 1;
                println!("pass  {}: {}", file.display(), result.title);
            } else {
                failed += 1;
                println!("FAIL  {}: {}", file.display(), result.title);
                print!("{}", result.report());
            }
        }
    }
    if passed + failed > 0 || outcome.is_ok() {
        let tests = if passed == 1 { "test" } else { "tests" };
        println!("\n{passed} {tests} passed, {failed} failed");
    }
    if failed > 0 && outcome.is_ok() {
        outcome = Err(Failure::Rules);
    }
    outcome
}
