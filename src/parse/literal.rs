//! Decoding literal text (numbers, durations, percentages, strings, clock times) into
//! values. The grammar has already checked the shape; these check the value.

use std::ops::Range;

/// Why a literal's text has no value: the message, where in the literal (byte range
/// relative to its start; `None` for the whole literal) and an optional help.
#[derive(Debug, PartialEq)]
pub(crate) struct LiteralError {
    pub message: String,
    pub range: Option<Range<usize>>,
    pub help: Option<&'static str>,
}

impl LiteralError {
    fn whole(message: String, help: &'static str) -> LiteralError {
        LiteralError {
            message,
            range: None,
            help: Some(help),
        }
    }
}

const MICROS_PER_SECOND: i64 = 1_000_000;

/// `42`
pub(crate) fn int(text: &str) -> Result<i64, LiteralError> {
    text.parse::<i64>().map_err(|_| {
        LiteralError::whole(
            format!("integer `{text}` is too large"),
            "the largest integer is 9223372036854775807",
        )
    })
}

/// `3.5`
pub(crate) fn float(text: &str) -> Result<f64, LiteralError> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(LiteralError::whole(
            format!("number `{text}` is too large"),
            "a number must fit in a 64-bit float",
        )),
    }
}

/// The microseconds in one unit of a duration.
pub(crate) fn unit_micros(unit: char) -> Option<i64> {
    let seconds = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return None,
    };
    Some(seconds * MICROS_PER_SECOND)
}

/// `7d`, in microseconds.
pub(crate) fn duration(text: &str) -> Result<i64, LiteralError> {
    let too_long = || {
        LiteralError::whole(
            format!("duration `{text}` is too long"),
            "a duration must be shorter than about 292,000 years",
        )
    };
    let unit = text.chars().last().and_then(unit_micros);
    let count = text
        .get(..text.len().saturating_sub(1))
        .map(str::parse::<i64>);
    match (count, unit) {
        (Some(Ok(count)), Some(unit)) => count.checked_mul(unit).ok_or_else(too_long),
        (Some(Err(_)), Some(_)) => Err(too_long()),
        _ => Err(malformed_number(text)),
    }
}

/// A number run into letters, like `7x` or `1.5d`.
pub(crate) fn malformed_number(text: &str) -> LiteralError {
    LiteralError::whole(
        format!("`{text}` is not a number or a duration"),
        "a duration is a whole number followed by a unit `s`, `m`, `h`, `d` or `w`, like `7d`",
    )
}

/// `10%` or `2.5%` (text without the `%`), as a fraction. The decimal point is moved
/// in the text, so the fraction is the closest float to the exact decimal value.
pub(crate) fn percent(text: &str) -> Result<f64, LiteralError> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let exponent = -(fraction.len() as i64) - 2;
    float(&format!("{whole}{fraction}e{exponent}")).map_err(|_| {
        LiteralError::whole(
            format!("percentage `{text}%` is too large"),
            "a number must fit in a 64-bit float",
        )
    })
}

/// The text of a string literal between its quotes, with escapes decoded:
/// `\"`, `\\`, `\n`, `\t` and `\u{XXXX}`.
pub(crate) fn string(raw: &str) -> Result<String, LiteralError> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((start, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escaped = chars.next().map(|(_, e)| e);
        let decoded = match escaped {
            Some('"') => Some('"'),
            Some('\\') => Some('\\'),
            Some('n') => Some('\n'),
            Some('t') => Some('\t'),
            Some('u') => unicode_escape(&raw[start..]).map(|(c, len)| {
                // `\u` is consumed; skip the rest of `\u{XXXX}`.
                for _ in 2..len {
                    chars.next();
                }
                c
            }),
            _ => None,
        };
        match decoded {
            Some(c) => out.push(c),
            None => return Err(bad_escape(raw, start)),
        }
    }
    Ok(out)
}

/// Decodes `\u{XXXX}` at the start of `text`: the char and the escape's length in
/// bytes (all ASCII, so also in chars).
fn unicode_escape(text: &str) -> Option<(char, usize)> {
    let rest = text.strip_prefix("\\u{")?;
    let close = rest.find('}')?;
    let hex = &rest[..close];
    if hex.is_empty() || hex.len() > 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let c = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)?;
    Some((c, 3 + close + 1))
}

fn bad_escape(raw: &str, start: usize) -> LiteralError {
    // Show the backslash and the character after it (or the whole `\u{...}`).
    let after = raw[start + 1..].chars().next().map_or(0, char::len_utf8);
    let mut end = start + 1 + after;
    if raw[start..].starts_with("\\u{") {
        end = raw[start..]
            .find('}')
            .map_or(end, |close| start + close + 1);
    }
    let escape = &raw[start..end];
    LiteralError {
        message: format!("unknown escape `{escape}` in string"),
        range: Some(start..end),
        help: Some(
            "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{XXXX}` (1 to 6 hex digits)",
        ),
    }
}

/// `HH:MM`, checked to be a time of day.
pub(crate) fn clock_time(text: &str) -> Result<(u8, u8), LiteralError> {
    let parsed = text
        .split_once(':')
        .and_then(|(h, m)| Some((h.parse::<u8>().ok()?, m.parse::<u8>().ok()?)));
    match parsed {
        Some((hour, minute)) if hour < 24 && minute < 60 => Ok((hour, minute)),
        _ => Err(LiteralError::whole(
            format!("clock time `{text}` is out of range"),
            "hours run from 00 to 23 and minutes from 00 to 59",
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn decodes_escapes() {
        assert_eq!(
            string(r#"a\"b\\c\nd\te\u{4e2d}"#).unwrap(),
            "a\"b\\c\nd\te中"
        );
        assert_eq!(string(r"\q").unwrap_err().range, Some(0..2));
        assert_eq!(string(r"ab\u{zz}").unwrap_err().range, Some(2..8));
        assert!(string(r"\u{d800}").is_err());
        assert!(string(r"\u{1234567}").is_err());
    }

    #[test]
    fn percent_is_exact() {
        assert_eq!(percent("10").unwrap(), 0.10);
        assert_eq!(percent("2.5").unwrap(), 0.025);
    }

    #[test]
    fn durations() {
        assert_eq!(duration("7d").unwrap(), 7 * 86_400_000_000);
        assert!(duration("99999999999999w").is_err());
        assert!(duration("99999999999999999999s").is_err());
    }
}
