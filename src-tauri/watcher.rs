//! The engine's watcher, bridged into Tauri's tokio runtime: the login shell is captured once
//! on a background thread, the watcher scans on its own thread, and its updates cross a
//! channel to an async task that publishes them. Nothing here blocks the main thread.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use gowarden::doctor::CapturedEnv;
use gowarden::watch::{Environment, Options, Timing, Update, Watcher};
use tauri::{AppHandle, Manager, Runtime};

use crate::backend::Backend;
use crate::commands::publish;

/// The running watcher, kept so it can be restarted (new settings) and stopped at exit.
#[derive(Default)]
pub struct Running(Mutex<Option<Watcher>>);

impl Running {
    /// Stops the watcher, if one runs.
    pub fn stop(&self) {
        let w = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        drop(w);
    }
}

/// Starts everything in the background: the login-shell capture, then the watcher. Returns
/// at once.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("gowarden-start".into())
        .spawn(move || {
            let backend = app.state::<Arc<Backend>>().inner().clone();
            let captured = backend.capture_login_shell();
            spawn(&app, &backend, captured);
        });
    if let Err(e) = spawned {
        eprintln!("gowarden-app: could not start the watcher: {e}");
    }
}

/// Restarts the watcher with the current settings (off the calling thread: stopping waits for
/// a scan in progress).
pub fn restart<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    let _ = std::thread::Builder::new()
        .name("gowarden-restart".into())
        .spawn(move || {
            if let Some(r) = app.try_state::<Running>() {
                r.stop();
            }
            let backend = app.state::<Arc<Backend>>().inner().clone();
            let captured = backend.options().environment;
            let captured = match captured {
                gowarden::doctor::EnvChoice::Captured(c) => Some(c),
                _ => None,
            };
            spawn(&app, &backend, captured);
        });
}

fn spawn<R: Runtime>(app: &AppHandle<R>, backend: &Backend, captured: Option<CapturedEnv>) {
    let environment = match (backend.login_shell(), captured) {
        (Some(ls), Some(c)) => Environment::Captured(ls, c),
        _ => Environment::Process,
    };
    let settings = backend.settings();
    let opts = Options {
        environment,
        all_processes: false,
        timing: Timing {
            rescan_every: Duration::from_secs(settings.rescan_interval_secs),
            ..Timing::default()
        },
        max_watches: None,
        journal: backend.data_dir().map(gowarden::history::journal),
    };
    let (tx, mut rx) = tauri::async_runtime::channel::<Update>(16);
    let watcher = Watcher::spawn(backend.context().clone(), opts, move |u| {
        // The watcher's own thread: waiting here only holds back its next scan.
        let _ = tx.blocking_send(u);
    });
    let watcher = match watcher {
        Ok(w) => w,
        Err(e) => {
            eprintln!("gowarden-app: could not start the watcher: {e}");
            return;
        }
    };
    *app.state::<Running>()
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some(watcher);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        while let Some(u) = rx.recv().await {
            // After a repair or undo in progress has published its own report.
            let backend = app.state::<Arc<Backend>>().inner().clone();
            let _changing = backend.changing().lock().await;
            let tell = crate::notify::is_news(backend.report().as_deref(), &u.report);
            publish(&app, u.report, &u.events, tell);
        }
    });
}
