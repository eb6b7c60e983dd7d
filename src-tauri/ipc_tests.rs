//! Every command and event of the IPC contract, through the mock runtime (no display, no
//! tray) on a scenario machine: a Mac whose Homebrew `go` link dangles after an upgrade,
//! built in a temp dir like `crates/gowarden/tests/it/util.rs` builds its machines.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use gowarden::context::Context;
use gowarden::ipc::{DriftEvent, IpcError, IpcErrorKind, RepairOutcome, Settings};
use gowarden::report::{ChangeKind, Report, Status};
use serde_json::{Value, json};
use tauri::test::{INVOKE_KEY, MockRuntime, mock_builder};
use tauri::{Listener, Manager, WebviewWindow, WebviewWindowBuilder};

use crate::backend::Backend;

/// Long enough for any scan on a loaded machine; only a hang reaches it.
const HANG: Duration = Duration::from_secs(60);

/// The fixture cache (scripts/fetch-fixtures); missing is a failure, as in the engine's tests.
pub(crate) fn fixture(rel: &str) -> PathBuf {
    let root = std::env::var_os("GOWARDEN_FIXTURES").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/gowarden/fixtures"),
        PathBuf::from,
    );
    let p = root.join(rel);
    assert!(
        p.exists(),
        "fixture {} missing: run scripts/fetch-fixtures",
        p.display()
    );
    p
}

/// A tree by hard links (copies across filesystems), as the engine's tests install Go.
fn install(src: &Path, dest: &Path) {
    std::fs::create_dir_all(dest).expect("mkdir");
    for entry in std::fs::read_dir(src).expect("read fixture") {
        let entry = entry.expect("entry");
        let (from, to) = (entry.path(), dest.join(entry.file_name()));
        let ty = entry.file_type().expect("type");
        if ty.is_dir() {
            install(&from, &to);
        } else if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&from).expect("link"), &to)
                .expect("symlink");
        } else if std::fs::hard_link(&from, &to).is_err() {
            std::fs::copy(&from, &to).expect("copy");
        }
    }
}

/// `brew upgrade` then `brew cleanup`: /opt/homebrew/bin/go still names the removed 1.22.3
/// keg; only 1.23.2 is installed.
struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    fn homebrew_dangling() -> Machine {
        let m = Machine {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        for d in ["root", "home", "work"] {
            std::fs::create_dir_all(m.dir.path().join(d)).expect("mkdir");
        }
        let clt = m.sys("/Library/Developer/CommandLineTools");
        std::fs::create_dir_all(clt.join("usr/bin")).expect("mkdir");
        std::fs::write(clt.join("usr/bin/xcrun"), "").expect("write");
        std::fs::create_dir_all(m.sys("/var/db")).expect("mkdir");
        std::os::unix::fs::symlink(
            "/Library/Developer/CommandLineTools",
            m.sys("/var/db/xcode_select_link"),
        )
        .expect("symlink");
        let keg = m.sys("/opt/homebrew/Cellar/go/1.23.2");
        install(&fixture("go1.23.2-darwin-arm64/go"), &keg.join("libexec"));
        std::fs::create_dir_all(keg.join("bin")).expect("mkdir");
        for tool in ["go", "gofmt"] {
            std::os::unix::fs::symlink(
                format!("../libexec/bin/{tool}"),
                keg.join("bin").join(tool),
            )
            .expect("symlink");
        }
        std::fs::create_dir_all(m.sys("/opt/homebrew/bin")).expect("mkdir");
        std::fs::create_dir_all(m.sys("/usr/bin")).expect("mkdir");
        std::os::unix::fs::symlink("../Cellar/go/1.22.3/bin/go", m.link()).expect("symlink");
        m
    }

    fn sys(&self, abs: &str) -> PathBuf {
        self.dir
            .path()
            .join("root")
            .join(abs.trim_start_matches('/'))
    }

    fn link(&self) -> PathBuf {
        self.sys("/opt/homebrew/bin/go")
    }

    fn context(&self) -> Context {
        let path = std::env::join_paths([self.sys("/opt/homebrew/bin"), self.sys("/usr/bin")])
            .expect("PATH");
        let vars: Vec<(OsString, OsString)> = vec![
            ("HOME".into(), self.dir.path().join("home").into()),
            ("PATH".into(), path),
        ];
        Context::new(
            vars,
            self.dir.path().join("root"),
            "darwin/arm64".parse().expect("a host"),
            self.dir.path().join("work"),
        )
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The app over this machine, with the popover's webview to call commands from.
    fn app(&self) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
        let backend = Backend::new(self.context(), Some(self.data_dir()), None);
        let app = crate::build(mock_builder(), backend)
            .build(tauri::generate_context!("tauri.conf.json", test = true))
            .expect("the app builds");
        let w = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("the popover");
        (app, w)
    }
}

/// Calls a command as the UI does: its result, or its rejection.
fn invoke(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    tauri::test::get_ipc_response(
        w,
        tauri::webview::InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().expect("JSON"))
}

fn ok<T: serde::de::DeserializeOwned>(r: Result<Value, Value>) -> T {
    serde_json::from_value(r.expect("the command succeeds")).expect("the contract's type")
}

fn rejected(r: Result<Value, Value>) -> IpcError {
    serde_json::from_value(r.expect_err("the command fails")).expect("an IpcError")
}

/// Collects an event's payloads.
fn collect<T: serde::de::DeserializeOwned + Send + 'static>(
    app: &tauri::App<MockRuntime>,
    event: &str,
) -> mpsc::Receiver<T> {
    let (tx, rx) = mpsc::channel();
    app.listen_any(event, move |e| {
        let _ = tx.send(serde_json::from_str(e.payload()).expect("payload of the contract's type"));
    });
    rx
}

#[test]
fn get_report_is_null_until_the_first_scan_then_rescan_pushes_report_updated() {
    let m = Machine::homebrew_dangling();
    let (app, w) = m.app();
    let updates = collect::<Report>(&app, "report-updated");
    assert_eq!(invoke(&w, "get_report", json!({})), Ok(Value::Null));
    let report: Report = ok(invoke(&w, "rescan", json!({})));
    assert_eq!(report.status, Status::Broken);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.id.starts_with("dangling-symlink:"))
    );
    let pushed = updates.recv_timeout(HANG).expect("report-updated");
    assert_eq!(pushed, report);
    let kept: Report = ok(invoke(&w, "get_report", json!({})));
    assert_eq!(kept, report);
}

#[test]
fn repair_fixes_the_link_on_disk_and_undo_restores_it() {
    let m = Machine::homebrew_dangling();
    let (app, w) = m.app();
    let updates = collect::<Report>(&app, "report-updated");
    let drift = collect::<DriftEvent>(&app, "drift");
    let report: Report = ok(invoke(&w, "rescan", json!({})));
    updates.recv_timeout(HANG).expect("report-updated");
    let finding = gowarden::repair::repairable(&report)[0].clone();
    let target = match &finding.action {
        gowarden::report::Action::Relink { candidates, .. } => candidates[0].target.clone(),
        other => panic!("a relink, not {other:?}"),
    };

    let done: RepairOutcome = ok(invoke(
        &w,
        "repair",
        json!({"id": finding.id, "target": target}),
    ));
    assert!(done.undoable);
    assert_eq!(done.finding.as_deref(), Some(finding.id.as_str()));
    assert_eq!(
        std::fs::read_link(m.link()).expect("the link"),
        Path::new("../Cellar/go/1.23.2/bin/go")
    );
    let after = updates
        .recv_timeout(HANG)
        .expect("report-updated after the repair");
    assert_eq!(after.status, Status::Ok, "{}", after.summary());
    assert_eq!(
        drift.recv_timeout(HANG).expect("the repair as drift").kind,
        ChangeKind::Repaired
    );

    let undone: RepairOutcome = ok(invoke(&w, "undo", json!({})));
    assert!(!undone.undoable);
    assert_eq!(
        std::fs::read_link(m.link()).expect("the link"),
        Path::new("../Cellar/go/1.22.3/bin/go")
    );
    assert_eq!(
        updates.recv_timeout(HANG).expect("report-updated").status,
        Status::Broken
    );

    // History: newest first, the undo before the repair.
    let history: Vec<DriftEvent> = ok(invoke(&w, "get_history", json!({"limit": 10})));
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0].kind, ChangeKind::Undone);
    assert_eq!(history[1].kind, ChangeKind::Repaired);
}

#[test]
fn repair_of_an_unknown_finding_rejects_with_a_typed_error() {
    let m = Machine::homebrew_dangling();
    let (_app, w) = m.app();
    let e = rejected(invoke(
        &w,
        "repair",
        json!({"id": "dangling-symlink:/nowhere"}),
    ));
    assert_eq!(e.kind, IpcErrorKind::NotFound, "{}", e.message);
    let e = rejected(invoke(&w, "undo", json!({})));
    assert!(
        matches!(e.kind, IpcErrorKind::NotFound | IpcErrorKind::Refused),
        "{e:?}"
    );
}

#[test]
fn settings_are_kept_in_the_data_dir_and_a_damaged_file_gives_defaults() {
    let m = Machine::homebrew_dangling();
    let (_app, w) = m.app();
    let defaults: Settings = ok(invoke(&w, "get_settings", json!({})));
    assert_eq!(defaults, Settings::default());
    let mut s = Settings::default();
    s.notifications.insert(ChangeKind::FindingResolved, false);
    s.rescan_interval_secs = 1;
    let saved: Settings = ok(invoke(&w, "set_settings", json!({"settings": s})));
    assert_eq!(
        saved.rescan_interval_secs,
        gowarden::ipc::MIN_RESCAN_SECS,
        "brought into range"
    );
    assert_eq!(ok::<Settings>(invoke(&w, "get_settings", json!({}))), saved);
    assert_eq!(Settings::load(&m.data_dir()).0, saved, "on disk");

    std::fs::write(m.data_dir().join(gowarden::ipc::SETTINGS_FILE), "{not json").expect("damage");
    let (_app, w) = m.app();
    assert_eq!(
        ok::<Settings>(invoke(&w, "get_settings", json!({}))),
        Settings::default()
    );
}

#[test]
fn the_watcher_pushes_the_first_report_and_drift_as_it_happens() {
    let m = Machine::homebrew_dangling();
    let (app, w) = m.app();
    let updates = collect::<Report>(&app, "report-updated");
    let drift = collect::<DriftEvent>(&app, "drift");
    crate::watcher::start(app.handle());
    let first = updates
        .recv_timeout(HANG)
        .expect("the watcher's first report");
    assert_eq!(first.status, Status::Broken);
    assert_eq!(ok::<Report>(invoke(&w, "get_report", json!({}))), first);

    // Someone fixes the link by hand: the watcher sees it and says so.
    std::fs::remove_file(m.link()).expect("unlink");
    std::os::unix::fs::symlink("../Cellar/go/1.23.2/bin/go", m.link()).expect("relink");
    let event = drift.recv_timeout(HANG).expect("drift");
    assert!(!event.message.is_empty());
    loop {
        let r = updates
            .recv_timeout(HANG)
            .expect("a report after the change");
        if r.status == Status::Ok {
            break;
        }
    }
    app.state::<crate::watcher::Running>().stop();
}

/// What the shell was asked to tell the user: each update's event kinds and whether it is to
/// be notified.
struct Told(mpsc::Sender<(Vec<ChangeKind>, bool)>);

fn record_update(
    app: &tauri::AppHandle<MockRuntime>,
    _: &Report,
    events: &[DriftEvent],
    tell: bool,
) {
    let kinds = events.iter().map(|e| e.kind).collect();
    let _ = app.state::<Told>().0.send((kinds, tell));
}

#[test]
fn a_repair_made_in_the_app_is_not_notified_again_but_a_change_by_hand_is() {
    let m = Machine::homebrew_dangling();
    let (app, w) = m.app();
    let (tx, told) = mpsc::channel();
    app.manage(Told(tx));
    app.manage(crate::commands::Shell::<MockRuntime> {
        on_update: record_update,
        on_settings: |_, _| {},
    });
    crate::watcher::start(app.handle());
    // The watcher's first report: nothing to tell.
    let (kinds, tell) = told.recv_timeout(HANG).expect("the first report");
    assert!(kinds.is_empty() && !tell, "{kinds:?} {tell}");
    // Each update the shell is told of, until one carries `kind`.
    let until = |kind: ChangeKind| loop {
        let (kinds, tell) = told.recv_timeout(HANG).expect("an update");
        if kinds.contains(&kind) {
            return tell;
        }
    };

    let report: Report = ok(invoke(&w, "get_report", json!({})));
    let finding = gowarden::repair::repairable(&report)[0].id.clone();
    let _: RepairOutcome = ok(invoke(&w, "repair", json!({ "id": finding })));
    assert!(!until(ChangeKind::Repaired), "the repair's own update");
    // The watcher then sees the link change on disk: what the popover already shows.
    assert!(
        !until(ChangeKind::LinkRepaired),
        "the watcher's view of the app's own repair is not news"
    );

    // Someone breaks it by hand: that is news.
    std::fs::remove_file(m.link()).expect("unlink");
    std::os::unix::fs::symlink("../Cellar/go/1.22.3/bin/go", m.link()).expect("relink");
    assert!(
        until(ChangeKind::LinkBroken),
        "a change made outside the app is told"
    );
    app.state::<crate::watcher::Running>().stop();
}

#[test]
fn the_app_and_the_cli_share_one_data_directory() {
    let m = Machine::homebrew_dangling();
    let (app, _) = m.app();
    assert_eq!(app.config().identifier, gowarden::journal::APP_IDENTIFIER);
}
