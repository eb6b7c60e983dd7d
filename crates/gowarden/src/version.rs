//! Go toolchain versions (`go1.23.4`, `go1.21rc2`, `go1.22`), ordered by Go's own rules.
//!
//! The rules are those of `cmd/go/internal/gover` (FACTS.md §2.4): a language version sorts
//! before its release candidates, which sort before its first release, so
//! `1.21 < 1.21rc1 < 1.21.0`; for Go 1.20 and earlier, `1.N` *is* the first release, so
//! `1.20rc1 < 1.20 == 1.20.0`.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Go version as written in build info, `VERSION` files and toolchain names.
///
/// Keeps the text it was read from (`go1.23.4 X:boringcrypto` stays whole for display) and the
/// parsed release, when the text names one. Development builds (`devel go1.24-abc…`) have none.
#[derive(Debug, Clone)]
pub struct GoVersion {
    raw: String,
    release: Option<Release>,
}

/// The numeric parts of a release version.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Release {
    major: u32,
    minor: u32,
    /// `None` for a language version such as `1.21`.
    patch: Option<u32>,
    /// `alpha`/`beta`/`rc` with its number; these sort before the release.
    pre: Option<(PreKind, u32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PreKind {
    Alpha,
    Beta,
    Rc,
}

/// A version string that names no Go release.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a Go version (expected something like go1.23.4)")]
pub struct ParseGoVersionError(String);

impl GoVersion {
    /// The text as read, e.g. `go1.23.4`.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Keeps any text as a version, parsing it when it names a release. For text read from
    /// binaries, where an odd version string must not cost the rest of the report.
    pub fn lenient(s: &str) -> GoVersion {
        s.parse().unwrap_or_else(|_| GoVersion {
            raw: s.trim().to_string(),
            release: None,
        })
    }

    /// Whether the text names a release (`devel` builds and unparseable text do not).
    pub fn is_release(&self) -> bool {
        self.release.is_some()
    }

    /// The canonical `goX.Y[.Z][preN]` form without build suffixes, when this is a release.
    pub fn release_name(&self) -> Option<String> {
        let r = self.release.as_ref()?;
        let mut s = format!("go{}.{}", r.major, r.minor);
        if let Some((kind, n)) = r.pre {
            let k = match kind {
                PreKind::Alpha => "alpha",
                PreKind::Beta => "beta",
                PreKind::Rc => "rc",
            };
            s.push_str(&format!("{k}{n}"));
        }
        if let Some(p) = r.patch {
            s.push_str(&format!(".{p}"));
        }
        Some(s)
    }

    /// Whether this is a language version (`go1.21`), which names no toolchain for Go 1.21+.
    pub fn is_language(&self) -> bool {
        self.release
            .as_ref()
            .is_some_and(|r| r.patch.is_none() && r.pre.is_none())
    }

    /// The language version `goX.Y` this release belongs to.
    pub fn language(&self) -> Option<(u32, u32)> {
        self.release.as_ref().map(|r| (r.major, r.minor))
    }
}

impl FromStr for GoVersion {
    type Err = ParseGoVersionError;

    /// Accepts `go1.23.4`, `1.23.4`, `go1.21rc1`, `go1.22`, build suffixes after a space
    /// (`go1.23.4 X:boringcrypto`) and `devel ...` development builds.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let raw = s.trim();
        if raw.starts_with("devel") {
            return Ok(GoVersion {
                raw: raw.to_string(),
                release: None,
            });
        }
        let word = raw.split_whitespace().next().unwrap_or("");
        let digits = word.strip_prefix("go").unwrap_or(word);
        let release = parse_release(digits).ok_or_else(|| ParseGoVersionError(raw.to_string()))?;
        Ok(GoVersion {
            raw: raw.to_string(),
            release: Some(release),
        })
    }
}

fn parse_release(s: &str) -> Option<Release> {
    let (major, rest) = cut_int(s)?;
    let rest = rest.strip_prefix('.')?;
    let (minor, mut rest) = cut_int(rest)?;
    let mut pre = None;
    for (word, kind) in [
        ("alpha", PreKind::Alpha),
        ("beta", PreKind::Beta),
        ("rc", PreKind::Rc),
    ] {
        if let Some(after) = rest.strip_prefix(word) {
            let (n, after) = cut_int(after)?;
            pre = Some((kind, n));
            rest = after;
            break;
        }
    }
    let mut patch = None;
    if let Some(after) = rest.strip_prefix('.') {
        let (p, after) = cut_int(after)?;
        patch = Some(p);
        rest = after;
    }
    if !rest.is_empty() || (pre.is_some() && patch.is_some()) {
        return None;
    }
    // Before Go 1.21, "1.N" named the first release itself, not a language version.
    if major == 1 && minor < 21 && patch.is_none() && pre.is_none() {
        patch = Some(0);
    }
    Some(Release {
        major,
        minor,
        patch,
        pre,
    })
}

/// A leading decimal number. One too large for a `u32` is kept as `u32::MAX`: gover compares
/// numbers of any length (`cmpInt`), so `go 1.9999999999999999999999999` in a go.mod is a
/// requirement newer than every release, not an unreadable line to ignore. (The text itself is
/// kept for display.)
fn cut_int(s: &str) -> Option<(u32, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if end == 0 || (end > 1 && s.starts_with('0')) {
        return None;
    }
    Some((s[..end].parse().unwrap_or(u32::MAX), &s[end..]))
}

impl Ord for Release {
    fn cmp(&self, other: &Self) -> Ordering {
        // Language version (no patch, no pre) < pre-releases < patch releases, as in gover.
        fn rank(r: &Release) -> (u8, Option<(PreKind, u32)>, Option<u32>) {
            match (r.patch, r.pre) {
                (None, None) => (0, None, None),
                (None, Some(pre)) => (1, Some(pre), None),
                (Some(p), _) => (2, None, Some(p)),
            }
        }
        (self.major, self.minor)
            .cmp(&(other.major, other.minor))
            .then_with(|| rank(self).cmp(&rank(other)))
    }
}

impl PartialOrd for Release {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for GoVersion {
    /// Releases in Go's order; development builds sort after every release (they are newer than
    /// the release they branch from), and among themselves by text.
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.release, &other.release) {
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => self.raw.cmp(&other.raw),
        }
    }
}

impl PartialOrd for GoVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GoVersion {
    /// Equal when they name the same release (`go1.20` equals `go1.20.0`), whatever the suffixes.
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GoVersion {}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl Serialize for GoVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

/// Reads back what [`Serialize`] wrote: any text is kept (as [`GoVersion::lenient`]).
impl<'de> Deserialize<'de> for GoVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(GoVersion::lenient(&String::deserialize(d)?))
    }
}

impl schemars::JsonSchema for GoVersion {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "GoVersion".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A Go version as written in build info or VERSION, e.g. go1.23.4"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> GoVersion {
        s.parse().unwrap()
    }

    #[test]
    fn orders_like_gover() {
        // Each is strictly less than the next (toolchain.md "Go versions").
        let ordered = [
            "go1.19rc1",
            "go1.19",
            "go1.19.1",
            "go1.20rc2",
            "go1.20.0",
            "go1.21",
            "go1.21rc1",
            "go1.21rc2",
            "go1.21.0",
            "go1.21.1",
            "go1.22beta1",
            "go1.22.0",
            "go1.23.4",
            "go1.100.0",
            // Too large for any integer type: still newer than every release, as in gover.
            "go1.9999999999999999999999999",
        ];
        for pair in ordered.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("go1.20"), v("go1.20.0"));
        assert_ne!(v("go1.21"), v("go1.21.0"));
    }

    #[test]
    fn keeps_suffixes_for_display_but_not_for_order() {
        let boring = v("go1.23.4 X:boringcrypto");
        assert_eq!(boring.as_str(), "go1.23.4 X:boringcrypto");
        assert_eq!(boring, v("go1.23.4"));
        assert_eq!(boring.release_name().as_deref(), Some("go1.23.4"));
        assert_eq!(v("1.21rc2").release_name().as_deref(), Some("go1.21rc2"));
    }

    #[test]
    fn devel_builds_have_no_release() {
        let d = v("devel go1.24-abcdef Tue Jan 1 00:00:00 2024 +0000");
        assert!(!d.is_release());
        assert!(!GoVersion::lenient("weird").is_release());
        assert!(d > v("go1.99.0"));
        assert_eq!(d.language(), None);
    }

    #[test]
    fn rejects_what_is_not_a_version() {
        for bad in [
            "",
            "go",
            "go1",
            "go1.",
            "go1.x",
            "go1.21rc",
            "go1.21rc1.0",
            "go01.2",
            "1.2.3.4",
            "gox1.2",
        ] {
            assert!(
                bad.parse::<GoVersion>().is_err(),
                "{bad:?} should not parse"
            );
        }
    }
}
