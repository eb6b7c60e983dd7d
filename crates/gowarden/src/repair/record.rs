//! The repair journal's records (`repairs.jsonl` in the data directory), and the decision a
//! later start makes about an intent that never got its outcome.
//!
//! A transaction (a repair, or the undo of one) writes two lines: its intent, with outcome
//! `pending`, fsynced before anything on disk changes; then its outcome. Both carry every
//! edit's exact before and after, so an intent alone is enough to tell from the disk how far
//! it got. The last line for an `id` is its state.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::report::{Change, ChangeKind};

/// The journal's file name in the data directory.
pub const JOURNAL_FILE: &str = "repairs.jsonl";

/// Whether a record is about a repair or the undo of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(rename = "RepairKind")]
pub enum RecordKind {
    /// `gowarden repair`.
    Repair,
    /// `gowarden undo`.
    Undo,
}

/// How a transaction ended (or that it has not yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The intent: written before acting. Alone, it means the process died while acting.
    Pending,
    /// Every edit is in place.
    Done,
    /// Nothing was changed (refused at the last moment, or failed and put back).
    Failed,
    /// It was interrupted halfway, and a later start put the edits it had made back.
    RolledBack,
    /// The disk holds neither the before nor the after state: someone else changed it.
    Conflict,
    /// It failed partway, and putting back the edits it had made failed too: some are still
    /// in place. Each start tries again to put them back, as for [`Outcome::Pending`].
    HalfApplied,
}

impl Outcome {
    /// The wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Done => "done",
            Outcome::Failed => "failed",
            Outcome::RolledBack => "rolled-back",
            Outcome::Conflict => "conflict",
            Outcome::HalfApplied => "half-applied",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change on disk, with its exact before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Edit {
    /// A symlink pointed elsewhere: `before` and `after` are link texts, verbatim.
    Link {
        /// The link.
        #[serde(with = "raw_path")]
        path: PathBuf,
        /// Its text before.
        #[serde(with = "raw_path")]
        before: PathBuf,
        /// Its text after.
        #[serde(with = "raw_path")]
        after: PathBuf,
    },
    /// A shell startup file with one line commented out (or back). Both versions of the file
    /// are kept in the data directory's `saved/<sha256>`.
    ShellLine {
        /// The startup file as the shell names it.
        #[serde(with = "raw_path")]
        path: PathBuf,
        /// The file written (the startup file itself, or where its symlink leads).
        #[serde(with = "raw_path")]
        real: PathBuf,
        /// The 1-based line.
        line: usize,
        /// The line before.
        before: String,
        /// The line after.
        after: String,
        /// SHA-256 of the whole file before, hex.
        before_sha256: String,
        /// SHA-256 of the whole file after, hex.
        after_sha256: String,
    },
}

impl Edit {
    /// The path the edit is about.
    pub fn path(&self) -> &Path {
        match self {
            Edit::Link { path, .. } | Edit::ShellLine { path, .. } => path,
        }
    }

    /// The same edit backwards: what undoing it does.
    pub fn reversed(&self) -> Edit {
        match self.clone() {
            Edit::Link {
                path,
                before,
                after,
            } => Edit::Link {
                path,
                before: after,
                after: before,
            },
            Edit::ShellLine {
                path,
                real,
                line,
                before,
                after,
                before_sha256,
                after_sha256,
            } => Edit::ShellLine {
                path,
                real,
                line,
                before: after,
                after: before,
                before_sha256: after_sha256,
                after_sha256: before_sha256,
            },
        }
    }

    /// `before → after`, in words.
    pub fn describe(&self) -> String {
        match self {
            Edit::Link {
                path,
                before,
                after,
            } => format!(
                "{}: {} → {}",
                path.display(),
                before.display(),
                after.display()
            ),
            Edit::ShellLine {
                path,
                line,
                before,
                after,
                ..
            } => format!("{}:{line}: `{before}` → `{after}`", path.display()),
        }
    }
}

/// One line of the repair journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepairRecord {
    /// A repair or an undo.
    pub kind: RecordKind,
    /// The transaction's id (`gowarden undo ID` takes a repair's).
    pub id: String,
    /// When this line was written, RFC 3339 UTC.
    pub at: String,
    /// The finding repaired (for an undo, the one its repair fixed).
    pub finding: String,
    /// For an undo: the repair it undoes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<String>,
    /// The main path changed (the first edit's).
    #[serde(with = "raw_path")]
    pub path: PathBuf,
    /// Every change, in the order made.
    pub edits: Vec<Edit>,
    /// `pending` for the intent, then how it ended.
    pub outcome: Outcome,
    /// The outcome was decided by a later start, from what was on disk.
    #[serde(default)]
    pub reconciled: bool,
    /// One sentence for history.
    pub message: String,
    /// What went wrong, when something did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Made as an administrator: in a user's journal, a copy of the record with the same id
    /// in the administrator's own journal (`elevate::state_dir`), which is the one that counts;
    /// only an administrator run undoes it, and a user's run never settles or acts on it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub elevated: bool,
    /// For the caller only, never in the journal: something to tell the user about a
    /// transaction that did happen (its outcome could not be journaled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl RepairRecord {
    /// The intent of a transaction, journaled before it touches anything: outcome `pending`,
    /// its main path the first edit's.
    pub(crate) fn intent(
        kind: RecordKind,
        id: String,
        at: SystemTime,
        finding: &str,
        undoes: Option<String>,
        edits: Vec<Edit>,
        message: String,
    ) -> RepairRecord {
        RepairRecord {
            kind,
            id,
            at: rfc3339(at),
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
        }
    }

    /// The drift event this record stands for, when it finished a change: `repaired` or
    /// `undone`, about its main path.
    pub fn change(&self) -> Option<Change> {
        if self.outcome != Outcome::Done {
            return None;
        }
        let first = self.edits.first()?;
        let (before, after) = match first {
            Edit::Link { before, after, .. } => {
                (before.display().to_string(), after.display().to_string())
            }
            Edit::ShellLine { before, after, .. } => (before.clone(), after.clone()),
        };
        Some(Change {
            kind: match self.kind {
                RecordKind::Repair => ChangeKind::Repaired,
                RecordKind::Undo => ChangeKind::Undone,
            },
            subject: first.path().display().to_string(),
            before: Some(before),
            after: Some(after),
            message: self.message.clone(),
        })
    }
}

/// What one edit's path holds now, compared with the edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// The before state: the edit has not happened.
    Before,
    /// The after state: it has.
    After,
    /// Neither.
    Other,
}

/// What to do about an intent found without an outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Every edit landed: record it done.
    Done,
    /// None did: record it failed (nothing changed).
    NothingChanged,
    /// Some did: put those back (their indexes), then record it rolled back.
    RollBack(Vec<usize>),
    /// Something else is on disk: leave it all, record a conflict.
    Conflict,
}

/// The decision for an interrupted transaction whose edits look like `seen`. A transaction is
/// all or nothing: one interrupted halfway is put back, never finished without the checks a
/// fresh run makes.
pub fn decide(seen: &[Seen]) -> Decision {
    if seen.contains(&Seen::Other) {
        Decision::Conflict
    } else if seen.iter().all(|s| *s == Seen::After) {
        Decision::Done
    } else if seen.iter().all(|s| *s == Seen::Before) {
        Decision::NothingChanged
    } else {
        Decision::RollBack(
            seen.iter()
                .enumerate()
                .filter(|(_, s)| **s == Seen::After)
                .map(|(i, _)| i)
                .collect(),
        )
    }
}

/// The decision for a transaction recorded [`Outcome::HalfApplied`]: whatever of it is still
/// in place goes back; a path someone else changed since is theirs, and stays.
pub fn decide_half_applied(seen: &[Seen]) -> Decision {
    let done: Vec<usize> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| **s == Seen::After)
        .map(|(i, _)| i)
        .collect();
    if done.is_empty() {
        Decision::NothingChanged
    } else {
        Decision::RollBack(done)
    }
}

/// A new transaction id, not among `taken`: the time, and four hex digits that differ
/// between processes.
pub(crate) fn new_id(taken: &[String], now: SystemTime) -> String {
    let stamp: String = rfc3339(now).chars().filter(char::is_ascii_digit).collect();
    let nanos = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut n = (nanos ^ (std::process::id() << 12)).wrapping_mul(0x9E37_79B9);
    loop {
        let id = format!("{}-{}-{:04x}", &stamp[..8], &stamp[8..], n >> 16);
        if !taken.contains(&id) {
            return id;
        }
        n = n.wrapping_add(0x1_0000);
    }
}

/// The state of each transaction: its last record, in the order transactions started.
pub fn latest(records: &[RepairRecord]) -> Vec<&RepairRecord> {
    let mut order: Vec<&str> = Vec::new();
    let mut last: std::collections::HashMap<&str, &RepairRecord> = Default::default();
    for r in records {
        if last.insert(r.id.as_str(), r).is_none() {
            order.push(r.id.as_str());
        }
    }
    order
        .iter()
        .filter_map(|id| last.get(id).copied())
        .collect()
}

/// The repair `gowarden undo` takes by default: the newest one done and not undone since.
pub fn undoable<'a>(
    records: &'a [RepairRecord],
    id: Option<&str>,
) -> Result<&'a RepairRecord, Why> {
    let states = latest(records);
    let undone = |rid: &str| {
        states.iter().any(|r| {
            r.kind == RecordKind::Undo
                && r.undoes.as_deref() == Some(rid)
                && r.outcome == Outcome::Done
        })
    };
    match id {
        Some(id) => {
            let r = states
                .iter()
                .find(|r| r.id == id && r.kind == RecordKind::Repair)
                .ok_or(Why::Unknown)?;
            if r.outcome != Outcome::Done {
                Err(Why::NotDone(r.outcome))
            } else if undone(id) {
                Err(Why::AlreadyUndone)
            } else {
                Ok(r)
            }
        }
        None => states
            .iter()
            .rev()
            .find(|r| r.kind == RecordKind::Repair && r.outcome == Outcome::Done && !undone(&r.id))
            .copied()
            .ok_or(Why::Nothing),
    }
}

/// Why there is no repair to undo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// No repair is done and not undone.
    Nothing,
    /// No repair has that id.
    Unknown,
    /// That repair did not complete.
    NotDone(Outcome),
    /// That repair was undone already.
    AlreadyUndone,
}

/// `t` as RFC 3339 in UTC, to the second: `2026-05-23T14:15:03Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (y, m, d) = crate::watch::clock::civil_from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// Paths in records and plan files, without loss: a UTF-8 path is a JSON string, any other
/// is `{"bytes": [..]}`, so an undo restores a link text byte for byte.
pub(crate) mod raw_path {
    use std::path::{Path, PathBuf};

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Wire {
        Text(String),
        Bytes { bytes: Vec<u8> },
    }

    pub fn serialize<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
        match p.to_str() {
            Some(t) => s.serialize_str(t),
            None => Wire::Bytes {
                bytes: p.as_os_str().as_encoded_bytes().to_vec(),
            }
            .serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        Ok(match Wire::deserialize(d)? {
            Wire::Text(t) => PathBuf::from(t),
            Wire::Bytes { bytes } => PathBuf::from(super::os_from_bytes(bytes)),
        })
    }
}

/// An OS string from raw bytes (Unix: any bytes).
pub(crate) fn os_from_bytes(bytes: Vec<u8>) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    std::ffi::OsString::from_vec(bytes)
}

#[cfg(test)]
mod tests {
    use std::os::unix::ffi::OsStrExt;

    use super::*;

    fn link(before: &str, after: &str) -> Edit {
        Edit::Link {
            path: "/opt/homebrew/bin/go".into(),
            before: before.into(),
            after: after.into(),
        }
    }

    fn record(kind: RecordKind, id: &str, outcome: Outcome, undoes: Option<&str>) -> RepairRecord {
        RepairRecord {
            kind,
            id: id.into(),
            at: "2026-05-23T14:15:03Z".into(),
            finding: "dangling-symlink:/opt/homebrew/bin/go".into(),
            undoes: undoes.map(Into::into),
            path: "/opt/homebrew/bin/go".into(),
            edits: vec![link("a", "b")],
            outcome,
            reconciled: false,
            message: "m".into(),
            error: None,
            elevated: false,
            warning: None,
        }
    }

    #[test]
    fn interrupted_transactions_are_all_or_nothing() {
        use Seen::*;
        assert_eq!(decide(&[After, After]), Decision::Done);
        assert_eq!(decide(&[Before, Before]), Decision::NothingChanged);
        assert_eq!(decide(&[After, Before]), Decision::RollBack(vec![0]));
        assert_eq!(
            decide(&[Before, After, After]),
            Decision::RollBack(vec![1, 2])
        );
        assert_eq!(decide(&[After, Other]), Decision::Conflict);
        assert_eq!(decide(&[]), Decision::Done, "nothing to do is done");
        assert_eq!(
            decide_half_applied(&[After, Other, Before]),
            Decision::RollBack(vec![0])
        );
        assert_eq!(
            decide_half_applied(&[Before, Other]),
            Decision::NothingChanged
        );
    }

    #[test]
    fn a_record_reads_back_equal_even_with_non_utf8_paths() {
        let mut r = record(RecordKind::Repair, "x", Outcome::Done, None);
        let odd = PathBuf::from(std::ffi::OsStr::from_bytes(b"../Cellar/go/\xff\xfe/bin/go"));
        r.edits = vec![Edit::Link {
            path: "/a b/go".into(),
            before: odd.clone(),
            after: "x\ny".into(),
        }];
        let line = serde_json::to_string(&r).unwrap();
        assert!(line.contains(r#""before":{"bytes":["#), "{line}");
        assert!(line.contains(r#""type":"link""#), "{line}");
        let back: RepairRecord = serde_json::from_str(&line).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn undo_takes_the_newest_repair_not_yet_undone() {
        let rs = vec![
            record(RecordKind::Repair, "r1", Outcome::Pending, None),
            record(RecordKind::Repair, "r1", Outcome::Done, None),
            record(RecordKind::Repair, "r2", Outcome::Pending, None),
            record(RecordKind::Repair, "r2", Outcome::Done, None),
            record(RecordKind::Undo, "u1", Outcome::Pending, Some("r2")),
            record(RecordKind::Undo, "u1", Outcome::Done, Some("r2")),
            record(RecordKind::Repair, "r3", Outcome::Failed, None),
        ];
        assert_eq!(undoable(&rs, None).unwrap().id, "r1");
        assert_eq!(undoable(&rs, Some("r2")).unwrap_err(), Why::AlreadyUndone);
        assert_eq!(
            undoable(&rs, Some("r3")).unwrap_err(),
            Why::NotDone(Outcome::Failed)
        );
        assert_eq!(undoable(&rs, Some("nope")).unwrap_err(), Why::Unknown);
        assert_eq!(undoable(&rs[..0], None).unwrap_err(), Why::Nothing);
        // An undo that failed leaves the repair undoable.
        let mut rs = rs;
        rs[5].outcome = Outcome::Failed;
        assert_eq!(undoable(&rs, None).unwrap().id, "r2");
    }

    #[test]
    fn done_records_are_drift_events() {
        let r = record(RecordKind::Undo, "u", Outcome::Done, Some("r"));
        let c = r.change().unwrap();
        assert_eq!(c.kind, ChangeKind::Undone);
        assert_eq!(
            (c.subject.as_str(), c.before.as_deref(), c.after.as_deref()),
            ("/opt/homebrew/bin/go", Some("a"), Some("b"))
        );
        assert!(
            record(RecordKind::Repair, "r", Outcome::Pending, None)
                .change()
                .is_none()
        );
    }

    #[test]
    fn reversed_edits_swap_both_sides() {
        let e = link("old", "new");
        assert_eq!(e.reversed(), link("new", "old"));
        assert_eq!(e.reversed().reversed(), e);
    }

    #[test]
    fn rfc3339_dates() {
        let at = |s: u64| rfc3339(UNIX_EPOCH + std::time::Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_779_545_703), "2026-05-23T14:15:03Z");
        assert_eq!(at(4_107_542_399), "2100-02-28T23:59:59Z");
    }
}
