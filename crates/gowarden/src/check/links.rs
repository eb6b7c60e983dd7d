//! Checks on the symlinks that decide which `go` and which GOROOT are used.

use crate::host::Runs;
use crate::install::Source;
use crate::report::{Action, Code, Finding, Link, LinkKind, LinkState, Report, Role, Severity};

use super::{Draft, candidates, install_go};

/// `dangling-symlink`: a link on the way to a `go` or GOROOT points to nothing.
pub(super) fn dangling_symlink(r: &Report) -> Vec<Finding> {
    broken(r, LinkState::Dangling)
}

/// `symlink-loop`: links on the way to a `go` or GOROOT go round in a circle.
pub(super) fn symlink_loop(r: &Report) -> Vec<Finding> {
    broken(r, LinkState::Loop)
}

fn broken(r: &Report, state: LinkState) -> Vec<Finding> {
    r.links
        .iter()
        .filter(|l| l.state == state)
        .map(|l| finding(r, l))
        .collect()
}

/// The finding a broken link gets: `symlink-loop` for a loop, else `dangling-symlink`.
pub(super) fn code(state: LinkState) -> Code {
    if state == LinkState::Loop {
        Code::SymlinkLoop
    } else {
        Code::DanglingSymlink
    }
}

fn finding(r: &Report, l: &Link) -> Finding {
    let is_loop = l.state == LinkState::Loop;
    let code = code(l.state);
    let via = if l.via == l.path {
        String::new()
    } else {
        format!(" ({} goes through it)", l.via.display())
    };
    let message = if is_loop {
        format!("{}{via} is a symlink loop", l.path.display())
    } else {
        format!(
            "{}{via} points to {}, which does not exist",
            l.path.display(),
            l.points_to.as_deref().unwrap_or(&l.target).display()
        )
    };
    // The active go's own GOROOT runs through it: every build fails. Otherwise the shell
    // skips the broken entry and runs the next `go`, if there is one that works.
    let active_works = r
        .active
        .as_ref()
        .is_some_and(|a| !matches!(a.runs, Runs::No { .. }));
    let breaks_active = r.active.as_ref().is_some_and(|a| {
        a.goroot.as_deref() == Some(l.via.as_path()) || a.chain.iter().any(|h| h.path == l.path)
    });
    let (severity, why) = if breaks_active {
        (
            Severity::Error,
            "the active go's GOROOT runs through it: every go command fails with \"go: cannot find GOROOT directory\"".to_string(),
        )
    } else if active_works {
        let next = r
            .active
            .as_ref()
            .map(|a| a.path.display().to_string())
            .unwrap_or_default();
        (
            Severity::Warning,
            format!(
                "the Go it pointed to was removed (a `brew upgrade`, `brew cleanup` or a new install does this); the shell skips it and runs {next} instead, which may not be the Go you meant"
            ),
        )
    } else {
        (
            Severity::Error,
            if is_loop {
                "the shell cannot run it (\"too many levels of symbolic links\") and no other working `go` is on PATH".to_string()
            } else {
                "the Go it pointed to was removed (a `brew upgrade` or `brew cleanup` does this), and no other working `go` is on PATH: typing `go` fails".to_string()
            },
        )
    };
    let relative_to = l.target.is_relative().then(|| l.path.parent()).flatten();
    let found = candidates(r, l.kind, l.owner, relative_to);
    let action = if !found.is_empty() {
        Action::Relink {
            link: l.path.clone(),
            link_kind: l.kind,
            current_target: l.target.clone(),
            candidates: found,
        }
    } else if l.kind == LinkKind::GoBinary && l.owner == Source::Homebrew {
        Action::Command {
            argv: ["brew", "reinstall", "go"].map(String::from).to_vec(),
        }
    } else {
        install_go(r)
    };
    let role = match l.kind {
        LinkKind::GoBinary => Role::GoLink,
        LinkKind::Goroot => Role::GorootLink,
        LinkKind::BinDir => Role::BinDirLink,
    };
    let mut d = Draft::new(code, severity, message, why, action).subject(role, l.path.clone());
    if l.via != l.path {
        d = d.subject(
            match l.kind {
                LinkKind::Goroot if l.via.ends_with("bin") => Role::PathEntry,
                LinkKind::Goroot => Role::GorootEnv,
                LinkKind::BinDir => Role::PathEntry,
                LinkKind::GoBinary => Role::Go,
            },
            l.via.clone(),
        );
    }
    if l.kind == LinkKind::GoBinary && l.owner == Source::Homebrew && d.is_relink() {
        d = d.hint("or: brew reinstall go");
    }
    d.done()
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::super::fixture;
    use super::*;
    use crate::install::Source;

    fn link(path: &str, target: &str, kind: LinkKind, state: LinkState, owner: Source) -> Link {
        let p = PathBuf::from(path);
        let points_to = p.parent().unwrap().join(target);
        Link {
            path: p.clone(),
            target: target.into(),
            kind,
            state,
            points_to: Some(points_to),
            owner,
            via: p,
        }
    }

    #[test]
    fn users_broken_goroot_link_gets_a_goroot_not_a_binary() {
        // /usr/local/go -> go1.22.0 (removed), /usr/local/go/bin on PATH, go1.23.4 beside it.
        let mut r = fixture::report("darwin/arm64");
        let mut l = link(
            "/usr/local/go",
            "go1.22.0",
            LinkKind::Goroot,
            LinkState::Dangling,
            Source::Tarball,
        );
        l.via = "/usr/local/go/bin".into();
        r.links = vec![l];
        r.installations = vec![fixture::install(
            "/usr/local/go1.23.4",
            "go1.23.4",
            Source::Tarball,
            Runs::Native,
        )];
        let f = &dangling_symlink(&r)[0];
        assert_eq!(f.severity, Severity::Error, "nothing else works");
        assert_eq!(f.id, "dangling-symlink:/usr/local/go");
        let Action::Relink {
            link,
            link_kind,
            current_target,
            candidates,
        } = &f.action
        else {
            panic!("{:?}", f.action)
        };
        assert_eq!(
            (link.as_path(), *link_kind, current_target.as_path()),
            (
                Path::new("/usr/local/go"),
                LinkKind::Goroot,
                Path::new("go1.22.0")
            )
        );
        assert_eq!(
            candidates[0].target,
            PathBuf::from("go1.23.4"),
            "relative, like the old one"
        );
        assert_eq!(f.fix, "ln -sfn go1.23.4 /usr/local/go");
        assert_eq!(f.subjects[0].role, Role::GorootLink);
        assert_eq!(f.subjects[1].role, Role::PathEntry);
    }

    #[test]
    fn homebrew_link_relinks_to_the_remaining_keg() {
        let mut r = fixture::report("darwin/arm64");
        r.links = vec![link(
            "/opt/homebrew/bin/go",
            "../Cellar/go/1.22.3/bin/go",
            LinkKind::GoBinary,
            LinkState::Dangling,
            Source::Homebrew,
        )];
        r.installations = vec![fixture::install(
            "/opt/homebrew/Cellar/go/1.23.4/libexec",
            "go1.23.4",
            Source::Homebrew,
            Runs::Native,
        )];
        let f = &dangling_symlink(&r)[0];
        assert_eq!(
            f.fix,
            "ln -sfn ../Cellar/go/1.23.4/bin/go /opt/homebrew/bin/go   (or: brew reinstall go)"
        );
        r.installations.clear();
        let f = &dangling_symlink(&r)[0];
        assert_eq!(
            f.action,
            Action::Command {
                argv: vec!["brew".into(), "reinstall".into(), "go".into()]
            },
            "no keg left: Homebrew's own command"
        );
    }

    #[test]
    fn broken_link_ahead_of_a_working_go_is_a_warning() {
        let mut r = fixture::report("linux/amd64");
        r.links = vec![link(
            "/home/me/bin/go",
            "/gone/go",
            LinkKind::GoBinary,
            LinkState::Dangling,
            Source::Unknown,
        )];
        fixture::activate(
            &mut r,
            fixture::go("/usr/local/go/bin", "/usr/local/go", "go1.23.2", "amd64"),
        );
        let f = &dangling_symlink(&r)[0];
        assert_eq!(f.severity, Severity::Warning);
        assert!(
            f.why.contains("runs /usr/local/go/bin/go instead"),
            "{}",
            f.why
        );
    }

    #[test]
    fn loops_are_their_own_code() {
        let mut r = fixture::report("linux/amd64");
        r.links = vec![link(
            "/a/go",
            "go",
            LinkKind::GoBinary,
            LinkState::Loop,
            Source::Unknown,
        )];
        assert!(dangling_symlink(&r).is_empty());
        let f = &symlink_loop(&r)[0];
        assert_eq!((f.code, f.severity), (Code::SymlinkLoop, Severity::Error));
        assert!(
            matches!(f.action, Action::Install { .. }),
            "nothing to point it at"
        );
    }
}
