//! Why a repair or undo did not happen, and how it ended: the error, and the stable words
//! JSON and the app use for it.

use std::io;
use std::path::PathBuf;

use super::elevate;
use super::record::Outcome;
use crate::journal::JournalError;

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

/// Why a repair or undo did not happen, one word per [`RepairError`] variant (and those of
/// the administrator side's refusals), for JSON and the app.
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
