//! Checks on Go settings: GOOS/GOARCH and GOTOOLCHAIN.

use crate::report::{Action, Code, Finding, Report, Role, Severity};
use crate::toolchain::{Provider, SettingSource};

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
            let from = match origin {
                SettingSource::GoEnvFile => "in the go env file",
                SettingSource::GorootGoEnv => "in $GOROOT/go.env",
                _ => "in the environment",
            };
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

/// `gotoolchain-invalid`: GOTOOLCHAIN, or a `toolchain` line, names no toolchain.
pub(super) fn gotoolchain_invalid(r: &Report) -> Vec<Finding> {
    let Some(t) = &r.gotoolchain else {
        return Vec::new();
    };
    let Some(err) = &t.error else {
        return Vec::new();
    };
    let action = match (&t.module_file, t.source) {
        (Some(f), _) if err.contains("toolchain ") && !err.contains("GOTOOLCHAIN") => {
            Action::Manual {
                steps: format!(
                    "fix the toolchain line in {} (a release such as go1.23.4, or delete it)",
                    f.display()
                ),
            }
        }
        (_, SettingSource::GoEnvFile) => unset("GOTOOLCHAIN", SettingSource::GoEnvFile),
        (_, SettingSource::Env) => unset("GOTOOLCHAIN", SettingSource::Env),
        _ => Action::Manual {
            steps: "set GOTOOLCHAIN to local, auto, or a version like go1.23.4".into(),
        },
    };
    let mut d = Draft::new(
        Code::GotoolchainInvalid,
        Severity::Error,
        err.clone(),
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
    let (where_, severity, why) = match &t.provider {
        Provider::Path(p) => (
            format!("found on PATH at {}", p.display()),
            Severity::Info,
            "`go version` and builds use the switched toolchain, so what gowarden reports for the go on PATH is not what compiles this module",
        ),
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
        Provider::Unavailable => (
            "not on PATH, and GOTOOLCHAIN forbids downloads".into(),
            Severity::Error,
            "go commands here fail with: go: cannot find \"<toolchain>\" in PATH",
        ),
        Provider::Local => return Vec::new(),
    };
    let action = match &t.provider {
        Provider::Unavailable => Action::Manual {
            steps: format!(
                "install {} (go install golang.org/dl/{}@latest && {} download), or set GOTOOLCHAIN=auto",
                t.selected, t.selected, t.selected
            ),
        },
        _ => Action::None,
    };
    let mut d = Draft::new(
        Code::GotoolchainSwitch,
        severity,
        format!(
            "here, `go` runs {} instead of its bundled {}: {}; {where_}",
            t.selected,
            t.local.as_deref().unwrap_or("toolchain"),
            t.reason
        ),
        why.replace("<toolchain>", &t.selected.to_string()),
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
    use crate::toolchain::{Mode, Selected, Toolchain};

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

    fn toolchain(provider: Provider) -> Toolchain {
        Toolchain {
            value: "auto".into(),
            source: SettingSource::GorootGoEnv,
            mode: Mode::Auto,
            local: Some("go1.23.2".into()),
            module_file: Some(PathBuf::from("/w/go.mod")),
            go_line: Some("1.24.0".into()),
            toolchain_line: None,
            selected: Selected::Toolchain("go1.24.0".into()),
            provider,
            reason: "go.mod requires go 1.24.0".into(),
            error: None,
        }
    }

    #[test]
    fn switch_is_info_unless_it_cannot_happen() {
        let mut r = fixture::report("linux/amd64");
        r.gotoolchain = Some(toolchain(Provider::Download));
        let f = &gotoolchain_switch(&r)[0];
        assert_eq!((f.severity, &f.action), (Severity::Info, &Action::None));
        assert_eq!(f.id, "gotoolchain-switch:go1.24.0");
        assert_eq!(f.subjects[0].role, Role::ModuleFile);
        r.gotoolchain = Some(toolchain(Provider::Unavailable));
        let f = &gotoolchain_switch(&r)[0];
        assert_eq!(f.severity, Severity::Error);
        assert!(
            f.why.contains("cannot find \"go1.24.0\" in PATH"),
            "{}",
            f.why
        );
        assert!(
            matches!(&f.action, Action::Manual { steps } if steps.contains("golang.org/dl/go1.24.0"))
        );
        let mut local = toolchain(Provider::Local);
        local.selected = Selected::Local;
        r.gotoolchain = Some(local);
        assert!(gotoolchain_switch(&r).is_empty());
    }

    #[test]
    fn invalid_setting_is_unset_where_it_is_set() {
        let mut r = fixture::report("linux/amd64");
        let mut t = toolchain(Provider::Local);
        t.source = SettingSource::Env;
        t.error = Some("invalid GOTOOLCHAIN \"go1.22+always\"".into());
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
