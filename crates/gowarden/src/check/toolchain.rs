//! Checks on the toolchain that really runs ([`crate::report::Effective`]): is it there, can
//! GOTOOLCHAIN get it, and is it new enough for the module.

use crate::managers::Decider;
use crate::report::{Action, Code, Finding, Report, Role, Severity, Via};
use crate::toolchain::{Provider, Selected, valid_go_line};
use crate::version::GoVersion;

use crate::toolchain::SettingSource;

use super::{Draft, setting, unset};

/// `toolchain-unavailable`: what would run is not here, and go cannot fetch it.
pub(super) fn toolchain_unavailable(r: &Report) -> Vec<Finding> {
    let module = r.gotoolchain.as_ref().and_then(|t| t.module_file.clone());
    let with_module = |d: Draft| match &module {
        Some(m) => d.subject(Role::ModuleFile, m.clone()),
        None => d,
    };
    let missing = r.effective.as_ref().filter(|e| !e.present);
    match missing.map(|e| (e, e.via)) {
        Some((e, Via::GolangDl)) => {
            let name = selected_name(r).unwrap_or_default();
            let sdk = e.goroot.clone().unwrap_or_default();
            let wrapper = e.wrapper.clone().unwrap_or_default();
            let d = Draft::new(
                Code::ToolchainUnavailable,
                Severity::Error,
                format!(
                    "{name}: not downloaded: GOTOOLCHAIN runs the golang.org/dl wrapper {}, whose SDK {} is missing or unfinished (no .unpacked-success)",
                    wrapper.display(),
                    sdk.display()
                ),
                format!("every go command here fails with \"{name}: not downloaded\""),
                Action::Command {
                    argv: vec![wrapper.display().to_string(), "download".into()],
                },
            )
            .subject(Role::Wrapper, wrapper)
            .subject(Role::Goroot, sdk);
            vec![with_module(d).done()]
        }
        Some((e, Via::ExecScript)) => {
            let script = e.wrapper.clone().unwrap_or_default();
            let target = e.go.clone().unwrap_or_default();
            let d = Draft::new(
                Code::ToolchainUnavailable,
                Severity::Error,
                format!(
                    "the `go` on PATH is a wrapper script, {}, that execs {}, which is missing or not a Go toolchain",
                    script.display(),
                    target.display()
                ),
                "every go command fails in the script's exec (\"not found\")",
                Action::Manual {
                    steps: format!(
                        "point the exec line of {} at an installed go, or remove the script",
                        script.display()
                    ),
                },
            )
            .subject(Role::Wrapper, script)
            .subject(Role::GoBinary, target);
            vec![d.done()]
        }
        Some((e, Via::VersionManager)) => {
            let shim = e.wrapper.clone().unwrap_or_default();
            let (severity, why) = if e.installs_on_demand {
                (
                    Severity::Warning,
                    "mise installs a missing version the first time its shim runs: that needs the network, and until it succeeds go commands fail".to_string(),
                )
            } else {
                (
                    Severity::Error,
                    format!("every go command here fails with: {}", e.why),
                )
            };
            let fix = match &e.decided_by {
                Some(Decider::File { path }) => format!(
                    "install that version with the manager, or change it in {}",
                    path.display()
                ),
                Some(Decider::Env { var }) => {
                    format!("install that version with the manager, or unset {var}")
                }
                _ => "choose an installed version with the manager (goenv global, asdf set, mise use)".into(),
            };
            let mut d = Draft::new(
                Code::ToolchainUnavailable,
                severity,
                format!(
                    "the `go` on PATH is a version manager's shim, {}, that runs no installed Go here: {}{}",
                    shim.display(),
                    e.why,
                    if e.installs_on_demand {
                        "; mise downloads it on first use, which needs the network"
                    } else {
                        ""
                    }
                ),
                why,
                Action::Manual { steps: fix },
            )
            .subject(Role::Wrapper, shim);
            if let Some(Decider::File { path }) = &e.decided_by {
                d = d.subject(Role::VersionFile, path.clone());
            }
            vec![d.done()]
        }
        _ => switch_blocked(r)
            .map(with_module)
            .map(Draft::done)
            .into_iter()
            .collect(),
    }
}

/// A GOTOOLCHAIN switch that cannot happen here, from the same settings go reads.
pub(super) fn switch_blocked(r: &Report) -> Option<Draft> {
    let t = r
        .gotoolchain
        .as_ref()
        .filter(|t| t.error.is_none() && t.switches())?;
    let Selected::Toolchain(name) = &t.selected else {
        return None;
    };
    let sumdb_off = setting(r, "GOSUMDB").is_some_and(|(v, _)| v == "off") && toolchain_sumdb(r);
    let proxy_off = setting(r, "GOPROXY")
        .is_some_and(|(v, _)| v.split([',', '|']).next().map(str::trim) == Some("off"));
    let language = crate::toolchain::version_of_toolchain(name)
        .is_some_and(|v| crate::toolchain::language_only(&v));
    let (message, why, action) = match &t.provider {
        Provider::Unavailable => (
            format!(
                "{}, but {name} is not on PATH and GOTOOLCHAIN forbids downloads",
                t.reason
            ),
            format!("go commands here fail with: go: cannot find \"{name}\" in PATH"),
            Action::Manual {
                steps: format!(
                    "install {name} (go install golang.org/dl/{name}@latest && {name} download), or set GOTOOLCHAIN=auto"
                ),
            },
        ),
        Provider::Download if language => (
            format!(
                "{}: {name} is a language version, not a toolchain",
                t.reason
            ),
            format!(
                "go commands here fail with: invalid toolchain: {name} is a language version but not a toolchain version ({name}.x)"
            ),
            Action::Manual {
                steps: format!("name a release such as {name}.0 instead of {name}"),
            },
        ),
        Provider::Download | Provider::ModuleCache(_) if sumdb_off => (
            format!(
                "{}, but GOSUMDB=off: go verifies every toolchain it switches to against the checksum database",
                t.reason
            ),
            format!(
                "go commands here fail with: golang.org/toolchain@...{name}...: verifying module: checksum database disabled by GOSUMDB=off (GOPRIVATE and GONOSUMDB do not exempt toolchains)"
            ),
            unset(
                "GOSUMDB",
                setting(r, "GOSUMDB").map_or(SettingSource::Env, |(_, o)| o),
            ),
        ),
        Provider::Download if proxy_off => (
            format!(
                "{}, but {name} is not on this machine and GOPROXY=off forbids the download",
                t.reason
            ),
            format!(
                "go commands here fail with: go: download {name} for {}: toolchain not available",
                r.host.host.name()
            ),
            Action::Manual {
                steps: format!(
                    "put {name} on PATH (go install golang.org/dl/{name}@latest && {name} download), or allow the download by unsetting GOPROXY=off"
                ),
            },
        ),
        _ => return None,
    };
    Some(
        Draft::new(
            Code::ToolchainUnavailable,
            Severity::Error,
            message,
            why,
            action,
        )
        .key(name.clone()),
    )
}

/// Whether go checks a toolchain it switches to against the checksum database: cmd/go's
/// `modfetch.useSumDB` for `golang.org/toolchain`. Toolchains cannot be listed in go.sum, so
/// it does even with GOSUMDB=off or a GONOSUMDB that matches, except when GOPROXY is exactly
/// one `file://` entry (testing a distpack): then as for any module, unless GOSUMDB=off or
/// GONOSUMDB (else GOPRIVATE) matches `golang.org/toolchain`.
pub(crate) fn toolchain_sumdb(r: &Report) -> bool {
    let proxy = setting(r, "GOPROXY").map_or("", |(v, _)| v);
    let one_file_proxy = proxy.starts_with("file://") && !proxy.contains([',', '|']);
    if !one_file_proxy {
        return true;
    }
    let off = setting(r, "GOSUMDB").is_some_and(|(v, _)| v == "off");
    let exempt = ["GONOSUMDB", "GOPRIVATE"]
        .iter()
        .find_map(|k| setting(r, k).map(|(v, _)| v).filter(|v| !v.is_empty()))
        .is_some_and(|patterns| match_prefix_patterns(patterns, "golang.org/toolchain"));
    !off && !exempt
}

/// `module.MatchPrefixPatterns`: whether a comma-separated list of glob patterns matches a
/// prefix of `target`'s path elements (a pattern with N slashes against its first N+1).
fn match_prefix_patterns(patterns: &str, target: &str) -> bool {
    patterns
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .any(|p| {
            let n = p.matches('/').count() + 1;
            let elems: Vec<&str> = target.split('/').collect();
            elems.len() >= n && glob(p, &elems[..n].join("/"))
        })
}

/// `path.Match` for `*` and `?` (neither crosses a `/`) and literal text.
fn glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], n) || (!n.is_empty() && n[0] != b'/' && go(p, &n[1..])),
            (Some(b'?'), Some(&c)) => c != b'/' && go(&p[1..], &n[1..]),
            (Some(a), Some(b)) => a == b && go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

fn selected_name(r: &Report) -> Option<String> {
    match &r.gotoolchain.as_ref()?.selected {
        Selected::Toolchain(n) => Some(n.clone()),
        Selected::Local => None,
    }
}

/// `module-needs-newer-go`: the module's go line asks for more than the toolchain that runs
/// (GOTOOLCHAIN=local, or pinned to an older release): go refuses to build it.
pub(super) fn module_needs_newer_go(r: &Report) -> Vec<Finding> {
    let (Some(t), Some(e)) = (&r.gotoolchain, &r.effective) else {
        return Vec::new();
    };
    let (Some(file), Some(line)) = (&t.module_file, &t.go_line) else {
        return Vec::new();
    };
    let (Some(needed), Some(running)) = (
        line.parse::<GoVersion>()
            .ok()
            .filter(|_| valid_go_line(line)),
        &e.version,
    ) else {
        return Vec::new();
    };
    // Before Go 1.21 the go line was advice: the build went ahead (and only mentioned it when
    // compiling failed).
    let enforces = running.language().is_some_and(|l| l >= (1, 21));
    if needed <= *running || !e.present || !enforces {
        return Vec::new();
    }
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let d = Draft::new(
        Code::ModuleNeedsNewerGo,
        Severity::Error,
        format!(
            "{name} requires go >= {line}, but go {running} runs here (GOTOOLCHAIN={} from {})",
            t.value,
            t.source.words()
        ),
        format!(
            "every build in this module fails with: go: {name} requires go >= {line} (running go {running}; GOTOOLCHAIN={})",
            t.value
        ),
        Action::Manual {
            steps: format!(
                "install go {line} or newer and put it first on PATH, or let go fetch it with GOTOOLCHAIN=auto"
            ),
        },
    )
    .subject(Role::ModuleFile, file.clone());
    vec![d.done()]
}

/// `go-line-invalid`: the module's go line is not a version go accepts.
pub(super) fn go_line_invalid(r: &Report) -> Vec<Finding> {
    let Some(t) = &r.gotoolchain else {
        return Vec::new();
    };
    let (Some(file), Some(line)) = (&t.module_file, &t.go_line) else {
        return Vec::new();
    };
    if valid_go_line(line) {
        return Vec::new();
    }
    let d = Draft::new(
        Code::GoLineInvalid,
        Severity::Error,
        format!("the go line of {} says {line:?}, which is not a Go version", file.display()),
        format!("every go command in this module fails with: invalid go version '{line}': must match format 1.23.0"),
        Action::Manual {
            steps: format!("write a version such as 1.23.0 on the go line of {}", file.display()),
        },
    )
    .subject(Role::ModuleFile, file.clone());
    vec![d.done()]
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::fixture;
    use super::*;

    fn switched(provider: Provider) -> Report {
        let mut r = fixture::report("linux/amd64");
        r.gotoolchain = Some(fixture::switch(provider));
        r
    }

    #[test]
    fn downloads_that_settings_forbid() {
        let mut r = switched(Provider::Download);
        assert!(toolchain_unavailable(&r).is_empty(), "the network decides");
        fixture::set(&mut r, "GOPROXY", "off", SettingSource::GoEnvFile);
        let f = &toolchain_unavailable(&r)[0];
        assert_eq!(
            (f.code, f.severity),
            (Code::ToolchainUnavailable, Severity::Error)
        );
        assert_eq!(f.id, "toolchain-unavailable:go1.24.0");
        assert!(f.why.contains("toolchain not available"), "{}", f.why);
        fixture::set(
            &mut r,
            "GOPROXY",
            "https://proxy.golang.org,off",
            SettingSource::Env,
        );
        assert!(
            toolchain_unavailable(&r).is_empty(),
            "the proxy is asked first"
        );

        let mut r = switched(Provider::ModuleCache(PathBuf::from("/mc/tc")));
        assert!(toolchain_unavailable(&r).is_empty());
        fixture::set(&mut r, "GOSUMDB", "off", SettingSource::Env);
        let f = &toolchain_unavailable(&r)[0];
        assert!(
            f.why.contains("checksum database disabled by GOSUMDB=off"),
            "{}",
            f.why
        );
        assert!(f.fix.starts_with("unset GOSUMDB"), "{}", f.fix);

        let r = switched(Provider::Unavailable);
        let f = &toolchain_unavailable(&r)[0];
        assert!(
            f.why.contains("cannot find \"go1.24.0\" in PATH"),
            "{}",
            f.why
        );
        assert!(
            matches!(&f.action, Action::Manual { steps } if steps.contains("golang.org/dl/go1.24.0"))
        );
    }

    #[test]
    fn a_language_version_is_not_a_toolchain() {
        let mut t = fixture::switch(Provider::Download);
        t.selected = Selected::Toolchain("go1.24".into());
        let mut r = fixture::report("linux/amd64");
        r.gotoolchain = Some(t);
        let f = &toolchain_unavailable(&r)[0];
        assert!(f.why.contains("go1.24 is a language version"), "{}", f.why);
    }

    #[test]
    fn wrappers_whose_toolchain_is_missing() {
        let mut r = switched(Provider::Path(PathBuf::from("/h/go/bin/go1.24.0")));
        let mut e = fixture::effective("go1.24.0", "/h/sdk/go1.24.0", Via::GolangDl);
        e.wrapper = Some(PathBuf::from("/h/go/bin/go1.24.0"));
        r.effective = Some(e.clone());
        assert!(toolchain_unavailable(&r).is_empty(), "downloaded");
        e.present = false;
        r.effective = Some(e);
        let f = &toolchain_unavailable(&r)[0];
        assert!(
            f.message.starts_with("go1.24.0: not downloaded"),
            "{}",
            f.message
        );
        assert_eq!(
            f.action,
            Action::Command {
                argv: vec!["/h/go/bin/go1.24.0".into(), "download".into()]
            }
        );
        assert_eq!(f.subjects[0].role, Role::Wrapper);

        let mut r = fixture::report("linux/amd64");
        r.effective = Some(crate::effective::missing_exec_target(
            std::path::Path::new("/bin/go"),
            std::path::Path::new("/gone/go"),
        ));
        let f = &toolchain_unavailable(&r)[0];
        assert_eq!(f.id, "toolchain-unavailable:/bin/go");
        assert!(f.message.contains("execs /gone/go"), "{}", f.message);
    }

    #[test]
    fn module_newer_than_what_runs() {
        let mut t = fixture::switch(Provider::Local);
        t.selected = Selected::Local;
        t.value = "local".into();
        let mut r = fixture::report("linux/amd64");
        r.gotoolchain = Some(t.clone());
        r.effective = Some(fixture::effective("go1.23.2", "/go", Via::Local));
        let f = &module_needs_newer_go(&r)[0];
        assert_eq!(f.severity, Severity::Error);
        assert!(
            f.why
                .contains("go.mod requires go >= 1.24.0 (running go go1.23.2; GOTOOLCHAIN=local)")
                || f.why.contains("requires go >= 1.24.0"),
            "{}",
            f.why
        );
        assert_eq!(f.id, "module-needs-newer-go:/w/go.mod");
        for (line, fires) in [
            ("1.23", false),
            ("1.23.2", false),
            ("1.23.3", true),
            ("1.24rc1", true),
        ] {
            t.go_line = Some(line.into());
            r.gotoolchain = Some(t.clone());
            assert_eq!(
                module_needs_newer_go(&r).len(),
                usize::from(fires),
                "go {line}"
            );
        }
        // Go 1.20 and older build anyway.
        r.effective = Some(fixture::effective("go1.20.14", "/go", Via::Local));
        t.go_line = Some("1.24.0".into());
        r.gotoolchain = Some(t.clone());
        assert!(
            module_needs_newer_go(&r).is_empty(),
            "go1.20 does not enforce"
        );
        r.effective = Some(fixture::effective("go1.23.2", "/go", Via::Local));
        t.go_line = Some("1.2x".into());
        r.gotoolchain = Some(t);
        assert!(module_needs_newer_go(&r).is_empty(), "go-line-invalid's");
        let f = &go_line_invalid(&r)[0];
        assert!(f.why.contains("invalid go version '1.2x'"), "{}", f.why);
    }

    /// cmd/go's modfetch.useSumDB for golang.org/toolchain (issue 18).
    #[test]
    fn toolchains_skip_the_checksum_database_only_with_one_file_proxy_and_no_sumdb() {
        assert!(match_prefix_patterns("golang.org", "golang.org/toolchain"));
        assert!(match_prefix_patterns(
            "github.com, *.org/tool*",
            "golang.org/toolchain"
        ));
        assert!(!match_prefix_patterns(
            "github.com,golang.org/x",
            "golang.org/toolchain"
        ));
        assert!(!match_prefix_patterns(
            "golang.org/toolchain/x",
            "golang.org/toolchain"
        ));
        assert!(!match_prefix_patterns("", "golang.org/toolchain"));
        let with = |pairs: &[(&str, &str)]| {
            let mut r = fixture::report("linux/amd64");
            for (k, v) in pairs {
                fixture::set(&mut r, k, v, SettingSource::Env);
            }
            toolchain_sumdb(&r)
        };
        let file = ("GOPROXY", "file:///tmp/proxy");
        assert!(with(&[]));
        assert!(
            with(&[("GOSUMDB", "off")]),
            "GOSUMDB=off does not exempt toolchains"
        );
        assert!(with(&[("GOPROXY", "off"), ("GOSUMDB", "off")]));
        assert!(with(&[
            ("GOPROXY", "file:///tmp/p,off"),
            ("GOSUMDB", "off")
        ]));
        assert!(with(&[file]), "a file proxy alone still checks");
        assert!(!with(&[file, ("GOSUMDB", "off")]));
        assert!(!with(&[file, ("GONOSUMDB", "golang.org")]));
        assert!(!with(&[file, ("GOPRIVATE", "golang.org/toolchain")]));
        assert!(with(&[
            file,
            ("GONOSUMDB", "github.com"),
            ("GOPRIVATE", "golang.org")
        ]));
    }
}
