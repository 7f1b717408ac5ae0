//! Running the `corral` binary from integration tests, as a user runs it: with the crate
//! root as the working directory, so relative paths in output (and snapshots) are stable.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn corral<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_corral"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("terminated by a signal")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
