//! The macOS `com.apple.quarantine` attribute: set on downloads by browsers and Archive
//! Utility, it makes Gatekeeper intervene the first time a program runs (FACTS.md §6.1).
//!
//! Value format: `flags;hex-time;agent;event-uuid`, e.g.
//! `0083;58371e3c;Safari.app;3B9296C0-C6F4-49B3-BAC1-BCB229FFE7D6`. Fields may be empty.
//!
//! Once the user has opened the file and approved it in Gatekeeper's dialog, macOS keeps the
//! attribute but sets the user-approved bit in its flags (`00c1` after `0081`): such a file
//! runs without asking again.

use std::fs::File;
use std::path::Path;

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
    /// The user already opened it and approved it in Gatekeeper's dialog (see
    /// [`is_user_approved`]): Gatekeeper will not intervene again.
    pub user_approved: bool,
}

/// `QTN_FLAG_USER_APPROVED`: the user approved the file in Gatekeeper's first-launch dialog.
/// The header (`quarantine.h`) is private; the value is the one third-party re-declarations use
/// (FACTS.md §6.1).
pub const QTN_FLAG_USER_APPROVED: u16 = 0x0040;

/// Whether a quarantine flag word carries the user-approved bit (`00c1` yes, `0081`/`0083` no).
pub fn is_user_approved(flags: u16) -> bool {
    flags & QTN_FLAG_USER_APPROVED != 0
}

impl Quarantine {
    /// Whether Gatekeeper may still stop this file at its next launch: quarantined and not yet
    /// approved by the user. A finding about quarantine is due only then.
    pub fn may_block(&self) -> bool {
        !self.user_approved
    }
}

/// The command that clears quarantine from a whole tree, e.g. a GOROOT: Archive Utility marks
/// every file it extracts, so `pkg/tool/*/compile` and `link` carry the attribute as well as
/// `bin/go`, and clearing `bin/go` alone only moves the prompt to the first build.
pub fn clear_tree_command(root: &Path) -> String {
    format!(
        "xattr -r -d com.apple.quarantine {}",
        crate::shell::quote(crate::shell::ShellKind::Posix, &root.display().to_string())
    )
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
        user_approved: is_user_approved(flags),
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
    fn user_approved_bit() {
        for (value, approved) in [
            ("00c1;5f2b3c4d;Safari.app;", true),
            ("0081;5f2b3c4d;Safari.app;", false),
            (
                "0083;58371e3c;Safari.app;3B9296C0-C6F4-49B3-BAC1-BCB229FFE7D6",
                false,
            ),
            ("0040;;;", true),
            ("0000;59d84776;MySoftware.app;", false),
            ("01c3;5f2b3c4d;Google Chrome;", true),
        ] {
            let q = parse(value.as_bytes()).unwrap();
            assert_eq!(q.user_approved, approved, "{value}");
            assert_eq!(q.may_block(), !approved, "{value}");
        }
        assert!(is_user_approved(0x00c1));
        assert!(!is_user_approved(0x0081));
    }

    #[test]
    fn clearing_covers_the_whole_tree() {
        assert_eq!(
            clear_tree_command(Path::new("/usr/local/go")),
            "xattr -r -d com.apple.quarantine /usr/local/go"
        );
        assert_eq!(
            clear_tree_command(Path::new("/Users/me/sdk/My Go")),
            "xattr -r -d com.apple.quarantine '/Users/me/sdk/My Go'"
        );
    }

    #[test]
    fn serialized_with_user_approved() {
        let q = parse(b"00c1;5f2b3c4d;Safari.app;").unwrap();
        let json = serde_json::to_value(&q).unwrap();
        assert_eq!(json["user_approved"], true);
        assert_eq!(json["flags"], 0xc1);
        assert_eq!(json["raw"], "00c1;5f2b3c4d;Safari.app;");
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
