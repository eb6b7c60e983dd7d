//! Build script: tauri-build reads tauri.conf.json, embeds the icons and generates the
//! capability and permission files the app's context needs.

fn main() {
    tauri_build::build()
}
