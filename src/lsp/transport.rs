//! JSON-RPC messages framed with `Content-Length` headers, read and written
//! synchronously.
//!
//! Reading is done here rather than by `lsp_server`'s stdio threads so that a
//! malformed message is answered with a parse error and the server goes on, instead of
//! the connection closing.

use std::io::{self, BufRead, Read, Write};

use lsp_server::Message;

/// Bodies larger than this are refused (and skipped) rather than buffered.
const MAX_BODY: usize = 64 << 20;

/// What one framed message turned out to be.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// A frame whose header or body is not JSON (a parse error).
    Malformed(String),
    /// JSON that is not a JSON-RPC message (an invalid request).
    Invalid(String),
}

/// Reads the next message; `None` at the end of the input.
pub fn read(input: &mut impl BufRead) -> io::Result<Option<Incoming>> {
    let mut length: Option<usize> = None;
    let mut bad_header: Option<String> = None;
    let mut saw_header = false;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Ok(saw_header.then(|| Incoming::Malformed("truncated header".into())));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            // Stray blank lines between messages.
            continue;
        }
        saw_header = true;
        match line.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad_header = Some(format!("bad Content-Length `{}`", value.trim())),
                }
            }
            Some(_) => {}
            None => bad_header = Some(format!("bad header line `{line}`")),
        }
    }
    let Some(length) = length else {
        return Ok(Some(Incoming::Malformed(
            bad_header.unwrap_or_else(|| "no Content-Length header".into()),
        )));
    };
    if length > MAX_BODY {
        io::copy(&mut Read::take(&mut *input, length as u64), &mut io::sink())?;
        return Ok(Some(Incoming::Malformed(format!(
            "a message of {length} bytes is too large"
        ))));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    if let Some(reason) = bad_header {
        return Ok(Some(Incoming::Malformed(reason)));
    }
    Ok(Some(parse(&body)))
}

fn parse(body: &[u8]) -> Incoming {
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Incoming::Malformed(format!("not JSON: {e}")),
    };
    if !value.is_object() {
        return Incoming::Invalid("a message must be a JSON object".into());
    }
    // `lsp_server` would read a request with a bad id as a notification, unanswered.
    if let Some(id) = value.get("id")
        && !(id.is_number() || id.is_string() || id.is_null())
    {
        return Incoming::Invalid("the id of a message must be a number or a string".into());
    }
    match serde_json::from_value::<Message>(value) {
        Ok(message) => Incoming::Message(message),
        Err(e) => Incoming::Invalid(format!("not a JSON-RPC message: {e}")),
    }
}

/// Writes one message and flushes.
pub fn write(output: &mut impl Write, message: Message) -> io::Result<()> {
    message.write(output)
}

/// Writes a raw JSON-RPC value (for the parse-error response, whose `id` is null).
pub fn write_json(output: &mut impl Write, value: &serde_json::Value) -> io::Result<()> {
    let body = value.to_string();
    write!(output, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn reads_messages_and_recovers_after_malformed_ones() {
        let input = [
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
            frame("{not json"),
            frame("[1]"),
            "Content-Length: x\r\n\r\n".to_string(),
            frame(r#"{"jsonrpc":"2.0","method":"exit"}"#),
        ]
        .concat();
        let mut input = io::Cursor::new(input.into_bytes());
        let mut kinds = Vec::new();
        while let Ok(Some(incoming)) = read(&mut input) {
            kinds.push(match incoming {
                Incoming::Message(Message::Request(r)) => r.method,
                Incoming::Message(Message::Notification(n)) => n.method,
                Incoming::Message(Message::Response(_)) => "response".into(),
                Incoming::Malformed(_) => "malformed".into(),
                Incoming::Invalid(_) => "invalid".into(),
            });
        }
        assert_eq!(
            kinds,
            ["shutdown", "malformed", "invalid", "malformed", "exit"]
        );
    }

    #[test]
    fn a_truncated_body_is_an_error_not_a_hang() {
        let mut input = io::Cursor::new(b"Content-Length: 50\r\n\r\n{}".to_vec());
        assert!(read(&mut input).is_err());
    }
}
