//! `corral lsp`: a Language Server for rule files, over stdin and stdout.
//!
//! It runs the same compiler as `corral check` on every edit and publishes the same
//! diagnostics (codes, messages, help), and answers hover, go to definition and
//! completion from the checker's name index ([`crate::ir::NameIndex`]) and the parsed
//! declarations. While a document does not parse, which is most of the time while
//! typing, answers come from the last analysis that did.
//!
//! One synchronous loop, no async runtime: messages are handled in order, and an
//! analysis of a rule file takes milliseconds.

mod analysis;
mod completion;
mod context;
mod definition;
mod diagnostics;
mod documents;
mod hover;
mod keywords;
mod lines;
mod resolve;
mod server;
mod symbols;
mod transport;

pub use server::{Ending, serve};
