//! The gowarden menu-bar app. All behaviour lives in the library so tests can drive it.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    gowarden_app::run();
}
