//! One transaction: its intent journaled, every edit made (those made put back if one fails),
//! its outcome journaled.

use std::io;

use super::fsops::{self, FsError};
use super::record::{self, Edit, Outcome, RecordKind, RepairRecord};
use super::{RepairError, Repairs, denied, edit_target, kind_word};

impl Repairs {
    /// Journals the intent, makes every edit (putting back the ones made if one fails), and
    /// journals the outcome.
    pub(super) fn execute(
        &self,
        kind: RecordKind,
        finding: &str,
        undoes: Option<String>,
        edits: Vec<Edit>,
        message: String,
    ) -> Result<RepairRecord, RepairError> {
        let mut rec = RepairRecord::intent(
            kind,
            self.new_id()?,
            self.ctx.now(),
            finding,
            undoes,
            edits,
            message,
        );
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
    pub(super) fn half_applied(
        &self,
        rec: &RepairRecord,
        failed: usize,
        cause: RepairError,
    ) -> RepairError {
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
    pub(super) fn perform(&self, txid: &str, k: usize, e: &Edit) -> Result<(), FsError> {
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

    pub(super) fn fs_error(&self, e: FsError, edit: &Edit) -> RepairError {
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
    pub(super) fn preflight(&self, edits: &[Edit]) -> Result<(), RepairError> {
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
}
