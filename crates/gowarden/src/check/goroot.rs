//! Checks on the active `go`'s GOROOT, derived the way `cmd/go` derives it.

use crate::binary::Format;
use crate::goroot::{Goroot, GorootSource};
use crate::report::{Action, Code, EnvOrigin, Finding, GoOnPath, Report, Role, Severity, Via};
use crate::shell::Assignment;

use super::{Draft, best_installation, reinstall};

/// The `go` binary whose GOROOT is judged: the one a wrapper script or a version manager's
/// shim hands over to, else the active `go` when it is a real Go binary.
fn active_binary(r: &Report) -> Option<&GoOnPath> {
    if r.handed_to.is_some() {
        return r.handed_to.as_ref();
    }
    let shim = r
        .effective
        .as_ref()
        .is_some_and(|e| matches!(e.via, Via::VersionManager | Via::ExecScript));
    r.active
        .as_ref()
        .filter(|g| g.format != Format::Script && !shim)
}

/// The active GOROOT, when one is derived: the `go`, the root, what is in it, its rule.
fn active_root(r: &Report) -> Option<(&GoOnPath, &std::path::Path, &Goroot, GorootSource)> {
    let g = active_binary(r)?;
    Some((
        g,
        g.goroot.as_deref()?,
        g.goroot_info.as_ref()?,
        g.goroot_source?,
    ))
}

/// GOROOT comes from the environment or the go env file, not the binary's location.
fn overridden(source: GorootSource) -> bool {
    matches!(source, GorootSource::Env | GorootSource::GoEnvFile)
}

/// The startup-file line that sets this GOROOT: the last one naming this very value. A line
/// setting another value is not proof (GOROOT may come from launchd, an IDE, /etc/profile), and
/// commenting it out would touch an unrelated line.
fn origin<'a>(
    r: &'a Report,
    root: &std::path::Path,
    source: GorootSource,
) -> Option<&'a Assignment> {
    if source != GorootSource::Env {
        return None;
    }
    let text = root.display().to_string();
    r.goroot_assignments
        .iter()
        .rev()
        .find(|a| a.text.contains(&text))
}

/// How to stop overriding GOROOT, and where it is set, in words.
fn unset_goroot(r: &Report, root: &std::path::Path, source: GorootSource) -> (Action, String) {
    match (source, origin(r, root, source)) {
        (GorootSource::GoEnvFile, _) => (
            Action::UnsetEnv {
                var: "GOROOT".into(),
                origin: EnvOrigin::GoEnvFile,
            },
            "in the go env file".into(),
        ),
        (_, Some(a)) => (
            Action::EditShellFile {
                file: a.file.clone(),
                line: a.line,
                text: a.text.clone(),
            },
            format!("at {}:{}", a.file.display(), a.line),
        ),
        _ => (
            Action::UnsetEnv {
                var: "GOROOT".into(),
                origin: EnvOrigin::Environment,
            },
            "in the environment".into(),
        ),
    }
}

fn with_origin(d: Draft, r: &Report, root: &std::path::Path, source: GorootSource) -> Draft {
    match origin(r, root, source) {
        Some(a) => d.subject_line(Role::ShellFile, &a.file, a.line),
        None => d,
    }
}

/// `goroot-not-found`: no GOROOT can be derived (a release `go` copied out of its tree).
pub(super) fn goroot_not_found(r: &Report) -> Vec<Finding> {
    let Some(g) = active_binary(r) else {
        return Vec::new();
    };
    if g.goroot.is_some() {
        return Vec::new();
    }
    let same = best_installation(r, g.version.as_ref());
    let (action, hint) = match same {
        Some(i) => (
            Action::Command {
                argv: vec![
                    "ln".into(),
                    "-sfn".into(),
                    i.goroot.join("bin/go").display().to_string(),
                    g.path.display().to_string(),
                ],
            },
            "a symlink, not a copy",
        ),
        None => (
            Action::Command {
                argv: vec!["rm".into(), g.path.display().to_string()],
            },
            "and install Go properly from https://go.dev/dl",
        ),
    };
    vec![
        Draft::new(
            Code::GorootNotFound,
            Severity::Error,
            format!(
                "no GOROOT can be derived for {}: there is no pkg/tool two or three levels above it, and GOROOT is not set",
                g.path.display()
            ),
            "the go binary was copied out of its Go tree; every command fails with \"go: cannot find GOROOT directory\"",
            action,
        )
        .hint(hint)
        .subject(Role::Go, g.path.clone())
        .done(),
    ]
}

/// `goroot-env-invalid`: GOROOT is set to something that is not a Go root.
pub(super) fn goroot_env_invalid(r: &Report) -> Vec<Finding> {
    let Some((_, root, info, source)) = active_root(r) else {
        return Vec::new();
    };
    if !overridden(source) || (info.exists && info.is_goroot) {
        return Vec::new();
    }
    let (action, where_set) = unset_goroot(r, root, source);
    let d = Draft::new(
        Code::GorootEnvInvalid,
        Severity::Error,
        format!(
            "GOROOT={} (set {where_set}) {}",
            root.display(),
            if info.exists {
                "is not a Go root: it has no pkg/tool"
            } else {
                "does not exist"
            }
        ),
        "every go command fails with \"go: cannot find GOROOT directory\" (or cannot find its compiler)",
        action,
    )
    .hint("go finds its own GOROOT once it is not set")
    .subject(Role::GorootEnv, root);
    vec![with_origin(d, r, root, source).done()]
}

/// `goroot-env-mismatch`: GOROOT is set to a Go root of another version than the `go`.
pub(super) fn goroot_env_mismatch(r: &Report) -> Vec<Finding> {
    let Some((g, root, info, source)) = active_root(r) else {
        return Vec::new();
    };
    if !overridden(source) || !info.exists || !info.is_goroot {
        return Vec::new();
    }
    let (Some(bin), Some(rootv)) = (&g.version, &info.version) else {
        return Vec::new();
    };
    if bin == rootv {
        return Vec::new();
    }
    let (action, where_set) = unset_goroot(r, root, source);
    let d = Draft::new(
        Code::GorootEnvMismatch,
        Severity::Error,
        format!(
            "GOROOT={} (set {where_set}) is {rootv}, but the go on PATH ({}) is {bin}",
            root.display(),
            g.path.display()
        ),
        format!("builds fail with: compile: version \"{rootv}\" does not match go tool version \"{bin}\""),
        action,
    )
    .hint("go finds its own GOROOT once it is not set")
    .subject(Role::GorootEnv, root)
    .subject(Role::Go, g.path.clone());
    vec![with_origin(d, r, root, source).done()]
}

/// `version-mismatch`: the `go` binary and its own tree's VERSION disagree (half-upgraded).
pub(super) fn version_mismatch(r: &Report) -> Vec<Finding> {
    let Some((g, root, info, source)) = active_root(r) else {
        return Vec::new();
    };
    if overridden(source) {
        return Vec::new();
    }
    let (Some(bin), Some(rootv)) = (&g.version, &info.version) else {
        return Vec::new();
    };
    if bin == rootv {
        return Vec::new();
    }
    let real = g.real_path.clone().unwrap_or_else(|| g.path.clone());
    vec![
        Draft::new(
            Code::VersionMismatch,
            Severity::Error,
            format!(
                "{} is {bin} but its GOROOT {} says VERSION {rootv}",
                real.display(),
                root.display()
            ),
            format!(
                "the tree is half-upgraded: builds fail with compile: version \"{rootv}\" does not match go tool version \"{bin}\""
            ),
            reinstall(g.source),
        )
        .subject(Role::Goroot, root)
        .subject(Role::GoBinary, real)
        .done(),
    ]
}

/// `goroot-incomplete`: the GOROOT lacks `pkg/tool/<os>_<arch>` for the `go` that uses it.
pub(super) fn goroot_incomplete(r: &Report) -> Vec<Finding> {
    let Some((g, root, info, source)) = active_root(r) else {
        return Vec::new();
    };
    let Some(tools) = info
        .tool_dir
        .as_ref()
        .filter(|_| info.is_goroot && !info.tool_dir_exists)
    else {
        return Vec::new();
    };
    let action = if overridden(source) {
        unset_goroot(r, root, source).0
    } else {
        reinstall(g.source)
    };
    vec![
        Draft::new(
            Code::GorootIncomplete,
            Severity::Error,
            format!(
                "GOROOT {} has no {} for the active go ({})",
                root.display(),
                tools.strip_prefix(root).unwrap_or(tools).display(),
                g.path.display()
            ),
            "go cannot find its compiler and linker: builds fail with \"go: no such tool\"",
            action,
        )
        .subject(Role::Goroot, root)
        .done(),
    ]
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::super::fixture;
    use super::*;
    use crate::host::Runs;
    use crate::install::Source;

    fn stale_env(r: &mut crate::report::Report, exists: bool, version: &str) {
        let mut g = fixture::go(
            "/opt/homebrew/bin",
            "/opt/homebrew/Cellar/go/1.23.2/libexec",
            "go1.23.2",
            "arm64",
        );
        g.goroot = Some("/usr/local/go".into());
        g.goroot_source = Some(GorootSource::Env);
        let info = g.goroot_info.as_mut().unwrap();
        info.path = "/usr/local/go".into();
        info.exists = exists;
        info.is_goroot = exists;
        info.version = Some(version.parse().unwrap());
        fixture::activate(r, g);
    }

    #[test]
    fn stale_goroot_export_comments_out_that_line() {
        let mut r = fixture::report("darwin/arm64");
        stale_env(&mut r, true, "go1.22.10");
        r.goroot_assignments = vec![
            Assignment {
                file: "/Users/me/.zprofile".into(),
                line: 3,
                text: "export GOROOT=/opt/old".into(),
            },
            Assignment {
                file: "/Users/me/.zshrc".into(),
                line: 12,
                text: "export GOROOT=/usr/local/go".into(),
            },
        ];
        let f = &goroot_env_mismatch(&r)[0];
        assert_eq!(
            f.action,
            Action::EditShellFile {
                file: "/Users/me/.zshrc".into(),
                line: 12,
                text: "export GOROOT=/usr/local/go".into()
            },
            "the line naming this GOROOT, not merely the last one"
        );
        assert!(f.why.contains(
            "compile: version \"go1.22.10\" does not match go tool version \"go1.23.2\""
        ));
        let shell = f
            .subjects
            .iter()
            .find(|s| s.role == Role::ShellFile)
            .unwrap();
        assert_eq!(
            (shell.path.as_path(), shell.line),
            (Path::new("/Users/me/.zshrc"), Some(12))
        );
        assert!(goroot_env_invalid(&r).is_empty() && version_mismatch(&r).is_empty());
    }

    #[test]
    fn goroot_from_the_go_env_file_is_unset_there() {
        let mut r = fixture::report("darwin/arm64");
        stale_env(&mut r, false, "go1.23.2");
        r.active.as_mut().unwrap().goroot_source = Some(GorootSource::GoEnvFile);
        let f = &goroot_env_invalid(&r)[0];
        assert_eq!(
            f.action,
            Action::UnsetEnv {
                var: "GOROOT".into(),
                origin: EnvOrigin::GoEnvFile
            }
        );
        assert!(f.fix.starts_with("go env -u GOROOT"), "{}", f.fix);
        assert!(f.message.contains("does not exist"));
    }

    #[test]
    fn half_upgraded_tree_is_reinstalled_by_its_installer() {
        let mut r = fixture::report("darwin/arm64");
        let mut g = fixture::go(
            "/opt/homebrew/bin",
            "/opt/homebrew/Cellar/go/1.23.2/libexec",
            "go1.23.2",
            "arm64",
        );
        g.goroot_info.as_mut().unwrap().version = Some("go1.23.1".parse().unwrap());
        fixture::activate(&mut r, g);
        let f = &version_mismatch(&r)[0];
        assert_eq!(
            f.action,
            Action::Command {
                argv: vec!["brew".into(), "reinstall".into(), "go".into()]
            }
        );
    }

    #[test]
    fn copied_binary_gets_a_symlink_to_a_tree_of_its_version() {
        let mut r = fixture::report("linux/amd64");
        let mut g = fixture::go("/usr/local/bin", "/nowhere", "go1.23.2", "amd64");
        g.goroot = None;
        g.goroot_info = None;
        g.goroot_source = None;
        fixture::activate(&mut r, g);
        r.installations = vec![fixture::install(
            "/opt/go",
            "go1.23.2",
            Source::Tarball,
            Runs::Native,
        )];
        let f = &goroot_not_found(&r)[0];
        assert_eq!(
            f.fix,
            "ln -sfn /opt/go/bin/go /usr/local/bin/go   (a symlink, not a copy)"
        );
    }

    #[test]
    fn missing_tool_dir() {
        let mut r = fixture::report("darwin/arm64");
        let mut g = fixture::go("/usr/local/go/bin", "/usr/local/go", "go1.23.2", "arm64");
        g.source = Source::Official;
        g.goroot_info.as_mut().unwrap().tool_dir_exists = false;
        fixture::activate(&mut r, g);
        let f = &goroot_incomplete(&r)[0];
        assert!(f.message.contains("pkg/tool/darwin_arm64"), "{}", f.message);
        assert!(matches!(f.action, Action::Manual { .. }));
        assert_eq!(f.subjects[0].path, PathBuf::from("/usr/local/go"));
    }
}
