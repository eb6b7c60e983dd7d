//! gowarden's integration tests: one binary (ripgrep's layout), one module per command.
//! They read real toolchains from the fixture cache that `scripts/fetch-fixtures` fills.

// Helpers unwrap freely: a panic in a test is a failure with a backtrace. Tests run programs
// directly; the engine goes through gowarden::process.
#![allow(clippy::disallowed_methods)]
#![allow(clippy::unwrap_used)]

mod admin;
mod differential;
mod doctor;
mod fuzz_regressions;
mod host;
mod inspect;
mod login_shell;
mod repair;
mod report;
mod util;
mod watch;
