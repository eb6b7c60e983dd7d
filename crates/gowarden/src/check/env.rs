//! Checks on Go settings: GOOS/GOARCH and GOTOOLCHAIN.

use crate::report::{Action, Code, Finding, Report, Role, Severity};
use crate::toolchain::{GoworkProblem, Provider, SettingSource, ToolchainError};

use super::{Draft, setting, unset};

/// `goarch-env-foreign`: GOOS or GOARCH names another platform, so every build cross-compiles.
pub(super) fn goarch_env_foreign(r: &Report) -> Vec<Finding> {
    let host = &r.host.host;
    [("GOARCH", host.arch.to_string()), ("GOOS", host.os.to_string())]
        .into_iter()
        .filter_map(|(var, host_value)| {
            let (value, origin) = setting(r, var)?;
            if value == host_value {
                return None;
            }
            let from = origin_words(origin);
            let mut d = Draft::new(
                Code::GoarchEnvForeign,
                Severity::Warning,
                format!("{var}={value} is set {from} but this machine is {}", host.name()),
                "every `go build` cross-compiles: binaries it makes do not run here, and `go run`/`go test` fail with \"exec format error\"",
                unset(var, origin),
            )
            .key(var);
            if origin == SettingSource::GoEnvFile
                && let Some(f) = &r.go_env_file
            {
                d = d.subject(Role::GoEnvFile, f.clone());
            }
            Some(d.done())
        })
        .collect()
}

/// `gowork-missing`: GOWORK names a file that is not there, or is not an absolute path.
pub(super) fn gowork_missing(r: &Report) -> Vec<Finding> {
    let Some(problem) = r
        .gotoolchain
        .as_ref()
        .and_then(|t| t.gowork_problem.as_ref())
    else {
        return Vec::new();
    };
    let origin = setting(r, "GOWORK").map_or(SettingSource::Env, |(_, o)| o);
    let (message, why, key) = match problem {
        GoworkProblem::Missing { path } => (
            format!("GOWORK names {}, which does not exist", path.display()),
            format!(
                "every go command in module mode fails with: go: reading go.work: open {}: no such file or directory",
                path.display()
            ),
            path.display().to_string(),
        ),
        GoworkProblem::NotAbsolute { value } => (
            format!(
                "GOWORK={value} is not an absolute path ({})",
                origin.words()
            ),
            "every go command in module mode fails with: go: invalid GOWORK: not an absolute path"
                .to_string(),
            value.clone(),
        ),
    };
    vec![
        Draft::new(
            Code::GoworkMissing,
            Severity::Error,
            message,
            why,
            unset("GOWORK", origin),
        )
        .hint("or set GOWORK to an absolute path, or create the workspace with `go work init`")
        .key(key)
        .done(),
    ]
}

/// Every GOOS/GOARCH pair some Go release builds for (`go tool dist list`), with the first
/// release that has it when that is newer than 1.21.
const PORTS: &[(&str, &str, (u32, u32))] = &[
    ("aix", "ppc64", (1, 0)),
    ("android", "386", (1, 0)),
    ("android", "amd64", (1, 0)),
    ("android", "arm", (1, 0)),
    ("android", "arm64", (1, 0)),
    ("darwin", "amd64", (1, 0)),
    ("darwin", "arm64", (1, 0)),
    ("dragonfly", "amd64", (1, 0)),
    ("freebsd", "386", (1, 0)),
    ("freebsd", "amd64", (1, 0)),
    ("freebsd", "arm", (1, 0)),
    ("freebsd", "arm64", (1, 0)),
    ("freebsd", "riscv64", (1, 0)),
    ("illumos", "amd64", (1, 0)),
    ("ios", "amd64", (1, 0)),
    ("ios", "arm64", (1, 0)),
    ("js", "wasm", (1, 0)),
    ("linux", "386", (1, 0)),
    ("linux", "amd64", (1, 0)),
    ("linux", "arm", (1, 0)),
    ("linux", "arm64", (1, 0)),
    ("linux", "loong64", (1, 0)),
    ("linux", "mips", (1, 0)),
    ("linux", "mips64", (1, 0)),
    ("linux", "mips64le", (1, 0)),
    ("linux", "mipsle", (1, 0)),
    ("linux", "ppc64", (1, 0)),
    ("linux", "ppc64le", (1, 0)),
    ("linux", "riscv64", (1, 0)),
    ("linux", "s390x", (1, 0)),
    ("netbsd", "386", (1, 0)),
    ("netbsd", "amd64", (1, 0)),
    ("netbsd", "arm", (1, 0)),
    ("netbsd", "arm64", (1, 0)),
    ("openbsd", "386", (1, 0)),
    ("openbsd", "amd64", (1, 0)),
    ("openbsd", "arm", (1, 0)),
    ("openbsd", "arm64", (1, 0)),
    ("openbsd", "ppc64", (1, 22)),
    ("openbsd", "riscv64", (1, 23)),
    ("plan9", "386", (1, 0)),
    ("plan9", "amd64", (1, 0)),
    ("plan9", "arm", (1, 0)),
    ("solaris", "amd64", (1, 0)),
    ("wasip1", "wasm", (1, 21)),
    ("windows", "386", (1, 0)),
    ("windows", "amd64", (1, 0)),
    ("windows", "arm", (1, 0)),
    ("windows", "arm64", (1, 0)),
];

/// `goos-goarch-unsupported`: GOOS/GOARCH name no platform the running Go builds for.
pub(super) fn goos_goarch_unsupported(r: &Report) -> Vec<Finding> {
    let goos = setting(r, "GOOS");
    let goarch = setting(r, "GOARCH");
    if goos.is_none() && goarch.is_none() {
        return Vec::new();
    }
    let host = &r.host.host;
    let os = goos.map_or_else(|| host.os.to_string(), |(v, _)| v.to_string());
    let arch = goarch.map_or_else(|| host.arch.to_string(), |(v, _)| v.to_string());
    let running = r
        .effective
        .as_ref()
        .and_then(|e| e.version.as_ref())
        .and_then(|v| v.language());
    let known = PORTS
        .iter()
        .any(|&(o, a, since)| o == os && a == arch && running.is_none_or(|l| l >= since));
    if known {
        return Vec::new();
    }
    let (var, origin) = match (goos, goarch) {
        (_, Some((_, o))) if !PORTS.iter().any(|&(_, a, _)| a == arch) => ("GOARCH", o),
        (Some((_, o)), _) => ("GOOS", o),
        (_, Some((_, o))) => ("GOARCH", o),
        (None, None) => return Vec::new(),
    };
    vec![
        Draft::new(
            Code::GoosGoarchUnsupported,
            Severity::Error,
            format!(
                "GOOS/GOARCH {os}/{arch} is not a platform this Go builds for ({var} is set {})",
                origin_words(origin)
            ),
            format!("every build fails with: go: unsupported GOOS/GOARCH pair {os}/{arch}"),
            unset(var, origin),
        )
        .key(format!("{os}/{arch}"))
        .done(),
    ]
}

/// "in the environment", "in the go env file", "in $GOROOT/go.env".
fn origin_words(origin: SettingSource) -> String {
    format!("in {}", origin.words())
}

/// `gotoolchain-invalid`: GOTOOLCHAIN, or a `toolchain` line, names no toolchain.
pub(super) fn gotoolchain_invalid(r: &Report) -> Vec<Finding> {
    let Some(t) = &r.gotoolchain else {
        return Vec::new();
    };
    let Some(err) = &t.error else {
        return Vec::new();
    };
    let action = match (&t.module_file, t.source) {
        (Some(f), _) if matches!(err, ToolchainError::BadToolchainLine { .. }) => Action::Manual {
            steps: format!(
                "fix the toolchain line in {} (a release such as go1.23.4, or delete it)",
                f.display()
            ),
        },
        (_, SettingSource::GoEnvFile) => unset("GOTOOLCHAIN", SettingSource::GoEnvFile),
        (_, SettingSource::Env) => unset("GOTOOLCHAIN", SettingSource::Env),
        _ => Action::Manual {
            steps: "set GOTOOLCHAIN to local, auto, or a version like go1.23.4".into(),
        },
    };
    let mut d = Draft::new(
        Code::GotoolchainInvalid,
        Severity::Error,
        err.to_string(),
        "every go command refuses to run until GOTOOLCHAIN is fixed",
        action,
    )
    .key("");
    if let Some(f) = &t.module_file {
        d = d.subject(Role::ModuleFile, f.clone());
    }
    vec![d.done()]
}

/// `gotoolchain-switch`: here, `go` runs another toolchain than the one on PATH.
pub(super) fn gotoolchain_switch(r: &Report) -> Vec<Finding> {
    let Some(t) = r
        .gotoolchain
        .as_ref()
        .filter(|t| t.error.is_none() && t.switches())
    else {
        return Vec::new();
    };
    // A switch that cannot happen is toolchain-unavailable's to report.
    if super::toolchain::switch_blocked(r).is_some() {
        return Vec::new();
    }
    let (where_, severity, why) = match &t.provider {
        Provider::Path(p) => (
            format!("found on PATH at {}", p.display()),
            Severity::Info,
            "`go version` and builds use the switched toolchain, so what gowarden reports for the go on PATH is not what compiles this module",
        ),
        Provider::ModuleCache(p)
            if t.sumdb_cached == Some(false) && super::toolchain::toolchain_sumdb(r) =>
        {
            (
                format!(
                    "in the module cache at {}, but the checksum database's answer for it is not cached: go verifies it over the network before running it",
                    p.display()
                ),
                Severity::Warning,
                "go commands here need the network (sum.golang.org) on their first run; offline they fail with \"verifying module: ... dial tcp\"",
            )
        }
        Provider::ModuleCache(p) => (
            format!("already in the module cache at {}", p.display()),
            Severity::Info,
            "`go version` and builds use the switched toolchain, so what gowarden reports for the go on PATH is not what compiles this module",
        ),
        Provider::Download => (
            "not downloaded yet: the next go command downloads it (which needs the network)".into(),
            Severity::Info,
            "`go version` and builds use the switched toolchain, so what gowarden reports for the go on PATH is not what compiles this module",
        ),
        Provider::Unavailable | Provider::Local => return Vec::new(),
    };
    let action = Action::None;
    let mut d = Draft::new(
        Code::GotoolchainSwitch,
        severity,
        format!(
            "here, `go` runs {} instead of its bundled {}: {}; {where_}",
            t.selected,
            t.local.as_deref().unwrap_or("toolchain"),
            t.reason
        ),
        why,
        action,
    )
    .key(t.selected.to_string());
    if matches!(
        t.provider,
        Provider::Path(_) | Provider::ModuleCache(_) | Provider::Download
    ) {
        d = d.hint("if intended; to stay on the bundled toolchain, set GOTOOLCHAIN=local");
    }
    if let Some(f) = &t.module_file {
        d = d.subject(Role::ModuleFile, f.clone());
    }
    vec![d.done()]
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::fixture;
    use super::*;
    use crate::report::EnvOrigin;
    use crate::toolchain::Selected;

    #[test]
    fn foreign_goarch_is_unset_where_it_is_set() {
        let mut r = fixture::report("darwin/arm64");
        fixture::set(&mut r, "GOARCH", "arm64", SettingSource::Env);
        assert!(goarch_env_foreign(&r).is_empty(), "matches the host");
        fixture::set(&mut r, "GOARCH", "amd64", SettingSource::GoEnvFile);
        fixture::set(&mut r, "GOOS", "linux", SettingSource::Env);
        let found = goarch_env_foreign(&r);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].id, "goarch-env-foreign:GOARCH");
        assert_eq!(
            found[0].action,
            Action::UnsetEnv {
                var: "GOARCH".into(),
                origin: EnvOrigin::GoEnvFile
            }
        );
        assert!(found[1].fix.starts_with("unset GOOS"), "{}", found[1].fix);
    }

    use super::super::fixture::switch as toolchain;

    #[test]
    fn switch_is_info_unless_it_cannot_happen() {
        let mut r = fixture::report("linux/amd64");
        r.gotoolchain = Some(toolchain(Provider::Download));
        let f = &gotoolchain_switch(&r)[0];
        assert_eq!((f.severity, &f.action), (Severity::Info, &Action::None));
        assert_eq!(f.id, "gotoolchain-switch:go1.24.0");
        assert_eq!(f.subjects[0].role, Role::ModuleFile);
        r.gotoolchain = Some(toolchain(Provider::Unavailable));
        assert!(
            gotoolchain_switch(&r).is_empty(),
            "a switch that cannot happen is toolchain-unavailable's"
        );
        let mut unverified = toolchain(Provider::ModuleCache(PathBuf::from("/mc/tc")));
        unverified.sumdb_cached = Some(false);
        r.gotoolchain = Some(unverified);
        let f = &gotoolchain_switch(&r)[0];
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.message.contains("network"), "{}", f.message);
        let mut local = toolchain(Provider::Local);
        local.selected = Selected::Local;
        r.gotoolchain = Some(local);
        assert!(gotoolchain_switch(&r).is_empty());
    }

    #[test]
    fn a_missing_go_work_is_unset_where_it_is_set() {
        let mut r = fixture::report("linux/amd64");
        fixture::set(&mut r, "GOWORK", "/gone/go.work", SettingSource::Env);
        let mut t = toolchain(Provider::Local);
        t.selected = Selected::Local;
        r.gotoolchain = Some(t.clone());
        assert!(gowork_missing(&r).is_empty());
        t.gowork_problem = Some(GoworkProblem::Missing {
            path: PathBuf::from("/gone/go.work"),
        });
        r.gotoolchain = Some(t);
        let f = &gowork_missing(&r)[0];
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.id, "gowork-missing:/gone/go.work");
        assert!(f.why.contains("reading go.work"), "{}", f.why);
        assert_eq!(
            f.action,
            Action::UnsetEnv {
                var: "GOWORK".into(),
                origin: EnvOrigin::Environment
            }
        );
        let mut t = toolchain(Provider::Local);
        t.gowork_problem = Some(GoworkProblem::NotAbsolute {
            value: "go.work".into(),
        });
        r.gotoolchain = Some(t);
        let f = &gowork_missing(&r)[0];
        assert!(f.why.contains("not an absolute path"), "{}", f.why);
    }

    #[test]
    fn platforms_go_does_not_build_for() {
        let mut r = fixture::report("linux/amd64");
        assert!(goos_goarch_unsupported(&r).is_empty(), "nothing set");
        fixture::set(&mut r, "GOARCH", "arm64", SettingSource::Env);
        assert!(
            goos_goarch_unsupported(&r).is_empty(),
            "a real cross target"
        );
        fixture::set(&mut r, "GOARCH", "bogus", SettingSource::Env);
        let f = &goos_goarch_unsupported(&r)[0];
        assert_eq!(f.severity, Severity::Error);
        assert!(
            f.why.contains("unsupported GOOS/GOARCH pair linux/bogus"),
            "{}",
            f.why
        );
        assert!(f.fix.starts_with("unset GOARCH"), "{}", f.fix);
        // A GOOS from the go env file that no release knows.
        fixture::set(&mut r, "GOARCH", "amd64", SettingSource::Env);
        fixture::set(&mut r, "GOOS", "bogus", SettingSource::GoEnvFile);
        let f = &goos_goarch_unsupported(&r)[0];
        assert_eq!(
            f.action,
            Action::UnsetEnv {
                var: "GOOS".into(),
                origin: EnvOrigin::GoEnvFile
            }
        );
        // A port newer than the Go that runs.
        fixture::set(&mut r, "GOOS", "wasip1", SettingSource::Env);
        fixture::set(&mut r, "GOARCH", "wasm", SettingSource::Env);
        r.effective = Some(fixture::effective(
            "go1.20.14",
            "/go",
            crate::report::Via::Local,
        ));
        assert_eq!(goos_goarch_unsupported(&r).len(), 1, "wasip1 came in 1.21");
        r.effective = Some(fixture::effective(
            "go1.22.10",
            "/go",
            crate::report::Via::Local,
        ));
        assert!(goos_goarch_unsupported(&r).is_empty());
    }

    #[test]
    fn invalid_setting_is_unset_where_it_is_set() {
        let mut r = fixture::report("linux/amd64");
        let mut t = toolchain(Provider::Local);
        t.source = SettingSource::Env;
        t.error = Some(ToolchainError::BadSuffix {
            value: "go1.22+always".into(),
            suffix: "always".into(),
        });
        r.gotoolchain = Some(t);
        let f = &gotoolchain_invalid(&r)[0];
        assert_eq!(
            f.action,
            Action::UnsetEnv {
                var: "GOTOOLCHAIN".into(),
                origin: EnvOrigin::Environment
            }
        );
        assert!(
            gotoolchain_switch(&r).is_empty(),
            "an invalid setting switches nothing"
        );
    }
}
