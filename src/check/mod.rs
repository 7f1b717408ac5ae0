//! AST to typed IR: name resolution, types, constant folding, warnings.
