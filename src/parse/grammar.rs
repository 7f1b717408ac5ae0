//! The pest parser derived from `grammar/corral.pest`.
//!
//! Only `lower.rs` looks at the [`Rule`]s of the pairs this produces.

use pest::Parser as _;
use pest::iterators::Pair;
use pest_derive::Parser;

/// The derived parser; its rules are documented in the grammar file.
#[derive(Parser)]
#[grammar = "grammar/corral.pest"]
pub(crate) struct CorralParser;

/// Parses the next declaration (or the end of the file) at the start of `input`.
pub(crate) fn parse_entry(input: &str) -> Result<Pair<'_, Rule>, Box<pest::error::Error<Rule>>> {
    let mut pairs = CorralParser::parse(Rule::item_entry, input).map_err(Box::new)?;
    // INVARIANT: a successful parse of `item_entry` yields exactly that one pair.
    pairs.next().ok_or_else(|| {
        Box::new(pest::error::Error::new_from_pos(
            pest::error::ErrorVariant::CustomError {
                message: "the parser produced no declaration".to_string(),
            },
            pest::Position::from_start(input),
        ))
    })
}
