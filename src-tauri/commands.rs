//! The IPC contract's commands and events (`gowarden::ipc`), generic over the runtime so the
//! mock runtime drives them in tests. Blocking engine work runs on tokio's blocking pool.

use std::sync::Arc;

use gowarden::ipc::{DriftEvent, IpcError, IpcErrorKind, RepairOutcome, Settings};
use gowarden::report::Report;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use crate::backend::Backend;
use crate::watcher;

/// The event carrying each new report.
pub const REPORT_UPDATED: &str = "report-updated";
/// The event carrying each drift event.
pub const DRIFT: &str = "drift";

/// What the desktop shell (tray, notifications, autostart) does on the app's news. Managed
/// only by the real app: tests run without it, so no tray or menu is built under the mock
/// runtime.
pub struct Shell<R: Runtime> {
    /// A new report and the drift events that came with it (`notify`: tell the user).
    pub on_update: fn(&AppHandle<R>, &Report, &[DriftEvent], bool),
    /// The settings changed.
    pub on_settings: fn(&AppHandle<R>, &Settings),
}

/// Keeps `report`, pushes it and `events` to the UI, and tells the shell.
pub fn publish<R: Runtime>(
    app: &AppHandle<R>,
    report: Arc<Report>,
    events: &[DriftEvent],
    notify: bool,
) {
    app.state::<Arc<Backend>>().set_report(report.clone());
    let _ = app.emit(REPORT_UPDATED, &*report);
    for e in events {
        let _ = app.emit(DRIFT, e);
    }
    if let Some(shell) = app.try_state::<Shell<R>>() {
        (shell.on_update)(app, &report, events, notify);
    }
}

/// Runs blocking engine work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(IpcError::new(IpcErrorKind::Internal, e.to_string())))
}

/// The report, `null` while the first scan runs.
#[tauri::command]
pub async fn get_report(backend: State<'_, Arc<Backend>>) -> Result<Option<Report>, IpcError> {
    Ok(backend.report().map(|r| (*r).clone()))
}

/// Scans now; the report also goes out as `report-updated`.
#[tauri::command]
pub async fn rescan<R: Runtime>(app: AppHandle<R>) -> Result<Report, IpcError> {
    let backend = app.state::<Arc<Backend>>().inner().clone();
    let report = blocking(move || Ok(backend.rescan())).await?;
    publish(&app, report.clone(), &[], false);
    Ok((*report).clone())
}

/// Repairs a finding by id (for a relink, to the candidate whose `target` is given), then
/// rescans so the UI and tray see the result at once; the repair goes out as `drift`.
#[tauri::command]
pub async fn repair<R: Runtime>(
    app: AppHandle<R>,
    id: String,
    target: Option<String>,
) -> Result<RepairOutcome, IpcError> {
    let backend = app.state::<Arc<Backend>>().inner().clone();
    let _changing = backend.changing().lock().await;
    let work = backend.clone();
    let (done, report) =
        blocking(move || Ok((work.repair(&id, target.as_deref())?, work.rescan()))).await?;
    publish(&app, report, done.event.as_slice(), false);
    Ok(done.outcome)
}

/// Undoes a repair (the newest when no id is given), then rescans.
#[tauri::command]
pub async fn undo<R: Runtime>(
    app: AppHandle<R>,
    id: Option<String>,
) -> Result<RepairOutcome, IpcError> {
    let backend = app.state::<Arc<Backend>>().inner().clone();
    let _changing = backend.changing().lock().await;
    let work = backend.clone();
    let (done, report) = blocking(move || Ok((work.undo(id.as_deref())?, work.rescan()))).await?;
    publish(&app, report, done.event.as_slice(), false);
    Ok(done.outcome)
}

/// The drift journal, repairs and undos included, newest first.
#[tauri::command]
pub async fn get_history(
    backend: State<'_, Arc<Backend>>,
    limit: usize,
) -> Result<Vec<DriftEvent>, IpcError> {
    let backend = backend.inner().clone();
    blocking(move || backend.history(limit)).await
}

/// The settings.
#[tauri::command]
pub async fn get_settings(backend: State<'_, Arc<Backend>>) -> Result<Settings, IpcError> {
    Ok(backend.settings())
}

/// Saves the settings (atomically, in the data directory) and applies them: launch at login,
/// and the watcher's rescan interval.
#[tauri::command]
pub async fn set_settings<R: Runtime>(
    app: AppHandle<R>,
    settings: Settings,
) -> Result<Settings, IpcError> {
    let backend = app.state::<Arc<Backend>>().inner().clone();
    let before = backend.settings();
    let saved = blocking(move || backend.set_settings(settings)).await?;
    if saved.rescan_interval_secs != before.rescan_interval_secs {
        watcher::restart(&app);
    }
    if let Some(shell) = app.try_state::<Shell<R>>() {
        (shell.on_settings)(&app, &saved);
    }
    Ok(saved)
}
