//! Settling transactions a crash interrupted, from what is on disk: each is recorded done,
//! failed, rolled back (its edits put back) or in conflict; temporary names left behind are
//! tidied, and another program's version parked under one goes back.

use std::fs;
use std::path::{Path, PathBuf};

use super::record::{self, Edit, Outcome, RecordKind, RepairRecord};
use super::{RepairError, Repairs, Status, edit_target, fsops, kind_word};

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
    pub(super) fn refuse(&self, edits: &[Edit]) -> Result<(), RepairError> {
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

impl Repairs {
    pub(super) fn reconcile_locked(&self) -> Result<Reconciliation, RepairError> {
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
    pub(super) fn seen(&self, e: &Edit) -> record::Seen {
        self.seen_at(e, edit_target(e))
    }

    /// Whether `at` holds `e`'s before or after version (or neither), wherever `at` is: the
    /// edit's own path, or one of its temporary names.
    pub(super) fn seen_at(&self, e: &Edit, at: &Path) -> record::Seen {
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
    pub(super) fn settle_temps(&self, id: &str, edits: &[Edit]) -> Vec<String> {
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
}
