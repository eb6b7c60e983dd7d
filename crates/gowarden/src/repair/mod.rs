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
//! (the app, a CLI, an elevated helper) one at a time.

pub mod elevate;
mod fsops;
pub mod plan;
pub mod record;

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::binary::Inspector;
use crate::context::Context;
use crate::doctor;
use crate::install::{self, Source};
use crate::journal::{Journal, JournalError, Records, data_dir_for};
use crate::report::{Action, Code, Finding, LinkKind, Report};
use crate::{shell, symlink};

use fsops::{FsError, Hooks};
pub use plan::{COMMENT_PREFIX, Plan, Sibling};
pub use record::{Edit, JOURNAL_FILE, Outcome, RecordKind, RepairRecord};

/// A repair or undo that did not happen; the disk is as it was unless the variant says so.
#[derive(Debug, thiserror::Error)]
pub enum RepairError {
    /// Nothing a fresh scan found matches what was asked for.
    #[error(
        "no finding of a fresh scan matches {selector:?}{}: gowarden repairs only what it finds \
         broken now (see `gowarden repair --list`)",
        what.as_ref().map(|w| format!(" ({w})")).unwrap_or_default()
    )]
    NotFound {
        /// What was asked for.
        selector: String,
        /// What is at that path, when it was a path.
        what: Option<String>,
    },
    /// Several findings match; one must be named by id.
    #[error("{selector:?} matches several findings; name one by its id: {}", ids.join(", "))]
    Ambiguous {
        /// What was asked for.
        selector: String,
        /// The matching findings' ids.
        ids: Vec<String>,
    },
    /// The finding's fix is not one gowarden carries out itself.
    #[error("{id} is not something gowarden repairs itself; the fix is: {fix}")]
    NotRepairable {
        /// The finding.
        id: String,
        /// Its fix, in words.
        fix: String,
    },
    /// `--to` names no healthy target of this finding.
    #[error(
        "{} is not one of this link's healthy targets{why}; choose one of: {}",
        to.display(),
        if candidates.is_empty() { "(none)".to_string() } else {
            candidates.iter().map(|c| c.display().to_string()).collect::<Vec<_>>().join(", ")
        }
    )]
    NotACandidate {
        /// What was asked for.
        to: PathBuf,
        /// Why not, starting with `: ` (or empty).
        why: String,
        /// The Go roots that may be chosen.
        candidates: Vec<PathBuf>,
    },
    /// The path is not a symlink (any more).
    #[error("{} is {found}, not a symlink; gowarden leaves it untouched", path.display())]
    NotASymlink {
        /// The path.
        path: PathBuf,
        /// What is there.
        found: String,
    },
    /// The chosen Go root does not pass a check made now.
    #[error(
        "{} is not a healthy Go root for this {host} machine: {}; nothing was changed",
        goroot.display(),
        problems.join("; ")
    )]
    UnhealthyTarget {
        /// The Go root.
        goroot: PathBuf,
        /// The host it was judged for.
        host: String,
        /// What is wrong.
        problems: Vec<String>,
    },
    /// A path no longer holds what the plan (or the repair being undone) left there.
    #[error(
        "{} changed: expected {expected}, found {found}; nothing was changed",
        path.display()
    )]
    Changed {
        /// The path.
        path: PathBuf,
        /// What was expected.
        expected: String,
        /// What is there.
        found: String,
    },
    /// A fresh scan no longer gives the same plan.
    #[error("the machine changed since this repair was planned ({why}); nothing was changed")]
    Stale {
        /// What differs.
        why: String,
    },
    /// The directory holding the path is not writable by this user.
    #[error(
        "permission denied: {} is not writable by this user ({source}); nothing was changed",
        dir.display()
    )]
    NeedsPrivilege {
        /// The directory.
        dir: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// No repair is left to undo.
    #[error("nothing to undo: every repair in the journal is undone or did not complete")]
    NothingToUndo,
    /// No repair has that id.
    #[error("no repair with id {id:?} in the journal (see `gowarden history`)")]
    UnknownRepair {
        /// The id asked for.
        id: String,
    },
    /// That repair is undone already.
    #[error("repair {id} is already undone")]
    AlreadyUndone {
        /// The repair.
        id: String,
    },
    /// That repair did not complete, so there is nothing of it to undo.
    #[error("repair {id} did not complete ({outcome}), so there is nothing of it to undo")]
    NotDone {
        /// The repair.
        id: String,
        /// How it ended.
        outcome: Outcome,
    },
    /// A repair or undo failed partway, and putting back the edits it had made failed too.
    #[error(
        "{what} {id} failed ({cause}), and putting back the edits it had already made failed \
         too, so it is half-applied: {}. gowarden tries again to put them back each time it \
         starts (for example `gowarden repair --list`); to put them back by hand now: {}",
        states.join("; "),
        steps.join("; ")
    )]
    HalfApplied {
        /// `repair` or `undo`.
        what: &'static str,
        /// The transaction.
        id: String,
        /// Why it failed.
        cause: Box<RepairError>,
        /// Each path it had changed, and what it holds now.
        states: Vec<String>,
        /// The commands that put each one still changed back.
        steps: Vec<String>,
    },
    /// An interrupted transaction on the same paths could not be settled, so nothing new
    /// may start on them.
    #[error(
        "an interrupted {what} ({id}) of {} could not be settled: {why}; nothing was changed. \
         {}",
        paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        if *privileged {
            "This user may not write there, and gowarden never settles a user's journal as \
             root: put it back by hand"
        } else {
            "Fix that and run gowarden again: it settles the interrupted change first"
        }
    )]
    Unsettled {
        /// `repair` or `undo`.
        what: &'static str,
        /// The interrupted transaction.
        id: String,
        /// Its paths.
        paths: Vec<PathBuf>,
        /// Why putting it back failed.
        why: String,
        /// It failed for want of permission.
        privileged: bool,
    },
    /// The copy of a file saved by the repair is gone or damaged.
    #[error(
        "the copy of {} saved before the repair ({}) is missing or damaged; nothing was changed",
        path.display(),
        saved.display()
    )]
    SavedCopyMissing {
        /// The startup file.
        path: PathBuf,
        /// Where its copy should be.
        saved: PathBuf,
    },
    /// A startup file in a directory this user cannot write: never an administrator's to edit.
    #[error(
        "{} is not writable by this user, and gowarden edits a shell startup file only as its \
         owner, never as an administrator; nothing was changed",
        path.display()
    )]
    NotForAdministrator {
        /// The startup file.
        path: PathBuf,
    },
    /// The administrator policy refuses the change, so no administrator is asked.
    #[error("{0}; nothing was changed, and no administrator is needed or allowed for it")]
    Policy(#[from] elevate::Refusal),
    /// The change does not fit an administrator request.
    #[error("{0}")]
    BadRequest(#[from] elevate::BadRequest),
    /// The repair was made as an administrator, and only an administrator run undoes it.
    #[error(
        "repair {id} was made as an administrator, so undoing it needs one too (its record is \
         the administrator's, in {})",
        elevate::state_dir().display()
    )]
    Elevated {
        /// The repair.
        id: String,
    },
    /// There is no data directory for the journal.
    #[error("cannot find a data directory for the repair journal: set HOME or GOWARDEN_DATA_DIR")]
    NoDataDir,
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// Any other I/O failure.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// To which path.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

/// How a repair or undo attempt ended, for the CLI's exit status and the app's UI.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(rename = "RepairStatus")]
pub enum Status {
    /// It was carried out.
    Done,
    /// Only shown (`--dry-run`).
    DryRun,
    /// gowarden would not: the request does not fit what is on disk.
    Refused,
    /// It needs an administrator (`sudo`, the app's administrator prompt).
    NeedsPrivilege,
    /// It went wrong.
    Failed,
}

impl RepairError {
    /// How it ended.
    pub fn status(&self) -> Status {
        match self {
            RepairError::NeedsPrivilege { .. } | RepairError::Elevated { .. } => {
                Status::NeedsPrivilege
            }
            RepairError::Unsettled { .. }
            | RepairError::NoDataDir
            | RepairError::Journal(_)
            | RepairError::Io { .. }
            | RepairError::HalfApplied { .. } => Status::Failed,
            _ => Status::Refused,
        }
    }

    /// Why, as a stable word for JSON.
    pub fn reason(&self) -> Reason {
        match self {
            RepairError::NotFound { .. } => Reason::NotFound,
            RepairError::Ambiguous { .. } => Reason::Ambiguous,
            RepairError::NotRepairable { .. } => Reason::NotRepairable,
            RepairError::NotACandidate { .. } => Reason::NotACandidate,
            RepairError::NotASymlink { .. } => Reason::NotASymlink,
            RepairError::UnhealthyTarget { .. } => Reason::UnhealthyTarget,
            RepairError::Changed { .. } => Reason::Changed,
            RepairError::Stale { .. } => Reason::Stale,
            RepairError::NeedsPrivilege { .. } => Reason::NeedsPrivilege,
            RepairError::NothingToUndo => Reason::NothingToUndo,
            RepairError::UnknownRepair { .. } => Reason::UnknownRepair,
            RepairError::AlreadyUndone { .. } => Reason::AlreadyUndone,
            RepairError::NotDone { .. } => Reason::NotDone,
            RepairError::SavedCopyMissing { .. } => Reason::SavedCopyMissing,
            RepairError::HalfApplied { .. } => Reason::HalfApplied,
            RepairError::Unsettled { .. } => Reason::Unsettled,
            RepairError::NotForAdministrator { .. } => Reason::NotForAdministrator,
            RepairError::Policy(r) => r.reason(),
            RepairError::BadRequest(_) => Reason::BadRequest,
            RepairError::Elevated { .. } => Reason::Elevated,
            RepairError::NoDataDir => Reason::NoDataDir,
            RepairError::Journal(_) => Reason::Journal,
            RepairError::Io { .. } => Reason::Io,
        }
    }
}

/// Why a repair or undo did not happen, one word per [`RepairError`] variant (and one for a
/// request file the elevated side refused), for JSON and the app.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(rename = "RepairReason")]
pub enum Reason {
    /// [`RepairError::NotFound`].
    NotFound,
    /// [`RepairError::Ambiguous`].
    Ambiguous,
    /// [`RepairError::NotRepairable`].
    NotRepairable,
    /// [`RepairError::NotACandidate`].
    NotACandidate,
    /// [`RepairError::NotASymlink`].
    NotASymlink,
    /// [`RepairError::UnhealthyTarget`].
    UnhealthyTarget,
    /// [`RepairError::Changed`].
    Changed,
    /// [`RepairError::Stale`].
    Stale,
    /// [`RepairError::NeedsPrivilege`].
    NeedsPrivilege,
    /// [`RepairError::NothingToUndo`].
    NothingToUndo,
    /// [`RepairError::UnknownRepair`].
    UnknownRepair,
    /// [`RepairError::AlreadyUndone`].
    AlreadyUndone,
    /// [`RepairError::NotDone`].
    NotDone,
    /// [`RepairError::SavedCopyMissing`].
    SavedCopyMissing,
    /// [`RepairError::HalfApplied`].
    HalfApplied,
    /// [`RepairError::Unsettled`].
    Unsettled,
    /// [`RepairError::NoDataDir`].
    NoDataDir,
    /// [`RepairError::Journal`].
    Journal,
    /// [`RepairError::Io`].
    Io,
    /// An administrator request that does not parse ([`elevate::BadRequest`]).
    BadRequest,
    /// [`RepairError::NotForAdministrator`].
    NotForAdministrator,
    /// [`RepairError::Elevated`].
    Elevated,
    /// The administrator policy refuses the link, its directory or its new target
    /// ([`elevate::Refusal`]), or root's own directory is not root's alone.
    NotAllowed,
    /// An administrator run not run as root ([`elevate::AdminError::NotRoot`]).
    NotRoot,
    /// An administrator run from a program another account could have changed
    /// ([`elevate::AdminError::UntrustedProgram`]).
    UntrustedProgram,
    /// No copy of gowarden that an administrator may run is installed
    /// ([`elevate::NoHelper`]).
    NoHelper,
}

/// What a start found of transactions a crash interrupted, and settled.
#[derive(Debug, Clone, Default)]
pub struct Reconciliation {
    /// The outcomes written for them.
    pub records: Vec<RepairRecord>,
    /// Those that could not be settled (their edits could not be put back); the next start
    /// tries again.
    pub unresolved: Vec<Unsettled>,
}

/// An interrupted transaction whose edits could not be put back.
#[derive(Debug, Clone)]
pub struct Unsettled {
    /// The transaction.
    pub id: String,
    /// A repair or an undo.
    pub kind: RecordKind,
    /// The paths it changes.
    pub paths: Vec<PathBuf>,
    /// Why putting its edits back failed ([`Status::NeedsPrivilege`] or [`Status::Failed`]).
    pub status: Status,
    /// What happened, in one sentence.
    pub message: String,
}

impl Unsettled {
    /// The refusal of a new transaction touching any of `edits`' paths, if it does.
    fn refuse(&self, edits: &[Edit]) -> Result<(), RepairError> {
        if !edits
            .iter()
            .any(|e| self.paths.iter().any(|p| p == e.path()))
        {
            return Ok(());
        }
        Err(RepairError::Unsettled {
            what: kind_word(self.kind),
            id: self.id.clone(),
            paths: self.paths.clone(),
            why: self.message.clone(),
            privileged: self.status == Status::NeedsPrivilege,
        })
    }
}

/// `repair` or `undo`.
fn kind_word(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Repair => "repair",
        RecordKind::Undo => "undo",
    }
}

/// The findings gowarden can repair itself: relinks with a candidate, startup-file edits.
pub fn repairable(report: &Report) -> Vec<&Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.action.is_repairable())
        .collect()
}

/// The finding `selector` names in `report`: its id; its code, when one repairable finding
/// has it; or a path it is about (relative to `cwd`).
pub fn find<'a>(
    report: &'a Report,
    selector: &str,
    cwd: &Path,
) -> Result<&'a Finding, RepairError> {
    if let Some(f) = report.finding(selector) {
        return Ok(f);
    }
    let one = |found: Vec<&'a Finding>| -> Result<Option<&'a Finding>, RepairError> {
        let fixable: Vec<_> = found.iter().filter(|f| f.action.is_repairable()).collect();
        match (found.len(), fixable.len()) {
            (0, _) => Ok(None),
            (1, _) => Ok(Some(found[0])),
            (_, 1) => Ok(Some(fixable[0])),
            _ => Err(RepairError::Ambiguous {
                selector: selector.to_string(),
                ids: found.iter().map(|f| f.id.clone()).collect(),
            }),
        }
    };
    if let Some(code) = Code::ALL.iter().find(|c| c.as_str() == selector) {
        let found = report.findings.iter().filter(|f| f.code == *code).collect();
        if let Some(f) = one(found)? {
            return Ok(f);
        }
        return Err(RepairError::NotFound {
            selector: selector.to_string(),
            what: None,
        });
    }
    let path = symlink::clean(&cwd.join(selector));
    let names = |f: &Finding| {
        let acted_on = match &f.action {
            Action::Relink { link, .. } => Some(link),
            Action::EditShellFile { file, .. } => Some(file),
            _ => None,
        };
        acted_on.is_some_and(|p| symlink::clean(p) == path)
            || f.subjects.iter().any(|s| symlink::clean(&s.path) == path)
    };
    if let Some(f) = one(report.findings.iter().filter(|f| names(f)).collect())? {
        return Ok(f);
    }
    Err(RepairError::NotFound {
        selector: selector.to_string(),
        what: fs::symlink_metadata(&path)
            .is_ok()
            .then(|| format!("{} is {}", path.display(), fsops::describe(&path))),
    })
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

    fn reconcile_locked(&self) -> Result<Reconciliation, RepairError> {
        let records = self.records()?.records;
        let mut out = Reconciliation::default();
        // A record of an administrator's is only a pointer to root's own: never acted on here.
        'next: for r in record::latest(&records).into_iter().filter(|r| !r.elevated) {
            let half_applied = match r.outcome {
                Outcome::Pending => false,
                Outcome::HalfApplied => true,
                _ => continue,
            };
            let notes = self.settle_temps(&r.id, &r.edits);
            let seen: Vec<_> = r.edits.iter().map(|e| self.seen(e)).collect();
            let mut fin = r.clone();
            fin.reconciled = true;
            let decision = if half_applied {
                record::decide_half_applied(&seen)
            } else {
                record::decide(&seen)
            };
            match decision {
                record::Decision::Done => fin.outcome = Outcome::Done,
                record::Decision::NothingChanged => {
                    fin.outcome = Outcome::Failed;
                    fin.error = Some(if half_applied {
                        "failed; none of its edits is in place any more".into()
                    } else {
                        "interrupted before it changed anything".into()
                    });
                }
                record::Decision::RollBack(done) => {
                    let txid = format!("{}.rb", r.id);
                    for &i in done.iter().rev() {
                        if let Err(e) = self.perform(&txid, i, &r.edits[i].reversed()) {
                            let e = self.fs_error(e, &r.edits[i].reversed());
                            out.unresolved.push(Unsettled {
                                id: r.id.clone(),
                                kind: r.kind,
                                paths: r.edits.iter().map(|e| e.path().to_path_buf()).collect(),
                                status: e.status(),
                                message: format!(
                                    "{} {} stopped halfway, and putting back its edits failed: {e}",
                                    kind_word(r.kind),
                                    r.id
                                ),
                            });
                            continue 'next;
                        }
                    }
                    fin.outcome = Outcome::RolledBack;
                    fin.error = Some(if half_applied {
                        "failed halfway; the edits it had made are now put back".into()
                    } else {
                        "interrupted halfway; the edits it had made were put back".into()
                    });
                }
                record::Decision::Conflict => {
                    let changed: Vec<_> = r
                        .edits
                        .iter()
                        .zip(&seen)
                        .filter(|(_, s)| **s == record::Seen::Other)
                        .map(|(e, _)| e.path().display().to_string())
                        .collect();
                    fin.outcome = Outcome::Conflict;
                    fin.error = Some(format!(
                        "interrupted, and {} changed since: left as it is",
                        changed.join(", ")
                    ));
                }
            }
            if !notes.is_empty() {
                let error = fin
                    .error
                    .take()
                    .into_iter()
                    .chain(notes)
                    .collect::<Vec<_>>();
                fin.error = Some(error.join("; "));
            }
            fin.at = record::rfc3339(self.ctx.now());
            self.append(&fin)?;
            out.records.push(fin);
        }
        Ok(out)
    }

    /// Where one edit's path stands.
    fn seen(&self, e: &Edit) -> record::Seen {
        self.seen_at(e, edit_target(e))
    }

    /// Whether `at` holds `e`'s before or after version (or neither), wherever `at` is: the
    /// edit's own path, or one of its temporary names.
    fn seen_at(&self, e: &Edit, at: &Path) -> record::Seen {
        let (is_after, is_before) = match e {
            Edit::Link { before, after, .. } => {
                let now = fsops::link_text(at);
                (now.as_ref() == Some(after), now.as_ref() == Some(before))
            }
            Edit::ShellLine {
                before_sha256,
                after_sha256,
                ..
            } => {
                let now = fs::symlink_metadata(at)
                    .is_ok_and(|m| m.is_file())
                    .then(|| fsops::file_sha256(at))
                    .flatten();
                (
                    now.as_ref() == Some(after_sha256),
                    now.as_ref() == Some(before_sha256),
                )
            }
        };
        match (is_after, is_before) {
            (true, _) => record::Seen::After,
            (_, true) => record::Seen::Before,
            _ => record::Seen::Other,
        }
    }

    /// Tidies the temporary names an interrupted transaction left. One holding the edit's
    /// before or after version is ours, and is removed. One holding anything else is another
    /// program's version of the path: a swap parked it there on finding it in place of what
    /// the plan expected, and the process died before swapping it back. It goes back to its
    /// path when the path holds one of ours; otherwise it stays where it is. Returns what the
    /// user must be told.
    fn settle_temps(&self, id: &str, edits: &[Edit]) -> Vec<String> {
        let mut notes = Vec::new();
        for txid in [id.to_string(), format!("{id}.rb")] {
            for (k, e) in edits.iter().enumerate() {
                let at = edit_target(e);
                let temp = fsops::temp_path(at, &txid, k);
                if fs::symlink_metadata(&temp).is_err() {
                    continue;
                }
                if self.seen_at(e, &temp) != record::Seen::Other {
                    let _ = fs::remove_file(&temp);
                    continue;
                }
                let theirs = fsops::describe(&temp);
                if self.seen_at(e, at) == record::Seen::Other {
                    notes.push(format!(
                        "{} holds {theirs}, neither the old nor the new version of {}: left \
                         as it is",
                        temp.display(),
                        at.display()
                    ));
                    continue;
                }
                notes.push(match fsops::put_back(&temp, at) {
                    Ok(()) => format!(
                        "another program changed {} while gowarden was changing it: its version \
                         ({theirs}) is back in place",
                        at.display()
                    ),
                    Err(e) => format!(
                        "another program changed {} while gowarden was changing it: its version \
                         ({theirs}) is kept at {}, and putting it back failed ({e:?}); move it \
                         back by hand",
                        at.display(),
                        temp.display()
                    ),
                });
            }
        }
        notes
    }

    /// Journals the intent, makes every edit (putting back the ones made if one fails), and
    /// journals the outcome.
    fn execute(
        &self,
        kind: RecordKind,
        finding: &str,
        undoes: Option<String>,
        edits: Vec<Edit>,
        message: String,
    ) -> Result<RepairRecord, RepairError> {
        let mut rec = RepairRecord {
            kind,
            id: self.new_id()?,
            at: record::rfc3339(self.ctx.now()),
            finding: finding.to_string(),
            undoes,
            path: edits
                .first()
                .map(|e| e.path().to_path_buf())
                .unwrap_or_default(),
            edits,
            outcome: Outcome::Pending,
            reconciled: false,
            message,
            error: None,
            elevated: false,
            warning: None,
        };
        self.append(&rec)?;
        self.hooks.checkpoint("intent-written");
        for k in 0..rec.edits.len() {
            if let Err(e) = self.perform(&rec.id, k, &rec.edits[k]) {
                let mut err = self.fs_error(e, &rec.edits[k]);
                let mut stuck = false;
                for j in (0..k).rev() {
                    stuck |= self.perform(&rec.id, j, &rec.edits[j].reversed()).is_err();
                }
                if !stuck {
                    rec.outcome = Outcome::Failed;
                } else {
                    rec.outcome = Outcome::HalfApplied;
                    err = self.half_applied(&rec, k, err);
                }
                rec.at = record::rfc3339(self.ctx.now());
                rec.error = Some(err.to_string());
                // Failing to journal this must not hide what went wrong: the intent stays
                // pending, and the next start settles it from the disk.
                let _ = self.append(&rec);
                return Err(err);
            }
            self.hooks.checkpoint("edit-done");
        }
        self.hooks.checkpoint("before-outcome");
        rec.outcome = Outcome::Done;
        rec.at = record::rfc3339(self.ctx.now());
        if let Err(e) = self.append(&rec) {
            // Done all the same; the pending intent is settled as done from the disk later.
            rec.warning = Some(format!(
                "the {} is done, but its outcome could not be written to the journal ({e}); \
                 the next gowarden start records it from the disk",
                kind_word(rec.kind)
            ));
        }
        Ok(rec)
    }

    /// The error for transaction `rec`, which failed at edit `failed` with `cause`, when
    /// putting back the edits before it failed too: where each of those paths stands, and the
    /// commands that put back the ones still changed.
    fn half_applied(&self, rec: &RepairRecord, failed: usize, cause: RepairError) -> RepairError {
        let mut states = Vec::new();
        let mut steps = Vec::new();
        for e in &rec.edits[..failed] {
            let path = e.path().display();
            match (self.seen(e), e) {
                (record::Seen::Before, _) => states.push(format!("{path} is back as it was")),
                (record::Seen::Other, _) => states.push(format!(
                    "{path} was changed by another program since (it is {} now)",
                    fsops::describe(edit_target(e))
                )),
                (record::Seen::After, Edit::Link { before, after, .. }) => {
                    states.push(format!(
                        "{path} still points to {} (it pointed to {})",
                        after.display(),
                        before.display()
                    ));
                    steps.push(format!(
                        "ln -sfn {} {}",
                        crate::quote::sh_word(before.as_os_str().as_encoded_bytes()),
                        crate::quote::sh_word(e.path().as_os_str().as_encoded_bytes())
                    ));
                }
                (
                    record::Seen::After,
                    Edit::ShellLine {
                        real,
                        line,
                        before_sha256,
                        ..
                    },
                ) => {
                    states.push(format!("{path} still has line {line} changed"));
                    steps.push(format!(
                        "cp {} {}",
                        crate::quote::sh_word(
                            self.saved_path(before_sha256)
                                .as_os_str()
                                .as_encoded_bytes()
                        ),
                        crate::quote::sh_word(real.as_os_str().as_encoded_bytes())
                    ));
                }
            }
        }
        if steps.is_empty() {
            steps.push("nothing is left to put back".into());
        }
        RepairError::HalfApplied {
            what: kind_word(rec.kind),
            id: rec.id.clone(),
            cause: Box::new(cause),
            states,
            steps,
        }
    }

    /// Makes one edit, checked against its `before`.
    fn perform(&self, txid: &str, k: usize, e: &Edit) -> Result<(), FsError> {
        match e {
            Edit::Link {
                path,
                before,
                after,
            } => fsops::replace_link(
                path,
                Some(before),
                after,
                &fsops::temp_path(path, txid, k),
                &self.hooks,
            ),
            Edit::ShellLine {
                real,
                before_sha256,
                after_sha256,
                ..
            } => {
                let content = self.saved(after_sha256).ok_or_else(|| FsError::Io {
                    op: "read the saved copy",
                    path: self.saved_path(after_sha256),
                    source: io::ErrorKind::NotFound.into(),
                })?;
                fsops::replace_file(
                    real,
                    Some(before_sha256),
                    &content,
                    &fsops::temp_path(real, txid, k),
                    &self.hooks,
                )
            }
        }
    }

    fn fs_error(&self, e: FsError, edit: &Edit) -> RepairError {
        match e {
            FsError::Changed { path, found } => RepairError::Changed {
                path,
                expected: match edit {
                    Edit::Link { before, .. } => format!("a symlink to {}", before.display()),
                    Edit::ShellLine { .. } => {
                        "the content it had when the repair was planned".into()
                    }
                },
                found: format!("{found} (another program changed it meanwhile)"),
            },
            FsError::Io { path, source, .. } if denied(&source) => RepairError::NeedsPrivilege {
                dir: fsops::parent(&path).to_path_buf(),
                source,
            },
            FsError::Io { op, path, source } => RepairError::Io { op, path, source },
        }
    }

    /// Refuses up front when a directory to write in is not writable by this user.
    fn preflight(&self, edits: &[Edit]) -> Result<(), RepairError> {
        for e in edits {
            let dir = fsops::parent(edit_target(e));
            if let Err(source) = fsops::may_write_dir(dir) {
                return Err(if denied(&source) {
                    RepairError::NeedsPrivilege {
                        dir: dir.to_path_buf(),
                        source,
                    }
                } else {
                    RepairError::Io {
                        op: "write in",
                        path: dir.to_path_buf(),
                        source,
                    }
                });
            }
        }
        Ok(())
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

    fn saved_path(&self, sha: &str) -> PathBuf {
        self.data_dir.join("saved").join(sha)
    }

    /// A saved file's content, if it is there and intact.
    fn saved(&self, sha: &str) -> Option<Vec<u8>> {
        fsops::read_nofollow(&self.saved_path(sha))
            .ok()
            .filter(|b| fsops::sha256(b) == sha)
    }

    /// Keeps `bytes` in `saved/<sha256>`, durably.
    fn save(&self, bytes: &[u8]) -> Result<(), RepairError> {
        let sha = fsops::sha256(bytes);
        if self.saved(&sha).is_some() {
            return Ok(());
        }
        let dir = self.data_dir.join("saved");
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(io_err("create", &dir))?;
        if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
            return Err(RepairError::Io {
                op: "keep a copy in",
                path: dir,
                source: io::Error::other("it is not a directory (a symlink?)"),
            });
        }
        let path = self.saved_path(&sha);
        let temp = dir.join(format!(".{sha}.{}.tmp", std::process::id()));
        let fail = |e: FsError| match e {
            FsError::Io { op, path, source } => RepairError::Io { op, path, source },
            FsError::Changed { path, .. } => RepairError::Io {
                op: "save",
                path,
                source: io::ErrorKind::AlreadyExists.into(),
            },
        };
        fsops::remove_if_present(&temp).map_err(fail)?;
        fsops::write_new(&temp, bytes, None).map_err(fail)?;
        fs::rename(&temp, &path).map_err(io_err("save", &path))?;
        fsops::sync_parent(&path).map_err(fail)
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
