//! Checks on the `go` that runs: is there one, can the host run it natively, will macOS let
//! it run, and is it the only one on PATH.

use crate::binary::Signature;
use crate::host::Runs;
use crate::platform::{Arch, Os};
use crate::report::{Action, Code, Finding, GoOnPath, LinkState, Report, Role, Severity};

use super::{Draft, best_installation, install_go};

/// `no-go-on-path`: typing `go` fails.
pub(super) fn no_go_on_path(r: &Report) -> Vec<Finding> {
    if r.active.is_some() {
        return Vec::new();
    }
    let best = best_installation(r, None);
    // A broken link on PATH is why: the link's own finding says how to repair it, and adding
    // another directory to PATH would only hide it.
    let broken = r.links.iter().find(|l| l.state != LinkState::Ok);
    let (message, action) = match (broken, best) {
        (Some(l), _) => (
            format!(
                "no `go` on PATH: {} is {}",
                l.path.display(),
                match l.state {
                    LinkState::Loop => "a symlink loop",
                    _ => "a dangling symlink",
                }
            ),
            Action::Manual {
                steps: format!(
                    "repair {} (its {} finding says how)",
                    l.path.display(),
                    super::links::code(l.state).as_str()
                ),
            },
        ),
        (None, Some(i)) => (
            format!(
                "no `go` on PATH, although {} is installed at {}",
                i.version.as_ref().map_or("Go".into(), ToString::to_string),
                i.goroot.display()
            ),
            Action::Manual {
                steps: format!(
                    "add it to PATH in your shell startup file: export PATH=\"{}:$PATH\"",
                    i.goroot.join("bin").display()
                ),
            },
        ),
        (None, None) => (
            "no `go` on PATH, and no Go installation was found".to_string(),
            install_go(r),
        ),
    };
    let mut d = Draft::new(
        Code::NoGoOnPath,
        Severity::Error,
        message,
        "typing `go` fails with \"command not found\", and so does every tool that runs it",
        action,
    )
    .key("");
    if let Some(i) = best {
        d = d.subject(Role::Installation, i.goroot.clone());
    }
    vec![d.done()]
}

fn subjects(d: Draft, g: &GoOnPath) -> Draft {
    let d = d.subject(Role::Go, g.path.clone());
    match &g.real_path {
        Some(real) if *real != g.path => d.subject(Role::GoBinary, real.clone()),
        _ => d,
    }
}

fn native_hint(r: &Report) -> String {
    match (&r.host.host.os, &r.host.host.arch) {
        (Os::Darwin, Arch::Arm64) => "from a native terminal (Homebrew in /opt/homebrew), or the darwin-arm64 installer; then remove the Intel one from PATH".into(),
        (os, arch) => format!("the {os}-{arch} build, first on PATH"),
    }
}

/// `foreign-binary`: the active `go` cannot run on this host at all.
pub(super) fn foreign_binary(r: &Report) -> Vec<Finding> {
    let Some(g) = &r.active else {
        return Vec::new();
    };
    let Runs::No { reason } = &g.runs else {
        return Vec::new();
    };
    let d = Draft::new(
        Code::ForeignBinary,
        Severity::Error,
        format!(
            "the active go ({}) cannot run on this {} machine: {reason}",
            g.path.display(),
            r.host.host.name()
        ),
        "every `go` command fails with \"exec format error\" or \"bad CPU type in executable\"",
        install_go(r),
    )
    .hint(native_hint(r));
    vec![subjects(d, g).done()]
}

fn version_words(g: &GoOnPath) -> String {
    g.version
        .as_ref()
        .map_or("an unknown version".into(), ToString::to_string)
}

/// `rosetta-go`: an Intel `go` runs under Rosetta on an Apple Silicon Mac.
pub(super) fn rosetta_go(r: &Report) -> Vec<Finding> {
    let Some(g) = &r.active else {
        return Vec::new();
    };
    let Runs::Translated { by } = &g.runs else {
        return Vec::new();
    };
    if r.host.host.os != Os::Darwin {
        return Vec::new();
    }
    let d = Draft::new(
        Code::RosettaGo,
        Severity::Warning,
        format!(
            "the active go ({}, {}) is an Intel (amd64) build running under {by} on this Apple Silicon Mac",
            g.path.display(),
            version_words(g)
        ),
        "it builds amd64 binaries by default (GOARCH follows the go binary), runs slower, and cgo links against the wrong architecture",
        install_go(r),
    )
    .hint(native_hint(r));
    vec![subjects(d, g).done()]
}

/// `emulated-go`: the active `go` runs under an emulator (Linux binfmt_misc, qemu-user).
pub(super) fn emulated_go(r: &Report) -> Vec<Finding> {
    let Some(g) = &r.active else {
        return Vec::new();
    };
    let Runs::Translated { by } = &g.runs else {
        return Vec::new();
    };
    if r.host.host.os == Os::Darwin {
        return Vec::new();
    }
    let d = Draft::new(
        Code::EmulatedGo,
        Severity::Warning,
        format!(
            "the active go ({}, {}) is built for {} and runs under {by} on this {} machine",
            g.path.display(),
            version_words(g),
            g.archs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            r.host.host.name()
        ),
        "everything it does is emulated (many times slower), and it builds for its own architecture by default",
        install_go(r),
    )
    .hint(native_hint(r));
    vec![subjects(d, g).done()]
}

/// `unsigned-arm64`: macOS on Apple Silicon kills unsigned arm64 code at launch.
pub(super) fn unsigned_arm64(r: &Report) -> Vec<Finding> {
    let Some(g) = &r.active else {
        return Vec::new();
    };
    let host = &r.host.host;
    let runs_arm64 = g.arch.as_ref() == Some(&Arch::Arm64);
    if host.os != Os::Darwin || host.arch != Arch::Arm64 || !runs_arm64 {
        return Vec::new();
    }
    let what = match g.signature {
        Some(Signature::None) => "without a code signature",
        Some(Signature::Invalid) => "with a damaged code signature",
        _ => return Vec::new(),
    };
    let real = g.real_path.clone().unwrap_or_else(|| g.path.clone());
    vec![
        Draft::new(
            Code::UnsignedArm64,
            Severity::Error,
            format!(
                "the active go ({}) is an arm64 binary {what}",
                real.display()
            ),
            "macOS on Apple Silicon kills unsigned arm64 programs at launch (\"Killed: 9\")",
            Action::Command {
                argv: vec![
                    "codesign".into(),
                    "-s".into(),
                    "-".into(),
                    "--force".into(),
                    real.display().to_string(),
                ],
            },
        )
        .hint("an ad hoc signature; or reinstall Go")
        .subject(Role::GoBinary, real)
        .done(),
    ]
}

/// `quarantined`: the active `go` carries `com.apple.quarantine`. The fix covers the whole Go
/// tree: Archive Utility quarantines every file it extracts, the compiler and linker included.
pub(super) fn quarantined(r: &Report) -> Vec<Finding> {
    let Some(g) = &r.active else {
        return Vec::new();
    };
    // A file the user already opened and approved is not stopped again.
    let Some(q) = g.quarantine.as_ref().filter(|q| !q.user_approved) else {
        return Vec::new();
    };
    let real = g.real_path.clone().unwrap_or_else(|| g.path.clone());
    let tree = g.home_goroot.clone().unwrap_or_else(|| real.clone());
    let mut argv: Vec<String> = vec!["xattr".into()];
    if tree != real {
        argv.push("-r".into());
    }
    argv.extend([
        "-d".into(),
        "com.apple.quarantine".into(),
        tree.display().to_string(),
    ]);
    vec![
        Draft::new(
            Code::Quarantined,
            Severity::Warning,
            format!(
                "the active go ({}) is quarantined as a download from {}",
                real.display(),
                q.agent.as_deref().unwrap_or("an unknown app")
            ),
            "Gatekeeper may block it or ask before it runs, which fails in terminals and editors without a prompt",
            Action::Command { argv },
        )
        .subject(Role::GoBinary, real)
        .subject(Role::Goroot, tree)
        .done(),
    ]
}

/// `shadowed-go`: more than one Go install on PATH.
pub(super) fn shadowed_go(r: &Report) -> Vec<Finding> {
    let Some(active) = &r.active else {
        return Vec::new();
    };
    // Distinct binaries: two links to one `go` are one install.
    let key = |g: &GoOnPath| g.real_path.clone().unwrap_or_else(|| g.path.clone());
    let winner = key(active);
    let mut shadowed: Vec<&GoOnPath> = Vec::new();
    for g in r.go_on_path.iter().skip(1) {
        let k = key(g);
        if k != winner && !shadowed.iter().any(|s| key(s) == k) {
            shadowed.push(g);
        }
    }
    if shadowed.is_empty() {
        return Vec::new();
    }
    let describe = |g: &GoOnPath| {
        format!(
            "{} ({}, {})",
            g.path.display(),
            g.version
                .as_ref()
                .map_or("unknown version".into(), ToString::to_string),
            g.source.words()
        )
    };
    let mut d = Draft::new(
        Code::ShadowedGo,
        Severity::Warning,
        format!(
            "{} Go installs are on PATH: {} wins over {}",
            shadowed.len() + 1,
            describe(active),
            shadowed
                .iter()
                .map(|g| describe(g))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "which Go you get depends on PATH order, which differs between shells, editors and the app launcher; upgrades of the shadowed one change nothing",
        Action::Manual {
            steps: "keep one: remove the others' directories from PATH, or uninstall them".into(),
        },
    )
    .key("")
    .subject(Role::Go, active.path.clone());
    for g in shadowed {
        d = d.subject(Role::Go, g.path.clone());
    }
    vec![d.done()]
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;
    use crate::binary::Quarantine;
    use crate::install::Source;
    use crate::report::Installable;

    #[test]
    fn no_go_points_at_an_installation_or_says_install() {
        let mut r = fixture::report("darwin/arm64");
        let f = &no_go_on_path(&r)[0];
        assert_eq!(f.id, "no-go-on-path");
        assert!(matches!(
            &f.action,
            Action::Install { what: Installable::Go, argv, .. } if argv == &["brew", "install", "go"]
        ));
        r.installations = vec![fixture::install(
            "/usr/local/go1.23.4",
            "go1.23.4",
            Source::Tarball,
            Runs::Native,
        )];
        let f = &no_go_on_path(&r)[0];
        assert!(f.message.contains("/usr/local/go1.23.4"), "{}", f.message);
        assert!(
            f.fix
                .contains("export PATH=\"/usr/local/go1.23.4/bin:$PATH\""),
            "{}",
            f.fix
        );
        fixture::activate(
            &mut r,
            fixture::go(
                "/usr/local/go1.23.4/bin",
                "/usr/local/go1.23.4",
                "go1.23.4",
                "arm64",
            ),
        );
        assert!(no_go_on_path(&r).is_empty());
    }

    #[test]
    fn foreign_rosetta_and_emulated() {
        let mut r = fixture::report("darwin/arm64");
        let mut g = fixture::go("/usr/local/bin", "/usr/local/go", "go1.22.10", "amd64");
        g.runs = Runs::Translated {
            by: "Rosetta 2".into(),
        };
        fixture::activate(&mut r, g.clone());
        let f = &rosetta_go(&r)[0];
        assert!(matches!(
            f.action,
            Action::Install {
                what: Installable::Go,
                ..
            }
        ));
        assert!(emulated_go(&r).is_empty() && foreign_binary(&r).is_empty());
        let mut linux = fixture::report("linux/amd64");
        fixture::activate(&mut linux, g.clone());
        assert_eq!(emulated_go(&linux)[0].code, Code::EmulatedGo);
        assert!(rosetta_go(&linux).is_empty());
        g.runs = Runs::No {
            reason: "it is built for windows/amd64".into(),
        };
        fixture::activate(&mut r, g);
        let f = &foreign_binary(&r)[0];
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.subjects[0].role, Role::Go);
    }

    #[test]
    fn unsigned_arm64_only_for_the_arm64_slice_on_apple_silicon() {
        let mut r = fixture::report("darwin/arm64");
        let mut g = fixture::go("/opt/homebrew/bin", "/r", "go1.23.2", "arm64");
        g.signature = Some(Signature::None);
        fixture::activate(&mut r, g.clone());
        let f = &unsigned_arm64(&r)[0];
        assert!(
            matches!(&f.action, Action::Command { argv } if argv[..4] == ["codesign", "-s", "-", "--force"])
        );
        g.signature = Some(Signature::Adhoc);
        fixture::activate(&mut r, g.clone());
        assert!(unsigned_arm64(&r).is_empty());
        g.signature = Some(Signature::None);
        g.arch = Some(Arch::Amd64);
        fixture::activate(&mut r, g);
        assert!(
            unsigned_arm64(&r).is_empty(),
            "the amd64 slice is what runs"
        );
    }

    #[test]
    fn quarantine_fix_covers_the_whole_tree() {
        let mut r = fixture::report("darwin/arm64");
        let mut g = fixture::go("/usr/local/go/bin", "/usr/local/go", "go1.23.2", "arm64");
        g.quarantine = Some(Quarantine {
            flags: 0x83,
            time: None,
            agent: Some("Safari".into()),
            event: None,
            raw: "0083;;Safari;".into(),
            user_approved: false,
        });
        fixture::activate(&mut r, g.clone());
        let f = &quarantined(&r)[0];
        assert_eq!(f.fix, "xattr -r -d com.apple.quarantine /usr/local/go");
        if let Some(q) = g.quarantine.as_mut() {
            q.flags = 0x00c1;
            q.user_approved = true;
        }
        fixture::activate(&mut r, g);
        assert!(
            quarantined(&r).is_empty(),
            "approved once: Gatekeeper stays quiet"
        );
    }

    #[test]
    fn shadowing_counts_distinct_binaries() {
        let mut r = fixture::report("linux/amd64");
        let a = fixture::go("/usr/local/go/bin", "/usr/local/go", "go1.23.2", "amd64");
        let mut same = fixture::go("/usr/local/bin", "/usr/local/go", "go1.23.2", "amd64");
        same.path_index = 1;
        let mut other = fixture::go("/usr/bin", "/usr/lib/go-1.19", "go1.19.8", "amd64");
        other.path_index = 2;
        r.active = Some(a.clone());
        r.go_on_path = vec![a, same];
        assert!(shadowed_go(&r).is_empty(), "two links to one go");
        r.go_on_path.push(other);
        let f = &shadowed_go(&r)[0];
        assert!(f.message.starts_with("2 Go installs"), "{}", f.message);
        assert_eq!(f.subjects.len(), 2);
    }
}
