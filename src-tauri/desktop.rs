//! The real app on a desktop: plugins (single instance first), the tray with its menu, the
//! popover window, notifications and launch at login. Never built under the mock runtime
//! (GTK needs a display); everything it shows comes from `tray` and `notify`.

use std::sync::Arc;

use gowarden::ipc::{DriftEvent, Settings};
use gowarden::report::Report;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, RunEvent, WindowEvent, Wry};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_notification::NotificationExt as _;

use crate::backend::Backend;
use crate::commands::Shell;
use crate::tray::{self, Look};
use crate::watcher;

const TRAY: &str = "main";
const POPOVER: &str = "main";

/// Set to show the popover at start (the end-to-end test's screenshots need it visible).
const SHOW_AT_START: &str = "GOWARDEN_SHOW_POPOVER";

/// Builds and runs the app until the user quits.
pub fn run() {
    let backend = match Backend::from_process() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("gowarden-app: cannot start: {e}");
            std::process::exit(1);
        }
    };
    let builder = tauri::Builder::default()
        // First: a second launch only opens the first one's popover.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            show_popover(app);
        }))
        .plugin(autostart())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_positioner::init())
        .manage(Shell::<Wry> {
            on_update,
            on_settings,
        })
        .on_window_event(|window, event| match event {
            // A popover: it goes away when it loses focus (unless pinned open for the
            // end-to-end test), and closing it never quits.
            WindowEvent::Focused(false) if std::env::var_os(SHOW_AT_START).is_none() => {
                let _ = window.hide();
            }
            WindowEvent::CloseRequested { api, .. } => {
                api.prevent_close();
                let _ = window.hide();
            }
            _ => {}
        })
        .setup(|app| {
            #[cfg(target_os = "macos")]
            app.set_activation_policy(tauri::ActivationPolicy::Accessory);
            let handle = app.handle().clone();
            build_tray(&handle)?;
            // A click on one of our notifications opens the popover. Registering a handler is
            // also what makes the plugin offer the click: without one, the notification server
            // is not told there is a default action, and nothing listens for it.
            let opener = handle.clone();
            handle.notification().on_action(move |performed| {
                if performed.action_id() == "tap" {
                    show_popover(&opener);
                }
            })?;
            sync_autostart(&handle, &handle.state::<Arc<Backend>>().settings());
            if let Some(w) = handle.state::<Arc<Backend>>().take_settings_warning() {
                notify(&handle, "gowarden's settings were reset", &w);
            }
            watcher::start(&handle);
            if std::env::var_os(SHOW_AT_START).is_some() {
                show_popover(&handle);
            }
            Ok(())
        });
    let app = crate::build(builder, backend)
        .build(tauri::generate_context!("tauri.conf.json"))
        .unwrap_or_else(|err| {
            eprintln!("gowarden-app: could not start: {err}");
            std::process::exit(1);
        });
    app.run(|app, event| match event {
        // Closing the last window is not quitting; only Quit (app.exit) is.
        RunEvent::ExitRequested {
            code: None, api, ..
        } => api.prevent_exit(),
        RunEvent::Exit => app.state::<watcher::Running>().stop(),
        _ => {}
    });
}

fn autostart() -> tauri::plugin::TauriPlugin<Wry> {
    let b = tauri_plugin_autostart::Builder::new().arg("--hidden");
    #[cfg(target_os = "macos")]
    let b = b.macos_launcher(tauri_plugin_autostart::MacosLauncher::LaunchAgent);
    b.build()
}

/// The tray icon for each state, at 2x (Retina menu bars, HiDPI panels; downscaled crisply
/// elsewhere). On macOS a template glyph, drawn in the menu bar's colour; its shape tells
/// the state. Elsewhere the coloured badge.
fn icon(look: Look) -> Image<'static> {
    #[cfg(target_os = "macos")]
    let icons = [
        tauri::include_image!("icons/tray/checking-template@2x.png"),
        tauri::include_image!("icons/tray/ok-template@2x.png"),
        tauri::include_image!("icons/tray/warning-template@2x.png"),
        tauri::include_image!("icons/tray/broken-template@2x.png"),
    ];
    #[cfg(not(target_os = "macos"))]
    let icons = [
        tauri::include_image!("icons/tray/checking@2x.png"),
        tauri::include_image!("icons/tray/ok@2x.png"),
        tauri::include_image!("icons/tray/warning@2x.png"),
        tauri::include_image!("icons/tray/broken@2x.png"),
    ];
    let [checking, ok, warning, broken] = icons;
    match look {
        Look::Checking => checking,
        Look::Ok => ok,
        Look::Warning => warning,
        Look::Broken => broken,
    }
}

fn build_tray(app: &AppHandle) -> tauri::Result<()> {
    let menu = Menu::new(app)?;
    fill_menu(app, &menu, None)?;
    TrayIconBuilder::with_id(TRAY)
        .icon(icon(Look::Checking))
        .icon_as_template(cfg!(target_os = "macos"))
        .tooltip(tray::tooltip(None))
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(on_menu)
        .on_tray_icon_event(|tray, event| {
            tauri_plugin_positioner::on_tray_event(tray.app_handle(), &event);
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                toggle_popover(tray.app_handle());
            }
        })
        .build(app)?;
    app.manage(menu);
    Ok(())
}

/// Fills the menu: the status line, Open, Rescan, one Repair per repairable finding, Launch
/// at login, Quit. The menu is refilled, never replaced (Linux cannot swap a tray's menu).
fn fill_menu(app: &AppHandle, menu: &Menu<Wry>, report: Option<&Report>) -> tauri::Result<()> {
    for item in menu.items()? {
        menu.remove(&item)?;
    }
    let status = MenuItem::with_id(app, "status", tray::tooltip(report), false, None::<&str>)?;
    menu.append(&status)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(
        app,
        "open",
        "Open gowarden",
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(
        app,
        "rescan",
        "Rescan now",
        true,
        None::<&str>,
    )?)?;
    let repairs = tray::repair_entries(report);
    if !repairs.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
        for (id, label) in repairs {
            menu.append(&MenuItem::with_id(
                app,
                format!("repair:{id}"),
                label,
                true,
                None::<&str>,
            )?)?;
        }
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    let login = app.state::<Arc<Backend>>().settings().launch_at_login;
    menu.append(&CheckMenuItem::with_id(
        app,
        "launch-at-login",
        "Launch at login",
        true,
        login,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(
        app,
        "quit",
        "Quit gowarden",
        true,
        None::<&str>,
    )?)?;
    Ok(())
}

fn on_menu(app: &AppHandle, event: tauri::menu::MenuEvent) {
    let id = event.id().as_ref();
    match id {
        "open" => show_popover(app),
        "rescan" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let _ = crate::commands::rescan(app).await;
            });
        }
        "launch-at-login" => {
            let backend = app.state::<Arc<Backend>>().inner().clone();
            let mut s = backend.settings();
            s.launch_at_login = !s.launch_at_login;
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = crate::commands::set_settings(app.clone(), s).await {
                    notify(&app, "Launch at login was not changed", &e.message);
                }
            });
        }
        "quit" => app.exit(0),
        _ => {
            if let Some(finding) = id.strip_prefix("repair:") {
                let (app, finding) = (app.clone(), finding.to_string());
                tauri::async_runtime::spawn(async move {
                    match crate::commands::repair(app.clone(), finding, None).await {
                        Ok(o) => notify(&app, "Repaired", &o.message),
                        Err(e) => notify(&app, "Not repaired", &e.message),
                    }
                });
            }
        }
    }
}

/// A new report: the tray's icon, tooltip and menu, and one notification for the update's
/// drift events (those the settings let through).
fn on_update(app: &AppHandle, report: &Report, events: &[DriftEvent], tell: bool) {
    if let Some(tray) = app.tray_by_id(TRAY) {
        let look = Look::of(Some(report));
        let _ = tray.set_icon_with_as_template(Some(icon(look)), cfg!(target_os = "macos"));
        let _ = tray.set_tooltip(Some(tray::tooltip(Some(report))));
    }
    if let Some(menu) = app.try_state::<Menu<Wry>>() {
        let _ = fill_menu(app, &menu, Some(report));
    }
    if tell {
        let settings = app.state::<Arc<Backend>>().settings();
        if let Some(n) = crate::notify::notice(&settings, events) {
            notify(app, &n.title, &n.body);
        }
    }
}

fn on_settings(app: &AppHandle, settings: &Settings) {
    sync_autostart(app, settings);
    if let Some(menu) = app.try_state::<Menu<Wry>>() {
        let report = app.state::<Arc<Backend>>().report();
        let _ = fill_menu(app, &menu, report.as_deref());
    }
}

/// Registers or removes the login item to match the settings.
fn sync_autostart(app: &AppHandle, settings: &Settings) {
    let auto = app.autolaunch();
    let on = auto.is_enabled().unwrap_or(false);
    let result = match (settings.launch_at_login, on) {
        (true, false) => auto.enable(),
        (false, true) => auto.disable(),
        _ => Ok(()),
    };
    if let Err(e) = result {
        eprintln!("gowarden-app: launch at login: {e}");
    }
}

fn notify(app: &AppHandle, title: &str, body: &str) {
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        eprintln!("gowarden-app: notification: {e}");
    }
}

fn toggle_popover(app: &AppHandle) {
    if let Some(w) = app.get_webview_window(POPOVER)
        && w.is_visible().unwrap_or(false)
    {
        let _ = w.hide();
        return;
    }
    show_popover(app);
}

/// Shows the popover under the tray icon (macOS), or in the top-right corner of the monitor's
/// work area where the tray reports no position (Linux; see `placement`).
fn show_popover(app: &AppHandle) {
    use tauri_plugin_positioner::{Position, WindowExt as _};
    let Some(w) = app.get_webview_window(POPOVER) else {
        return;
    };
    let placed =
        cfg!(target_os = "macos") && w.move_window_constrained(Position::TrayCenter).is_ok();
    if !placed {
        place_top_right(&w);
    }
    let _ = w.show();
    if !placed {
        // A window manager may have placed it on mapping; ask for the corner again.
        place_top_right(&w);
    }
    let _ = w.set_focus();
}

/// Moves the popover to the top-right corner of its monitor's work area.
fn place_top_right(w: &tauri::WebviewWindow) {
    let Some(monitor) = w
        .current_monitor()
        .ok()
        .flatten()
        .or_else(|| w.primary_monitor().ok().flatten())
    else {
        return;
    };
    let area = monitor.work_area();
    let work = crate::placement::Rect {
        x: area.position.x,
        y: area.position.y,
        width: area.size.width,
        height: area.size.height,
    };
    let scale = monitor.scale_factor();
    let reported = w
        .outer_size()
        .map(|s| (s.width, s.height))
        .unwrap_or((0, 0));
    let size = crate::placement::window_size(reported, scale);
    let (x, y) = crate::placement::top_right(work, size, scale);
    let _ = w.set_position(tauri::PhysicalPosition::new(x, y));
}
