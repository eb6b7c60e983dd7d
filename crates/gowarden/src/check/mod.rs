//! Findings: what is wrong, why it hurts, and what would fix it.
//!
//! Every check is a pure function of a [`Report`]'s facts: no filesystem, environment or
//! clock reads here (the scan collected everything). One function per finding [`Code`], run
//! from one list, [`CHECKS`]; adding a finding touches that list, its function and its test.

mod active;
mod env;
mod goroot;
mod host;
mod links;
mod path;
mod toolchain;
mod watch;

use std::path::{Path, PathBuf};

use crate::host::Runs;
use crate::install::{Installation, Source};
use crate::platform::Os;
use crate::report::{
    Action, Candidate, Code, EnvOrigin, Finding, LinkKind, Report, Role, Severity, Subject,
};
use crate::toolchain::SettingSource;
use crate::version::GoVersion;

/// A check: the findings of one code for a report's facts.
pub type Check = fn(&Report) -> Vec<Finding>;

/// Every check, by the code it reports.
pub const CHECKS: &[(Code, Check)] = &[
    (Code::NoGoOnPath, active::no_go_on_path),
    (Code::DanglingSymlink, links::dangling_symlink),
    (Code::SymlinkLoop, links::symlink_loop),
    (Code::GorootNotFound, goroot::goroot_not_found),
    (Code::GorootEnvInvalid, goroot::goroot_env_invalid),
    (Code::GorootEnvMismatch, goroot::goroot_env_mismatch),
    (Code::VersionMismatch, goroot::version_mismatch),
    (Code::GorootIncomplete, goroot::goroot_incomplete),
    (Code::ForeignBinary, active::foreign_binary),
    (Code::RosettaGo, active::rosetta_go),
    (Code::EmulatedGo, active::emulated_go),
    (Code::UnsignedArm64, active::unsigned_arm64),
    (Code::Quarantined, active::quarantined),
    (Code::ShadowedGo, active::shadowed_go),
    (Code::GoarchEnvForeign, env::goarch_env_foreign),
    (Code::GotoolchainSwitch, env::gotoolchain_switch),
    (Code::GotoolchainInvalid, env::gotoolchain_invalid),
    (Code::ToolchainUnavailable, toolchain::toolchain_unavailable),
    (Code::ModuleNeedsNewerGo, toolchain::module_needs_newer_go),
    (Code::GoLineInvalid, toolchain::go_line_invalid),
    (Code::GoworkMissing, env::gowork_missing),
    (Code::GoosGoarchUnsupported, env::goos_goarch_unsupported),
    (Code::WritablePathDir, path::writable_path_dir),
    (Code::RelativePathEntry, path::relative_path_entry),
    (Code::SelfTranslated, host::self_translated),
    (Code::MissingClt, host::missing_clt),
    (Code::DualHomebrew, host::dual_homebrew),
    (Code::TranslatedProcess, host::translated_process),
    (Code::LoginShellEnvFailed, host::login_shell_env_failed),
    (Code::LaunchctlEnv, host::launchctl_env),
    (Code::WatchDegraded, watch::watch_degraded),
];

/// Runs every check on `report`'s facts (its own `findings` are ignored): errors first.
pub fn run(report: &Report) -> Vec<Finding> {
    let mut out: Vec<Finding> = CHECKS.iter().flat_map(|(_, check)| check(report)).collect();
    out.sort_by_key(|f| f.severity);
    out
}

/// A finding being built: the action decides the `fix` sentence, the first subject (or an
/// explicit key) the `id`.
pub(crate) struct Draft {
    code: Code,
    severity: Severity,
    message: String,
    why: String,
    action: Action,
    hint: Option<String>,
    subjects: Vec<Subject>,
    key: Option<String>,
}

impl Draft {
    pub(crate) fn new(
        code: Code,
        severity: Severity,
        message: impl Into<String>,
        why: impl Into<String>,
        action: Action,
    ) -> Draft {
        Draft {
            code,
            severity,
            message: message.into(),
            why: why.into(),
            action,
            hint: None,
            subjects: Vec::new(),
            key: None,
        }
    }

    /// Adds a path the finding is about; the first one keys the id.
    pub(crate) fn subject(mut self, role: Role, path: impl Into<PathBuf>) -> Draft {
        self.subjects.push(Subject {
            role,
            path: path.into(),
            line: None,
        });
        self
    }

    /// Adds a file and line the finding is about.
    pub(crate) fn subject_line(mut self, role: Role, path: &Path, line: usize) -> Draft {
        self.subjects.push(Subject {
            role,
            path: path.to_path_buf(),
            line: Some(line),
        });
        self
    }

    /// Words appended to the fix: an alternative or a caveat.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Draft {
        self.hint = Some(hint.into());
        self
    }

    /// Keys the id on this instead of the first subject (`""` for the code alone).
    pub(crate) fn key(mut self, key: impl Into<String>) -> Draft {
        self.key = Some(key.into());
        self
    }

    /// Whether the action is a relink.
    pub(crate) fn is_relink(&self) -> bool {
        matches!(self.action, Action::Relink { .. })
    }

    pub(crate) fn done(self) -> Finding {
        let key = self.key.unwrap_or_else(|| {
            self.subjects
                .first()
                .map(|s| s.path.display().to_string())
                .unwrap_or_default()
        });
        let id = if key.is_empty() {
            self.code.as_str().to_string()
        } else {
            format!("{}:{key}", self.code.as_str())
        };
        let mut fix = self.action.sentence();
        if let Some(h) = self.hint {
            fix = format!("{fix}   ({h})");
        }
        Finding {
            id,
            code: self.code,
            severity: self.severity,
            message: self.message,
            why: self.why,
            fix,
            subjects: self.subjects,
            action: self.action,
        }
    }
}

/// The value of a Go setting and where it comes from.
pub(crate) fn setting<'a>(r: &'a Report, name: &str) -> Option<(&'a str, SettingSource)> {
    r.settings.get(name).map(|s| (s.value.as_str(), s.origin))
}

/// cgo is on unless CGO_ENABLED=0.
pub(crate) fn cgo_enabled(r: &Report) -> bool {
    setting(r, "CGO_ENABLED").map(|(v, _)| v) != Some("0")
}

/// How to unset a variable given where it was read from.
pub(crate) fn unset(var: &str, origin: SettingSource) -> Action {
    Action::UnsetEnv {
        var: var.to_string(),
        origin: match origin {
            SettingSource::GoEnvFile => EnvOrigin::GoEnvFile,
            _ => EnvOrigin::Environment,
        },
    }
}

/// An installation a fix may point at: healthy, runnable on this host, and not a GOTOOLCHAIN
/// download that `go clean -modcache` removes.
fn worth_pointing_at(i: &Installation) -> bool {
    i.healthy && i.source != Source::ToolchainCache && !matches!(i.runs, Runs::No { .. })
}

/// A healthy installation to point users at, preferring `version`, native ones, newer ones.
pub(crate) fn best_installation<'a>(
    r: &'a Report,
    version: Option<&GoVersion>,
) -> Option<&'a Installation> {
    r.installations
        .iter()
        .filter(|i| worth_pointing_at(i))
        .max_by(|a, b| {
            let same = |i: &Installation| version.is_some_and(|v| i.version.as_ref() == Some(v));
            let native = |i: &Installation| i.runs == Runs::Native;
            (same(a), native(a), &a.version).cmp(&(same(b), native(b), &b.version))
        })
}

/// Healthy targets for a link of `kind` whose old target belonged to `owner`, best first:
/// same source as the broken target, runs natively on the host, newest. `relative_to` is the
/// link's directory when the old target was relative (the new one is then relative too).
pub(crate) fn candidates(
    r: &Report,
    kind: LinkKind,
    owner: Source,
    relative_to: Option<&Path>,
) -> Vec<Candidate> {
    let mut usable: Vec<&Installation> = r
        .installations
        .iter()
        .filter(|i| worth_pointing_at(i))
        // Homebrew's links belong to Homebrew: point them at its kegs or let it relink them.
        .filter(|i| owner != Source::Homebrew || i.source == Source::Homebrew)
        .collect();
    usable.sort_by(|a, b| {
        let rank = |i: &Installation| (i.source == owner, i.runs == Runs::Native);
        (rank(b), &b.version).cmp(&(rank(a), &a.version))
    });
    usable
        .into_iter()
        .map(|i| {
            // Homebrew's links go through the keg (`Cellar/go/1.23.4/bin/go`), not libexec.
            let keg = (i.source == Source::Homebrew && i.goroot.ends_with("libexec"))
                .then(|| i.goroot.parent())
                .flatten();
            let absolute = match (kind, keg) {
                (LinkKind::GoBinary, Some(k)) => k.join("bin/go"),
                (LinkKind::GoBinary, None) => i.goroot.join("bin/go"),
                (LinkKind::BinDir, Some(k)) => k.join("bin"),
                (LinkKind::BinDir, None) => i.goroot.join("bin"),
                (LinkKind::Goroot, _) => i.goroot.clone(),
            };
            let target = match relative_to {
                Some(dir) => relative(dir, &absolute),
                None => absolute,
            };
            Candidate {
                target,
                goroot: i.goroot.clone(),
                version: i.version.clone(),
                archs: i.archs.clone(),
                source: i.source,
                native: i.runs == Runs::Native,
            }
        })
        .collect()
}

/// `to` relative to the directory `from`, lexically (both absolute): `../Cellar/go/1.23.4/bin/go`.
pub(crate) fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to_parts: Vec<_> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    // Nothing shared but the root: an absolute target reads better than `../../..`.
    if common <= 1 {
        return to.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to_parts[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// How to install a native Go on this host.
pub(crate) fn install_go(r: &Report) -> Action {
    match r.host.host.os {
        Os::Darwin => Action::Install {
            what: crate::report::Installable::Go,
            argv: vec!["brew".into(), "install".into(), "go".into()],
            url: Some("https://go.dev/dl".into()),
        },
        _ => Action::Install {
            what: crate::report::Installable::Go,
            argv: Vec::new(),
            url: Some("https://go.dev/dl".into()),
        },
    }
}

/// How to reinstall a Go that came from `source`.
pub(crate) fn reinstall(source: Source) -> Action {
    let argv = |a: &[&str]| Action::Command {
        argv: a.iter().map(|s| s.to_string()).collect(),
    };
    let manual = |s: &str| Action::Manual {
        steps: s.to_string(),
    };
    match source {
        Source::Homebrew => argv(&["brew", "reinstall", "go"]),
        Source::Official => {
            manual("reinstall from the installer at https://go.dev/dl (it replaces /usr/local/go)")
        }
        Source::Sdk => manual("rm -rf the sdk directory and run `goX.Y.Z download` again"),
        Source::Goenv => manual("goenv uninstall <version> && goenv install <version>"),
        Source::Asdf => manual("asdf uninstall golang <version> && asdf install golang <version>"),
        Source::Mise => manual("mise uninstall go@<version> && mise install go@<version>"),
        Source::Gvm => manual("gvm uninstall <version> && gvm install <version>"),
        Source::ToolchainCache => argv(&["go", "clean", "-modcache"]),
        Source::Distro => manual("reinstall your distribution's golang package"),
        Source::Tarball | Source::Unknown => manual("reinstall Go from https://go.dev/dl"),
    }
}

#[cfg(test)]
pub(crate) mod fixture {
    //! Hand-built facts for the checks' unit tests.

    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use crate::binary::Format;
    use crate::context::Host;
    use crate::goroot::{EnvFile, Goroot, GorootSource};
    use crate::host::{HostFacts, Runs};
    use crate::install::{Installation, Source};
    use crate::report::{Environment, GoOnPath, Report, Setting, Status};
    use crate::symlink::Hop;
    use crate::toolchain::SettingSource;

    /// An empty report for `host` (`darwin/arm64`): no PATH, no go, nothing installed.
    pub fn report(host: &str) -> Report {
        Report {
            schema: crate::report::SCHEMA,
            host: HostFacts {
                host: host.parse::<Host>().expect("test host"),
                process_arch: "arm64".parse().expect("arch"),
                translated: Some(false),
                rosetta: Some(true),
                developer_dir: None,
                homebrew: Vec::new(),
                os_version: None,
                chip: None,
            },
            environment: Environment::Process,
            login_shell: None,
            translated_processes: Vec::new(),
            startup_files: Vec::new(),
            goroot_assignments: Vec::new(),
            launchctl: None,
            settings: BTreeMap::new(),
            active: None,
            handed_to: None,
            go_on_path: Vec::new(),
            path: Vec::new(),
            links: Vec::new(),
            installations: Vec::new(),
            install_roots: Vec::new(),
            gotoolchain: None,
            effective: None,
            go_env_file: None,
            module_cache: None,
            watch: None,
            findings: Vec::new(),
            status: Status::Ok,
        }
    }

    /// A native, healthy `go` at `dir/go` in a Go tree at `root`, version `v`.
    pub fn go(dir: &str, root: &str, v: &str, arch: &str) -> GoOnPath {
        let path = PathBuf::from(dir).join("go");
        let real = PathBuf::from(root).join("bin/go");
        GoOnPath {
            chain: if path == real {
                vec![Hop {
                    path: path.clone(),
                    target: None,
                }]
            } else {
                vec![
                    Hop {
                        path: path.clone(),
                        target: Some(real.clone()),
                    },
                    Hop {
                        path: real.clone(),
                        target: None,
                    },
                ]
            },
            path,
            path_index: 0,
            real_path: Some(real),
            format: Format::Macho,
            version: Some(v.parse().expect("version")),
            os: Some("darwin".parse().expect("os")),
            arch: Some(arch.parse().expect("arch")),
            archs: vec![arch.parse().expect("arch")],
            signature: None,
            quarantine: None,
            interpreter: None,
            runs: Runs::Native,
            goroot: Some(root.into()),
            goroot_source: Some(GorootSource::ResolvedExecutable),
            goroot_info: Some(Goroot {
                path: root.into(),
                exists: true,
                is_goroot: true,
                version: Some(v.parse().expect("version")),
                go_env: EnvFile::default(),
                tool_dir: Some(PathBuf::from(root).join(format!("pkg/tool/darwin_{arch}"))),
                tool_dir_exists: true,
            }),
            home_goroot: Some(root.into()),
            source: Source::Homebrew,
            why: "the first go on PATH".into(),
            error: None,
        }
    }

    /// A healthy installation.
    pub fn install(root: &str, v: &str, source: Source, runs: Runs) -> Installation {
        Installation {
            goroot: root.into(),
            version: Some(v.parse().expect("version")),
            archs: vec!["arm64".parse().expect("arch")],
            source,
            healthy: true,
            problems: Vec::new(),
            on_path: false,
            runs,
        }
    }

    /// Sets a Go setting as read from `origin`.
    pub fn set(r: &mut Report, name: &str, value: &str, origin: SettingSource) {
        r.settings.insert(
            name.into(),
            Setting {
                value: value.into(),
                origin,
            },
        );
    }

    /// Makes `g` the only (and active) `go`.
    pub fn activate(r: &mut Report, g: GoOnPath) {
        r.active = Some(g.clone());
        r.go_on_path = vec![g];
    }

    /// GOTOOLCHAIN=auto from `$GOROOT/go.env` with the bundled go1.23.2 and `/w/go.mod` saying
    /// `go 1.24.0`: a switch to go1.24.0 from `provider`.
    pub fn switch(provider: crate::toolchain::Provider) -> crate::toolchain::Toolchain {
        crate::toolchain::Toolchain {
            value: "auto".into(),
            source: SettingSource::GorootGoEnv,
            mode: crate::toolchain::Mode::Auto,
            local: Some("go1.23.2".into()),
            module_file: Some(PathBuf::from("/w/go.mod")),
            go_line: Some("1.24.0".into()),
            toolchain_line: None,
            selected: crate::toolchain::Selected::Toolchain("go1.24.0".into()),
            provider,
            reason: "go.mod requires go 1.24.0".into(),
            error: None,
            gowork_problem: None,
            sumdb_cached: None,
        }
    }

    /// What runs: version `v` with GOROOT `root`, reached `via`.
    pub fn effective(v: &str, root: &str, via: crate::report::Via) -> crate::report::Effective {
        crate::report::Effective {
            go: Some(PathBuf::from(root).join("bin/go")),
            version: Some(v.parse().expect("version")),
            goroot: Some(PathBuf::from(root)),
            via,
            wrapper: None,
            present: true,
            decided_by: None,
            installs_on_demand: false,
            why: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_exactly_one_check() {
        for code in Code::ALL {
            let n = CHECKS.iter().filter(|(c, _)| c == code).count();
            assert_eq!(n, 1, "{code} has {n} checks");
        }
        assert_eq!(CHECKS.len(), Code::ALL.len());
    }

    #[test]
    fn checks_report_only_their_own_code() {
        // A report with a bit of everything wrong.
        let mut r = fixture::report("darwin/arm64");
        r.host.translated = Some(true);
        let mut g = fixture::go("/usr/local/bin", "/opt/x/go", "go1.23.2", "amd64");
        g.runs = Runs::Translated {
            by: "Rosetta 2".into(),
        };
        fixture::activate(&mut r, g);
        fixture::set(&mut r, "GOARCH", "amd64", SettingSource::Env);
        for (code, check) in CHECKS {
            for f in check(&r) {
                assert_eq!(f.code, *code, "{}", f.id);
                assert!(f.id.starts_with(code.as_str()), "{}", f.id);
            }
        }
    }

    #[test]
    fn relative_paths_are_lexical() {
        assert_eq!(
            relative(
                Path::new("/opt/homebrew/bin"),
                Path::new("/opt/homebrew/Cellar/go/1.23.4/bin/go")
            ),
            PathBuf::from("../Cellar/go/1.23.4/bin/go")
        );
        assert_eq!(
            relative(Path::new("/usr/local"), Path::new("/usr/local/go1.23.4")),
            PathBuf::from("go1.23.4")
        );
    }

    #[test]
    fn candidates_rank_same_source_then_native_then_newest() {
        let mut r = fixture::report("darwin/arm64");
        let rosetta = Runs::Translated {
            by: "Rosetta 2".into(),
        };
        r.installations = vec![
            fixture::install("/sdk/go1.24.0", "go1.24.0", Source::Sdk, Runs::Native),
            fixture::install(
                "/opt/homebrew/Cellar/go/1.23.4/libexec",
                "go1.23.4",
                Source::Homebrew,
                Runs::Native,
            ),
            fixture::install(
                "/opt/homebrew/Cellar/go/1.23.9/libexec",
                "go1.23.9",
                Source::Homebrew,
                rosetta,
            ),
            fixture::install(
                "/opt/homebrew/Cellar/go/1.22.1/libexec",
                "go1.22.1",
                Source::Homebrew,
                Runs::Native,
            ),
        ];
        let c = candidates(
            &r,
            LinkKind::GoBinary,
            Source::Homebrew,
            Some(Path::new("/opt/homebrew/bin")),
        );
        let targets: Vec<_> = c.iter().map(|c| c.target.display().to_string()).collect();
        assert_eq!(
            targets,
            [
                "../Cellar/go/1.23.4/bin/go",
                "../Cellar/go/1.22.1/bin/go",
                "../Cellar/go/1.23.9/bin/go",
            ],
            "Homebrew's link only gets Homebrew's kegs"
        );
        assert!(c[0].native && !c[2].native);
        let c = candidates(&r, LinkKind::Goroot, Source::Sdk, None);
        let roots: Vec<_> = c.iter().map(|c| c.target.display().to_string()).collect();
        assert_eq!(
            roots,
            [
                "/sdk/go1.24.0",
                "/opt/homebrew/Cellar/go/1.23.4/libexec",
                "/opt/homebrew/Cellar/go/1.22.1/libexec",
                "/opt/homebrew/Cellar/go/1.23.9/libexec",
            ]
        );
    }
}
