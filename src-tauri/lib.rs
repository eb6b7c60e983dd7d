//! The app shell: wires the gowarden engine to a window. The tray, popover, commands and
//! notifications arrive with the app issue; for now it opens the main window.

/// Builds and runs the app until the user quits.
pub fn run() {
    build(tauri::Builder::default())
        .run(tauri::generate_context!())
        .unwrap_or_else(|err| {
            eprintln!("gowarden-app: could not start: {err}");
            std::process::exit(1);
        });
}

/// Applies the app's setup to a builder of any runtime, so tests can use the mock runtime.
pub fn build<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
}

#[cfg(test)]
mod tests {
    /// The real configuration (icons, window, CSP) builds into an app; the mock runtime needs
    /// no display.
    #[test]
    fn app_builds_with_its_real_config() {
        let app = super::build(tauri::test::mock_builder())
            .build(tauri::generate_context!("tauri.conf.json", test = true))
            .expect("the app builds");
        let main = app
            .config()
            .app
            .windows
            .iter()
            .find(|w| w.label == "main")
            .expect("a main window");
        assert_eq!(main.title, "gowarden");
    }
}
