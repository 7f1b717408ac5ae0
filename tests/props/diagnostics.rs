//! Diagnostics for ill-typed and malformed mutations of generated rule sets.
