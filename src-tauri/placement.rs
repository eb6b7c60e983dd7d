//! Where the popover goes where the tray reports no position (Linux): the top-right corner of
//! the monitor's work area, worked out from the window's known size.
//!
//! tauri-plugin-positioner's `TopRight` subtracts the window's `outer_size()`, which is zero
//! until a hidden window has been shown once on Linux (GTK has not realized it), so the first
//! popover landed at x = the screen's width, off screen (issue 18). The size comes from the
//! configuration instead (the popover is not resizable), and the result is clamped so that all
//! of the window is on the monitor.

/// A rectangle in physical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left.
    pub x: i32,
    /// Top.
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// The popover's logical size, as `tauri.conf.json` gives it (kept equal by a test).
pub const POPOVER_SIZE: (f64, f64) = (360.0, 520.0);

/// Logical pixels between the popover and the work area's edges.
const MARGIN: f64 = 8.0;

/// The window's size in physical pixels: its configured logical size at the monitor's scale,
/// or what it reports where that is larger. What a hidden or just-mapped window reports on
/// Linux is not to be trusted smaller: 0x0 before GTK realized it, and a transient 28 px width
/// seen while a window manager (openbox) maps it, which put it half off screen.
pub fn window_size(reported: (u32, u32), scale: f64) -> (u32, u32) {
    let px = |logical: f64| (logical * scale).round() as u32;
    (
        reported.0.max(px(POPOVER_SIZE.0)),
        reported.1.max(px(POPOVER_SIZE.1)),
    )
}

/// The top-left corner for a `size` window in the top-right corner of `work` (a monitor's work
/// area: the screen less panels and docks), a margin in, and never outside it: a window larger
/// than the area is pinned to its top-left.
pub fn top_right(work: Rect, size: (u32, u32), scale: f64) -> (i32, i32) {
    let margin = (MARGIN * scale).round() as i32;
    let (w, h) = (size.0 as i32, size.1 as i32);
    let right = work.x + work.width as i32;
    let bottom = work.y + work.height as i32;
    let x = (right - w - margin).min(right - w).max(work.x);
    let y = (work.y + margin).min(bottom - h).max(work.y);
    (x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCREEN: Rect = Rect {
        x: 0,
        y: 0,
        width: 1280,
        height: 800,
    };

    #[test]
    fn an_unrealized_window_is_placed_from_its_configured_size() {
        // Xvfb, no window manager: the hidden window reports 0x0 until shown once.
        let size = window_size((0, 0), 1.0);
        assert_eq!(size, (360, 520));
        let (x, y) = top_right(SCREEN, size, 1.0);
        assert_eq!((x, y), (1280 - 360 - 8, 8));
        assert!(x + 360 <= 1280 && y + 520 <= 800, "all of it on screen");
        assert_eq!(window_size((720, 1040), 2.0), (720, 1040));
        assert_eq!(window_size((0, 0), 2.0), (720, 1040));
        // A transient width reported while a window manager maps it.
        assert_eq!(window_size((28, 520), 1.0), (360, 520));
    }

    #[test]
    fn the_work_area_keeps_it_clear_of_panels_and_on_its_own_monitor() {
        // A top panel of 28 px, and a second monitor to the right of the first.
        let work = Rect {
            x: 1920,
            y: 28,
            width: 1280,
            height: 772,
        };
        assert_eq!(top_right(work, (360, 520), 1.0), (1920 + 1280 - 368, 36));
        // A window taller or wider than the area stays inside it from the top-left.
        let small = Rect {
            x: 0,
            y: 0,
            width: 300,
            height: 400,
        };
        assert_eq!(top_right(small, (360, 520), 1.0), (0, 0));
        // HiDPI: the margin scales too.
        assert_eq!(top_right(SCREEN, (720, 1040), 2.0).0, 1280 - 720 - 16);
    }

    #[test]
    fn the_configured_size_is_the_one_in_tauri_conf_json() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        let w = &conf["app"]["windows"][0];
        assert_eq!(
            (w["width"].as_f64(), w["height"].as_f64()),
            (Some(POPOVER_SIZE.0), Some(POPOVER_SIZE.1))
        );
    }
}
