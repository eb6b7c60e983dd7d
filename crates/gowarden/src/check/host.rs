//! Checks on the host: gowarden itself under Rosetta, developer tools, Homebrew prefixes,
//! translated processes, the login shell and launchd's environment.

use crate::host::DeveloperDirKind;
use crate::report::{
    Action, Code, EnvOrigin, Finding, Installable, Report, Role, Severity, ShellFailure,
};
use crate::toolchain::SettingSource;

use super::{Draft, cgo_enabled, setting};

/// `self-translated`: the kernel says gowarden itself runs under Rosetta.
pub(super) fn self_translated(r: &Report) -> Vec<Finding> {
    if r.host.translated != Some(true) {
        return Vec::new();
    }
    vec![Draft::new(
        Code::SelfTranslated,
        Severity::Warning,
        format!(
            "gowarden itself is running as {} under Rosetta on this {} machine: the terminal or app that started it is translated",
            r.host.process_arch,
            r.host.host.arch
        ),
        "everything started from that terminal runs as x86_64 too: `uname -m` says x86_64, installers pick amd64, and go builds amd64",
        Action::Manual {
            steps: "quit the terminal, then in Finder › Applications › (the terminal) › Get Info, uncheck \"Open using Rosetta\" and reopen it".into(),
        },
    )
    .key("")
    .done()]
}

/// `missing-clt`: cgo is on, a `go` is there, and no developer directory has `xcrun`.
pub(super) fn missing_clt(r: &Report) -> Vec<Finding> {
    let Some(dev) = &r.host.developer_dir else {
        return Vec::new();
    };
    if r.go_on_path.is_empty() || !cgo_enabled(r) || dev.xcrun {
        return Vec::new();
    }
    let install = Action::Install {
        what: Installable::CommandLineTools,
        argv: vec!["xcode-select".into(), "--install".into()],
        url: None,
    };
    let dir = dev.path.as_deref().map_or_else(
        || "/Library/Developer/CommandLineTools".into(),
        |p| p.display().to_string(),
    );
    let why = format!(
        "any package using cgo (net, os/user, most database drivers) fails with: xcrun: error: invalid active developer path ({dir}), missing xcrun at: {dir}/usr/bin/xcrun"
    );
    let draft = match &dev.path {
        None => Draft::new(
            Code::MissingClt,
            Severity::Warning,
            "no Command Line Tools or Xcode is selected, and cgo is enabled",
            why,
            install,
        )
        .key(""),
        Some(p) => {
            let message = format!(
                "the active developer directory {} ({}) {}, and cgo is enabled",
                p.display(),
                dev.source.words(),
                if dev.exists {
                    "has no usr/bin/xcrun"
                } else {
                    "does not exist"
                }
            );
            let d = if dev.kind == DeveloperDirKind::Xcode {
                Draft::new(
                    Code::MissingClt,
                    Severity::Warning,
                    message,
                    why,
                    Action::Command {
                        argv: [
                            "sudo",
                            "xcode-select",
                            "--switch",
                            "/Library/Developer/CommandLineTools",
                        ]
                        .map(String::from)
                        .to_vec(),
                    },
                )
                .hint("or reinstall Xcode; if the tools are missing too: xcode-select --install")
            } else {
                Draft::new(Code::MissingClt, Severity::Warning, message, why, install)
            };
            d.subject(Role::DeveloperDir, p.clone())
        }
    };
    vec![draft.done()]
}

/// `dual-homebrew`: both the arm64 and the Intel Homebrew are installed.
pub(super) fn dual_homebrew(r: &Report) -> Vec<Finding> {
    if r.host.homebrew.len() != 2 {
        return Vec::new();
    }
    let describe = |i: usize| {
        let h = &r.host.homebrew[i];
        format!(
            "{} ({}) provides {}",
            h.prefix.display(),
            h.arch,
            h.go.as_deref().unwrap_or("no go")
        )
    };
    let mut d = Draft::new(
        Code::DualHomebrew,
        Severity::Warning,
        format!("both Homebrew prefixes are installed: {}; {}", describe(0), describe(1)),
        "whichever brew comes first on PATH installs and upgrades; the Intel one builds x86_64 bottles that run under Rosetta, and the two go installs drift apart",
        Action::Manual {
            steps: "keep the arm64 Homebrew (/opt/homebrew): move what you still need, then uninstall the Intel one (its uninstall script with --path=/usr/local)".into(),
        },
    )
    .key("");
    for h in &r.host.homebrew {
        d = d.subject(Role::HomebrewPrefix, h.prefix.clone());
    }
    vec![d.done()]
}

/// `translated-process`: shells, terminals, Go tools or editors run translated.
pub(super) fn translated_process(r: &Report) -> Vec<Finding> {
    let procs = &r.translated_processes;
    let Some(first) = procs.first() else {
        return Vec::new();
    };
    let list: Vec<String> = procs
        .iter()
        .take(5)
        .map(|p| format!("{} (pid {}, {})", p.name, p.pid, p.exe.display()))
        .collect();
    let more = procs.len().saturating_sub(5);
    let one = procs.len() == 1;
    let mut d = Draft::new(
        Code::TranslatedProcess,
        Severity::Warning,
        format!(
            "{} process{} that matter{} for Go work run{} translated by {}: {}{}",
            procs.len(),
            if one { "" } else { "es" },
            if one { "s" } else { "" },
            if one { "s" } else { "" },
            first.translator,
            list.join(", "),
            if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            }
        ),
        first.why.clone(),
        Action::Manual {
            steps: "quit them and start them natively: for an app, Finder › Get Info › uncheck \"Open using Rosetta\"; for a shell, start it from a native terminal (`arch -arm64 zsh`)".into(),
        },
    )
    // Pids change from scan to scan; the problem is the same one.
    .key("");
    for p in procs {
        d = d.subject(Role::Process, p.exe.clone());
    }
    vec![d.done()]
}

/// `login-shell-env-failed`: `--login-shell` (or the app) could not read the shell's environment.
pub(super) fn login_shell_env_failed(r: &Report) -> Vec<Finding> {
    let Some(ls) = r.login_shell.as_ref().filter(|ls| !ls.ok) else {
        return Vec::new();
    };
    let steps = match ls.reason {
        Some(ShellFailure::Timeout) => {
            "find what in your shell startup files waits or runs long (try: time $SHELL -i -l -c true)"
        }
        Some(ShellFailure::UnknownShell | ShellFailure::NoShell) => {
            "set SHELL to bash, zsh or fish (chsh -s /bin/zsh)"
        }
        _ => "run `$SHELL -i -l -c true` and fix what it reports",
    };
    vec![Draft::new(
        Code::LoginShellEnvFailed,
        Severity::Warning,
        format!(
            "could not read your login shell's environment ({}): {}; judged this process's environment instead",
            ls.reason.map_or("unknown", ShellFailure::as_str),
            ls.error.as_deref().unwrap_or("no details")
        ),
        "the menu-bar app and editors see the PATH and GOROOT your shell startup files set up; without them gowarden may judge a different go than your terminal runs",
        Action::Manual {
            steps: steps.into(),
        },
    )
    .key("")
    .done()]
}

/// `launchctl-env`: launchd hands GUI apps a GOROOT or PATH the shell does not have.
pub(super) fn launchctl_env(r: &Report) -> Vec<Finding> {
    let Some(lc) = &r.launchctl else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let shell_goroot = setting(r, "GOROOT")
        .filter(|(_, o)| *o == SettingSource::Env)
        .map(|(v, _)| v);
    if let Some(g) = &lc.goroot
        && shell_goroot != Some(g.as_str())
    {
        out.push(
            Draft::new(
                Code::LaunchctlEnv,
                Severity::Warning,
                format!(
                    "launchctl has GOROOT={g}, which GUI apps inherit, but your shell has {}",
                    shell_goroot.map_or_else(|| "no GOROOT".to_string(), |s| format!("GOROOT={s}"))
                ),
                "editors started from the Dock or Spotlight use a different Go tree than your terminal: builds there fail with version mismatches",
                Action::UnsetEnv {
                    var: "GOROOT".into(),
                    origin: EnvOrigin::Launchctl,
                },
            )
            .hint("and remove any `launchctl setenv GOROOT` from your startup files")
            .key("GOROOT")
            .subject(Role::GorootEnv, g.clone())
            .done(),
        );
    }
    if let (Some(lpath), Some(active)) = (&lc.path, &r.active) {
        let dir = active
            .path
            .parent()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        if !lpath.split(':').any(|e| e == dir) {
            out.push(
                Draft::new(
                    Code::LaunchctlEnv,
                    Severity::Warning,
                    format!(
                        "launchctl sets PATH for GUI apps without {dir}, where your shell finds go"
                    ),
                    "editors started from the Dock run a different go, or none",
                    Action::UnsetEnv {
                        var: "PATH".into(),
                        origin: EnvOrigin::Launchctl,
                    },
                )
                .hint(format!(
                    "or add it: launchctl setenv PATH \"{dir}:$(launchctl getenv PATH)\""
                ))
                .key("PATH")
                .subject(Role::PathEntry, dir)
                .done(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::fixture;
    use super::*;
    use crate::host::{DeveloperDir, DeveloperDirSource, HomebrewPrefix};
    use crate::procs::TranslatedProcess;
    use crate::report::LoginShellOutcome;
    use crate::shell::Launchctl;

    #[test]
    fn self_translated_only_when_the_kernel_says_so() {
        let mut r = fixture::report("darwin/arm64");
        for (t, n) in [(Some(true), 1), (Some(false), 0), (None, 0)] {
            r.host.translated = t;
            let found = self_translated(&r);
            assert_eq!(found.len(), n, "{t:?}");
            if let Some(f) = found.first() {
                assert_eq!(f.id, "self-translated");
                assert!(
                    matches!(&f.action, Action::Manual { steps } if steps.contains("Open using Rosetta"))
                );
            }
        }
    }

    fn dev(path: Option<&str>, kind: DeveloperDirKind, xcrun: bool) -> DeveloperDir {
        DeveloperDir {
            path: path.map(PathBuf::from),
            source: DeveloperDirSource::XcodeSelectLink,
            kind,
            exists: path.is_some(),
            xcrun,
        }
    }

    #[test]
    fn missing_clt_only_with_cgo_and_a_go() {
        let mut r = fixture::report("darwin/arm64");
        r.host.developer_dir = Some(dev(None, DeveloperDirKind::Other, false));
        assert!(
            missing_clt(&r).is_empty(),
            "no go on PATH: nothing to build"
        );
        fixture::activate(
            &mut r,
            fixture::go("/opt/homebrew/bin", "/r", "go1.23.2", "arm64"),
        );
        let f = &missing_clt(&r)[0];
        assert_eq!(
            f.action,
            Action::Install {
                what: Installable::CommandLineTools,
                argv: vec!["xcode-select".into(), "--install".into()],
                url: None
            }
        );
        fixture::set(&mut r, "CGO_ENABLED", "0", SettingSource::GoEnvFile);
        assert!(missing_clt(&r).is_empty(), "cgo off");
        r.settings.clear();
        r.host.developer_dir = Some(dev(
            Some("/Applications/Xcode.app/Contents/Developer"),
            DeveloperDirKind::Xcode,
            false,
        ));
        let f = &missing_clt(&r)[0];
        assert!(
            matches!(&f.action, Action::Command { argv } if argv[..3] == ["sudo", "xcode-select", "--switch"])
        );
        assert_eq!(f.subjects[0].role, Role::DeveloperDir);
        r.host.developer_dir = Some(dev(Some("/x"), DeveloperDirKind::CommandLineTools, true));
        assert!(missing_clt(&r).is_empty(), "xcrun present");
    }

    #[test]
    fn dual_homebrew_names_both_prefixes() {
        let mut r = fixture::report("darwin/arm64");
        let prefix = |p: &str, a: &str| HomebrewPrefix {
            prefix: p.into(),
            arch: a.parse().unwrap(),
            go: None,
        };
        r.host.homebrew = vec![prefix("/opt/homebrew", "arm64")];
        assert!(dual_homebrew(&r).is_empty());
        r.host.homebrew.push(prefix("/usr/local", "amd64"));
        let f = &dual_homebrew(&r)[0];
        assert_eq!(f.subjects.len(), 2);
        assert!(matches!(f.action, Action::Manual { .. }));
    }

    #[test]
    fn translated_processes_are_one_finding_with_a_stable_id() {
        let mut r = fixture::report("darwin/arm64");
        assert!(translated_process(&r).is_empty());
        r.translated_processes = (0..7)
            .map(|i| TranslatedProcess {
                pid: 100 + i,
                name: "zsh".into(),
                exe: "/bin/zsh".into(),
                translator: "Rosetta 2".into(),
                why: "a shell".into(),
            })
            .collect();
        let f = &translated_process(&r)[0];
        assert_eq!(f.id, "translated-process");
        assert!(
            f.message.starts_with("7 processes") && f.message.contains("and 2 more"),
            "{}",
            f.message
        );
        assert_eq!(f.subjects[0].role, Role::Process);
    }

    #[test]
    fn login_shell_failure_says_what_to_try() {
        let mut r = fixture::report("linux/amd64");
        let outcome = |ok, reason| LoginShellOutcome {
            shell: Some("/bin/zsh".into()),
            ok,
            reason,
            error: Some("it hung".into()),
            exit_code: None,
            elapsed_ms: None,
        };
        r.login_shell = Some(outcome(true, None));
        assert!(login_shell_env_failed(&r).is_empty());
        r.login_shell = Some(outcome(false, Some(ShellFailure::Timeout)));
        let f = &login_shell_env_failed(&r)[0];
        assert!(f.message.contains("(timeout)"), "{}", f.message);
        assert!(f.fix.contains("time $SHELL"), "{}", f.fix);
    }

    #[test]
    fn launchctl_goroot_that_the_shell_does_not_share() {
        let mut r = fixture::report("darwin/arm64");
        r.launchctl = Some(Launchctl {
            goroot: Some("/usr/local/go-1.20".into()),
            path: None,
        });
        let f = &launchctl_env(&r)[0];
        assert!(
            f.message.contains("GOROOT=/usr/local/go-1.20") && f.message.contains("no GOROOT"),
            "{}",
            f.message
        );
        assert_eq!(
            f.action,
            Action::UnsetEnv {
                var: "GOROOT".into(),
                origin: EnvOrigin::Launchctl
            }
        );
        assert_eq!(f.id, "launchctl-env:GOROOT");
        assert_eq!(f.fix.split("   ").next(), Some("launchctl unsetenv GOROOT"));
        fixture::set(&mut r, "GOROOT", "/usr/local/go-1.20", SettingSource::Env);
        assert!(launchctl_env(&r).is_empty());
    }

    #[test]
    fn launchctl_path_without_the_active_go() {
        let mut r = fixture::report("darwin/arm64");
        fixture::activate(
            &mut r,
            fixture::go("/opt/homebrew/bin", "/r", "go1.23.2", "arm64"),
        );
        r.launchctl = Some(Launchctl {
            goroot: None,
            path: Some("/usr/bin:/bin".into()),
        });
        let f = &launchctl_env(&r)[0];
        assert_eq!(f.id, "launchctl-env:PATH");
        assert!(
            f.fix.contains("/opt/homebrew/bin:$(launchctl getenv PATH)"),
            "{}",
            f.fix
        );
        r.launchctl = Some(Launchctl {
            goroot: None,
            path: Some("/opt/homebrew/bin:/usr/bin".into()),
        });
        assert!(launchctl_env(&r).is_empty());
    }
}
