//! `gowarden history`: the drift events a watcher saw (and the repairs and undos gowarden
//! made), kept in the journal in the data directory ([`crate::journal`]) so they outlive the
//! watcher that saw them.
//!
//! One event is one JSON line, the same object `gowarden watch --json` prints. Other records
//! the journal may hold (a repair's intent) are passed over, not counted as damage.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::journal::{self, Journal, JournalError, Records};
use crate::report::{Change, ChangeKind};
use crate::watch::Timestamp;

/// The journal's file name in the data directory.
pub const EVENTS_FILE: &str = "events.jsonl";

/// A drift event: one change a user cares about, when it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "DriftEvent")]
pub struct Event {
    /// When it was seen (RFC 3339, UTC).
    pub at: Timestamp,
    /// What changed.
    pub kind: ChangeKind,
    /// What it changed for: a path, or a finding id.
    pub subject: String,
    /// The old value, when there was one.
    pub before: Option<String>,
    /// The new value, when there is one.
    pub after: Option<String>,
    /// One sentence for a notification.
    pub message: String,
}

impl Event {
    /// A change, seen at `at`.
    pub fn new(at: Timestamp, change: Change) -> Event {
        Event {
            at,
            kind: change.kind,
            subject: change.subject,
            before: change.before,
            after: change.after,
            message: change.message,
        }
    }
}

/// The events journal in `data_dir`.
pub fn journal(data_dir: &Path) -> Journal {
    Journal::open(data_dir.join(EVENTS_FILE))
}

/// The events journal of the machine `ctx` describes ([`journal::data_dir_for`]); `None`
/// when there is no data directory (no HOME and no `GOWARDEN_DATA_DIR`).
pub fn journal_for(ctx: &Context) -> Option<Journal> {
    journal::data_dir_for(ctx).map(|d| journal(&d))
}

/// Which events to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Query {
    /// At most this many, the newest.
    pub limit: Option<usize>,
    /// Only those seen at or after this moment.
    pub since: Option<Timestamp>,
}

/// A journal line: an event, or another record this reader passes over.
#[derive(Deserialize)]
#[serde(untagged)]
enum Line {
    Event(Event),
    Other(serde::de::IgnoredAny),
}

/// The events `query` asks for, oldest first; `skipped` counts damaged lines (a write torn by
/// a crash) among those read.
pub fn read(journal: &Journal, query: Query) -> Result<Records<Event>, JournalError> {
    let events = |lines: Records<Line>| Records {
        records: lines
            .records
            .into_iter()
            .filter_map(|l| match l {
                Line::Event(e) => Some(e),
                Line::Other(_) => None,
            })
            .filter(|e| query.since.is_none_or(|s| e.at >= s))
            .collect::<Vec<_>>(),
        skipped: lines.skipped,
    };
    // The newest few without reading the whole journal, unless other records or the time
    // bound mean the tail does not hold enough events.
    if let (Some(limit), None) = (query.limit, query.since) {
        let tail = journal.read_tail::<Line>(limit)?;
        let lines = tail.records.len();
        let got = events(tail);
        if got.records.len() == limit || lines < limit {
            return Ok(got);
        }
    }
    let mut all = events(journal.read_all::<Line>()?);
    if let Some(limit) = query.limit {
        let drop = all.records.len().saturating_sub(limit);
        all.records.drain(..drop);
    }
    Ok(all)
}

/// Drift events and the repairs and undos gowarden carried out, merged in time order: the
/// events journal in `data_dir` plus every done transaction of the repair journal
/// ([`crate::repair::JOURNAL_FILE`]), which stays the one record of what a repair changed.
/// `query` applies to the merged list; `skipped` counts damaged lines in both.
pub fn read_with_repairs(data_dir: &Path, query: Query) -> Result<Records<Event>, JournalError> {
    let mut events = read(
        &journal(data_dir),
        Query {
            limit: None,
            ..query
        },
    )?;
    let repairs = Journal::open(data_dir.join(crate::repair::JOURNAL_FILE))
        .read_all::<crate::repair::RepairRecord>()?;
    events.skipped += repairs.skipped;
    events
        .records
        .extend(repairs.records.iter().filter_map(|r| {
            let e = repair_event(r)?;
            query.since.is_none_or(|s| e.at >= s).then_some(e)
        }));
    // Stable: events and repairs seen in the same millisecond keep their journal order.
    events.records.sort_by_key(|e| e.at);
    if let Some(limit) = query.limit {
        let drop = events.records.len().saturating_sub(limit);
        events.records.drain(..drop);
    }
    Ok(events)
}

/// The event a repair journal record stands for in the history: a finished repair or undo.
pub fn repair_event(r: &crate::repair::RepairRecord) -> Option<Event> {
    Some(Event::new(r.at.parse().ok()?, r.change()?))
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn event(ms: i64, subject: &str) -> Event {
        Event {
            at: Timestamp::from_unix_ms(ms),
            kind: ChangeKind::LinkBroken,
            subject: subject.into(),
            before: Some("../Cellar/go/1.23.3/bin/go".into()),
            after: None,
            message: format!("{subject} broke"),
        }
    }

    #[test]
    fn events_read_back_by_limit_and_time_passing_over_other_records() {
        let dir = tempfile::tempdir().unwrap();
        let j = journal(dir.path());
        assert_eq!(read(&j, Query::default()).unwrap(), Records::default());
        for i in 0..5 {
            j.append(&event(i * 1000, &format!("/l{i}"))).unwrap();
            // A repair's intent between events: not an event, not damage.
            j.append(&serde_json::json!({"record": "repair-intent", "id": i}))
                .unwrap();
        }
        let subjects = |q| -> Vec<String> {
            read(&j, q)
                .unwrap()
                .records
                .into_iter()
                .map(|e| e.subject)
                .collect()
        };
        assert_eq!(
            subjects(Query::default()),
            ["/l0", "/l1", "/l2", "/l3", "/l4"]
        );
        let limit = |n| Query {
            limit: Some(n),
            since: None,
        };
        assert_eq!(subjects(limit(2)), ["/l3", "/l4"]);
        assert_eq!(subjects(limit(0)), Vec::<String>::new());
        assert_eq!(subjects(limit(9)).len(), 5);
        let since = Query {
            limit: None,
            since: Some(Timestamp::from_unix_ms(2000)),
        };
        assert_eq!(subjects(since), ["/l2", "/l3", "/l4"]);
        assert_eq!(
            subjects(Query {
                limit: Some(1),
                ..since
            }),
            ["/l4"]
        );
        assert_eq!(read(&j, Query::default()).unwrap().skipped, 0);
    }

    #[test]
    fn a_torn_last_event_is_skipped_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let j = journal(dir.path());
        j.append(&event(0, "/a")).unwrap();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(j.path())
            .unwrap();
        f.write_all(br#"{"at":"2026-11-29T14:03:07.000Z","kind":"link-bro"#)
            .unwrap();
        drop(f);
        let got = read(&j, Query::default()).unwrap();
        assert_eq!(got.records, [event(0, "/a")]);
        assert_eq!(got.skipped, 1);
        j.append(&event(1, "/b")).unwrap();
        let got = read(
            &j,
            Query {
                limit: Some(5),
                since: None,
            },
        )
        .unwrap();
        assert_eq!(got.records, [event(0, "/a"), event(1, "/b")]);
        assert_eq!(got.skipped, 1);
    }
}
