//! `gowarden repair` and `gowarden undo`: fix a broken Go link or a stale GOROOT export in one
//! atomic, journaled, undoable step.
//!
//! What is repaired comes only from the findings of a fresh scan ([`Repairs::plan`]); applying
//! a plan ([`Repairs::apply`]) scans again and refuses unless the plan still comes out the
//! same, so a plan made earlier (by the app, or before an administrator prompt) is never
//! trusted. Every transaction journals its intent before it touches anything and its outcome
//! after ([`record`]); a transaction a crash interrupted is settled from what is on disk by the
//! next one ([`Repairs::reconcile`]). Writes are atomic swaps in the same directory
//! (`fsops`). One lock in the data directory keeps transactions of separate processes
//! (the app, a CLI) one at a time. A link of root's is changed only through [`elevate`]'s one
//! administrator operation, which keeps its own journal and lock and never reads these.

pub mod elevate;
mod error;
mod fsops;
pub mod plan;
mod reconcile;
pub mod record;
mod saved;
mod select;
mod txn;

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::binary::Inspector;
use crate::context::Context;
use crate::doctor;
use crate::install::{self, Source};
use crate::journal::{Journal, Records, data_dir_for};
use crate::report::{Action, LinkKind, Report};
use crate::{shell, symlink};

pub use error::{Reason, RepairError, Status};
use fsops::Hooks;
pub use plan::{COMMENT_PREFIX, Plan, Sibling};
pub use reconcile::{Reconciliation, Unsettled};
pub use record::{Edit, JOURNAL_FILE, Outcome, RecordKind, RepairRecord};
pub use select::{find, repairable};

/// `repair` or `undo`.
fn kind_word(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Repair => "repair",
        RecordKind::Undo => "undo",
    }
}

/// Repairs and undos on one machine, journaled in one data directory. The app keeps one; the
/// CLI makes one per command.
#[derive(Debug, Clone)]
pub struct Repairs {
    ctx: Context,
    options: doctor::Options,
    data_dir: PathBuf,
    journal: Journal,
    hooks: Hooks,
}

impl Repairs {
    /// Repairs for the machine `ctx` describes, scanned with `options` (the app passes its
    /// captured login-shell environment), journaled in the usual data directory.
    pub fn new(ctx: &Context, options: doctor::Options) -> Result<Repairs, RepairError> {
        let dir = data_dir_for(ctx).ok_or(RepairError::NoDataDir)?;
        Ok(Repairs::with_data_dir(ctx, options, dir))
    }

    /// The same, journaled in `data_dir`.
    pub fn with_data_dir(ctx: &Context, options: doctor::Options, data_dir: PathBuf) -> Repairs {
        Repairs {
            journal: Journal::open(data_dir.join(JOURNAL_FILE)),
            hooks: Hooks::from_ctx(ctx),
            ctx: ctx.clone(),
            options,
            data_dir,
        }
    }

    /// The machine.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// How it is scanned.
    pub fn options(&self) -> &doctor::Options {
        &self.options
    }

    /// Where the journal, its lock and saved files live.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The repair journal (`repairs.jsonl`).
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// A fresh scan.
    pub fn scan(&self) -> Report {
        doctor::scan(&self.ctx, &self.options)
    }

    /// Every record kept, oldest first.
    pub fn records(&self) -> Result<Records<RepairRecord>, RepairError> {
        Ok(self.journal.read_all()?)
    }

    /// Settles transactions a crash interrupted: each is recorded done, failed, rolled back
    /// (its edits put back), or in conflict, from what is on disk.
    pub fn reconcile(&self) -> Result<Reconciliation, RepairError> {
        let _lock = self.lock()?;
        self.reconcile_locked()
    }

    /// Works out the repair of the finding `selector` names in `report` (which should be
    /// fresh), to the candidate whose Go root is `to` or else the best one, and checks it
    /// against the disk now. Changes nothing.
    pub fn plan(
        &self,
        report: &Report,
        selector: &str,
        to: Option<&Path>,
    ) -> Result<Plan, RepairError> {
        let finding = find(report, selector, self.ctx.cwd())?;
        if !finding.action.is_repairable() {
            return Err(RepairError::NotRepairable {
                id: finding.id.clone(),
                fix: finding.fix.clone(),
            });
        }
        match &finding.action {
            Action::Relink {
                link,
                link_kind,
                current_target,
                candidates,
            } => {
                let choice =
                    plan::choose(finding, candidates, to, same_path).map_err(|e| {
                        match (e, to) {
                            (RepairError::NotACandidate { candidates, .. }, Some(to)) => {
                                RepairError::NotACandidate {
                                    why: self.why_not(report, to),
                                    to: to.to_path_buf(),
                                    candidates,
                                }
                            }
                            (e, _) => e,
                        }
                    })?;
                let dir = fsops::parent(link);
                let siblings = if *link_kind == LinkKind::GoBinary {
                    siblings(dir)
                } else {
                    Vec::new()
                };
                let old_tree = current_target.parent().and_then(Path::parent);
                let tree_missing = old_tree
                    .filter(|t| !t.as_os_str().is_empty())
                    .is_some_and(|t| fs::symlink_metadata(dir.join(t)).is_err());
                let plan = plan::relink(finding, choice, &siblings, tree_missing, |l, t| {
                    fsops::parent(l).join(t).exists()
                })?;
                self.validate(&plan, *link_kind)?;
                Ok(plan)
            }
            Action::EditShellFile { file, .. } => {
                let real = fs::canonicalize(file).map_err(|_| RepairError::Changed {
                    path: file.clone(),
                    expected: "a shell startup file".into(),
                    found: fsops::describe(file),
                })?;
                let bytes = read_shell_file(&real)?;
                let (plan, _) = plan::comment_out(finding, &real, &bytes)?;
                Ok(plan)
            }
            _ => Err(RepairError::NotRepairable {
                id: finding.id.clone(),
                fix: finding.fix.clone(),
            }),
        }
    }

    /// Carries out `plan` after checking it again: a fresh scan must still have its finding and
    /// give the same edits, and every path must still hold what the plan found. Returns the
    /// journal's outcome record.
    pub fn apply(&self, plan: &Plan) -> Result<RepairRecord, RepairError> {
        let _lock = self.lock()?;
        let settled = self.reconcile_locked()?;
        for u in &settled.unresolved {
            u.refuse(&plan.edits)?;
        }
        let report = self.scan();
        let fresh = self
            .plan(&report, &plan.finding, plan.goroot.as_deref())
            .map_err(|e| match e {
                RepairError::NotFound { .. } => RepairError::Stale {
                    why: format!("{} is no longer among the findings", plan.finding),
                },
                e => e,
            })?;
        if fresh.finding != plan.finding || fresh.edits != plan.edits {
            return Err(RepairError::Stale {
                why: format!("it would now {}", fresh.summary()),
            });
        }
        self.preflight(&fresh.edits)?;
        // Both versions of a startup file are kept before anything changes: the undo and a
        // rollback restore from them.
        for e in &fresh.edits {
            if let Edit::ShellLine {
                real,
                line,
                before_sha256,
                after_sha256,
                ..
            } = e
            {
                let bytes = read_shell_file(real)?;
                let after = plan::commented(&bytes, *line);
                if fsops::sha256(&bytes) != *before_sha256
                    || after.as_deref().map(fsops::sha256).as_ref() != Some(after_sha256)
                {
                    return Err(RepairError::Stale {
                        why: format!("{} changed", real.display()),
                    });
                }
                self.save(&bytes)?;
                self.save(after.as_deref().unwrap_or_default())?;
            }
        }
        let message = repair_message(&fresh);
        self.execute(
            RecordKind::Repair,
            &fresh.finding,
            None,
            fresh.edits,
            message,
        )
    }

    /// Undoes repair `id` (else the newest one not yet undone), restoring exactly what it
    /// replaced. Refuses when a path changed since the repair, unless `force`; even then, a
    /// path that is no longer a symlink is left alone, and a startup file's newer content is
    /// saved first.
    pub fn undo(&self, id: Option<&str>, force: bool) -> Result<RepairRecord, RepairError> {
        let _lock = self.lock()?;
        let settled = self.reconcile_locked()?;
        let records = self.records()?.records;
        let target = record::undoable(&records, id)
            .map_err(|why| {
                let id = id.unwrap_or_default().to_string();
                match why {
                    record::Why::Nothing => RepairError::NothingToUndo,
                    record::Why::Unknown => RepairError::UnknownRepair { id },
                    record::Why::AlreadyUndone => RepairError::AlreadyUndone { id },
                    record::Why::NotDone(o) => RepairError::NotDone { id, outcome: o },
                }
            })?
            .clone();
        if target.elevated {
            return Err(RepairError::Elevated { id: target.id });
        }
        for u in &settled.unresolved {
            u.refuse(&target.edits)?;
        }
        let mut edits: Vec<Edit> = target.edits.iter().map(Edit::reversed).collect();
        for e in &mut edits {
            match e {
                Edit::Link { path, before, .. } => match fsops::link_text(path) {
                    None => {
                        return Err(RepairError::NotASymlink {
                            found: fsops::describe(path),
                            path: path.clone(),
                        });
                    }
                    Some(now) if now == *before => {}
                    Some(now) if force => *before = now,
                    Some(now) => {
                        return Err(RepairError::Changed {
                            path: path.clone(),
                            expected: format!(
                                "the link the repair left ({}); pass --force to restore it anyway",
                                before.display()
                            ),
                            found: format!("a symlink to {}", now.display()),
                        });
                    }
                },
                Edit::ShellLine {
                    path,
                    real,
                    before_sha256,
                    after_sha256,
                    ..
                } => {
                    if self.saved(after_sha256).is_none() {
                        return Err(RepairError::SavedCopyMissing {
                            path: path.clone(),
                            saved: self.saved_path(after_sha256),
                        });
                    }
                    let now = read_shell_file(real)?;
                    let sha = fsops::sha256(&now);
                    if sha != *before_sha256 {
                        if !force {
                            return Err(RepairError::Changed {
                                path: path.clone(),
                                expected: "the file as the repair left it; pass --force to \
                                           restore it anyway (its current content is saved)"
                                    .into(),
                                found: "other content".into(),
                            });
                        }
                        self.save(&now)?;
                        *before_sha256 = sha;
                    }
                }
            }
        }
        self.preflight(&edits)?;
        let message = undo_message(&target);
        self.execute(
            RecordKind::Undo,
            &target.finding,
            Some(target.id.clone()),
            edits,
            message,
        )
    }

    /// For a repair made as an administrator (the user's [`RepairError::Elevated`]): the
    /// administrator request that undoes it, and the finding it fixed, from the pointer this
    /// user's journal keeps.
    pub fn elevated_undo(&self, id: &str) -> Result<(elevate::AdminRequest, String), RepairError> {
        let pointer = self
            .records()?
            .records
            .into_iter()
            .rev()
            .find(|r| r.id == id && r.elevated)
            .ok_or_else(|| RepairError::UnknownRepair { id: id.to_string() })?;
        Ok((elevate::undo_request(&pointer)?, pointer.finding))
    }

    /// Keeps in this user's journal a pointer to what an administrator run did for them (its
    /// outcome `admin`, as that run reported it), for history and undo: a copy marked
    /// [`RepairRecord::elevated`], with the same id and `finding` (the one the repair fixed).
    pub fn remember(
        &self,
        admin: &RepairRecord,
        finding: &str,
    ) -> Result<RepairRecord, RepairError> {
        let mut rec = admin.clone();
        rec.elevated = true;
        rec.reconciled = false;
        rec.finding = finding.to_string();
        rec.warning = None;
        let _lock = self.lock()?;
        self.append(&rec)?;
        rec.warning = admin.warning.clone();
        Ok(rec)
    }

    /// Appends a record to the journal.
    fn append(&self, rec: &RepairRecord) -> Result<(), RepairError> {
        Ok(self.journal.append(rec)?)
    }

    fn lock_path(&self) -> PathBuf {
        self.data_dir.join("repairs.lock")
    }

    /// The exclusive lock every transaction and reconciliation holds; released when dropped
    /// (or when the process dies).
    fn lock(&self) -> Result<File, RepairError> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.data_dir)
            .map_err(io_err("create the data directory", &self.data_dir))?;
        let path = self.lock_path();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .or_else(|_| {
                OpenOptions::new()
                    .read(true)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(&path)
            })
            .map_err(io_err("open", &path))?;
        loop {
            match file.lock() {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other.map_err(io_err("lock", &path))?,
            }
        }
        Ok(file)
    }

    /// Checks a relink plan against the disk now: each link still says what the scan saw, and
    /// the Go root is healthy for this host, read from its files (never run).
    fn validate(&self, plan: &Plan, kind: LinkKind) -> Result<(), RepairError> {
        for e in &plan.edits {
            if let Edit::Link { path, before, .. } = e {
                match fsops::link_text(path) {
                    None => {
                        return Err(RepairError::NotASymlink {
                            found: fsops::describe(path),
                            path: path.clone(),
                        });
                    }
                    Some(now) if now != *before => {
                        return Err(RepairError::Changed {
                            path: path.clone(),
                            expected: format!("a symlink to {}", before.display()),
                            found: format!("a symlink to {}", now.display()),
                        });
                    }
                    Some(_) => {}
                }
            }
        }
        let Some(goroot) = &plan.goroot else {
            return Ok(());
        };
        let unhealthy = |problems: Vec<String>| RepairError::UnhealthyTarget {
            goroot: goroot.clone(),
            host: self.ctx.host().name(),
            problems,
        };
        let install = install::read(
            &self.ctx,
            goroot,
            Source::Unknown,
            &mut Inspector::default(),
        );
        if !install.healthy {
            return Err(unhealthy(install.problems));
        }
        for (i, e) in plan.edits.iter().enumerate() {
            let Edit::Link { path, after, .. } = e else {
                continue;
            };
            let mut leads_to = fsops::parent(path).join(after);
            // A bin directory is judged by its `go`: Homebrew's keg `bin` holds links into
            // `libexec/bin`, a different directory with the same programs.
            let want = match (i, kind) {
                (0, LinkKind::GoBinary) => Some(goroot.join("bin/go")),
                (0, LinkKind::Goroot) => Some(goroot.clone()),
                (0, LinkKind::BinDir) => {
                    leads_to.push("go");
                    Some(goroot.join("bin/go"))
                }
                _ => None,
            };
            let ok = match &want {
                Some(w) => same_file(&leads_to, w),
                None => leads_to.exists(),
            };
            if !ok {
                return Err(unhealthy(vec![format!(
                    "{} does not lead to {}",
                    after.display(),
                    want.as_deref().unwrap_or(&leads_to).display()
                )]));
            }
        }
        Ok(())
    }

    /// Why `to` is not a candidate, starting with `: `.
    fn why_not(&self, report: &Report, to: &Path) -> String {
        let problems = match report
            .installations
            .iter()
            .find(|i| same_path(&i.goroot, to))
        {
            Some(i) if !i.healthy => i.problems.clone(),
            Some(i) if i.source == Source::ToolchainCache => {
                vec!["it is a GOTOOLCHAIN download, which `go clean -modcache` removes".into()]
            }
            Some(_) => vec!["a link Homebrew made is pointed only at Homebrew's kegs".into()],
            None => {
                let i = install::read(&self.ctx, to, Source::Unknown, &mut Inspector::default());
                if i.healthy {
                    vec!["it is not an installation gowarden found".into()]
                } else {
                    i.problems
                }
            }
        };
        format!(": {}", problems.join("; "))
    }

    /// A new transaction id.
    fn new_id(&self) -> Result<String, RepairError> {
        let ids: Vec<String> = self.records()?.records.into_iter().map(|r| r.id).collect();
        Ok(record::new_id(&ids, self.ctx.now()))
    }
}

/// The path an edit writes: the link, or the startup file itself (where its symlink leads).
fn edit_target(e: &Edit) -> &Path {
    match e {
        Edit::Link { path, .. } => path,
        Edit::ShellLine { real, .. } => real,
    }
}

/// Whether an OS error means "not allowed" (rather than "broken").
fn denied(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EACCES | libc::EPERM))
}

fn io_err(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> RepairError + use<> {
    let path = path.to_path_buf();
    move |source| RepairError::Io { op, path, source }
}

/// A shell startup file's bytes (at most [`shell::MAX_STARTUP_FILE`], as the scan reads).
fn read_shell_file(real: &Path) -> Result<Vec<u8>, RepairError> {
    let meta = fs::metadata(real).map_err(io_err("read", real))?;
    if !meta.is_file() || meta.len() > shell::MAX_STARTUP_FILE {
        return Err(RepairError::Changed {
            path: real.to_path_buf(),
            expected: "a shell startup file under 1 MiB".into(),
            found: fsops::describe(real),
        });
    }
    fs::read(real).map_err(io_err("read", real))
}

/// The symlinks in `dir`.
fn siblings(dir: &Path) -> Vec<Sibling> {
    let Ok(rd) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<Sibling> = rd
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            Some(Sibling {
                target: fsops::link_text(&path)?,
                path,
            })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The same path, lexically or on disk.
fn same_path(a: &Path, b: &Path) -> bool {
    symlink::clean(a) == symlink::clean(b)
        || matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}

/// The same file on disk (symlinks followed).
fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => (x.dev(), x.ino()) == (y.dev(), y.ino()),
        _ => false,
    }
}

fn repair_message(plan: &Plan) -> String {
    match plan.edits.first() {
        Some(Edit::Link {
            path,
            before,
            after,
        }) => {
            format!(
                "repaired {}: it now points to {} (was {}){}",
                path.display(),
                after.display(),
                before.display(),
                plan::more_links(plan.edits.len() - 1)
            )
        }
        Some(Edit::ShellLine {
            path, line, before, ..
        }) => format!(
            "commented out line {line} of {} (`{before}`)",
            path.display()
        ),
        None => "repaired nothing".into(),
    }
}

fn undo_message(repair: &RepairRecord) -> String {
    let what = match repair.edits.first() {
        Some(Edit::Link { path, before, .. }) => {
            format!("{} points to {} again", path.display(), before.display())
        }
        Some(Edit::ShellLine { path, line, .. }) => {
            format!("line {line} of {} is back as it was", path.display())
        }
        None => "nothing changed".into(),
    };
    format!("undid repair {}: {what}", repair.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture;
    use crate::report::{Code, Finding};
    use crate::report::{Role, Severity, Subject};

    fn finding(id: &str, code: Code, path: &str, action: Action) -> Finding {
        Finding {
            id: id.into(),
            code,
            severity: Severity::Error,
            message: String::new(),
            why: String::new(),
            fix: "x".into(),
            subjects: vec![Subject {
                role: Role::GoLink,
                path: path.into(),
                line: None,
            }],
            action,
        }
    }

    fn relink(link: &str) -> Action {
        Action::Relink {
            link: link.into(),
            link_kind: LinkKind::GoBinary,
            current_target: "x".into(),
            candidates: vec![crate::report::Candidate {
                target: "y".into(),
                goroot: "/y".into(),
                version: None,
                archs: Vec::new(),
                source: Source::Unknown,
                native: true,
            }],
        }
    }

    #[test]
    fn a_finding_is_named_by_id_code_or_path() {
        let mut r = fixture::report("darwin/arm64");
        r.findings = vec![
            finding(
                "dangling-symlink:/a/go",
                Code::DanglingSymlink,
                "/a/go",
                relink("/a/go"),
            ),
            finding(
                "dangling-symlink:/b/go",
                Code::DanglingSymlink,
                "/b/go",
                relink("/b/go"),
            ),
            finding("no-go-on-path", Code::NoGoOnPath, "/b/go", Action::None),
        ];
        let cwd = Path::new("/a");
        assert_eq!(
            find(&r, "dangling-symlink:/b/go", cwd).unwrap().id,
            "dangling-symlink:/b/go"
        );
        assert_eq!(find(&r, "/a/go", cwd).unwrap().id, "dangling-symlink:/a/go");
        assert_eq!(
            find(&r, "go", cwd).unwrap().id,
            "dangling-symlink:/a/go",
            "relative to cwd"
        );
        assert_eq!(
            find(&r, "/b/./go", cwd).unwrap().id,
            "dangling-symlink:/b/go",
            "two findings name /b/go, one can be repaired"
        );
        let e = find(&r, "dangling-symlink", cwd).unwrap_err();
        assert!(
            matches!(e, RepairError::Ambiguous { ref ids, .. } if ids.len() == 2),
            "{e:?}"
        );
        assert_eq!(find(&r, "no-go-on-path", cwd).unwrap().id, "no-go-on-path");
        let e = find(&r, "symlink-loop", cwd).unwrap_err();
        assert!(matches!(e, RepairError::NotFound { .. }), "{e:?}");
        let e = find(&r, "/c/go", cwd).unwrap_err();
        assert_eq!(e.status(), Status::Refused);
        assert_eq!(e.reason(), Reason::NotFound);
    }

    fn pending(id: &str, edits: Vec<Edit>) -> RepairRecord {
        RepairRecord {
            kind: RecordKind::Repair,
            id: id.into(),
            at: "2026-05-23T14:15:03Z".into(),
            finding: "dangling-symlink:/x".into(),
            undoes: None,
            path: edits[0].path().to_path_buf(),
            edits,
            outcome: Outcome::Pending,
            reconciled: false,
            message: "m".into(),
            error: None,
            elevated: false,
            warning: None,
        }
    }

    fn link_edit(path: &Path, before: &str, after: &str) -> Edit {
        Edit::Link {
            path: path.to_path_buf(),
            before: before.into(),
            after: after.into(),
        }
    }

    #[test]
    fn an_interrupted_transaction_is_settled_from_the_disk_once() {
        let d = tempfile::tempdir().unwrap();
        let ctx = Context::fake(&[], "linux/amd64", "/", d.path());
        let repairs =
            Repairs::with_data_dir(&ctx, doctor::Options::default(), d.path().join("data"));
        let (go, gofmt, other) = (
            d.path().join("go"),
            d.path().join("gofmt"),
            d.path().join("x"),
        );
        // Halfway: go was swapped, gofmt not yet; its temporary link is still there.
        std::os::unix::fs::symlink("new/go", &go).unwrap();
        std::os::unix::fs::symlink("old/gofmt", &gofmt).unwrap();
        std::os::unix::fs::symlink("new/gofmt", fsops::temp_path(&gofmt, "t1", 1)).unwrap();
        // Another, interrupted after someone else changed its path: a conflict, left alone,
        // with a temporary name holding neither side kept too.
        std::os::unix::fs::symlink("theirs", &other).unwrap();
        let stranger = fsops::temp_path(&other, "t2", 0);
        std::os::unix::fs::symlink("unknown", &stranger).unwrap();
        repairs
            .journal()
            .append(&pending(
                "t1",
                vec![
                    link_edit(&go, "old/go", "new/go"),
                    link_edit(&gofmt, "old/gofmt", "new/gofmt"),
                ],
            ))
            .unwrap();
        repairs
            .journal()
            .append(&pending("t2", vec![link_edit(&other, "a", "b")]))
            .unwrap();

        let r = repairs.reconcile().unwrap();
        let outcomes: Vec<_> = r
            .records
            .iter()
            .map(|r| (r.id.as_str(), r.outcome))
            .collect();
        assert_eq!(
            outcomes,
            [("t1", Outcome::RolledBack), ("t2", Outcome::Conflict)]
        );
        assert!(r.records.iter().all(|r| r.reconciled));
        assert!(r.unresolved.is_empty());
        assert_eq!(
            fsops::link_text(&go).unwrap(),
            Path::new("old/go"),
            "put back"
        );
        assert_eq!(fsops::link_text(&gofmt).unwrap(), Path::new("old/gofmt"));
        assert!(
            fsops::link_text(&fsops::temp_path(&gofmt, "t1", 1)).is_none(),
            "ours removed"
        );
        assert_eq!(
            fsops::link_text(&stranger).unwrap(),
            Path::new("unknown"),
            "not ours: kept"
        );
        assert_eq!(fsops::link_text(&other).unwrap(), Path::new("theirs"));
        assert!(
            repairs.reconcile().unwrap().records.is_empty(),
            "settled once"
        );
    }

    #[test]
    fn another_programs_version_parked_by_a_swap_when_the_process_died_goes_back() {
        let d = tempfile::tempdir().unwrap();
        let ctx = Context::fake(&[], "linux/amd64", "/", d.path());
        let repairs =
            Repairs::with_data_dir(&ctx, doctor::Options::default(), d.path().join("data"));
        // The swap put ours (new/go) at the path and found theirs where old/go should be,
        // and died before swapping back: theirs sits in our temporary name.
        let (go, gofmt) = (d.path().join("go"), d.path().join("gofmt"));
        std::os::unix::fs::symlink("new/go", &go).unwrap();
        let parked = fsops::temp_path(&go, "t1", 0);
        std::os::unix::fs::symlink("theirs/go", &parked).unwrap();
        // The same for a file that replaced the link.
        std::os::unix::fs::symlink("new/gofmt", &gofmt).unwrap();
        let parked_file = fsops::temp_path(&gofmt, "t2", 0);
        fs::write(&parked_file, b"their file").unwrap();
        for (id, path, old, new) in [
            ("t1", &go, "old/go", "new/go"),
            ("t2", &gofmt, "old/gofmt", "new/gofmt"),
        ] {
            repairs
                .journal()
                .append(&pending(id, vec![link_edit(path, old, new)]))
                .unwrap();
        }

        let r = repairs.reconcile().unwrap();
        let outcomes: Vec<_> = r.records.iter().map(|r| r.outcome).collect();
        assert_eq!(outcomes, [Outcome::Conflict, Outcome::Conflict]);
        assert_eq!(fsops::link_text(&go).unwrap(), Path::new("theirs/go"));
        assert_eq!(fs::read(&gofmt).unwrap(), b"their file");
        assert!(fs::symlink_metadata(&parked).is_err());
        assert!(fs::symlink_metadata(&parked_file).is_err());
        let error = r.records[0].error.as_deref().unwrap();
        assert!(error.contains("another program changed"), "{error}");
        assert!(error.contains("back in place"), "{error}");
    }

    #[cfg(debug_assertions)]
    /// Repairs over `d`, paused at `point`; `sabotage` runs there (given the transaction's
    /// id), then the run goes on.
    fn paused_at(
        d: &Path,
        point: &'static str,
        sabotage: impl FnOnce(&Repairs, &str) + Send + 'static,
    ) -> (Repairs, std::thread::JoinHandle<()>) {
        let hooks = d.join("hooks");
        fs::create_dir_all(&hooks).unwrap();
        let ctx = Context::fake(
            &[
                ("GOWARDEN_TEST_PAUSE_AT", point),
                ("GOWARDEN_TEST_PAUSE_DIR", hooks.to_str().unwrap()),
            ],
            "linux/amd64",
            "/",
            d,
        );
        let repairs = Repairs::with_data_dir(&ctx, doctor::Options::default(), d.join("data"));
        let other = repairs.clone();
        let waiter = std::thread::spawn(move || {
            // Waits for the event, not for a time: the checkpoint writes the marker.
            while !hooks.join(format!("{point}.reached")).exists() {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            let id = other.records().unwrap().records.last().unwrap().id.clone();
            sabotage(&other, &id);
            fs::write(hooks.join("resume"), b"").unwrap();
        });
        (repairs, waiter)
    }

    #[cfg(debug_assertions)]
    #[test]
    fn a_failed_put_back_says_half_applied_and_reconcile_tries_again() {
        let d = tempfile::tempdir().unwrap();
        let (go, gofmt) = (d.path().join("go"), d.path().join("gofmt"));
        std::os::unix::fs::symlink("old/go", &go).unwrap();
        // Someone else's gofmt: the second edit fails.
        std::os::unix::fs::symlink("theirs/gofmt", &gofmt).unwrap();
        let blocker = go.clone();
        let (repairs, waiter) = paused_at(d.path(), "edit-done", move |_, id| {
            // The put-back of go cannot use its temporary name: a directory is there.
            let temp = fsops::temp_path(&blocker, id, 0);
            fs::create_dir(&temp).unwrap();
            fs::write(temp.join("x"), b"").unwrap();
        });
        let e = repairs
            .execute(
                RecordKind::Repair,
                "f",
                None,
                vec![
                    link_edit(&go, "old/go", "new/go"),
                    link_edit(&gofmt, "old/gofmt", "new/gofmt"),
                ],
                "m".into(),
            )
            .unwrap_err();
        waiter.join().unwrap();
        assert!(matches!(e, RepairError::HalfApplied { .. }), "{e:?}");
        assert_eq!(e.status(), Status::Failed);
        let msg = e.to_string();
        for want in [
            "half-applied",
            "another program changed it meanwhile",
            &format!(
                "{} still points to new/go (it pointed to old/go)",
                go.display()
            ),
            &format!("ln -sfn old/go {}", go.display()),
        ] {
            assert!(msg.contains(want), "{want:?} not in {msg}");
        }
        assert!(!msg.contains("nothing was changed;"), "{msg}");
        let last = repairs.records().unwrap().records.pop().unwrap();
        assert_eq!(last.outcome, Outcome::HalfApplied);

        // The next start tries again (not only pending records are settled).
        fs::remove_dir_all(fsops::temp_path(&go, &last.id, 0)).unwrap();
        let r = repairs.reconcile().unwrap();
        assert_eq!(r.records[0].outcome, Outcome::RolledBack);
        assert_eq!(fsops::link_text(&go).unwrap(), Path::new("old/go"));
        assert_eq!(fsops::link_text(&gofmt).unwrap(), Path::new("theirs/gofmt"));
    }

    #[cfg(debug_assertions)]
    /// Replaces the journal with a directory, so no record can be appended.
    fn break_journal(repairs: &Repairs) {
        let j = repairs.journal().path().to_path_buf();
        fs::rename(&j, j.with_extension("saved-away")).unwrap();
        fs::create_dir(&j).unwrap();
    }

    #[cfg(debug_assertions)]
    #[test]
    fn done_is_reported_done_even_if_the_journal_cannot_take_the_outcome() {
        let d = tempfile::tempdir().unwrap();
        let go = d.path().join("go");
        std::os::unix::fs::symlink("old/go", &go).unwrap();
        let (repairs, waiter) = paused_at(d.path(), "before-outcome", |r, _| break_journal(r));
        let rec = repairs
            .execute(
                RecordKind::Repair,
                "f",
                None,
                vec![link_edit(&go, "old/go", "new/go")],
                "m".into(),
            )
            .unwrap();
        waiter.join().unwrap();
        assert_eq!(rec.outcome, Outcome::Done);
        assert_eq!(fsops::link_text(&go).unwrap(), Path::new("new/go"));
        let warning = rec.warning.unwrap();
        assert!(
            warning.contains("could not be written to the journal"),
            "{warning}"
        );
        assert!(
            warning.contains(&repairs.journal().path().display().to_string()),
            "{warning}"
        );
    }

    #[cfg(debug_assertions)]
    #[test]
    fn a_journal_failure_never_hides_why_a_repair_failed() {
        let d = tempfile::tempdir().unwrap();
        let (go, gofmt) = (d.path().join("go"), d.path().join("gofmt"));
        std::os::unix::fs::symlink("old/go", &go).unwrap();
        std::os::unix::fs::symlink("theirs/gofmt", &gofmt).unwrap();
        let (repairs, waiter) = paused_at(d.path(), "edit-done", |r, _| break_journal(r));
        let e = repairs
            .execute(
                RecordKind::Repair,
                "f",
                None,
                vec![
                    link_edit(&go, "old/go", "new/go"),
                    link_edit(&gofmt, "old/gofmt", "new/gofmt"),
                ],
                "m".into(),
            )
            .unwrap_err();
        waiter.join().unwrap();
        assert!(matches!(e, RepairError::Changed { .. }), "{e:?}");
        assert_eq!(
            fsops::link_text(&go).unwrap(),
            Path::new("old/go"),
            "put back"
        );
    }

    #[test]
    fn repairable_findings_are_relinks_with_a_candidate_and_shell_edits() {
        let mut r = fixture::report("darwin/arm64");
        let mut none = relink("/c/go");
        if let Action::Relink { candidates, .. } = &mut none {
            candidates.clear();
        }
        r.findings = vec![
            finding("a", Code::DanglingSymlink, "/a/go", relink("/a/go")),
            finding("c", Code::DanglingSymlink, "/c/go", none),
            finding(
                "s",
                Code::GorootEnvMismatch,
                "/x",
                Action::EditShellFile {
                    file: "/h/.zshrc".into(),
                    line: 1,
                    text: "export GOROOT=/x".into(),
                },
            ),
        ];
        let ids: Vec<_> = repairable(&r).iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["a", "s"]);
    }
}
