//! The `anchor-audit` command-line tool.

fn main() {}
