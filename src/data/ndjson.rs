//! NDJSON profiles: one JSON object per line, streamed.
//!
//! The input is read in blocks of whole lines. Blocks load in parallel (one part each,
//! assembled in input order, so the result does not depend on the number of threads),
//! a few per thread at a time: memory grows with the loaded columns, not with the file.
//! Each line is decoded straight into the columns ([`LineDecoder`]); a line the decoder
//! gives up on is loaded again through the JSON tree reader, which names its error.
//! Blank lines are skipped (but counted, so errors name physical lines). Duplicate ids
//! are allowed: each line is its own profile.

use std::io::{BufRead, Read};
use std::path::Path;

use rayon::prelude::*;

use super::builder::ProfilesBuilder;
use super::error::{DataError, Location, RowError};
use super::json::JsonReader;
use super::load::{LoadOptions, LoadReport, source_name};
use super::ndjson_row::LineDecoder;
use super::parts::{Assembly, Part};
use crate::schema::Schema;

/// How many bytes of lines a block holds (a longer line makes a longer block).
const BLOCK_BYTES: usize = 4 << 20;

/// Loads NDJSON profiles from `reader`.
pub fn load<R: BufRead>(
    reader: R,
    schema: &Schema,
    options: &LoadOptions,
) -> Result<LoadReport, DataError> {
    load_in_blocks(reader, schema, options, BLOCK_BYTES)
}

/// Loads an NDJSON file; errors name it by `options.source_name`, or by its path.
pub fn load_path(
    path: &Path,
    schema: &Schema,
    options: &LoadOptions,
) -> Result<LoadReport, DataError> {
    let name = source_name(path, options);
    let file = std::fs::File::open(path).map_err(|e| DataError::io(&name, e))?;
    let options = LoadOptions {
        source_name: name,
        ..options.clone()
    };
    load_in_blocks(file, schema, &options, BLOCK_BYTES)
}

/// [`load`] with blocks of about `block_bytes` (tests use tiny ones).
pub(crate) fn load_in_blocks<R: Read>(
    reader: R,
    schema: &Schema,
    options: &LoadOptions,
    block_bytes: usize,
) -> Result<LoadReport, DataError> {
    let name = options.source_name.as_str();
    let mut blocks = Blocks::new(reader, block_bytes);
    let mut assembly = Assembly::new(schema, options.skip_bad);
    if rayon::current_num_threads() <= 1 {
        return load_on_this_thread(blocks, schema, options, assembly);
    }
    // A few blocks per thread keep the threads busy without holding much input.
    let wave = 2 * rayon::current_num_threads().max(1);
    let mut read_error = None;
    while read_error.is_none() {
        let mut batch = Vec::with_capacity(wave);
        while batch.len() < wave {
            match blocks.next_block() {
                Ok(Some(block)) => batch.push(block),
                Ok(None) => break,
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            }
        }
        if batch.is_empty() {
            break;
        }
        let parts: Vec<Part> = batch
            .par_iter()
            .map(|block| load_block(block, schema, name, options.skip_bad))
            .collect();
        for part in parts {
            assembly.add(part)?;
        }
    }
    // Rows before an unreadable spot still report their errors first.
    match read_error {
        Some(e) => Err(DataError::io(name, e)),
        None => Ok(assembly.finish()),
    }
}

/// [`load_in_blocks`] without threads: every block into one part.
fn load_on_this_thread<R: Read>(
    mut blocks: Blocks<R>,
    schema: &Schema,
    options: &LoadOptions,
    mut assembly: Assembly,
) -> Result<LoadReport, DataError> {
    let name = options.source_name.as_str();
    let mut loader = BlockLoader::new(schema, name, options.skip_bad, 1);
    let mut read_error = None;
    loop {
        match blocks.next_block() {
            Ok(Some(block)) => {
                if !loader.load(&block) {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                read_error = Some(e);
                break;
            }
        }
    }
    assembly.add(loader.finish())?;
    match read_error {
        Some(e) => Err(DataError::io(name, e)),
        None => Ok(assembly.finish()),
    }
}

/// Whole lines of the input, and the number of the first.
struct Block {
    bytes: Vec<u8>,
    first_line: usize,
}

/// Cuts the input into blocks that end at a line end (or at the end of the input).
struct Blocks<R> {
    reader: R,
    size: usize,
    /// The start of a line that did not fit in the previous block.
    carry: Vec<u8>,
    next_line: usize,
    at_end: bool,
}

impl<R: Read> Blocks<R> {
    fn new(reader: R, size: usize) -> Blocks<R> {
        Blocks {
            reader,
            size: size.max(1),
            carry: Vec::new(),
            next_line: 1,
            at_end: false,
        }
    }

    fn next_block(&mut self) -> std::io::Result<Option<Block>> {
        let mut bytes = std::mem::take(&mut self.carry);
        let mut want = self.size;
        loop {
            while bytes.len() < want && !self.at_end {
                let missing = (want - bytes.len()) as u64;
                if (&mut self.reader).take(missing).read_to_end(&mut bytes)? == 0 {
                    self.at_end = true;
                }
            }
            if self.at_end {
                break;
            }
            if let Some(end) = bytes.iter().rposition(|&b| b == b'\n') {
                self.carry = bytes.split_off(end + 1);
                break;
            }
            // A line longer than a block: read on until it ends.
            want = bytes.len() + self.size;
        }
        if bytes.is_empty() {
            return Ok(None);
        }
        let first_line = self.next_line;
        self.next_line += bytes.iter().filter(|&&b| b == b'\n').count();
        Ok(Some(Block { bytes, first_line }))
    }
}

/// Loads blocks into one part: one block per part when blocks load in parallel, all of
/// them on one thread (which spares merging parts).
struct BlockLoader<'s> {
    schema: &'s Schema,
    name: &'s str,
    part: Part,
    builder: ProfilesBuilder<'s>,
    decoder: LineDecoder<'s>,
    /// The JSON tree reader for the lines the decoder leaves, made when first needed.
    tree: Option<JsonReader<'s>>,
}

impl<'s> BlockLoader<'s> {
    fn new(schema: &'s Schema, name: &'s str, skip_bad: bool, first_line: usize) -> Self {
        BlockLoader {
            schema,
            name,
            part: Part::new(schema, skip_bad, Location::line(name, first_line)),
            builder: ProfilesBuilder::new(schema),
            decoder: LineDecoder::new(schema),
            tree: None,
        }
    }

    /// Loads the lines of `block`; `false` once a bad row stopped the load.
    fn load(&mut self, block: &Block) -> bool {
        for (i, line) in block.bytes.split(|&b| b == b'\n').enumerate() {
            let line = line.trim_ascii();
            if line.is_empty() {
                continue;
            }
            if let Ok(text) = std::str::from_utf8(line)
                && self.decoder.decode(&mut self.builder, text)
            {
                continue;
            }
            let schema = self.schema;
            let tree = self.tree.get_or_insert_with(|| JsonReader::new(schema));
            if let Err(e) = load_line(tree, &mut self.builder, line) {
                let at = Location::line(self.name, block.first_line + i);
                if let Err(stop) = self.part.bad.handle(e.at(&at)) {
                    self.part.stopped = Some(stop);
                    return false;
                }
            }
        }
        true
    }

    fn finish(self) -> Part {
        let mut part = self.part;
        part.profiles = self.builder.finish();
        part.undeclared_fields = self.decoder.undeclared_fields;
        part.undeclared_events = self.decoder.undeclared_events;
        if let Some(tree) = self.tree {
            let (fields, events) = tree.into_undeclared();
            part.undeclared_fields.extend(fields);
            part.undeclared_events.extend(events);
        }
        part
    }
}

fn load_block(block: &Block, schema: &Schema, name: &str, skip_bad: bool) -> Part {
    let mut loader = BlockLoader::new(schema, name, skip_bad, block.first_line);
    loader.load(block);
    loader.finish()
}

/// Loads one line through the JSON tree reader.
fn load_line(
    json: &mut JsonReader<'_>,
    builder: &mut ProfilesBuilder<'_>,
    line: &[u8],
) -> Result<(), RowError> {
    let text = std::str::from_utf8(line).map_err(|e| {
        RowError::Malformed(format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1))
    })?;
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        // serde_json says "... at line 1 column 7"; the line is ours to name.
        let message = e.to_string();
        let what = message
            .rfind(" at line ")
            .map_or(message.as_str(), |i| &message[..i]);
        RowError::Malformed(format!("not JSON: {what} at column {}", e.column()))
    })?;
    json.add_row(builder, &value)
}
