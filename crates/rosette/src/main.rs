//! The `rosette` command.

fn main() {}
