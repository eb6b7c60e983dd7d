//! gowarden's engine: everything it knows about Go toolchains, with no GUI in sight.
//!
//! Probes are passive: binaries are read (headers, build info, signatures), never run.
//! - [`binary`]: what an executable is, from its bytes (`gowarden inspect`).
//! - [`platform`]: Go's names for operating systems and architectures.
//! - [`version`]: Go versions in Go's order.
//! - [`render`]: the human-readable text of reports.

pub mod binary;
pub mod platform;
pub mod render;
pub mod version;

pub use binary::{Inspection, inspect};
