//! What surrounds the cursor, read from the raw text: the document is usually
//! mid-edit and does not parse, so this looks at characters, not at the AST.

/// The characters of a name (the grammar's XID_CONTINUE, approximately).
pub fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The name covering byte `offset` (the cursor may sit just after it): its start, end
/// and text.
pub fn word_at(text: &str, offset: usize) -> Option<(usize, usize, &str)> {
    let offset = floor_boundary(text, offset);
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_name_char(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|(_, c)| !is_name_char(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    (start < end).then(|| (start, end, &text[start..end]))
}

/// The part of a name typed before the cursor.
pub fn prefix_at(text: &str, offset: usize) -> &str {
    let (start, end) = prefix_range(text, offset);
    &text[start..end]
}

/// Where the part of a name typed before the cursor starts and ends.
pub fn prefix_range(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_boundary(text, offset);
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_name_char(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    (start, offset)
}

/// The name just before `.` when the text before `offset` ends with `name.`.
pub fn member_object(before: &str) -> Option<&str> {
    let before = before.strip_suffix('.')?;
    let word = prefix_at(before, before.len());
    (!word.is_empty()).then_some(word)
}

/// Where the cursor stands, as far as completion and fallbacks care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// After `object.`
    Member(String),
    /// The first argument of an aggregate: an event type.
    AggregateEvent,
    /// After `on enter` / `on exit`: a segment.
    Segment,
    /// After `on`: an event, `enter`, `exit` or `every`.
    TriggerStart,
    /// After `via` or a channel list's comma: a channel.
    Channel,
    /// An expression; inside a `where` over `event`, its properties are in scope.
    Expression { event: Option<String> },
}

/// Functions whose first argument is an event type.
const AGGREGATES: &[&str] = &[
    "count", "exists", "sum", "avg", "min", "max", "first", "last", "streak",
];

/// Classifies the cursor at `offset` (just before the name being typed, if any).
pub fn place(text: &str, offset: usize) -> Place {
    let offset = floor_boundary(text, offset);
    let before = &text[..offset];
    if let Some(object) = member_object(before) {
        return Place::Member(object.to_string());
    }
    // `first(pay ...).` and `last(pay ...).` read a property of `pay`.
    if let Some((callee, args)) = before.strip_suffix(").").and_then(open_call)
        && matches!(callee, "first" | "last")
        && let Some(event) = args
            .split(|c: char| !is_name_char(c))
            .find(|w| !w.is_empty())
    {
        return Place::Member(event.to_string());
    }
    let line = before.rsplit('\n').next().unwrap_or("");
    let words: Vec<&str> = line
        .split(|c: char| !is_name_char(c))
        .filter(|w| !w.is_empty())
        .collect();
    let trimmed = line.trim_end();
    match words.as_slice() {
        [.., "on", "enter" | "exit"] if !ends_with_name(line) => return Place::Segment,
        [.., "on"] if !ends_with_name(line) => return Place::TriggerStart,
        [.., "via"] if !ends_with_name(line) => return Place::Channel,
        _ => {}
    }
    if trimmed.ends_with(',') && words.contains(&"via") && words.contains(&"send") {
        return Place::Channel;
    }
    // `on E where ...` in a trigger.
    if let ["on", event, "where", ..] = words.as_slice() {
        return Place::Expression {
            event: Some(event.to_string()),
        };
    }
    if let Some((callee, args)) = open_call(before)
        && AGGREGATES.contains(&callee)
    {
        if args.trim().is_empty() {
            return Place::AggregateEvent;
        }
        let mut arg_words = args
            .split(|c: char| !is_name_char(c))
            .filter(|w| !w.is_empty());
        let event = arg_words.next().map(str::to_string);
        if arg_words.any(|w| w == "where") {
            return Place::Expression { event };
        }
    }
    Place::Expression { event: None }
}

fn ends_with_name(line: &str) -> bool {
    line.chars().last().is_some_and(is_name_char)
}

/// The innermost call left open before the end of `before`, within the current
/// declaration: the callee and the text of its arguments so far.
fn open_call(before: &str) -> Option<(&str, &str)> {
    let mut depth = 0usize;
    let mut in_string = false;
    for (i, c) in before.char_indices().rev() {
        if in_string {
            in_string = c != '"';
            continue;
        }
        match c {
            '"' => in_string = true,
            ')' => depth += 1,
            '(' if depth > 0 => depth -= 1,
            '(' => {
                let head = before[..i].trim_end();
                let callee = prefix_at(head, head.len());
                return (!callee.is_empty()).then(|| (callee, &before[i + 1..]));
            }
            // A line starting a declaration: the call would be in an earlier one.
            '\n' if starts_declaration(&before[i + 1..]) => return None,
            _ => {}
        }
    }
    None
}

fn starts_declaration(line: &str) -> bool {
    const KEYWORDS: [&str; 11] = [
        "profile", "event", "let", "tag", "segment", "channel", "trigger", "test", "import",
        "timezone", "limit",
    ];
    KEYWORDS.iter().any(|kw| {
        line.strip_prefix(kw)
            .is_some_and(|rest| !rest.starts_with(is_name_char))
    })
}

fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place_at_end(text: &str) -> Place {
        place(text, text.len())
    }

    #[test]
    fn words_include_chinese_names() {
        let text = "tag 会员 = 年龄 > 3";
        let at = text.find('龄').unwrap_or(0);
        assert_eq!(word_at(text, at).map(|w| w.2), Some("年龄"));
        assert_eq!(prefix_at(text, at), "年");
        assert_eq!(word_at(text, text.len()).map(|w| w.2), Some("3"));
        assert_eq!(word_at("a + b", 2), None);
    }

    #[test]
    fn places() {
        assert_eq!(
            place_at_end("tag t = sum(pay."),
            Place::Member("pay".into())
        );
        assert_eq!(place_at_end("tag t = count("), Place::AggregateEvent);
        assert_eq!(
            place_at_end("tag t = last(pay where x > 1)."),
            Place::Member("pay".into())
        );
        assert_eq!(
            place_at_end("tag t = count(pay where amount > 3 and "),
            Place::Expression {
                event: Some("pay".into())
            }
        );
        assert_eq!(
            place_at_end("tag t = count(pay where (a > 1) or "),
            Place::Expression {
                event: Some("pay".into())
            }
        );
        assert_eq!(
            place_at_end("tag t = count(pay) > 1 and "),
            Place::Expression { event: None }
        );
        assert_eq!(place_at_end("trigger x {\n  on enter "), Place::Segment);
        assert_eq!(place_at_end("trigger x {\n  on "), Place::TriggerStart);
        assert_eq!(
            place_at_end("trigger x {\n  on pay where "),
            Place::Expression {
                event: Some("pay".into())
            }
        );
        assert_eq!(place_at_end("  send \"hi\" via "), Place::Channel);
        assert_eq!(place_at_end("  send \"hi\" via sms, "), Place::Channel);
        // An unclosed call in an earlier declaration does not leak.
        assert_eq!(
            place_at_end("tag a = count(\ntag b = "),
            Place::Expression { event: None }
        );
    }
}
