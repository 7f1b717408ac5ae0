//! GitHub Actions workflow commands: one `::error` or `::warning` line per
//! diagnostic, which the Actions runner turns into an annotation on the file.
//!
//! Lines and columns are 1-based, columns in characters (as in the JSON output).

use super::{Diagnostic, Diagnostics, Severity};

impl Diagnostics {
    /// One workflow command per diagnostic, each ending with a newline.
    pub fn to_github(&self) -> String {
        let mut out = String::new();
        for d in &self.items {
            out.push_str(&command(d, self));
            out.push('\n');
        }
        out
    }
}

fn command(d: &Diagnostic, diagnostics: &Diagnostics) -> String {
    let file = diagnostics.sources.get(d.span.file);
    let (line, col) = file.line_col(d.span.start as usize);
    let (end_line, end_col) = file.line_col(d.span.end as usize);
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut message = d.message.clone();
    if !d.label.is_empty() {
        message.push_str(": ");
        message.push_str(&d.label);
    }
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    for (span, note) in &d.notes {
        let other = diagnostics.sources.get(span.file);
        let (line, col) = other.line_col(span.start as usize);
        message.push_str(&format!("\nnote: {note} ({}:{line}:{col})", other.name));
    }
    format!(
        "::{level} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
        property(&file.name),
        property(d.code),
        data(&message),
    )
}

/// Escapes a command's message: `%`, CR and LF.
pub fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as a message, and `:` and `,` too.
pub fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn escapes_what_the_runner_would_misread() {
        assert_eq!(data("50% off\r\nnow"), "50%25 off%0D%0Anow");
        assert_eq!(property("stage::name,other"), "stage%3A%3Aname%2Cother");
    }
}
