//! The menu-bar app: a thin shell over the gowarden engine. `backend` keeps the engine's
//! answers, `commands` is the IPC contract, `watcher` bridges the engine's watcher into
//! Tauri's runtime, `notify` decides notifications, `tray` chooses the tray's look, and
//! `desktop` (the real app only) builds the tray, menu, popover and plugins.

pub mod backend;
pub mod commands;
#[cfg(not(test))]
mod desktop;
pub mod notify;
pub mod placement;
pub mod tray;
pub mod watcher;

use std::sync::Arc;

use backend::Backend;

/// Builds and runs the app until the user quits.
pub fn run() {
    #[cfg(not(test))]
    desktop::run();
}

/// Applies the app's state and commands to a builder of any runtime, so tests drive the same
/// app with the mock runtime. The backend is injected: tests pass one over a scenario machine.
pub fn build<R: tauri::Runtime>(builder: tauri::Builder<R>, backend: Backend) -> tauri::Builder<R> {
    builder
        .manage(Arc::new(backend))
        .manage(watcher::Running::default())
        .invoke_handler(tauri::generate_handler![
            commands::get_report,
            commands::rescan,
            commands::repair,
            commands::undo,
            commands::get_history,
            commands::get_settings,
            commands::set_settings,
        ])
}

#[cfg(test)]
mod admin_tests;
#[cfg(test)]
mod ipc_tests;
