//! Byte offsets to LSP positions and back.
//!
//! Spans are byte offsets into UTF-8 text; LSP positions are a line and a column in
//! UTF-16 code units. A character outside the Basic Multilingual Plane is two units,
//! so the two differ on any line with non-ASCII text (Chinese names, emoji).

use lsp_types::{Position, Range};

/// Where each line of a text starts.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// The position of byte `offset` (clamped to the text, moved back to a character
    /// boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let character: usize = text
            .get(start..offset)
            .unwrap_or("")
            .chars()
            .map(char::len_utf16)
            .sum();
        Position::new(line as u32, character as u32)
    }

    /// The byte offset of a position. A line past the end is the end of the text; a
    /// column past the end of its line is the end of the line; a column inside a
    /// surrogate pair is the start of that character.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(text.len(), |&next| next - 1);
        let line = text.get(start..end).unwrap_or("");
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            units += c.len_utf16();
            if units > position.character as usize {
                return start + i;
            }
        }
        start + line.len()
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_round_trips() {
        let text = "tag a = b\nsegment s = a\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 14), Position::new(1, 4));
        assert_eq!(index.offset(text, Position::new(1, 4)), 14);
        assert_eq!(index.position(text, text.len()), Position::new(2, 0));
    }

    #[test]
    fn chinese_and_astral_characters_count_in_utf16_units() {
        // `会员` is 2 units (6 bytes); `😀` is 2 units (4 bytes).
        let text = "tag 会员 = 😀x\n";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap_or(0);
        assert_eq!(index.position(text, x), Position::new(0, 11));
        assert_eq!(index.offset(text, Position::new(0, 11)), x);
        let hui = text.find('员').unwrap_or(0);
        assert_eq!(index.position(text, hui), Position::new(0, 5));
        assert_eq!(index.offset(text, Position::new(0, 5)), hui);
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\r\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, Position::new(0, 99)), 2);
        assert_eq!(index.offset(text, Position::new(7, 0)), text.len());
        assert_eq!(index.position(text, 999), Position::new(1, 2));
        // Inside a surrogate pair: the start of the character.
        let text = "😀";
        assert_eq!(LineIndex::new(text).offset(text, Position::new(0, 1)), 0);
    }
}
