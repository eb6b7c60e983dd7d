//! gowarden's integration tests: one binary (ripgrep's layout), one module per command.
//! They read real toolchains from the fixture cache that `scripts/fetch-fixtures` fills.

// Helpers unwrap freely: a panic in a test is a failure with a backtrace.
#![allow(clippy::unwrap_used)]

mod doctor;
mod fuzz_regressions;
mod inspect;
mod util;
