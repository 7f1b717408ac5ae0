//! `corral lsp`: the Language Server, speaking JSON-RPC over stdin and stdout.

use super::{Failure, Outcome};
use crate::lsp::{self, Ending};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Talk over stdin and stdout (the only transport; accepted because editors pass it)
    #[arg(long)]
    stdio: bool,
}

pub fn run(_args: Args) -> Outcome {
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    match lsp::serve(stdin, stdout) {
        Ok(Ending::Clean) => Ok(()),
        Ok(Ending::Abrupt) => Err(Failure::Rules),
        Err(e) => {
            eprintln!("error: corral lsp: {e}");
            Err(Failure::Usage)
        }
    }
}
