//! The menu-bar app's IPC contract: what its commands return and its events carry, besides the
//! report itself. Plain data, no GUI dependency: the app serializes these, the UI's TypeScript
//! types are generated from their JSON Schema (`schema/ipc.schema.json`, `gowarden schema
//! --ipc`), and a test fails when the committed schema is stale.
//!
//! Commands: `get_report` → `Report | null`, `rescan` → `Report`, `repair {id, target?}` →
//! [`RepairOutcome`], `undo {id?}` → [`RepairOutcome`], `get_history {limit}` →
//! [`DriftEvent`]s newest first, `get_settings` / `set_settings {settings}` → [`Settings`].
//! Events: `report-updated` (a `Report`), `drift` (a [`DriftEvent`]). A failed command rejects
//! with an [`IpcError`].

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::history::Event as DriftEvent;
use crate::repair::record::{Edit, RecordKind, RepairRecord};
use crate::repair::{Reason, RepairError, Status};
use crate::report::ChangeKind;

/// What a repair or undo did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RepairOutcome {
    /// The transaction's id (`undo` takes a repair's).
    pub transaction: String,
    /// A repair or an undo.
    pub kind: RecordKind,
    /// The finding repaired (for an undo, the one its repair fixed).
    pub finding: Option<String>,
    /// How it ended.
    pub status: Status,
    /// One sentence for the user.
    pub message: String,
    /// Every change on disk, with its exact before and after.
    pub edits: Vec<RepairEdit>,
    /// It can be undone now.
    pub undoable: bool,
    /// Done, but something around it went wrong (the journal could not be written).
    pub warning: Option<String>,
}

/// One change on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RepairEdit {
    /// The path changed.
    pub path: String,
    /// What it held before: a link's text, or the startup-file line.
    pub before: Option<String>,
    /// What it holds after.
    pub after: Option<String>,
}

impl RepairOutcome {
    /// The outcome of a transaction carried out (`repairs.apply`, `repairs.undo`).
    pub fn from_record(r: &RepairRecord) -> RepairOutcome {
        RepairOutcome {
            transaction: r.id.clone(),
            kind: r.kind,
            finding: Some(r.finding.clone()).filter(|f| !f.is_empty()),
            status: Status::Done,
            message: r.message.clone(),
            edits: r
                .edits
                .iter()
                .map(|e| match e {
                    Edit::Link {
                        path,
                        before,
                        after,
                    } => RepairEdit {
                        path: path.display().to_string(),
                        before: Some(before.display().to_string()),
                        after: Some(after.display().to_string()),
                    },
                    Edit::ShellLine {
                        path,
                        before,
                        after,
                        ..
                    } => RepairEdit {
                        path: path.display().to_string(),
                        before: Some(before.clone()),
                        after: Some(after.clone()),
                    },
                })
                .collect(),
            undoable: r.kind == RecordKind::Repair,
            warning: r.warning.clone(),
        }
    }
}

/// What kind of failure a command met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IpcErrorKind {
    /// The scan itself failed.
    ScanFailed,
    /// No such finding or repair.
    NotFound,
    /// gowarden would not: the request does not fit what is on disk.
    Refused,
    /// It needs an administrator, and none was asked (or asking is not possible here).
    NeedsPrivilege,
    /// The administrator prompt was cancelled or refused.
    PrivilegeDenied,
    /// It went wrong.
    Failed,
    /// The settings could not be read or written.
    Settings,
    /// A fault in gowarden itself.
    Internal,
}

/// Why a command failed, as a rejected invoke carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IpcError {
    /// What kind of failure.
    pub kind: IpcErrorKind,
    /// One sentence for the user: what failed, on which path, what to do next.
    pub message: String,
    /// The engine's reason, when a repair or undo was refused or failed.
    pub reason: Option<Reason>,
}

impl IpcError {
    /// An error of `kind` saying `message`.
    pub fn new(kind: IpcErrorKind, message: impl Into<String>) -> IpcError {
        IpcError {
            kind,
            message: message.into(),
            reason: None,
        }
    }
}

impl From<&RepairError> for IpcError {
    fn from(e: &RepairError) -> IpcError {
        let reason = e.reason();
        let kind = match (reason, e.status()) {
            (Reason::NotFound, _) => IpcErrorKind::NotFound,
            (_, Status::NeedsPrivilege) => IpcErrorKind::NeedsPrivilege,
            (_, Status::Refused) => IpcErrorKind::Refused,
            _ => IpcErrorKind::Failed,
        };
        IpcError {
            kind,
            message: e.to_string(),
            reason: Some(reason),
        }
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for IpcError {}

/// The app's settings, kept in `settings.json` in the data directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Settings {
    /// Which drift kinds notify; a missing kind is on.
    pub notifications: BTreeMap<ChangeKind, bool>,
    /// Seconds between periodic rescans (what file events cannot see: processes under
    /// Rosetta). At least 60.
    pub rescan_interval_secs: u64,
    /// Start the app at login.
    pub launch_at_login: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            notifications: BTreeMap::new(),
            rescan_interval_secs: 600,
            launch_at_login: false,
        }
    }
}

/// The settings file's name in the data directory.
pub const SETTINGS_FILE: &str = "settings.json";

/// The shortest rescan interval accepted, in seconds.
pub const MIN_RESCAN_SECS: u64 = 60;

impl Settings {
    /// Whether a drift kind notifies.
    pub fn notifies(&self, kind: ChangeKind) -> bool {
        self.notifications.get(&kind).copied().unwrap_or(true)
    }

    /// These settings with out-of-range values brought into range.
    pub fn sanitized(mut self) -> Settings {
        self.rescan_interval_secs = self.rescan_interval_secs.clamp(MIN_RESCAN_SECS, 24 * 3600);
        self
    }

    /// The settings in `data_dir`: the defaults when there is no file; the defaults and a
    /// warning saying what was wrong (and that the file is replaced on the next save) when
    /// the file cannot be read or parsed. Never fails.
    pub fn load(data_dir: &Path) -> (Settings, Option<String>) {
        let path = data_dir.join(SETTINGS_FILE);
        match fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Settings::default(), None),
            Err(e) => (
                Settings::default(),
                Some(format!(
                    "could not read {}: {e}; using the default settings",
                    path.display()
                )),
            ),
            Ok(bytes) => match Settings::lenient(&bytes) {
                Ok(s) => (s.sanitized(), None),
                Err(e) => (
                    Settings::default(),
                    Some(format!(
                        "{} is damaged ({e}); using the default settings, and the next change replaces it",
                        path.display()
                    )),
                ),
            },
        }
    }

    /// A settings file as an older or newer app wrote it: missing fields take their defaults,
    /// unknown ones are ignored; a field of the wrong type is damage.
    fn lenient(bytes: &[u8]) -> serde_json::Result<Settings> {
        let mut merged = serde_json::to_value(Settings::default())?;
        let file: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(bytes)?;
        if let Some(fields) = merged.as_object_mut() {
            for (k, v) in file {
                if fields.contains_key(&k) {
                    fields.insert(k, v);
                }
            }
        }
        serde_json::from_value(merged)
    }

    /// Writes the settings to `data_dir` atomically: a temp file in the same directory,
    /// fsynced, renamed over the old one, and the directory fsynced.
    pub fn save(&self, data_dir: &Path) -> Result<PathBuf, IpcError> {
        let path = data_dir.join(SETTINGS_FILE);
        let fail = |what: &str, e: std::io::Error| {
            IpcError::new(
                IpcErrorKind::Settings,
                format!(
                    "could not {what} {}: {e}; check that the directory is yours and writable",
                    path.display()
                ),
            )
        };
        fs::create_dir_all(data_dir).map_err(|e| fail("create the directory of", e))?;
        let tmp = data_dir.join(format!(".{SETTINGS_FILE}.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(&serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        if let Err(e) = write() {
            let _ = fs::remove_file(&tmp);
            return Err(fail("write", e));
        }
        crate::journal::fsync_dir(data_dir)
            .map_err(|e| IpcError::new(IpcErrorKind::Settings, format!("{e}")))?;
        Ok(path)
    }
}

/// Every type of the contract, so one schema holds them all.
#[derive(schemars::JsonSchema)]
#[schemars(
    title = "Ipc",
    description = "The menu-bar app's IPC types besides the report (schema/report.schema.json)."
)]
#[allow(dead_code)]
struct Contract {
    drift_event: DriftEvent,
    repair_outcome: RepairOutcome,
    settings: Settings,
    ipc_error: IpcError,
}

/// The JSON Schema of the IPC types (`gowarden schema --ipc`, `schema/ipc.schema.json`).
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Contract)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_damage_falls_back_to_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Settings::load(dir.path()), (Settings::default(), None));
        let mut s = Settings::default();
        s.notifications.insert(ChangeKind::FindingResolved, false);
        s.rescan_interval_secs = 5;
        s.save(dir.path()).unwrap();
        let (back, warning) = Settings::load(dir.path());
        assert_eq!(warning, None);
        assert!(!back.notifies(ChangeKind::FindingResolved));
        assert!(back.notifies(ChangeKind::VersionChanged), "missing is on");
        assert_eq!(
            back.rescan_interval_secs, MIN_RESCAN_SECS,
            "brought into range"
        );
        fs::write(
            dir.path().join(SETTINGS_FILE),
            b"{\"rescan_interval_secs\": \"x\"",
        )
        .unwrap();
        let (back, warning) = Settings::load(dir.path());
        assert_eq!(back, Settings::default());
        assert!(warning.unwrap().contains("is damaged"));
        // Unknown and missing fields are tolerated: a newer or older app's file still loads.
        fs::write(
            dir.path().join(SETTINGS_FILE),
            b"{\"launch_at_login\": true, \"x\": 1}",
        )
        .unwrap();
        assert!(Settings::load(dir.path()).0.launch_at_login);
    }

    #[test]
    fn settings_that_cannot_be_written_say_where() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        fs::write(&file, b"").unwrap();
        let e = Settings::default().save(&file).unwrap_err();
        assert_eq!(e.kind, IpcErrorKind::Settings);
        assert!(e.message.contains("not-a-dir"), "{}", e.message);
    }

    #[test]
    fn the_schema_names_every_type() {
        let s = json_schema();
        for name in [
            "DriftEvent",
            "RepairOutcome",
            "Settings",
            "IpcError",
            "ChangeKind",
        ] {
            assert!(s["$defs"].get(name).is_some(), "{name} missing");
        }
    }
}
