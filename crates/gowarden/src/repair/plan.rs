//! Planning: from a finding of a fresh scan to the exact edits that fix it. Pure: what the disk
//! holds (sibling links, a startup file's bytes) comes in as arguments.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::RepairError;
use super::record::{Edit, raw_path};
use crate::install::Source;
use crate::report::{Action, Candidate, Code, Finding, LinkKind};
use crate::shell;
use crate::version::GoVersion;

/// What a line commented out by a repair starts with.
pub const COMMENT_PREFIX: &[u8] = b"# gowarden: ";

/// A repair worked out from a finding: the edits, in order, and the target chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The finding it fixes.
    pub finding: String,
    /// Its code.
    pub code: Code,
    /// For a relink: the Go root the links will lead to (`--to` names it).
    #[serde(default, with = "opt_raw_path")]
    pub goroot: Option<PathBuf>,
    /// That root's Go version.
    pub version: Option<GoVersion>,
    /// Who installed that root.
    pub source: Option<Source>,
    /// Every change, in the order it is made; all or nothing.
    pub edits: Vec<Edit>,
    /// Links beside it that were left alone, and why.
    pub notes: Vec<String>,
}

impl Plan {
    /// What it will do, in one sentence.
    pub fn summary(&self) -> String {
        let target = match (&self.version, &self.goroot) {
            (Some(v), Some(r)) => format!(" ({v} at {})", r.display()),
            (None, Some(r)) => format!(" ({})", r.display()),
            _ => String::new(),
        };
        match self.edits.first() {
            Some(Edit::Link { path, after, .. }) => format!(
                "point {} at {}{target}{}",
                path.display(),
                after.display(),
                more_links(self.edits.len() - 1)
            ),
            Some(Edit::ShellLine {
                path, line, before, ..
            }) => format!(
                "comment out line {line} of {} (`{before}`), so a new shell derives GOROOT from the go binary",
                path.display()
            ),
            None => "nothing".into(),
        }
    }
}

/// ` and N more links into the same tree`, or nothing when `n` is 0.
pub(crate) fn more_links(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => " and 1 more link into the same tree".into(),
        n => format!(" and {n} more links into the same tree"),
    }
}

/// A symlink beside the one being repaired, as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sibling {
    /// The link.
    pub path: PathBuf,
    /// Its text.
    pub target: PathBuf,
}

/// The candidate `to` picks (any of the finding's, compared with `same`), or the best one.
pub(crate) fn choose<'a>(
    finding: &Finding,
    candidates: &'a [Candidate],
    to: Option<&Path>,
    same: impl Fn(&Path, &Path) -> bool,
) -> Result<&'a Candidate, RepairError> {
    match to {
        None => candidates
            .first()
            .ok_or_else(|| RepairError::NotRepairable {
                id: finding.id.clone(),
                fix: finding.fix.clone(),
            }),
        Some(to) => candidates
            .iter()
            .find(|c| same(&c.goroot, to))
            .ok_or_else(|| RepairError::NotACandidate {
                to: to.to_path_buf(),
                why: String::new(),
                candidates: candidates.iter().map(|c| c.goroot.clone()).collect(),
            }),
    }
}

/// The plan for a relink finding: the link to `choice`'s target, and, when the old target
/// was `<tree>/bin/go` in a tree that is gone (`tree_missing`), every sibling link into that
/// tree moved to the same place in the new one — if `exists` says it is there.
pub(crate) fn relink(
    finding: &Finding,
    choice: &Candidate,
    siblings: &[Sibling],
    tree_missing: bool,
    exists: impl Fn(&Path, &Path) -> bool,
) -> Result<Plan, RepairError> {
    let Action::Relink {
        link,
        link_kind,
        current_target,
        ..
    } = &finding.action
    else {
        return Err(RepairError::NotRepairable {
            id: finding.id.clone(),
            fix: finding.fix.clone(),
        });
    };
    let mut edits = vec![Edit::Link {
        path: link.clone(),
        before: current_target.clone(),
        after: choice.target.clone(),
    }];
    let mut notes = Vec::new();
    let tree = |t: &Path| {
        (t.ends_with("bin/go"))
            .then(|| t.parent().and_then(Path::parent))
            .flatten()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
    };
    if *link_kind == LinkKind::GoBinary
        && tree_missing
        && let (Some(old), Some(new)) = (tree(current_target), tree(&choice.target))
    {
        for s in siblings {
            if s.path == *link {
                continue;
            }
            let Ok(rest) = s.target.strip_prefix(&old) else {
                continue;
            };
            let after = new.join(rest);
            if exists(&s.path, &after) {
                edits.push(Edit::Link {
                    path: s.path.clone(),
                    before: s.target.clone(),
                    after,
                });
            } else {
                notes.push(format!(
                    "{} also pointed into the removed tree, but {} has no {}: left as it is",
                    s.path.display(),
                    choice.goroot.display(),
                    rest.display()
                ));
            }
        }
    }
    Ok(Plan {
        finding: finding.id.clone(),
        code: finding.code,
        goroot: Some(choice.goroot.clone()),
        version: choice.version.clone(),
        source: Some(choice.source),
        edits,
        notes,
    })
}

/// The plan for an edit-shell-file finding, given the file's bytes now (`real` is where they
/// were read: the file itself, or where its symlink leads), and the new bytes: exactly the
/// named line with `# gowarden: ` in front, every other byte kept.
pub(crate) fn comment_out(
    finding: &Finding,
    real: &Path,
    bytes: &[u8],
) -> Result<(Plan, Vec<u8>), RepairError> {
    let Action::EditShellFile { file, line, text } = &finding.action else {
        return Err(RepairError::NotRepairable {
            id: finding.id.clone(),
            fix: finding.fix.clone(),
        });
    };
    let changed = |found: String| RepairError::Changed {
        path: file.clone(),
        expected: format!("line {line} to read `{text}`"),
        found,
    };
    let start = line_start(bytes, *line).ok_or_else(|| changed("a shorter file".into()))?;
    let end = bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| start + n);
    let old = String::from_utf8_lossy(&bytes[start..end]);
    // `find_assignments` trims the line, and its `lines()` drops a CRLF's `\r`.
    if old.trim() != text || !shell::assigns(&old, "GOROOT") {
        return Err(changed(format!("`{}`", old.trim())));
    }
    let after = commented(bytes, *line).ok_or_else(|| changed("a shorter file".into()))?;
    let new_line = String::from_utf8_lossy(&after[start..end + COMMENT_PREFIX.len()])
        .trim()
        .to_string();
    let plan = Plan {
        finding: finding.id.clone(),
        code: finding.code,
        goroot: None,
        version: None,
        source: None,
        edits: vec![Edit::ShellLine {
            path: file.clone(),
            real: real.to_path_buf(),
            line: *line,
            before: text.clone(),
            after: new_line,
            before_sha256: super::fsops::sha256(bytes),
            after_sha256: super::fsops::sha256(&after),
        }],
        notes: Vec::new(),
    };
    Ok((plan, after))
}

/// `bytes` with 1-based line `n` commented out: [`COMMENT_PREFIX`] in front of it, every other
/// byte as it was. `None` when there is no such line.
pub(crate) fn commented(bytes: &[u8], n: usize) -> Option<Vec<u8>> {
    let start = line_start(bytes, n)?;
    let mut after = Vec::with_capacity(bytes.len() + COMMENT_PREFIX.len());
    after.extend_from_slice(&bytes[..start]);
    after.extend_from_slice(COMMENT_PREFIX);
    after.extend_from_slice(&bytes[start..]);
    Some(after)
}

/// The byte offset where 1-based line `n` starts.
fn line_start(bytes: &[u8], n: usize) -> Option<usize> {
    if n == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..n {
        start += bytes[start..].iter().position(|&b| b == b'\n')? + 1;
    }
    (start < bytes.len()).then_some(start)
}

/// [`raw_path`] for an optional path.
mod opt_raw_path {
    use std::path::{Path, PathBuf};

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Wrap(#[serde(with = "super::raw_path")] PathBuf);

    #[derive(Serialize)]
    struct WrapRef<'a>(#[serde(with = "super::raw_path")] &'a Path);

    pub fn serialize<S: Serializer>(p: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
        p.as_deref().map(WrapRef).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Role, Severity, Subject};

    fn relink_finding(link: &str, current: &str, candidates: Vec<Candidate>) -> Finding {
        Finding {
            id: format!("dangling-symlink:{link}"),
            code: Code::DanglingSymlink,
            severity: Severity::Error,
            message: String::new(),
            why: String::new(),
            fix: "brew reinstall go".into(),
            subjects: vec![Subject {
                role: Role::GoLink,
                path: link.into(),
                line: None,
            }],
            action: Action::Relink {
                link: link.into(),
                link_kind: LinkKind::GoBinary,
                current_target: current.into(),
                candidates,
            },
        }
    }

    fn keg(v: &str) -> Candidate {
        Candidate {
            target: format!("../Cellar/go/{v}/bin/go").into(),
            goroot: format!("/opt/homebrew/Cellar/go/{v}/libexec").into(),
            version: Some(format!("go{v}").parse().unwrap()),
            archs: vec!["arm64".parse().unwrap()],
            source: Source::Homebrew,
            native: true,
        }
    }

    fn sib(name: &str, target: &str) -> Sibling {
        Sibling {
            path: PathBuf::from("/opt/homebrew/bin").join(name),
            target: target.into(),
        }
    }

    #[test]
    fn homebrew_go_and_gofmt_move_together_to_the_chosen_keg() {
        let f = relink_finding(
            "/opt/homebrew/bin/go",
            "../Cellar/go/1.22.3/bin/go",
            vec![keg("1.23.4"), keg("1.23.1")],
        );
        let Action::Relink { candidates, .. } = &f.action else {
            unreachable!()
        };
        let siblings = [
            sib("go", "../Cellar/go/1.22.3/bin/go"),
            sib("gofmt", "../Cellar/go/1.22.3/bin/gofmt"),
            sib("node", "../Cellar/node/22/bin/node"),
            sib("gopls", "../Cellar/go/1.22.3/bin/gopls"),
        ];
        let no_gopls = |_: &Path, t: &Path| !t.ends_with("gopls");
        let c = choose(&f, candidates, None, |a, b| a == b).unwrap();
        let p = relink(&f, c, &siblings, true, no_gopls).unwrap();
        let afters: Vec<_> = p
            .edits
            .iter()
            .map(|e| match e {
                Edit::Link { path, after, .. } => format!("{} {}", path.display(), after.display()),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            afters,
            [
                "/opt/homebrew/bin/go ../Cellar/go/1.23.4/bin/go",
                "/opt/homebrew/bin/gofmt ../Cellar/go/1.23.4/bin/gofmt",
            ]
        );
        assert_eq!(
            p.notes.len(),
            1,
            "gopls has no counterpart: noted, untouched"
        );
        assert!(p.summary().contains("and 1 more link"), "{}", p.summary());

        // --to picks another candidate, and nothing else.
        let older = Path::new("/opt/homebrew/Cellar/go/1.23.1/libexec");
        let c = choose(&f, candidates, Some(older), |a, b| a == b).unwrap();
        assert_eq!(c.target, Path::new("../Cellar/go/1.23.1/bin/go"));
        let e = choose(&f, candidates, Some(Path::new("/tmp/go")), |a, b| a == b).unwrap_err();
        assert!(matches!(e, RepairError::NotACandidate { .. }), "{e:?}");

        // The old tree still there: it is a wrong link, not a removed tree; only it moves.
        let c = choose(&f, candidates, None, |a, b| a == b).unwrap();
        let p = relink(&f, c, &siblings, false, |_, _| true).unwrap();
        assert_eq!(p.edits.len(), 1);
    }

    #[test]
    fn no_candidate_is_not_repairable() {
        let f = relink_finding("/opt/homebrew/bin/go", "../Cellar/go/1.22.3/bin/go", vec![]);
        let e = choose(&f, &[], None, |a, b| a == b).unwrap_err();
        assert!(matches!(e, RepairError::NotRepairable { .. }), "{e:?}");
    }

    fn shell_finding(line: usize, text: &str) -> Finding {
        Finding {
            id: "goroot-env-mismatch:/usr/local/go".into(),
            code: Code::GorootEnvMismatch,
            severity: Severity::Error,
            message: String::new(),
            why: String::new(),
            fix: String::new(),
            subjects: Vec::new(),
            action: Action::EditShellFile {
                file: "/home/me/.zshrc".into(),
                line,
                text: text.into(),
            },
        }
    }

    #[test]
    fn exactly_the_line_is_commented_out_and_every_other_byte_kept() {
        let before =
            b"# mine\r\n  export GOROOT=/usr/local/go\r\nexport PATH=$GOROOT/bin:$PATH\n\xff tail";
        let f = shell_finding(2, "export GOROOT=/usr/local/go");
        let (plan, after) = comment_out(&f, Path::new("/home/me/.zshrc"), before).unwrap();
        assert_eq!(
            after,
            b"# mine\r\n# gowarden:   export GOROOT=/usr/local/go\r\nexport PATH=$GOROOT/bin:$PATH\n\xff tail"
        );
        let Edit::ShellLine {
            after: line,
            before_sha256,
            after_sha256,
            ..
        } = &plan.edits[0]
        else {
            unreachable!()
        };
        assert_eq!(line, "# gowarden:   export GOROOT=/usr/local/go");
        assert_eq!(before_sha256, &crate::repair::fsops::sha256(before));
        assert_eq!(after_sha256, &crate::repair::fsops::sha256(&after));
        assert!(
            plan.summary()
                .starts_with("comment out line 2 of /home/me/.zshrc")
        );
    }

    #[test]
    fn a_file_that_changed_since_the_scan_is_refused() {
        let f = shell_finding(2, "export GOROOT=/usr/local/go");
        for bytes in [
            &b"export GOROOT=/usr/local/go\n"[..],
            b"a\nexport GOROOT=/opt/go\n",
            b"a\n# export GOROOT=/usr/local/go\n",
            b"a\n",
        ] {
            let e = comment_out(&f, Path::new("/x"), bytes).unwrap_err();
            assert!(matches!(e, RepairError::Changed { .. }), "{e:?}");
        }
    }

    #[test]
    fn line_offsets() {
        assert_eq!(line_start(b"a\nb\n", 1), Some(0));
        assert_eq!(line_start(b"a\nb\n", 2), Some(2));
        assert_eq!(line_start(b"a\nb\n", 3), None);
        assert_eq!(line_start(b"a\nb", 2), Some(2));
        assert_eq!(line_start(b"a", 0), None);
    }
}
