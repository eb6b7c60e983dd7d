//! Checks on PATH entries themselves.

use crate::report::{Action, Code, Finding, Report, Role, Severity};

use super::Draft;

/// `relative-path-entry`: an empty, `.` or relative entry makes the `go` that runs depend on
/// the directory you are in. One finding per distinct entry text.
pub(super) fn relative_path_entry(r: &Report) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let last = r.path.len().saturating_sub(1);
    for e in r.path.iter().filter(|e| e.relative) {
        let key = if e.raw.is_empty() {
            "(empty)"
        } else {
            e.raw.as_str()
        };
        if out.iter().any(|f| f.id.ends_with(&format!(":{key}"))) {
            continue;
        }
        let (what, remove) = if e.raw.is_empty() {
            let shape = if e.index == 0 {
                "a leading `:`"
            } else if e.index == last {
                "a trailing `:`"
            } else {
                "`::`"
            };
            (
                format!("an empty entry ({shape}), which means the current directory"),
                format!("remove the empty entry ({shape}) from PATH in your shell startup file"),
            )
        } else {
            (
                format!("the relative entry {:?}", e.raw),
                format!("remove {:?} from PATH in your shell startup file", e.raw),
            )
        };
        out.push(
            Draft::new(
                Code::RelativePathEntry,
                Severity::Warning,
                format!("PATH entry {} is {what}", e.index + 1),
                "which `go` runs then depends on the directory you are in: a `go` in any project you cd into can take over",
                Action::Manual { steps: remove },
            )
            .key(key)
            .subject(Role::PathEntry, e.dir.clone())
            .done(),
        );
    }
    out
}

/// `writable-path-dir`: other users can write into a PATH directory searched before (or
/// holding) the active `go`.
pub(super) fn writable_path_dir(r: &Report) -> Vec<Finding> {
    let active = r.active.as_ref().map(|g| g.path_index);
    r.path
        .iter()
        .filter(|e| e.writable_by_others && active.is_none_or(|a| e.index <= a))
        .map(|e| {
            let place = match active {
                Some(a) if a == e.index => "and holds the active go",
                Some(_) => "and comes before the active go",
                None => "so a `go` dropped there would be the one that runs",
            };
            Draft::new(
                Code::WritablePathDir,
                Severity::Warning,
                format!(
                    "PATH entry {} ({}) is writable by other users, {place}",
                    e.index + 1,
                    e.dir.display()
                ),
                "another user (or a process running as one) can drop a `go` there that runs instead of yours",
                Action::Command {
                    argv: vec!["chmod".into(), "go-w".into(), e.dir.display().to_string()],
                },
            )
            .subject(Role::PathEntry, e.dir.clone())
            .done()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::fixture;
    use super::*;
    use crate::path::{Entry, EntryKind};

    fn entry(index: usize, raw: &str, dir: &str) -> Entry {
        Entry {
            index,
            raw: raw.into(),
            dir: PathBuf::from(dir),
            kind: EntryKind::Dir,
            relative: !raw.starts_with('/'),
            symlink: None,
            writable_by_others: false,
            has_go: false,
            broken_go: None,
            broken_ancestor: None,
        }
    }

    #[test]
    fn empty_entries_are_named_by_their_shape() {
        let mut r = fixture::report("linux/amd64");
        r.path = vec![
            entry(0, "", "/work"),
            entry(1, "/usr/bin", "/usr/bin"),
            entry(2, "bin", "/work/bin"),
            entry(3, "", "/work"),
        ];
        let found = relative_path_entry(&r);
        assert_eq!(found.len(), 2, "one finding per distinct entry");
        assert!(
            found[0].message.contains("a leading `:`"),
            "{}",
            found[0].message
        );
        assert!(!found[0].fix.contains("\"\""), "{}", found[0].fix);
        assert_eq!(found[0].id, "relative-path-entry:(empty)");
        assert_eq!(found[1].id, "relative-path-entry:bin");
        assert!(matches!(&found[1].action, Action::Manual { steps } if steps.contains("\"bin\"")));
        r.path = vec![entry(0, "/usr/bin", "/usr/bin"), entry(1, "", "/work")];
        assert!(
            relative_path_entry(&r)[0]
                .message
                .contains("a trailing `:`")
        );
        r.path = vec![
            entry(0, "/a", "/a"),
            entry(1, "", "/w"),
            entry(2, "/b", "/b"),
        ];
        assert!(relative_path_entry(&r)[0].message.contains("`::`"));
    }

    #[test]
    fn writable_dirs_before_the_active_go_or_with_none() {
        let mut r = fixture::report("linux/amd64");
        let mut w = entry(0, "/tmp/bin", "/tmp/bin");
        w.writable_by_others = true;
        r.path = vec![w];
        let f = &writable_path_dir(&r)[0];
        assert!(!f.message.contains("holds the active go"), "{}", f.message);
        assert_eq!(
            f.action,
            Action::Command {
                argv: vec!["chmod".into(), "go-w".into(), "/tmp/bin".into()]
            }
        );
        let mut g = fixture::go("/usr/bin", "/usr/lib/go", "go1.22.1", "amd64");
        g.path_index = 1;
        fixture::activate(&mut r, g.clone());
        assert!(
            writable_path_dir(&r)[0]
                .message
                .contains("comes before the active go")
        );
        g.path_index = 0;
        fixture::activate(&mut r, g.clone());
        assert!(
            writable_path_dir(&r)[0]
                .message
                .contains("holds the active go")
        );
        let mut later = entry(1, "/tmp/x", "/tmp/x");
        later.writable_by_others = true;
        r.path = vec![later];
        assert!(
            writable_path_dir(&r).is_empty(),
            "after the active go: harmless"
        );
    }
}
