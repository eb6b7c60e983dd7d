//! gowarden's engine: everything it knows about Go toolchains, with no GUI in sight.
//!
//! Probes are passive: binaries are read (headers, build info, signatures), never run.
//! - [`binary`]: what an executable is, from its bytes (`gowarden inspect`).
//! - [`report`]: the contract — the report, typed findings and actions, inputs, drift.
//! - [`doctor`]: the whole-machine scan (`gowarden doctor`) that collects a report's facts;
//!   [`check`] turns those facts into findings, with no I/O.
//! - [`context`]: the one seam to the outside (environment, system root, host).
//! - [`path`], [`symlink`], [`goroot`], [`toolchain`], [`install`], [`managers`]: the facts it
//!   gathers; [`effective`]: the toolchain that really runs, through wrappers, shims and
//!   GOTOOLCHAIN switches.
//! - [`host`], [`procs`], [`shell`]: Rosetta and emulation, developer tools, translated
//!   processes, and the login shell's environment.
//! - [`process`]: the one way a subprocess is run (deadline, process-group kill).
//! - [`platform`], [`version`]: Go's names for platforms and Go's version order.
//! - [`render`]: the human-readable text of reports.
//! - [`ipc`]: the menu-bar app's IPC types besides the report (outcomes, settings, errors).
//! - [`journal`]: the append-only JSON-lines journal of drift events and repairs.
//! - [`repair`]: `gowarden repair`/`undo` — atomic, journaled, undoable fixes of the findings
//!   a fresh scan can act on; [`repair::elevate`] changes a link of root's through one
//!   narrow administrator operation that root checks against a fixed policy itself.
//! - [`quote`]: shell and AppleScript quoting for the commands gowarden prints or runs.
//! - [`watch`]: the watcher (`gowarden watch`) that turns file events into drift events;
//!   [`history`] reads them back from the journal (`gowarden history`).

pub mod binary;
pub mod check;
pub mod context;
pub mod doctor;
pub mod effective;
pub mod goroot;
pub mod history;
pub mod host;
pub mod install;
pub mod ipc;
pub mod journal;
pub mod managers;
pub mod path;
pub mod platform;
pub mod process;
pub mod procs;
pub mod quote;
pub mod render;
pub mod repair;
pub mod report;
pub mod shell;
pub mod symlink;
pub mod toolchain;
pub mod version;
pub mod watch;

pub use binary::{Inspection, inspect};

/// Serializes a path as text (lossy for non-UTF-8 bytes), as every report does. A UTF-8 path,
/// the usual case, is written as it is; only other paths go through the lossy `Display`.
pub(crate) fn serde_path<S: serde::Serializer>(
    path: &std::path::Path,
    s: S,
) -> Result<S::Ok, S::Error> {
    match path.to_str() {
        Some(text) => s.serialize_str(text),
        None => s.collect_str(&path.display()),
    }
}

/// A path serialized by [`serde_path`], for sequences of them.
struct TextPath<'a>(&'a std::path::Path);

impl serde::Serialize for TextPath<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_path(self.0, s)
    }
}

/// [`serde_path`] for a list of paths.
pub(crate) fn serde_paths<S: serde::Serializer>(
    paths: &[std::path::PathBuf],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(paths.iter().map(|p| TextPath(p)))
}

/// [`serde_path`] for an optional path.
pub(crate) fn serde_opt_path<S: serde::Serializer>(
    path: &Option<std::path::PathBuf>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match path {
        Some(p) => serde_path(p, s),
        None => s.serialize_none(),
    }
}
