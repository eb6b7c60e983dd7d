//! The macOS `com.apple.quarantine` attribute: set on downloads by browsers and Archive
//! Utility, it makes Gatekeeper intervene the first time a program runs (FACTS.md §6.1).
//!
//! Value format: `flags;hex-time;agent;event-uuid`, e.g.
//! `0083;58371e3c;Safari.app;3B9296C0-C6F4-49B3-BAC1-BCB229FFE7D6`. Fields may be empty.

use std::fs::File;

use serde::{Deserialize, Serialize};

/// A parsed quarantine attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Quarantine {
    /// The flag word (hex in the attribute).
    pub flags: u16,
    /// When the file was quarantined, seconds since the Unix epoch.
    pub time: Option<u64>,
    /// The application that downloaded it (`Safari.app`, `Google Chrome`).
    pub agent: Option<String>,
    /// The LaunchServices quarantine event id.
    pub event: Option<String>,
    /// The attribute as stored, trimmed.
    pub raw: String,
}

/// Parses an attribute value; `None` when it is not in the `flags;time;agent;uuid` shape.
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
pub(super) fn parse(value: &[u8]) -> Option<Quarantine> {
    let raw = String::from_utf8_lossy(value);
    let raw = raw
        .trim_end_matches(|c: char| c == '\0' || c.is_whitespace())
        .to_string();
    let mut fields = raw.split(';');
    let flags = u16::from_str_radix(fields.next()?, 16).ok()?;
    let time = fields.next().and_then(|t| u64::from_str_radix(t, 16).ok());
    let text = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
    let agent = text(fields.next());
    let event = text(fields.next());
    Some(Quarantine {
        flags,
        time,
        agent,
        event,
        raw,
    })
}

/// Reads the attribute of an open file (the symlink's target, since the file was opened
/// through the link).
#[cfg(target_os = "macos")]
pub(super) fn read(file: &File) -> Option<Quarantine> {
    use xattr::FileExt;
    file.get_xattr("com.apple.quarantine")
        .ok()
        .flatten()
        .and_then(|v| parse(&v))
}

/// Quarantine exists only on macOS.
#[cfg(not(target_os = "macos"))]
pub(super) fn read(_file: &File) -> Option<Quarantine> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_safari_download() {
        let q = parse(b"0083;58371e3c;Safari.app;3B9296C0-C6F4-49B3-BAC1-BCB229FFE7D6\0").unwrap();
        assert_eq!(q.flags, 0x83);
        assert_eq!(q.time, Some(0x5837_1e3c));
        assert_eq!(q.agent.as_deref(), Some("Safari.app"));
        assert_eq!(
            q.event.as_deref(),
            Some("3B9296C0-C6F4-49B3-BAC1-BCB229FFE7D6")
        );
    }

    #[test]
    fn tolerates_empty_fields_and_rejects_noise() {
        let q = parse(b"0000;59d84776;MySoftware.app;").unwrap();
        assert_eq!(q.event, None);
        assert_eq!(parse(b"0001").unwrap().time, None);
        assert!(parse(b"zz;1;2;3").is_none());
        assert!(parse(b"").is_none());
    }
}
