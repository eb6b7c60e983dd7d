//! The baseline for the resource budget (BENCHMARKS.md, scripts/bench-app): a bare Tauri 2
//! tray app with the same plugins, one (hidden) window with the same bundled page, one tray
//! icon and a one-item menu, and nothing of gowarden: no scans, no watcher, no commands.

fn main() {
    use tauri::menu::{Menu, MenuItem};
    use tauri::tray::TrayIconBuilder;
    tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|_, _, _| {}))
        .plugin(tauri_plugin_autostart::Builder::new().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_positioner::init())
        .setup(|app| {
            let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
            let menu = Menu::with_items(app, &[&quit])?;
            TrayIconBuilder::with_id("main")
                .icon(tauri::include_image!("icons/tray/ok@2x.png"))
                .menu(&menu)
                .on_menu_event(|app, _| app.exit(0))
                .build(app)?;
            Ok(())
        })
        .run(tauri::generate_context!("tauri.conf.json"))
        .unwrap_or_else(|e| {
            eprintln!("bare_tray: {e}");
            std::process::exit(1);
        });
}
